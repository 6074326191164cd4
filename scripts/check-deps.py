#!/usr/bin/env python3
"""Checks that scripts/install-deps.sh installs everything a build of gatesim used.

A machine that already carries many -dev packages builds fine even when install-deps.sh
forgets one; a fresh Debian 12 then fails. This check makes that visible on any machine: every
file the build used from the system must belong to a Debian package that install-deps.sh
installs, by name or through its Depends/Pre-Depends (not Recommends: install-deps uses
--no-install-recommends).

The files it checks, from a finished build folder:
  - every library file on a link line (build.ninja's LINK_LIBRARIES: paths and -lNAME),
  - every header the compiler read (ninja's dependency log, `ninja -t deps`),
  - every CMake package configuration the configure step found (CMakeCache's *_DIR),
  - every shared library the built programs load (ldd),
  - the tools the set-up and the suite run (TOOLS below).
A file reached through update-alternatives counts as provided when any package in the set
registers an alternative for that link (the link exists on a fresh machine then, pointing at
that package's file). It also checks that dlib's BLAS and LAPACK resolve to OpenBLAS at run
time, not to the reference BLAS (4x slower per face descriptor).

Usage: check-deps.py BUILD_DIR [--without PACKAGE]
  exit 0: all covered; 1: what is missing, one line each. --without checks as if install-deps.sh
  did not list PACKAGE (the suite uses it to see that the check catches a missing package).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Programs that ./gatesim.sh demo|test and the suite run, besides the compiler the build names
# (npm is checked by install-deps.sh itself: a Node.js that bundles npm is as good as Debian's).
TOOLS = ["cmake", "ninja", "pkg-config", "python3", "sqlite3", "tar", "sha256sum"]
BLAS_SONAMES = ("libblas.so.3", "liblapack.so.3")


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def wanted_packages():
    return run(str(ROOT / "scripts" / "install-deps.sh"), "--list").split()


def installed_depends():
    """Every installed package's status, Depends and Pre-Depends, and which names it provides."""
    fmt = "${Package}\\t${db:Status-Status}\\t${Pre-Depends}, ${Depends}\\t${Provides}\\t${Essential}\\n"
    deps, providers, installed, essential = {}, {}, set(), set()
    for line in run("dpkg-query", "-W", "-f=" + fmt).splitlines():
        name, status, depends, provides, is_essential = (line.split("\t") + [""] * 5)[:5]
        if status != "installed":
            continue
        installed.add(name)
        if is_essential == "yes":
            essential.add(name)
        deps[name] = [[alt.strip().split()[0].split(":")[0] for alt in group.split("|") if alt.strip()]
                      for group in depends.split(",") if group.strip()]
        for p in provides.split(","):
            if p.strip():
                providers.setdefault(p.strip().split()[0], set()).add(name)
    return deps, providers, installed, essential


def closure(roots, deps, providers, installed):
    """The packages a fresh machine gets from `roots`: for a choice (a | b) or a virtual name,
    the installed package that satisfies it, the first named one when several do."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for group in deps.get(name, []):
            choice = [a for a in group if a in installed]
            if not choice:
                choice = [p for a in group for p in sorted(providers.get(a, ())) if p in installed]
            if choice and not any(c in seen for c in choice):
                todo.append(choice[0])
    return seen


def file_owners():
    """path -> packages, from dpkg's file lists; /usr-merged paths under both spellings."""
    owners = {}
    info = Path("/var/lib/dpkg/info")
    for lst in info.glob("*.list"):
        pkg = lst.stem.split(":")[0]
        for path in lst.read_text(errors="replace").splitlines():
            owners.setdefault(path, set()).add(pkg)
    return owners


def spellings(path):
    p = os.path.normpath(path)
    yield p
    if p.startswith("/usr/"):
        yield p[4:]
    else:
        yield "/usr" + p


def alternative_choices(name):
    """The files that may stand behind /etc/alternatives/NAME, from dpkg's alternatives database
    (NAME is a group's master or one of its slaves, such as libblas.so-x86_64-linux-gnu or
    liblapack.so-x86_64-linux-gnu's slaves)."""
    choices = []
    for group in Path("/var/lib/dpkg/alternatives").iterdir():
        lines = group.read_text(errors="replace").split("\n")
        slaves, i = [], 2
        while i + 1 < len(lines) and lines[i]:
            slaves.append(lines[i])
            i += 2
        if name != group.name and name not in slaves:
            continue
        i += 1  # the blank line ending the slave list
        while i + 1 < len(lines) and lines[i]:
            path, slave_paths = lines[i], lines[i + 2:i + 2 + len(slaves)]
            choices.append(path if name == group.name else slave_paths[slaves.index(name)])
            i += 2 + len(slaves)
    return [c for c in choices if c]


