#!/usr/bin/env bash
# How fast gatesim starts: repeated whole-process runs of `--help`, `check`, `ports` and a tiny
# `simulate` against /bin/true in the same sitting (hyperfine, Debian's package: a bench tool,
# not a test dependency), and each one's peak resident memory (/usr/bin/time -v).
#
#   bench/startup.sh [GATESIM] [RUNS]     (default build/ci/apps/gatesim/gatesim, 50 runs)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
gatesim="$(realpath "${1:-$repo/build/ci/apps/gatesim/gatesim}")"
runs="${2:-50}"
command -v hyperfine >/dev/null || { echo "startup.sh: needs hyperfine (scripts/install-deps.sh hyperfine)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/case.json" <<'JSON'
{"date": "2025-11-06", "port": "luohu", "direction": "exit", "channel": "smart",
 "traveller": {"id": "T1", "birth_date": "1980-01-01", "residence": "hong_kong", "nationality": "CHN",
   "civil_capacity": "full", "consent": true,
   "documents": [{"kind": "home_return_permit", "number": "H1", "valid_until": "2030-01-01"}]}}
JSON
# A one-minute M/M/2: start-up and output writing, hardly any simulation.
sed -e 's/^duration_hours: .*/duration_hours: 0.0166667/' -e 's/document_gates: 8/document_gates: 2/' \
  "$repo/bench/mm8.yaml" >"$work/tiny.yaml"
commands=("/bin/true" "$gatesim --help" "$gatesim check $work/case.json" "$gatesim ports"
          "$gatesim simulate $work/tiny.yaml --out $work/out" "$gatesim faces --help")
echo "startup.sh: $(date -u '+%F %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/startup.json" "${commands[@]}" >&2
echo "command | mean ms | min ms | user+sys ms | max RSS MB"
for c in "${commands[@]}"; do
  # shellcheck disable=SC2086  # the command's words
  /usr/bin/time -f %M -o "$work/rss" $c >/dev/null 2>&1
  rss=$(tail -n1 "$work/rss")  # KB: the "Maximum resident set size" of time -v
  python3 - "$work/startup.json" "$c" "$rss" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
r = results[sys.argv[2]]
print("%s | %.1f | %.1f | %.1f | %.1f" % (sys.argv[2].replace(sys.argv[2].split()[0], sys.argv[2].split()[0].split("/")[-1], 1),
      r["mean"] * 1e3, r["min"] * 1e3, (r["user"] + r["system"]) * 1e3, int(sys.argv[3]) / 1024))
PY
done
echo "startup.sh: done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
