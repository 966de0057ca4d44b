#!/usr/bin/env bash
# Demo and self-test of cluster.sh: a 4-task job array on the one-node cluster; task 1 is
# preempted with SIGTERM (its trap runs), requeued, runs a second time with SLURM_RESTART_COUNT=1;
# then every task has finished once. Run as root: .ci/slurm/demo.sh   (about 50 s)
# DEMO_WAIT_ELIGIBLE=1 skips the "StartTime=now" update to time Slurm's own requeue delay (2.5 min).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
source "$here/cluster.sh"

work=$(mktemp -d /tmp/slurm-demo.XXXXXX)
chmod 0755 "$work"
cleanup() { slurm_stop || true; rm -rf "$work"; }
trap cleanup EXIT
t0=$SECONDS
say() { printf '\n== [%3ds] %s\n' $((SECONDS - t0)) "$*"; }
fail() { echo "FAIL: $*" >&2; slurm_logs >&2; exit 1; }

say "start the cluster in $work/cluster"
slurm_start "$work/cluster"
sinfo

mkdir -p "$work/out" "$work/runs"
cat > "$work/task.sh" <<'EOF'
#!/bin/bash
# One sweep task: records each run in runs/task-N.log, and finishes by writing runs/task-N.done.
log="$RUNS/task-$SLURM_ARRAY_TASK_ID.log"
trap 'echo "got TERM"; echo "$(date +%T) TERM restart=${SLURM_RESTART_COUNT:-unset}" >> "$log"; exit 143' TERM
echo "start job=$SLURM_JOB_ID array=${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID restart=${SLURM_RESTART_COUNT:-unset}"
echo "$(date +%T) start job=$SLURM_JOB_ID restart=${SLURM_RESTART_COUNT:-unset}" >> "$log"
# Sleep in the background and wait: bash runs a trap only between commands, and `wait` returns
# at once on a trapped signal, while a foreground `sleep 20` would delay the trap until it ends.
sleep "${TASK_SECONDS:-20}" & wait $!
echo "$(date +%T) done restart=${SLURM_RESTART_COUNT:-unset}" >> "$log"
echo "done" > "$RUNS/task-$SLURM_ARRAY_TASK_ID.done"
echo "finished"
EOF

say "submit a 4-task array (2 CPUs: two at a time)"
job=$(sbatch --parsable --array=0-3 --requeue --open-mode=append --cpus-per-task=1 \
  --export=ALL,RUNS="$work/runs" -J demo-sweep -o "$work/out/%A_%a.out" "$work/task.sh")
echo "job $job"
slurm_wait_state "${job}_1" RUNNING 30 || fail "task 1 did not start"
sleep 3
squeue

# While the array still has 2 or more pending tasks (squeue shows them as JOB_[2-3]), Slurm 22.05
# delivers the signal but answers "Job can not be altered now, try again later"; scancel retries
# 5 s later, gets "Invalid job id specified" and exits 229 or 225 (error 2021 or 2017, modulo 256).
# The same happens with the task's own job id (squeue's %A). So check the task's output, not the rc.
say "preempt task 1: scancel -b --signal=TERM ${job}_1"
signalled_at=$SECONDS
rc=0; scancel -b --signal=TERM "${job}_1" || rc=$?
echo "scancel exit status $rc after $((SECONDS - signalled_at)) s"
for _ in $(seq 1 20); do grep -q "got TERM" "$work/out/${job}_1.out" 2>/dev/null && break; sleep 0.5; done
cat "$work/out/${job}_1.out"
grep -q "got TERM" "$work/out/${job}_1.out" || fail "task 1's trap did not run"
for _ in $(seq 1 20); do
  state=$(squeue -h -j "${job}_1" -t all -o %T) || true
  [ "$state" != RUNNING ] && [ "$state" != COMPLETING ] && break
  sleep 0.5
done
echo "task 1 state after TERM: $state"
squeue -t all

say "requeue task 1: scontrol requeue ${job}_1"
scontrol requeue "${job}_1"
requeued_at=$SECONDS
scontrol show job "${job}_1" | grep -E 'JobState|Restarts|EligibleTime'
if [ "${DEMO_WAIT_ELIGIBLE:-0}" != 1 ]; then
  echo "scontrol update JobId=${job}_1 StartTime=now (Slurm holds a requeued job for about 2 minutes)"
  scontrol update JobId="${job}_1" StartTime=now
  scontrol show job "${job}_1" | grep -E 'JobState|EligibleTime'
fi
squeue -t all
slurm_wait_state "${job}_1" RUNNING 240 || fail "requeued task 1 did not start again"
echo "requeued task 1 running again $((SECONDS - requeued_at)) s after the requeue" \
  "(it waits for a free CPU too: tasks 0 and 2 hold both)"

say "wait for the whole array"
slurm_wait_job "$job" 240 || fail "the array did not finish"

say "results"
for t in 0 1 2 3; do
  echo "--- runs/task-$t.log"; cat "$work/runs/task-$t.log"
  [ -f "$work/runs/task-$t.done" ] || fail "task $t did not finish"
done
echo "--- out/${job}_1.out (--open-mode=append: both runs)"
cat "$work/out/${job}_1.out"
starts=$(grep -c ' start ' "$work/runs/task-1.log")
[ "$starts" -eq 2 ] || fail "task 1 started $starts times, not 2"
grep -q 'TERM restart=unset' "$work/runs/task-1.log" || fail "task 1's first run did not log its TERM"
grep -q 'done restart=1' "$work/runs/task-1.log" || fail "task 1's second run did not see SLURM_RESTART_COUNT=1"
for t in 0 2 3; do
  [ "$(grep -c ' start ' "$work/runs/task-$t.log")" -eq 1 ] || fail "task $t ran more than once"
done
echo "--- jobcomp.log (one line per finished run; no sacct without a database)"
awk '{ l = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|JobState|StartTime|EndTime|ArrayTaskId|ExitCode)=/) l = l " " $i; print substr(l, 2) }' \
  "$SLURM_CI_DIR/log/jobcomp.log"
echo "--- slurmctld.log on task 1"
grep -E "JobId=${job}_1[ (]|Requeu" "$SLURM_CI_DIR/log/slurmctld.log" || true

say "stop the cluster"
slurm_stop
left=$(_slurm_marked_pids)
[ -z "$left" ] || fail "daemons left running: $left"
say "OK: task 1 was preempted, requeued and ran twice; the other tasks ran once"
