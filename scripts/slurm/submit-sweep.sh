#!/usr/bin/env bash
# Submits a gatesim sweep to Slurm: an array of SHARDS tasks (sweep.sbatch), then the merge
# (merge.sbatch) once they have all succeeded. Prints the two job ids.
#
#   scripts/slurm/submit-sweep.sh [--wait] SHARDS OUT SCENARIO --vary KEY=A..B [sweep options...]
#
# OUT must be a folder every node sees (shared file system); the table lands in OUT/table.txt and
# OUT/table.json. GATESIM (default: gatesim on PATH) must name the program on every node. Extra
# sbatch options (partition, account, time limit) go in SBATCH_* variables, which sbatch reads
# itself: SBATCH_PARTITION=short SBATCH_TIMELIMIT=30 scripts/slurm/submit-sweep.sh ...
# --wait returns when the merge has finished, with its exit status.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wait_flag=()
if [[ "${1:-}" == --wait ]]; then wait_flag=(--wait); shift; fi
if (($# < 4)); then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
shards="$1" out="$2"
shift 2
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit-sweep.sh: SHARDS must be a positive number, got '$shards'" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
array=$(cd "$out" && sbatch --parsable --array="1-${shards}" --export="ALL,GATESIM_SWEEP_OUT=${out}" "$here/sweep.sbatch" "$@")
array="${array%%;*}"
merge=$(cd "$out" && sbatch --parsable "${wait_flag[@]}" --dependency="afterok:${array}" --kill-on-invalid-dep=yes \
  --export="ALL,GATESIM_SWEEP_OUT=${out}" "$here/merge.sbatch")
echo "array job ${array} (${shards} shards), merge job ${merge%%;*}: ${out}/table.txt"
