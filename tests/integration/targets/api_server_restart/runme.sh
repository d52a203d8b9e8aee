#!/usr/bin/env bash
# A wait outlives a restart of the API server: stateful.nfs.statefulset waits for a rollout while
# kube-apiserver is stopped for DOWN_SECONDS and started again with the same command line, environment
# and log; the module run must succeed. Whatever happens, the API server is running again at the end.
set -euo pipefail
cd "$(dirname "$0")"

DOWN_SECONDS=${DOWN_SECONDS:-10}
config=../../integration_config.yml
value() { sed -n "s/^$1: //p" "$config"; }
kubeconfig=$(value k8s_kubeconfig)
state_dir=$(dirname "$(dirname "$(value testbed_ganesha_exports_dir)")")  # the test bed's STATE_DIR
pid_file=$state_dir/run/kube-apiserver.pid
log_file=$state_dir/log/kube-apiserver.log
pki=$state_dir/pki
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
ns=it-api-server-restart
work=$(mktemp -d)

api_ready() {
  curl -fsS --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    https://127.0.0.1:6443/readyz >/dev/null 2>&1
}
# running, not a zombie: a killed daemon stays one until init reaps it, and kill -0 still succeeds on it
running() { local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ "${stat##*) }" != Z* ]]; }
alive() { local pid; pid=$(cat "$pid_file" 2>/dev/null) && [[ -n "$pid" ]] && running "$pid"; }
kube() { "$python" ../setup_kube/files/kube.py "$kubeconfig" "$@"; }

api_ready || { echo "FAILED: the API server is not ready before the test; nothing was touched"; exit 1; }
old_pid=$(cat "$pid_file")
# start_daemon's command line and environment, read while the process runs
mapfile -d '' command_line < "/proc/$old_pid/cmdline"
mapfile -d '' environment < "/proc/$old_pid/environ"
[[ ${#command_line[@]} -gt 0 && "${command_line[0]}" == */kube-apiserver ]] || {
  echo "FAILED: pid $old_pid from $pid_file is not kube-apiserver"; exit 1; }

start_api_server() {  # as start_daemon does: own session, appended log, pid file
  alive && return 0
  printf '\n===== %s starting kube-apiserver (integration target api_server_restart) =====\n' "$(date -Is)" >> "$log_file"
  env -i "${environment[@]}" setsid "${command_line[@]}" >> "$log_file" 2>&1 < /dev/null &
  echo $! > "$pid_file"
}
play_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  start_api_server
  for _ in $(seq 120); do api_ready && break; sleep 1; done
  if [[ -n "$play_pid" ]]; then kill "$play_pid" 2>/dev/null || true; fi
  kube delete Namespace "$ns" --wait >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

kube delete Namespace "$ns" --wait >/dev/null
ansible-playbook restart.yml -e @"$config" -e "ns=$ns" >"$work/output.log" 2>&1 &
play_pid=$!

# the StatefulSet exists: the module has applied it and is waiting for its rollout (its pod is Ready
# only 30s after it starts)
for _ in $(seq 240); do
  [[ "$(kube get StatefulSet slow -n "$ns" 2>/dev/null)" == *'"uid"'* ]] && break
  kill -0 "$play_pid" 2>/dev/null || break
  sleep 0.5
done
if ! kill -0 "$play_pid" 2>/dev/null || [[ "$(cat "$pid_file")" != "$old_pid" ]]; then
  cat "$work/output.log"
  echo "FAILED: the module is not waiting for the rollout (or the API server changed); the API server was not touched"
  exit 1
fi
sleep 2

echo "stopping kube-apiserver (pid $old_pid) for ${DOWN_SECONDS}s"
stopped=$SECONDS
kill -TERM "$old_pid"  # it stops listening at once, then drains for a while: cut that short
for _ in $(seq 10); do running "$old_pid" || break; sleep 0.5; done
if running "$old_pid"; then kill -KILL "$old_pid"; fi
for _ in $(seq 10); do running "$old_pid" || break; sleep 0.5; done
# shellcheck disable=SC2034  # read by check's eval below
was_waiting=no
# shellcheck disable=SC2034  # read by check's eval below
kill -0 "$play_pid" 2>/dev/null && was_waiting=yes
sleep $((DOWN_SECONDS - (SECONDS - stopped) > 0 ? DOWN_SECONDS - (SECONDS - stopped) : 0))
start_api_server
for _ in $(seq 60); do api_ready && break; sleep 1; done
if api_ready; then
  echo "kube-apiserver (pid $(cat "$pid_file")) ready again after $((SECONDS - stopped))s"
else
  echo "kube-apiserver (pid $(cat "$pid_file")) not ready $((SECONDS - stopped))s after it was stopped"
fi

# shellcheck disable=SC2034  # read by check's eval below
status=0
# shellcheck disable=SC2034
wait "$play_pid" || status=$?
play_pid=
cat "$work/output.log"

failed=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAILED: $2"; failed=1; fi; }
# shellcheck disable=SC2016  # check evaluates the condition
check '[[ $was_waiting == yes ]]' "the module was still waiting when the API server stopped"
# shellcheck disable=SC2016
check '[[ $status -eq 0 ]]' "the rollout wait outlived the restart: the playbook succeeded"
check 'alive && api_ready' "the restarted API server is running and ready"
exit $failed
