#!/usr/bin/env bash
# Did a change to the simulator change any output? Runs two gatesim binaries over the same 30
# simulations and compares their 120 output files byte for byte:
#   - every shipped scenario (scenarios/*.yaml) with gate.model controller and sampled, seeds 1
#     and 3 (20 runs);
#   - a 6-hour variant of each, in both models, at seed 2 with passback attempts and
#     presentation attacks (10 runs).
# Each run writes travellers.jsonl, intervals.csv, summary.json and report.html.
#
#   scripts/compare-outputs.sh BEFORE AFTER [WORK]
#
# BEFORE, AFTER: gatesim binaries (say, main's and yours). WORK: where the outputs are kept
# (default: a temporary folder, removed at the end). Prints "N of N identical"; exit 1 if any
# file differs (each one named), 2 on bad arguments or a run that fails.
set -euo pipefail
usage() { echo "usage: $0 BEFORE_GATESIM AFTER_GATESIM [WORK]" >&2; exit 2; }
[ $# -ge 2 ] || usage
repo="$(cd "$(dirname "$0")/.." && pwd)"
before="$(realpath "$1")"; after="$(realpath "$2")"
for bin in "$before" "$after"; do
  [ -x "$bin" ] || { echo "$0: $bin: not an executable" >&2; exit 2; }
done
if [ -n "${3:-}" ]; then work="$3"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi

# One line per run: a name and its arguments after `simulate SCENARIO`.
runs=()
for scenario in "$repo"/scenarios/*.yaml; do
  name="$(basename "$scenario" .yaml)"
  for model in controller sampled; do
    for seed in 1 3; do
      runs+=("$name.$model.seed$seed|$scenario|--set gate.model=$model --seed $seed")
    done
    runs+=("$name.$model.attacks|$scenario|--set gate.model=$model --seed 2 --set duration_hours=6 --set population.passback=0.03 --set population.presentation_attack=0.01")
  done
done

for side in before after; do
  bin="$before"; [ "$side" = after ] && bin="$after"
  for run in "${runs[@]}"; do
    IFS='|' read -r name scenario args <<<"$run"
    # shellcheck disable=SC2086  # args is a list of words by construction
    "$bin" simulate "$scenario" $args --out "$work/$side/$name" >/dev/null 2>"$work/$side.$name.err" ||
      { echo "$0: $side: simulate $name failed:" >&2; cat "$work/$side.$name.err" >&2; exit 2; }
  done
done

same=0; total=0; differ=0
for run in "${runs[@]}"; do
  name="${run%%|*}"
  for file in travellers.jsonl intervals.csv summary.json report.html; do
    total=$((total + 1))
    if cmp -s "$work/before/$name/$file" "$work/after/$name/$file"; then same=$((same + 1));
    else echo "differs: $name/$file"; differ=1; fi
  done
done
echo "$same of $total identical"
exit "$differ"
