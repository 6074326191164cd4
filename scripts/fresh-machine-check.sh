#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12, as a newcomer runs them: a minimal bookworm
# (debootstrap --variant=minbase, plus git), a user `dev` with passwordless sudo and no
# ~/.cache, a clone of this repository's HEAD; then, as dev, `./gatesim.sh demo`, `./gatesim.sh
# test` and a second `./gatesim.sh test`, each timed. Run as root on a Debian machine with
# debootstrap; it leaves ROOT (a few GB) for inspection: ROOT/home/dev/{demo,test,test2}.{out,err}.
#
#   scripts/fresh-machine-check.sh ROOT
#
# HTTPS inside the chroot trusts the CA certificates of /usr/local/share/ca-certificates (a
# proxy's) and /etc/npmrc when they exist, as the host does.
set -euo pipefail
root="${1:?usage: fresh-machine-check.sh ROOT}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
[[ ! -e "$root" ]] || { echo "fresh-machine-check: $root exists; give a new folder" >&2; exit 2; }

debootstrap --variant=minbase --include=git,ca-certificates,sudo bookworm "$root" >&2
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
[[ -f /etc/npmrc ]] && cp /etc/npmrc "$root/etc/npmrc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup"  # slurmd's cgroup plugin, as on a real machine
cleanup() { umount -R "$root/sys/fs/cgroup" "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT

in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
in_root update-ca-certificates >/dev/null
in_root useradd -m -s /bin/bash dev
echo "dev ALL=(ALL) NOPASSWD:ALL" >"$root/etc/sudoers.d/dev"
chmod 440 "$root/etc/sudoers.d/dev"
git clone -q --bare "$repo" "$root/srv/gatesim.git"
in_root chown -R dev:dev /srv/gatesim.git
in_root su - dev -c 'git clone -q /srv/gatesim.git gatesim'

for run in demo test test2; do
  command=${run%2}
  in_root su - dev -c "cd gatesim && start=\$(date +%s) && ./gatesim.sh $command >~/$run.out 2>~/$run.err; \
    echo \"fresh-machine-check: ./gatesim.sh $command ($run): exit \$?, \$(( \$(date +%s) - start )) s\""
done
