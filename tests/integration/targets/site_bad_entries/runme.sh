#!/usr/bin/env bash
# Bad input fails before anything is touched, on both planes, and the message names every bad field at once.
# Each case of cases.yml is one stateful.nfs.site run (a good app, then the bad entry); one more run has every
# bad entry together; the connection cases run good entries with a kubeconfig that is missing, whose credential
# the API rejects, or whose API is unreachable. Every run must fail, leave the cluster (Namespaces, PVs, claims,
# Services, StatefulSets) and the NFS host (the NFS root, the ganesha configuration) as they were, and name the
# bad field of each entry on that entry's line (or, for a connection, the kubeconfig, the rejected credential,
# the host). All cases run; the target fails at the end with the list of the cases that did not hold.
set -euo pipefail
config=../../integration_config.yml
work=$(mktemp -d)
helper() { python bad_entries.py "$config" "$@"; }
playbook() { ansible-playbook -i inventory.yml stateful.nfs.site -e @"$config" -e @"$1"; }
cleanup() {
  helper cleanup || true
  rm -rf "$work"
}
trap cleanup EXIT
count() { grep -c "$1" <<<"$2" || true; }

helper cleanup
mapfile -t cases < <(helper write "$work")
failed=()
start_all=$(date +%s)
for id in "${cases[@]}"; do
  helper snapshot > "$work/$id.before"
  start=$(date +%s)
  rc=0
  playbook "$work/$id.yml" > "$work/$id.out" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  helper snapshot > "$work/$id.after"
  problems=()
  (( rc != 0 )) || problems+=("the run succeeded")
  changed=$(diff "$work/$id.before" "$work/$id.after" | grep -E '^[<>] ' | sed 's/^</gone:/; s/^>/new:/' || true)
  for plane in cluster nfs; do
    lines=$(grep -E "^(new|gone): $plane " <<<"$changed" || true)
    [[ -z "$lines" ]] || problems+=("the $plane plane changed ($(count '^new' "$lines") new, $(count '^gone' "$lines") gone): $(head -n 4 <<<"$lines" | sed "s/ $plane / /" | paste -sd ';' -)")
  done
  while IFS= read -r missing; do problems+=("$missing"); done < <(helper check "$work/$id.expect.json" "$work/$id.out")
  # only now (the counts are taken) remove what the run left
  [[ -z "$changed" ]] || helper cleanup >/dev/null || problems+=("the cleanup after the run failed")
  if (( ${#problems[@]} )); then
    failed+=("$id")
    echo "FAIL $id (rc $rc, ${took}s):"
    printf '    %s\n' "${problems[@]}"
    grep -m 3 -oE '"msg": .{0,600}' "$work/$id.out" | sed 's/^/    output: /' || true
  else
    echo "ok   $id (rc $rc, ${took}s)"
  fi
done
echo "${#cases[@]} runs in $(( $(date +%s) - start_all ))s; ${#failed[@]} did not hold: ${failed[*]:-none}"
(( ${#failed[@]} == 0 )) || { echo "FAIL: ${failed[*]}" >&2; exit 1; }
