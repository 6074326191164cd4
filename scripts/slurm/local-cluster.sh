#!/usr/bin/env bash
# A real Slurm on this machine, end to end: starts a private munged, slurmctld and slurmd on
# localhost (Debian's munge, slurmctld, slurmd; as root), submits a 6-job sweep as a job array
# of SHARDS tasks with a dependent merge (submit-sweep.sh, from the repository root with a
# relative scenario path), checks that a second submission into the same folder is refused and
# that the merged table equals the same sweep run in one process. Everything lives in a
# temporary folder and on free ports; the daemons it started are stopped when it ends.
#
#   scripts/slurm/local-cluster.sh [GATESIM] [SHARDS]
#
# GATESIM: the program (default build/release/apps/gatesim/gatesim). SHARDS: array size
# (default 7: one more than the jobs, so the last task is empty).
# Exit status: 0 the tables are equal; 1 they differ or Slurm failed; 77 Slurm or munge is not
# installed or we are neither root nor able to sudo without a password (ctest reports the test
# as skipped, with the reason).
# GATESIM_SLURM_KEEP=1 keeps the temporary folder (configuration, daemon logs, job outputs).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
gatesim="$(realpath "${1:-$repo/build/release/apps/gatesim/gatesim}")"
shards="${2:-7}"

skip() { echo "local-cluster.sh: SKIPPED: $*" >&2; exit 77; }
for daemon in munged slurmctld slurmd; do
  command -v "$daemon" >/dev/null || [[ -x "/usr/sbin/$daemon" ]] ||
    skip "$daemon is not installed (Debian: apt-get install munge slurmctld slurmd slurm-client)"
done
command -v sbatch >/dev/null || skip "sbatch is not installed (Debian: apt-get install slurm-client)"
[[ -x "$gatesim" ]] || { echo "local-cluster.sh: no program at $gatesim (build it first)" >&2; exit 1; }
# slurmd must run as root to start jobs: a user with passwordless sudo (the README's set-up)
# runs the whole check as root; without it the test is skipped, saying why.
if ((EUID != 0)); then
  sudo -n true 2>/dev/null ||
    skip "slurmd must run as root to start jobs; run as root or as a user with passwordless sudo"
  exec sudo -n GATESIM_SLURM_KEEP="${GATESIM_SLURM_KEEP:-}" "$0" "$gatesim" "$shards"
fi
export PATH="/usr/sbin:$PATH"

dir="$(mktemp -d /tmp/gatesim-slurm.XXXXXX)"
chmod 755 "$dir"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0 && status != 77)); then
    echo "local-cluster.sh: failed; logs:" >&2
    tail -n 20 "$dir"/*.log "$dir"/out/slurm-*.out >&2 2>/dev/null || true
  fi
  [[ -n "${GATESIM_SLURM_KEEP:-}" ]] && echo "local-cluster.sh: kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT

# Two free TCP ports (controller, node daemon), away from Slurm's default 6817/6818 so a real
# installation on this machine is not disturbed.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
while [[ "$slurmd_port" == "$ctld_port" ]]; do slurmd_port=$(free_port); done

# A private munge daemon with its own key and socket.
mkdir -p "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 755 "$dir/munge"  # the socket's folder: every client may reach it
chmod 400 "$dir/munge/munge.key"
munged --foreground --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" >>"$dir/munged.log" 2>&1 &
pids+=($!)

cpus=$(nproc)
mkdir -p "$dir/state" "$dir/spool" "$dir/out"
cat >"$dir/slurm.conf" <<CONF
ClusterName=gatesim-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

for _ in $(seq 50); do [[ -S "$dir/munge/munge.socket" ]] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" >>"$dir/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >>"$dir/slurmd.log" 2>&1 &
pids+=($!)

# Wait for the node to come up idle.
for _ in $(seq 120); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n1 || true)
  [[ "$state" == idle* || "$state" == mix* ]] && break
  sleep 0.5
done
[[ "$state" == idle* || "$state" == mix* ]] || { echo "local-cluster.sh: the node did not come up (state '$state')" >&2; exit 1; }
echo "local-cluster.sh: Slurm up on localhost ($cpus CPUs, controller port $ctld_port)"

# The sweep: a short Luohu hour, 3 counter counts x 2 replications (6 jobs over the shards),
# submitted from the repository root with a relative scenario path, as the README shows it.
sweep=(scenarios/luohu-weekday.yaml --vary channels.counters=20..24:2 --replications 0-1
       --set start_hour=8 --set duration_hours=0.5 --set gate.model=sampled)
cd "$repo"
started=$(date +%s)
GATESIM="$gatesim" scripts/slurm/submit-sweep.sh --wait "$shards" "$dir/out" "${sweep[@]}"
echo "local-cluster.sh: array and merge done in $(($(date +%s) - started)) s"
# A second sweep into the same folder is refused before anything is submitted.
if GATESIM="$gatesim" scripts/slurm/submit-sweep.sh "$shards" "$dir/out" "${sweep[@]}" 2>"$dir/reuse.err" ||
   ! grep -q "already holds a sweep's files" "$dir/reuse.err"; then
  echo "local-cluster.sh: submit-sweep.sh did not refuse a folder holding a sweep:" >&2
  cat "$dir/reuse.err" >&2
  exit 1
fi
"$gatesim" sweep "${sweep[@]}" --json >"$dir/one-process.json"
shards_written=$(ls "$dir/out"/rows-*.jsonl | wc -l)
[[ "$shards_written" == "$shards" ]] || { echo "local-cluster.sh: $shards_written of $shards shards wrote rows" >&2; exit 1; }
if cmp -s "$dir/out/table.json" "$dir/one-process.json"; then
  echo "local-cluster.sh: OK: the merged table of $shards array tasks equals the one-process sweep"
  cat "$dir/out/table.txt"
else
  echo "local-cluster.sh: the merged table differs from the one-process sweep:" >&2
  diff <(tr ',' '\n' <"$dir/out/table.json") <(tr ',' '\n' <"$dir/one-process.json") >&2 || true
  exit 1
fi
