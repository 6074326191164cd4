#!/usr/bin/env bash
# Kill campaign: kill -9 a running lane at seeded random moments and check, after each kill,
# that nothing decided was lost.
#
#   scripts/kill-campaign.sh [KILLS] [SEED]        (defaults: 200 kills, seed 1)
#   GATESIM=path/to/gatesim  (default build/release/apps/gatesim/gatesim)
#   KILL_WINDOW_MS=MIN:MAX   when to kill, after the lane's first decision of the round (default
#                            0:2000; the lane loads its face models before that, and a kill then
#                            would test nothing)
#
# Each round runs `gatesim soak` (one lane, virtual clock, 5% faults in every device and the
# audit log, seed = the round) on the shipped small camera folder, all rounds appending to one
# audit database and one openings log, waits for the round's first decision, and kills it with
# SIGKILL after a further delay drawn from bash's RANDOM seeded with SEED. The soak appends "open LANE HOLDER" when the barrier opens and
# "decided LANE TRANSACTION DECISION HOLDER audited|unaudited" when a transaction completes,
# each after the audit commit, with one write(2) (a killed process loses nothing the kernel
# has). After each kill `gatesim soak --check-openings` opens the database (which recovers
# its WAL), runs PRAGMA integrity_check, and checks that every barrier opening has its cleared
# row and every audited decision its row (exit 1 otherwise). A round fails as well when the
# lane was no longer running at the kill or decided nothing (it died at start: nothing tested).
#
# Prints one line per round and a summary; exit 0 only when every round passed.
set -euo pipefail
kills=${1:-200}
seed=${2:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${GATESIM:-$here/build/release/apps/gatesim/gatesim}
window=${KILL_WINDOW_MS:-0:2000}
min_ms=${window%%:*}
max_ms=${window##*:}
work=$(mktemp -d "${TMPDIR:-/tmp}/gatesim-kill-XXXXXX")
trap 'rm -rf "$work"' EXIT
[[ -x $gatesim ]] || { echo "kill-campaign: $gatesim is not an executable (set GATESIM)" >&2; exit 2; }

RANDOM=$seed
failed=0
started=$(date +%s)
for round in $(seq 1 "$kills"); do
  delay_ms=$((min_ms + (RANDOM * 32768 + RANDOM) % (max_ms - min_ms + 1)))
  "$gatesim" soak --camera "dir:$here/tests/data/faces/small" --enrol "$here/tests/data/faces/reference/obama.jpg" \
    --transactions 0 --fault-rate 0.05 --seed "$round" --name "k$round" \
    --audit "$work/audit.db" --openings "$work/openings.log" >/dev/null 2>&1 &
  pid=$!
  touch "$work/openings.log"
  for _ in $(seq 6000); do  # up to 10 minutes for the lane to start on a loaded machine
    grep -q "^decided k$round-1 " "$work/openings.log" && break  # the lane is named k<round>-1
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  alive=yes
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; else alive=no; fi
  wait "$pid" 2>/dev/null || true
  decided=$(grep -c "^decided k$round-1 " "$work/openings.log" || true)
  # A round tests something only when the lane was deciding when it was killed: a soak that
  # died at start (no decision, already gone) fails the round, whatever the check says.
  problem=
  [[ $alive == yes ]] || problem="the soak was not running at the kill; "
  [[ $decided -gt 0 ]] || problem+="no transaction was decided; "
  if check=$("$gatesim" soak --check-openings "$work/openings.log" --audit "$work/audit.db" 2>&1) && [[ -z $problem ]]; then
    echo "round $round: killed ${delay_ms} ms after its first decision, $decided transactions decided in this round; $check"
  else
    echo "round $round: killed ${delay_ms} ms after its first decision: FAILED: $problem$check"
    failed=$((failed + 1))
  fi
done
rows=$(sqlite3 "$work/audit.db" "SELECT count(*) FROM audit")
opened=$(grep -c '^open ' "$work/openings.log" || true)
decided=$(grep -c '^decided ' "$work/openings.log" || true)
echo "kill campaign: $kills kills (seed $seed, $min_ms-$max_ms ms after each round's first decision), $((kills - failed)) passed, $failed failed;" \
  "$decided transactions decided, $opened barrier openings, $rows audit rows; $(($(date +%s) - started)) s"
[[ $failed -eq 0 ]]
