#!/usr/bin/env bash
# gatesim set-up and entry point. On a fresh Debian 12 machine with only git:
#   ./gatesim.sh demo     install what is missing, fetch models, build, run the main demo
#   ./gatesim.sh test     the same set-up, then the whole test suite (ctest)
#   ./gatesim.sh ARGS...  the same quick check, then `gatesim ARGS...`
# GATESIM_PRESET picks the CMake preset (default: release); GATESIM_MODELS the model cache.
set -euo pipefail
cd "$(dirname "$0")"

preset="${GATESIM_PRESET:-release}"
log() { echo "gatesim.sh: $*" >&2; }

scripts/install-deps.sh
scripts/fetch-models.sh
if [ ! -f "build/$preset/build.ninja" ]; then
  log "configuring (preset $preset)"
  cmake --preset "$preset" >&2
fi
# Two cores and a 24 GiB machine: dlib's network templates need ~2 GiB per compiler process.
cmake --build --preset "$preset" -- -j"${GATESIM_JOBS:-$(nproc)}" >&2

gatesim="build/$preset/apps/gatesim/gatesim"
case "${1:-demo}" in
  demo)
    shift || true
    scripts/demo.sh "$gatesim" "$@"
    ;;
  test)
    shift
    ctest --preset "$preset" -j"${GATESIM_TEST_JOBS:-$(nproc)}" "$@"
    ;;
  *)
    exec "$gatesim" "$@"
    ;;
esac
