#!/usr/bin/env bash
# Restart the test bed's nfs-ganesha: stop it, keep it down for DOWN_SECONDS, start it again with the
# same command line and environment (read from /proc while it runs), log and pid file, as start_daemon
# does. Waits until NFS is registered with rpcbind again. Whatever happens, ganesha runs at the end.
#   restart-ganesha.sh STATE_DIR NFS_SERVER [DOWN_SECONDS]
set -euo pipefail
state_dir=$1 server=$2 down=${3:-5}
pid_file=$state_dir/run/ganesha.pid
log_file=$state_dir/log/ganesha.log
running() { local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ "${stat##*) }" != Z* ]]; }
alive() { local pid; pid=$(cat "$pid_file" 2>/dev/null) && [[ -n "$pid" ]] && running "$pid"; }

alive || { echo "FAILED: ganesha is not running before the restart; nothing was touched"; exit 1; }
old_pid=$(cat "$pid_file")
mapfile -d '' command_line < "/proc/$old_pid/cmdline"
mapfile -d '' environment < "/proc/$old_pid/environ"
[[ ${#command_line[@]} -gt 0 && "${command_line[0]}" == *ganesha.nfsd ]] || {
  echo "FAILED: pid $old_pid from $pid_file is not ganesha.nfsd"; exit 1; }

start_ganesha() {
  alive && return 0
  printf '\n===== %s starting ganesha (integration target testbed_nfs_data_path) =====\n' "$(date -Is)" >> "$log_file"
  # without our open files (above all a flock(1) lock on the test bed: ganesha would hold it forever)
  ( for fd in /proc/"$BASHPID"/fd/*; do n=${fd##*/}; if (( n > 2 )); then eval "exec $n>&-"; fi; done
    exec env -i "${environment[@]}" setsid "${command_line[@]}" >> "$log_file" 2>&1 < /dev/null ) &
  echo $! > "$pid_file"
}
trap start_ganesha EXIT

kill -TERM "$old_pid"
for _ in $(seq 60); do running "$old_pid" || break; sleep 0.5; done
if running "$old_pid"; then kill -KILL "$old_pid"; fi
for _ in $(seq 10); do running "$old_pid" || break; sleep 0.5; done
echo "stopped ganesha (pid $old_pid) at $(date +%T.%N)"
sleep "$down"
start_ganesha
echo "started ganesha (pid $(cat "$pid_file")) at $(date +%T.%N)"
for _ in $(seq 120); do
  if rpcinfo -p "$server" 2>/dev/null | grep -qw nfs; then echo "NFS registered at $(date +%T.%N)"; exit 0; fi
  sleep 0.5
done
echo "FAILED: ganesha did not register NFS on $server within 60s"; exit 1
