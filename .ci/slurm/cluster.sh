# shellcheck shell=bash
# A real one-node Slurm cluster on localhost, for CI and local tests (Debian 12, root, no systemd).
#
#   source .ci/slurm/cluster.sh
#   slurm_start "$dir"        # install if needed, write configs under $dir, start munged/slurmctld/slurmd
#   sbatch --array=0-3 ...    # slurm_start exported SLURM_CONF, so the clients find the cluster
#   slurm_wait_job "$job" 120
#   slurm_stop                # cancel jobs, stop the daemons (idempotent)
#
# Everything (munge key and socket, slurm.conf, state, spool, logs, pid files) lives under DIR.
# Every daemon is started with ZOO_SLURM_CI_DIR=DIR in its environment; slurm_stop finds and stops
# exactly those processes (and their children: slurmstepd and the job scripts), so a cluster left
# over from an earlier run in another folder is stopped too, and nothing else is touched.
# README.md beside this file has the versions, timings and pitfalls.

SLURM_CI_CLUSTER=${SLURM_CI_CLUSTER:-zoo-ci}
SLURM_CI_CTLD_PORT=${SLURM_CI_CTLD_PORT:-6817}
SLURM_CI_SLURMD_PORT=${SLURM_CI_SLURMD_PORT:-6818}

_slurm_log() { printf '[slurm-ci] %s\n' "$*" >&2; }

# Installs slurm-wlm and munge with apt when a command is missing.
slurm_install() {
  if command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v munged >/dev/null; then
    return 0
  fi
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  _slurm_log "installing slurm-wlm and munge"
  # Without systemd, the packages' init.d scripts would start a system munged (and try slurmctld,
  # slurmd) during the install; a policy-rc.d that answers 101 stops that, as in Docker images.
  local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null && $sudo_cmd chmod 0755 "$policy" &&
      made_policy=1
  fi
  $sudo_cmd apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends slurm-wlm munge ||
    rc=$?
  ((made_policy)) && $sudo_cmd rm -f "$policy"
  return "$rc"
}

# Prints the pids of the processes started by slurm_start (any DIR), one a line.
_slurm_marked_pids() {
  # grep -z reads the NUL-separated environment as lines; -s skips processes that are gone.
  grep -lzs '^ZOO_SLURM_CI_DIR=' /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/\([0-9]*\)/environ$|\1|'
  return 0
}

