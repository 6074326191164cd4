#!/usr/bin/env bash
# Speed against the peer, same work, whole process: the M/M/8 queue of bench/mm8.yaml (300,000
# travellers) through `gatesim simulate` with every output written, in both gate models, and its
# SimPy 2.3 twin (bench/mm8_simpy.py, writing the same kind of outputs), in one sitting with
# /bin/true as the baseline of process start. hyperfine (Debian's package) times repeated runs.
#
#   bench/mm8.sh [GATESIM] [RUNS] [BASELINE]   (default build/ci/apps/gatesim/gatesim, 5 runs)
#
# BASELINE: another gatesim binary (say, main's before a change) run in the same sitting, both
# gate models, as sampled.base and controller.base.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
gatesim="$(realpath "${1:-$repo/build/ci/apps/gatesim/gatesim}")"
runs="${2:-5}"
base="${3:+$(realpath "$3")}"
command -v hyperfine >/dev/null || { echo "mm8.sh: needs hyperfine (scripts/install-deps.sh hyperfine)" >&2; exit 2; }
/usr/bin/python3 -c 'import SimPy' 2>/dev/null || { echo "mm8.sh: needs python3-simpy (SimPy 2.3)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
baseline=()
if [ -n "$base" ]; then
  baseline=(-n sampled.base "$base simulate $repo/bench/mm8.yaml --set gate.model=sampled --out $work/sampled.base"
            -n controller.base "$base simulate $repo/bench/mm8.yaml --set gate.model=controller --out $work/controller.base")
fi
hyperfine -N --warmup "${WARMUP:-1}" --runs "$runs" --export-json "$work/mm8.json" \
  -n true /bin/true \
  -n sampled "$gatesim simulate $repo/bench/mm8.yaml --set gate.model=sampled --out $work/sampled" \
  -n controller "$gatesim simulate $repo/bench/mm8.yaml --set gate.model=controller --out $work/controller" \
  "${baseline[@]}" \
  -n simpy "/usr/bin/python3 $repo/bench/mm8_simpy.py $work/simpy" >&2
python3 - "$work/mm8.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
simpy = r["simpy"]
print("run | wall mean s (min-max) | CPU s (user+sys) | SimPy's wall / this | SimPy's CPU / this")
for name in ("true", "sampled", "controller", "sampled.base", "controller.base", "simpy"):
    if name not in r:
        continue
    x = r[name]
    cpu = x["user"] + x["system"]
    print("%s | %.3f (%.3f-%.3f) | %.3f | %.1f | %.1f" % (name, x["mean"], x["min"], x["max"], cpu,
          simpy["mean"] / x["mean"], (simpy["user"] + simpy["system"]) / cpu if cpu > 0 else float("inf")))
PY
ls -l "$work/sampled" "$work/simpy" | grep -v '^total' >&2
