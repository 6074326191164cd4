#!/usr/bin/env bash
# Submits a gatesim sweep to Slurm: an array of SHARDS tasks (sweep.sbatch), then the merge
# (merge.sbatch) once they have all succeeded. Prints the two job ids.
#
#   scripts/slurm/submit-sweep.sh [--wait] SHARDS OUT SCENARIO --vary KEY=A..B [sweep options...]
#
# OUT must be a folder every node sees (shared file system) and hold no earlier sweep's rows;
# the table lands in OUT/table.txt and OUT/table.json, the jobs' logs in OUT/slurm-*.out. The
# tasks run in the folder you submit from, as sbatch does; SCENARIO is passed as an absolute path.
# GATESIM (default: gatesim on PATH) must name the program on every node. Extra sbatch options
# (partition, account, time limit) go in SBATCH_* variables, which sbatch reads itself:
# SBATCH_PARTITION=short SBATCH_TIMELIMIT=30 scripts/slurm/submit-sweep.sh ...
# --wait returns when the merge has finished: exit 0 when the table is there, else non-zero.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wait_flag=()
if [[ "${1:-}" == --wait ]]; then wait_flag=(--wait); shift; fi
if (($# < 4)); then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
shards="$1" out="$2" scenario="$3"
shift 3
fail() { echo "submit-sweep.sh: $*" >&2; exit 2; }
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "SHARDS must be a positive number, got '$shards'"
# Checked here, once, rather than by every array task after it has waited in the queue.
[[ -f "$scenario" ]] || fail "no scenario file $scenario"
scenario="$(realpath "$scenario")"
if [[ -n "${GATESIM:-}" && "$GATESIM" == */* ]]; then
  [[ -x "$GATESIM" ]] || fail "GATESIM=$GATESIM is not a program"
  GATESIM="$(realpath "$GATESIM")"
  export GATESIM
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# merge.sbatch merges every rows-*.jsonl in OUT: an earlier sweep's files would be merged too
# (gatesim merge then refuses them, after the whole array has run).
shopt -s nullglob
old=("$out"/rows-*.jsonl "$out"/table.*)
((${#old[@]} == 0)) || fail "$out already holds a sweep's files (${old[0]##*/} ...): use a new folder or empty it"
array=$(sbatch --parsable --array="1-${shards}" --output="${out}/slurm-%A_%a.out" \
  --export="ALL,GATESIM_SWEEP_OUT=${out}" "$here/sweep.sbatch" "$scenario" "$@")
array="${array%%;*}"
merge=$(sbatch --parsable "${wait_flag[@]}" --dependency="afterok:${array}" --kill-on-invalid-dep=yes \
  --output="${out}/slurm-%j.out" --export="ALL,GATESIM_SWEEP_OUT=${out}" "$here/merge.sbatch")
echo "array job ${array} (${shards} shards), merge job ${merge%%;*}: ${out}/table.txt"
# sbatch --wait exits 0 for a merge that Slurm cancelled because a task failed: only the table
# (merge.sbatch writes it last) says the merge ran.
if ((${#wait_flag[@]})) && [[ ! -f "$out/table.txt" ]]; then
  fail "the merge did not run: a task failed (see ${out}/slurm-*.out)"
fi
