#!/usr/bin/env bash
# A proxy password never shows. Every Kubernetes call goes through a CONNECT proxy on loopback that
# insists on a user and password, with ansible-playbook -vvv; then the password must be in neither that
# output, nor any error, nor any report file verify_persistence wrote.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
proxy_pid=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n "$proxy_pid" ]]; then kill "$proxy_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

secret="it-Pr0xy-$RANDOM$RANDOM"
token=$(printf 'it:%s' "$secret" | base64)
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
"$python" files/connect_proxy.py it "$secret" "$work/port" "$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port=$(cat "$work/port")
# a loopback port nothing listens on: the proxy of the failing run
dead_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

status=0
ansible-playbook -vvv secrets.yml -e @../../integration_config.yml \
  -e "proxy_url=http://it:$secret@127.0.0.1:$port" -e "dead_proxy_url=http://it:$secret@127.0.0.1:$dead_port" \
  -e "report_dir=$work/reports" >"$work/output.log" 2>&1 || status=$?
sed "s/$secret/<THE SECRET>/g; s/$token/<THE TOKEN>/g" "$work/output.log"
failed=0
[[ $status -eq 0 ]] || { echo "FAILED: the playbook failed (rc $status)"; failed=1; }
check() { if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failed=1; fi; }
what="the password is not in the -vvv output"
# shellcheck disable=SC2016  # the inner bash expands its own arguments
check bash -c '! grep -qF -- "$1" "$2"' _ "$secret" "$work/output.log"
what="the proxy's Basic token is not in the -vvv output"
# shellcheck disable=SC2016  # the inner bash expands its own arguments
check bash -c '! grep -qF -- "$1" "$2"' _ "$token" "$work/output.log"
what="-vvv showed the module invocations, with proxy masked"
check grep -qF VALUE_SPECIFIED_IN_NO_LOG_PARAMETER "$work/output.log"
what="verify_persistence wrote its JSON, JUnit and text reports"
check test "$(find "$work/reports" -type f 2>/dev/null | wc -l)" -eq 3
what="no report file holds the password"
# shellcheck disable=SC2016  # the inner bash expands its own arguments
check bash -c '! grep -rqsF -- "$1" "$2"' _ "$secret" "$work/reports"
what="the calls went through the proxy, with its credentials"
check grep -qF "CONNECT 127.0.0.1:6443 authorized" "$work/proxy.log"
what="no call reached the proxy without its credentials"
# shellcheck disable=SC2016  # the inner bash expands its own arguments
check bash -c '! grep -qF refused "$1"' _ "$work/proxy.log"
exit $failed
