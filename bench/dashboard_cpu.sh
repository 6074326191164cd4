#!/usr/bin/env bash
# Lane CPU per transaction with and without the dashboard and browsers attached.
# Usage: bench/dashboard_cpu.sh GATESIM [TRAVELLERS] [BROWSERS] [LANES]
# LANES (default 1) document lanes, each on a dir: camera (tests/data faces) with TRAVELLERS chips
# of one enrolled holder (LANES > 1: a bank, `--lane name=laneN,camera=...,documents=...`, one
# process); three runs: no --http; --http with no browser; --http with BROWSERS headless Chromium pages
# open on the Lanes page (the WebSocket pushing every change). Prints the gatesim process's CPU
# (user+sys, from /proc when the run is over, models' loading included) per run and per
# transaction, and the CPU of the dashboard's server thread ("gatesim-http": serving, JSON
# snapshots, WebSocket writes). Chromium's own CPU is not counted: it is another process.
set -euo pipefail
gatesim=$(realpath "$1"); travellers=${2:-60}; browsers=${3:-3}; lanes=${4:-1}
data=$(cd "$(dirname "$0")/../tests/data" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
port=18601
tick=$(getconf CLK_TCK)

"$gatesim" enroll --db "$work/enrol.db" --id obama "$data/faces/reference/obama.jpg" >/dev/null
mkdir "$work/frames"
record='{"id":"obama","birth_date":"1980-01-01","residence":"hong_kong","nationality":"CHN","civil_capacity":"full","consent":true,"documents":[{"kind":"home_return_permit","number":"H-obama","valid_until":"2030-01-01"}]}'
for i in $(seq -w 1 "$travellers"); do
  cp "$data/faces/reference/obama2.jpg" "$work/frames/$i.jpg"
  echo "$record" >>"$work/chips.jsonl"
done

# The lane's devices: today's single-lane flags, or a bank's --lane per lane (each its own copy
# of the frames and chips).
devices=(--camera "dir:$work/frames" --documents "chips:$work/chips.jsonl")
if [ "$lanes" -gt 1 ]; then
  devices=()
  for ((l = 1; l <= lanes; ++l)); do
    cp -r "$work/frames" "$work/frames$l"; cp "$work/chips.jsonl" "$work/chips$l.jsonl"
    devices+=(--lane "name=lane$l,camera=dir:$work/frames$l,documents=chips:$work/chips$l.jsonl")
  done
fi

cpu_of() { awk -v t="$tick" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }

run_http() {  # $1: label; $2: browsers. Prints: transactions, CPU seconds, WebSocket messages sent.
  "$gatesim" gate --port shenzhen-bay --date 2026-11-27 --db "$work/enrol.db" --audit "$work/audit-$1.db" \
    "${devices[@]}" --passage none --passback 0 --liveness off --face-window 60 --json \
    --http "127.0.0.1:$port" >"$work/$1.out" 2>"$work/$1.err" &
  local pid=$! chromes=() b
  until grep -qs "dashboard at" "$work/$1.err"; do sleep 0.05; done
  for b in $(seq 1 "$2"); do
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$work/profile-$1-$b" --remote-debugging-port=0 \
      "http://127.0.0.1:$port/" >/dev/null 2>&1 &
    chromes+=($!)
  done
  until grep -qs "the run is over" "$work/$1.err"; do sleep 0.05; done
  local cpu sent task server=0
  cpu=$(cpu_of $pid)
  for task in /proc/$pid/task/*; do
    [ "$(cat "$task/comm")" = gatesim-http ] && server=$(awk -v t="$tick" '{printf "%.2f", ($14 + $15) / t}' "$task/stat")
  done
  sent=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^gatesim_websocket_messages_sent_total/ {print $2}')
  [ ${#chromes[@]} -gt 0 ] && kill "${chromes[@]}" 2>/dev/null
  kill $pid
  wait || true
  echo "$(wc -l <"$work/$1.out") $cpu $sent $server"
}

printf '%-22s %6s %8s %20s %10s %16s\n' run transactions "CPU s" "CPU ms/transaction" "ws sent" "server thread s"
for config in "no-http 0 0" "http 1 0" "http+${browsers}browsers 1 $browsers"; do
  set -- $config
  if [ "$2" = 0 ]; then
    # Without --http the program exits at the end: its CPU from /usr/bin/time.
    /usr/bin/time -f "%U %S" -o "$work/time" "$gatesim" gate --port shenzhen-bay --date 2026-11-27 --db "$work/enrol.db" \
      --audit "$work/audit-$1.db" "${devices[@]}" --passage none \
      --passback 0 --liveness off --face-window 60 --json >"$work/$1.out" 2>"$work/$1.err" || true
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/time"); n=$(wc -l <"$work/$1.out"); sent=0; server=-
  else
    read -r n cpu sent server < <(run_http "$1" "$3")
  fi
  printf '%-22s %6s %8s %20.1f %10s %16s\n' "$1" "$n" "$cpu" "$(echo "$cpu * 1000 / $n" | bc -l)" "$sent" "$server"
done
