#!/usr/bin/env bash
# A bank of N lanes in one process against the same N lanes as N separate processes: CPU
# seconds and peak memory (RSS) per lane, with the full pipeline (document-free lanes: detection,
# quality, descriptor, 1:N, policy, audit write, liveness both). Each lane's camera is a dir:
# folder of FRAMES photos of an enrolled holder (tests/data/faces), shown as fast as the lane
# takes them (not paced at a camera's frame rate).
#   bench/bank.sh [GATESIM] [LANES] [FRAMES]     (defaults: build/ci's, 2, 12)
# Prints one line per layout: lanes, transactions, wall s, CPU s, CPU ms per transaction,
# peak RSS MiB (the bank's, or the sum of the processes'), RSS MiB per lane.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/ci/apps/gatesim/gatesim}
lanes=${2:-2}
frames=${3:-12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
faces=$here/tests/data/faces
record() { printf '{"id":"%s","birth_date":"1980-01-01","residence":"hong_kong","nationality":"CHN","civil_capacity":"full","consent":true,"documents":[{"kind":"home_return_permit","number":"H-%s","valid_until":"2030-01-01"}]}' "$1" "$1"; }
for id in obama biden; do
  record $id > "$work/$id.json"
  "$gatesim" enroll --db "$work/enrol.db" --id $id --record "$work/$id.json" "$faces/reference/$id.jpg" > /dev/null
done
# Obama's photos over and over: every transaction identifies an enrolled holder (cleared or
# referred on liveness: still photos), so the lanes keep transacting until the folder ends.
mapfile -t obama < <(ls "$faces"/reference/obama2.jpg "$faces"/reference/obama3.jpg "$faces"/examples/obama-480p.jpg "$faces"/examples/obama-720p.jpg)
images=()
for ((i = 0; i < frames; ++i)); do images+=("${obama[$((i % ${#obama[@]}))]}"); done
for ((l = 1; l <= lanes; ++l)); do
  mkdir -p "$work/lane$l"
  for i in "${!images[@]}"; do cp "${images[$i]}" "$work/lane$l/$(printf %03d "$i").${images[$i]##*.}"; done
done
common=(gate --port shenzhen-bay --date 2026-11-27 --db "$work/enrol.db" --passage none --passback 0 --face-window 600
        --liveness both --liveness-window 600 --json)
measure() {  # label, then the commands' count; reads the time lines
  local label=$1 n=$2
  awk -v label="$label" -v lanes="$lanes" -v n="$n" '
    /^TIME/ { wall = ($2 > wall ? $2 : wall); cpu += $3 + $4; rss += $5 / 1024 }
    /^TX/ { tx += $2 }
    END { printf "%-9s lanes %d  transactions %d  wall %.1f s  CPU %.1f s  CPU/transaction %.0f ms  peak RSS %.0f MiB  per lane %.0f MiB\n",
                 label, lanes, tx, wall, cpu, 1000 * cpu / (tx ? tx : 1), rss, rss / lanes }'
}
# One bank of all lanes.
args=()
for ((l = 1; l <= lanes; ++l)); do args+=(--lane "name=l$l,camera=dir:$work/lane$l"); done
{ /usr/bin/time -f "TIME %e %U %S %M" "$gatesim" "${common[@]}" --audit "$work/bank.db" "${args[@]}" \
    2> "$work/bank.err" > "$work/bank.out" || true
  tail -n 1 "$work/bank.err"; echo "TX $(wc -l < "$work/bank.out")"; } | measure bank 1
# The same lanes, one process each, side by side.
for ((l = 1; l <= lanes; ++l)); do
  ( /usr/bin/time -f "TIME %e %U %S %M" "$gatesim" "${common[@]}" --audit "$work/solo$l.db" --camera "dir:$work/lane$l" \
      2> "$work/solo$l.err" > "$work/solo$l.out" || true ) &
done
wait
{ for ((l = 1; l <= lanes; ++l)); do tail -n 1 "$work/solo$l.err"; echo "TX $(wc -l < "$work/solo$l.out")"; done; } | measure processes "$lanes"
