#!/usr/bin/env bash
# Lanes per core at live video: a bank of LANES document-free lanes, each on its own MJPEG stream
# that ffmpeg serves at 15 frames/s over HTTP (the shipped clip looped: Lin-Manuel Miranda,
# enrolled, in view), the full pipeline (detection, quality, descriptor, 1:N, policy, audit
# write, liveness both cues). No passage watch and no anti-passback, so every lane transacts for
# the whole run. After a settling time the script samples the gatesim process's CPU (user+sys,
# /proc) over SECONDS of wall time and counts the transactions and frames analysed in that time.
#   bench/lanes_per_core.sh [GATESIM] [LANES] [SECONDS] [FPS]   (defaults: build/ci's, 1, 30, 15)
# Prints: CPU cores used by the bank, per lane; frames analysed per lane per second (against the
# FPS offered: fewer means the lanes could not keep up and the camera dropped frames); CPU ms per
# analysed frame; and lanes per core = 1 / (cores per lane) when every lane keeps up, or the
# same figure scaled by the share of frames analysed when it does not (frames the lanes must
# analyse per second per core, from the CPU per analysed frame).
# Needs ffmpeg (Debian: apt install ffmpeg; the suite does not). ffmpeg's own CPU (encoding the streams) is another process and is not counted.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=$(realpath "${1:-$here/build/ci/apps/gatesim/gatesim}")
lanes=${2:-1}
seconds=${3:-30}
fps=${4:-15}
settle=${SETTLE:-15}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
faces=$here/tests/data/faces
clip=$faces/examples/short_hamilton_clip.mp4
record() { printf '{"id":"%s","birth_date":"1980-01-01","residence":"hong_kong","nationality":"CHN","civil_capacity":"full","consent":true,"documents":[{"kind":"home_return_permit","number":"H-%s","valid_until":"2030-01-01"}]}' "$1" "$1"; }
for who in lin:lin-manuel-miranda alex:alex-lacamoire; do
  id=${who%%:*}
  record "$id" > "$work/$id.json"
  "$gatesim" enroll --db "$work/enrol.db" --id "$id" --record "$work/$id.json" "$faces/examples/${who#*:}.png" > /dev/null
done
base_port=$((18700 + RANDOM % 200))
lane_args=()
for ((l = 1; l <= lanes; ++l)); do
  port=$((base_port + l))
  ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$clip" -vf "fps=$fps" -q:v 4 -f mpjpeg -listen 1 \
    "http://127.0.0.1:$port/feed.mjpg" &
  pids+=($!)
  lane_args+=(--lane "name=e$l,camera=http://127.0.0.1:$port/feed.mjpg")
done
sleep 1
"$gatesim" gate --port shenzhen-bay --date 2026-11-27 --db "$work/enrol.db" --audit "$work/audit.db" \
  --identification-threshold 0.6 --passage none --passback 0 \
  --liveness both --json "${lane_args[@]}" > "$work/out.jsonl" 2> "$work/err.txt" &
gate=$!
pids+=($gate)
tick=$(getconf CLK_TCK)
cpu() { awk -v t="$tick" '{printf "%.3f", ($14 + $15) / t}' "/proc/$gate/stat"; }
sleep "$settle"
kill -0 "$gate" 2>/dev/null || { echo "gatesim ended early:"; cat "$work/err.txt"; exit 1; }
lines0=$(wc -l < "$work/out.jsonl"); cpu0=$(cpu); t0=$(date +%s.%N)
sleep "$seconds"
lines1=$(wc -l < "$work/out.jsonl"); cpu1=$(cpu); t1=$(date +%s.%N)
# The transactions completed in the window, and the frames they analysed.
frames=$(sed -n "$((lines0 + 1)),${lines1}p" "$work/out.jsonl" | python3 -c '
import json, sys
print(sum(p.get("frames", 0) for line in sys.stdin if line.strip() for p in json.loads(line).get("people", [])))')
python3 - "$lanes" "$fps" "$cpu0" "$cpu1" "$t0" "$t1" "$((lines1 - lines0))" "$frames" <<'EOF'
import sys
lanes, fps = int(sys.argv[1]), float(sys.argv[2])
cpu = float(sys.argv[4]) - float(sys.argv[3]); wall = float(sys.argv[6]) - float(sys.argv[5])
tx, frames = int(sys.argv[7]), int(sys.argv[8])
cores = cpu / wall
per_lane_fps = frames / wall / lanes
ms_per_frame = 1000 * cpu / frames if frames else float("nan")
kept_up = per_lane_fps / fps
lanes_per_core = 1000 / (ms_per_frame * fps) if frames else float("nan")
print(f"lanes {lanes}  wall {wall:.1f} s  CPU {cpu:.1f} s ({cores:.2f} cores, {cores / lanes:.2f} per lane)  "
      f"transactions {tx}  frames analysed {frames} ({per_lane_fps:.1f}/s per lane of {fps:g} offered, {100 * kept_up:.0f}%)  "
      f"CPU per analysed frame {ms_per_frame:.1f} ms  lanes per core at {fps:g} frames/s {lanes_per_core:.2f}")
EOF