def providers_of(path, owners, depth=0):
    """The sets of packages any one of which provides `path` (a file, a symlink chain, or an
    update-alternatives link)."""
    found = set()
    for p in spellings(path):
        found |= owners.get(p, set())
    if os.path.islink(path) and depth < 20:
        target = os.path.join(os.path.dirname(path), os.readlink(path))
        if os.path.dirname(os.path.normpath(target)) == "/etc/alternatives":
            for alt in alternative_choices(os.path.basename(target)):
                found |= providers_of(alt, owners, depth + 1)
        elif not found:
            found |= providers_of(target, owners, depth + 1)
    return found


def resolve_lib(name, search):
    for d in search:
        for suffix in (".so", ".a"):
            f = Path(d) / f"lib{name}{suffix}"
            if f.exists() or f.is_symlink():
                return str(f)
    return None


def files_used(build):
    """(file, why) pairs for every system file the build used."""
    build = Path(build).resolve()
    inside = (str(ROOT), str(build))
    system = lambda p: p.startswith("/") and not p.startswith(inside) and not p.startswith("/tmp/")
    used = []
    ninja_file = (build / "build.ninja").read_text()
    search = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib"]
    for line in re.findall(r"^\s*LINK_LIBRARIES = (.*)$", ninja_file, re.M):
        for token in line.split():
            if token.startswith("-l"):
                lib = resolve_lib(token[2:], search)
                if lib:
                    used.append((lib, "linked (" + token + ")"))
                else:
                    used.append((token, "linked, but no lib" + token[2:] + ".so/.a exists"))
            elif system(token) and (".so" in token or token.endswith(".a")):
                used.append((token, "linked"))
    deps = run("ninja", "-C", str(build), "-t", "deps")
    for line in deps.splitlines():
        p = line.strip()
        if line.startswith("    ") and system(p):
            used.append((p, "header"))
    for line in (build / "CMakeCache.txt").read_text().splitlines():
        m = re.match(r"^(\w+)_DIR:PATH=(/.*)$", line)
        if m and system(m.group(2)) and Path(m.group(2)).is_dir():
            for cfg in Path(m.group(2)).glob("*onfig.cmake"):
                used.append((str(cfg), "CMake package " + m.group(1)))
    programs = [p for p in build.rglob("*") if p.is_file() and os.access(p, os.X_OK) and p.suffix == ""
                and (p.name == "gatesim" or p.name.startswith(("test_", "bench_")))]
    for prog in programs:
        out = subprocess.run(["ldd", str(prog)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (\S+)", line)
            if m and m.group(2) == "not":
                used.append((m.group(1), f"loaded by {prog.name}, but not found"))
            elif m and system(m.group(2)):
                used.append((m.group(2), "loaded by " + prog.name))
    compiler = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", (build / "CMakeCache.txt").read_text(), re.M)
    used += [(compiler.group(1), "the compiler")] if compiler else []
    # Where a fresh machine has them: a tool found first on this machine's PATH (a pyenv
    # python3, say) may be one a fresh machine does not have.
    for tool in TOOLS:
        path = "/usr/bin/" + tool
        used.append((path, "tool") if os.path.exists(path) else (tool, "tool, but there is no /usr/bin/" + tool))
    return used


def blas_problems(build):
    gatesim = Path(build) / "apps" / "gatesim" / "gatesim"
    if not gatesim.exists():
        return [f"{gatesim}: not built"]
    problems = []
    out = run("ldd", str(gatesim))
    for soname in BLAS_SONAMES:
        m = re.search(rf"{re.escape(soname)} => (\S+)", out)
        if m and "openblas" not in os.path.realpath(m.group(1)):
            problems.append(f"{soname} resolves to {os.path.realpath(m.group(1))}, the reference BLAS, not OpenBLAS "
                            f"(update-alternatives --display {soname}-x86_64-linux-gnu)")
    return problems


def main():
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--without"):
        sys.exit(__doc__)
    build = args[0]
    wanted = [p for p in wanted_packages() if len(args) == 1 or p != args[2]]
    deps, providers, installed, essential = installed_depends()
    missing = [p for p in wanted if p not in installed]
    # Every Debian system has the Essential packages (debootstrap's minbase is just those and apt).
    allowed = closure([p for p in wanted if p in installed] + sorted(essential), deps, providers, installed)
    owners = file_owners()
    problems = [f"install-deps.sh lists {p}, which is not installed" for p in missing]
    checked = set()
    for path, why in files_used(build):
        if path in checked:
            continue
        checked.add(path)
        if not path.startswith("/"):
            problems.append(f"{path}: {why}")
            continue
        pkgs = providers_of(path, owners)
        if not pkgs:
            problems.append(f"{path} ({why}): belongs to no Debian package")
        elif not pkgs & allowed:
            problems.append(f"{path} ({why}): from {', '.join(sorted(pkgs))}, which scripts/install-deps.sh "
                            "does not install (neither by name nor through Depends)")
    problems += blas_problems(build)
    for p in problems:
        print("check-deps: " + p)
    print(f"check-deps: {len(checked)} files checked against {len(allowed)} packages "
          f"(install-deps.sh's {len(wanted)}, the Essential ones, and their Depends): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
