#!/usr/bin/env bash
# Fuzzes the parsers that read users' files (tests/fuzz) with libFuzzer.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
#   targets: policy_case scenario trace device_uri image_header wire_answer wire_request chips_line lane_options
#   (default: all)
# Builds the targets with clang and sanitizers (preset `fuzz`, build/fuzz), then runs each from
# its saved corpus (tests/fuzz/corpus/<target>). New inputs that reach new code go to
# build/fuzz/corpus/<target>; an input that breaks a parser is saved as build/fuzz/crash-* and
# the run stops with its report. Once the bug is fixed, copy that input into
# tests/fuzz/corpus/<target>/: every ordinary build replays the corpus as a test.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(policy_case scenario trace device_uri image_header wire_answer wire_request chips_line lane_options)

scripts/install-deps.sh clang-14 libclang-rt-14-dev
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"
for target in "${targets[@]}"; do
  found=build/fuzz/corpus/$target
  mkdir -p "$found"
  echo "== $target: $seconds s" >&2
  OPENBLAS_NUM_THREADS=1 build/fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix=build/fuzz/ "$found" tests/fuzz/corpus/"$target"
done