# Prints the given pids and all their descendants (from /proc/PID/stat; no procps needed).
_slurm_with_descendants() {
  local -A parent=()
  local stat pid rest fields
  for stat in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null < "$stat" || continue
    pid=${rest%% *}
    rest=${rest##*) }            # after "comm)", which may hold spaces: STATE PPID ...
    read -r -a fields <<<"$rest"
    parent[$pid]=${fields[1]}
  done
  local -A keep=()
  for pid in "$@"; do keep[$pid]=1; done
  local changed=1
  while ((changed)); do
    changed=0
    for pid in "${!parent[@]}"; do
      if [ -z "${keep[$pid]:-}" ] && [ -n "${keep[${parent[$pid]}]:-}" ]; then
        keep[$pid]=1; changed=1
      fi
    done
  done
  for pid in "${!keep[@]}"; do _slurm_alive "$pid" && echo "$pid"; done
  return 0
}

# Stops everything slurm_start started, from this run or an earlier one: first cancels the jobs
# (while slurmctld still answers), then TERM to the daemons and their children, KILL after 5 s.
# Idempotent: without a cluster it does nothing and returns 0.
slurm_stop() {
  local pids
  pids=$(_slurm_marked_pids)
  if [ -z "$pids" ]; then
    _slurm_cleanup_etc
    return 0
  fi
  # The running cluster's slurm.conf, from a daemon's ZOO_SLURM_CI_DIR.
  local first run_dir conf
  first=$(head -1 <<<"$pids")
  run_dir=$(tr '\0' '\n' 2>/dev/null < "/proc/$first/environ" | sed -n 's/^ZOO_SLURM_CI_DIR=//p') || true
  conf="$run_dir/etc/slurm.conf"
  local ctld_pid=""
  [ -n "$run_dir" ] && { read -r ctld_pid 2>/dev/null < "$run_dir/run/slurmctld.pid" || true; }
  # Only while slurmctld runs: squeue without it hangs on retries.
  if [ -n "$ctld_pid" ] && _slurm_alive "$ctld_pid" && [ -f "$conf" ] && command -v squeue >/dev/null; then
    local jobs
    jobs=$(SLURM_CONF="$conf" timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ') || true
    if [ -n "${jobs// /}" ]; then
      _slurm_log "cancelling jobs: $jobs"
      # shellcheck disable=SC2086
      SLURM_CONF="$conf" timeout 10 scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 20); do
        [ -z "$(SLURM_CONF="$conf" timeout 5 squeue -h -t PD,R,CG,S,CF -o %A 2>/dev/null)" ] && break
        sleep 0.5
      done
    fi
  fi
  # shellcheck disable=SC2046
  pids=$(_slurm_with_descendants $(_slurm_marked_pids) | tr '\n' ' ')
  _slurm_log "stopping pids: $pids"
  local left pid comm
  for pid in $pids; do
    read -r comm 2>/dev/null < "/proc/$pid/comm" || continue
    # slurmstepd ignores SIGTERM (its job's processes are in the list too).
    if [ "$comm" = slurmstepd ]; then kill -KILL "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 20); do
    left=""
    for pid in $pids; do _slurm_alive "$pid" && left+="$pid "; done
    [ -z "$left" ] && break
    sleep 0.25
  done
  if [ -n "$left" ]; then
    _slurm_log "still running after 5 s, KILL: $left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  fi
  # Children that appeared meanwhile (a job step starting as we stopped).
  # shellcheck disable=SC2046
  left=$(_slurm_with_descendants $(_slurm_marked_pids) | tr '\n' ' ')
  # shellcheck disable=SC2086
  [ -n "${left// /}" ] && { kill -KILL $left 2>/dev/null || true; sleep 0.5; }
  _slurm_cleanup_etc
  left=$(_slurm_marked_pids | tr '\n' ' ')
  if [ -n "${left// /}" ]; then
    _slurm_log "could not stop: $left"
    return 1
  fi
  return 0
}

# /etc/slurm/slurm.conf: slurm_start links it to DIR's file (so clients work without SLURM_CONF)
# unless an unrelated file is there; slurm_stop removes only a link to one of our files.
_slurm_cleanup_etc() {
  local target
  if [ -L /etc/slurm/slurm.conf ]; then
    target=$(readlink /etc/slurm/slurm.conf)
    if [ ! -e "$target" ] || grep -q '^# zoo-slurm-ci' "$target" 2>/dev/null; then
      rm -f /etc/slurm/slurm.conf
    fi
  fi
}

# True while PID exists and is not a zombie (PID 1 in a container may be slow to reap).
_slurm_alive() {
  local stat
  read -r stat 2>/dev/null < "/proc/$1/stat" || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

_slurm_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the daemon logs under DIR (default: the running cluster's).
slurm_logs() {
  local dir=${1:-${SLURM_CI_DIR:-}} f
  [ -n "$dir" ] || return 0
  for f in "$dir"/log/munged.log "$dir"/munge/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log \
    "$dir"/log/*.stderr; do
    [ -s "$f" ] || continue
    echo "----- $f (last 60 lines)"
    tail -n 60 "$f"
  done
}

# slurm_start DIR: starts munged, slurmctld and slurmd with all their files under DIR (created if
# missing; an earlier cluster's state there is wiped), waits until the node is idle (60 s), exports
# SLURM_CONF and SLURM_CI_DIR. On failure prints the logs, stops what it started and returns 1.
# Settings: SLURM_CI_CPUS (default: nproc; may exceed the real count), SLURM_CI_MEMORY_MB (default
# and cap: what slurmd -C reports), SLURM_CI_CTLD_PORT/SLURM_CI_SLURMD_PORT (6817/6818).
slurm_start() {
  local dir=${1:?usage: slurm_start DIR}
  slurm_install || { _slurm_log "installing slurm-wlm and munge failed"; return 1; }
  slurm_stop || return 1
  local port
  for port in "$SLURM_CI_CTLD_PORT" "$SLURM_CI_SLURMD_PORT"; do
    if _slurm_port_busy "$port"; then
      _slurm_log "port $port is in use by a Slurm daemon this script did not start; stop it or set" \
        "SLURM_CI_CTLD_PORT/SLURM_CI_SLURMD_PORT"
      return 1
    fi
  done

  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd -P)
  if [[ $dir == *[[:space:]]* ]]; then
    _slurm_log "slurm.conf cannot hold a path with spaces: $dir"
    return 1
  fi
  rm -rf "$dir/state" "$dir/spool" "$dir/munge" "$dir/run" "$dir/log"
  mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/munge" "$dir/run" "$dir/log"
  # munged runs as the munge user: it must reach its folder, which must be its own and private.
  chmod 0755 "$dir"
  local munge_user=munge
  getent passwd munge >/dev/null || munge_user=root
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chown -R "$munge_user:" "$dir/munge"
  chmod 0755 "$dir/munge"   # munged: the socket folder must be searchable by all
  chmod 0400 "$dir/munge/munge.key"
  local socket="$dir/munge/munge.socket.2"

  local hw cpus mem
  hw=$(slurmd -C 2>/dev/null | head -1) || true
  cpus=${SLURM_CI_CPUS:-$(nproc)}
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=${mem:-1000}
  if [ -n "${SLURM_CI_MEMORY_MB:-}" ] && [ "$SLURM_CI_MEMORY_MB" -lt "$mem" ]; then mem=$SLURM_CI_MEMORY_MB; fi

  local conf="$dir/etc/slurm.conf"
  cat > "$conf" <<EOF
# zoo-slurm-ci: written by .ci/slurm/cluster.sh for $dir
ClusterName=$SLURM_CI_CLUSTER
SlurmctldHost=localhost
SlurmctldPort=$SLURM_CI_CTLD_PORT
SlurmdPort=$SLURM_CI_SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# No database, so no sacct: one line per finished job (and per requeued run) lands here instead.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
MpiDefault=none
# The node's CPU count may differ from the hardware (SLURM_CI_CPUS); do not drain it for that.
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=30
SlurmctldTimeout=30
MessageTimeout=10
InactiveLimit=0
KillWait=5
# Finished jobs leave squeue quickly.
MinJobAge=5
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  if [ ! -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then
    mkdir -p /etc/slurm && ln -sfn "$conf" /etc/slurm/slurm.conf
  fi

  export SLURM_CONF="$conf" SLURM_CI_DIR="$dir"
  local t0=$SECONDS
  if [ "$munge_user" = munge ]; then
    env ZOO_SLURM_CI_DIR="$dir" setpriv --reuid=munge --regid=munge --init-groups \
      munged --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
      --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
      >"$dir/log/munged.stderr" 2>&1
  else
    env ZOO_SLURM_CI_DIR="$dir" munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
      --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
      --seed-file="$dir/munge/munged.seed" >"$dir/log/munged.stderr" 2>&1
  fi || { _slurm_log "munged failed to start"; slurm_logs "$dir"; slurm_stop; return 1; }
  env ZOO_SLURM_CI_DIR="$dir" SLURM_CONF="$conf" slurmctld -f "$conf" >"$dir/log/slurmctld.stderr" 2>&1 ||
    { _slurm_log "slurmctld failed to start"; slurm_logs "$dir"; slurm_stop; return 1; }
  env ZOO_SLURM_CI_DIR="$dir" SLURM_CONF="$conf" slurmd -f "$conf" -N localhost >"$dir/log/slurmd.stderr" 2>&1 ||
    { _slurm_log "slurmd failed to start"; slurm_logs "$dir"; slurm_stop; return 1; }

  local state=""
  while ((SECONDS - t0 < 60)); do
    state=$(timeout 5 sinfo -h -o %T 2>/dev/null | head -1) || true
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    _slurm_log "the node is not idle after 60 s (sinfo says '${state:-nothing}')"
    timeout 5 scontrol show node 2>&1 | sed 's/^/  /' >&2
    slurm_logs "$dir" >&2
    slurm_stop
    return 1
  fi
  _slurm_log "node idle after $((SECONDS - t0)) s ($(sinfo -V), $cpus CPUs, ${mem} MB, SLURM_CONF=$conf)"
}

# slurm_wait_job JOBID [TIMEOUT_S]: waits until no task of the job is pending, running,
# completing, suspended or configuring; a finished job counts as done, and so does one already
# purged (MinJobAge: squeue then says "Invalid job id specified"). Returns 1 on timeout.
slurm_wait_job() {
  local job=${1:?usage: slurm_wait_job JOBID [TIMEOUT_S]} timeout_s=${2:-300} t0=$SECONDS active rc
  while :; do
    rc=0
    active=$(timeout 10 squeue -h -j "$job" -t PD,R,CG,S,CF,RQ,RS,RF,SO,ST -o '%i %T' 2>&1) || rc=$?
    if ((rc == 0)) && [ -z "$active" ]; then return 0; fi
    if ((rc != 0)) && [[ $active == *"Invalid job id"* ]]; then return 0; fi
    if ((SECONDS - t0 >= timeout_s)); then
      _slurm_log "job $job still active after ${timeout_s} s:"
      printf '%s\n' "$active" >&2
      return 1
    fi
    sleep 1
  done
}

# slurm_wait_state JOB_OR_TASK STATE [TIMEOUT_S]: waits until squeue shows that state (e.g. RUNNING).
slurm_wait_state() {
  local job=${1:?} want=${2:?} timeout_s=${3:-60} t0=$SECONDS state
  while ((SECONDS - t0 < timeout_s)); do
    state=$(timeout 10 squeue -h -j "$job" -t all -o %T 2>/dev/null | head -1) || true
    [ "$state" = "$want" ] && return 0
    sleep 0.5
  done
  _slurm_log "$job: state ${state:-gone}, not $want, after ${timeout_s} s"
  return 1
}
