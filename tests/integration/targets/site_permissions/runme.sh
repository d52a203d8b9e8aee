#!/usr/bin/env bash
# Owner, mode, the pod's user and squashing planned together, on the test bed's real NFS data path:
# - nonroot (uid 101, no owner/group/mode given): site and the proof pass; the directories are 101:101 0770 and
#   a file the pod writes is owned by 101 on the NFS host;
# - root_squashed (root, root_squash, 101:101 0770): the plan refuses it naming identity.run_as_user and the fix,
#   and nothing is touched on either plane (objects in the cluster, files on the NFS host, counted before/after);
# - root_unstated (the same without an identity): the proof's preflight fails with EACCES as the container's
#   user, before any marker is written;
# - all_squash (root with all_squash, anonuid=101): site and the proof pass, files are owned by 101;
# - assigned_uid (uid 1000650000 gid 0, supplemental group 5555): site and the proof pass, the directories are
#   group 5555 mode 2770 and a file keeps group 5555.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
kubectl() { "$(setting testbed_kubectl)" --kubeconfig "$kubeconfig" "$@"; }
exports_dir=$(setting testbed_ganesha_exports_dir)
root=$(setting testbed_nfs_root)/it-perm
ns=it-perm
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
cleanup() {
  local case
  for case in nonroot root_unstated all_squash assigned_uid; do
    playbook teardown -e it_case=$case -e purge=true -e purge_mode=delete >/dev/null 2>&1 || true
  done
  kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
owner_mode() { stat -c '%u:%g %a' "$1"; }
# Both planes, counted: the test namespace's objects and PVs in the cluster, files under the root and exports files
state() {
  printf 'cluster: %s pv: %s nfs: %s exports: %s\n' \
    "$(kubectl get all,pvc -n $ns -o name 2>/dev/null | wc -l)" \
    "$(kubectl get pv -l stateful.nfs/namespace=$ns -o name | wc -l)" \
    "$(find "$root" 2>/dev/null | wc -l)" "$(find "$exports_dir" -name "$ns-*" | wc -l)"
}
passes() {  # CASE APP OWNER: site with the proof passes; a file the pod writes has OWNER (uid:gid) on the host
  local out file
  out=$(playbook site -e it_case="$1") || { echo "$out" >&2; fail "$1: site failed"; }
  grep -qE "$ns/$2: [0-9]+ checks passed" <<<"$out" || { echo "$out" >&2; fail "$1: the proof did not pass"; }
  kubectl -n $ns exec "$2-0" -- sh -c 'echo hello > /www/by-pod && sync' || fail "$1: $2-0 cannot write"
  file=$root/www-$2-0/by-pod
  [[ "$(stat -c '%u:%g' "$file")" == "$3" ]] || fail "$1: $file is $(stat -c '%u:%g' "$file"), not $3"
  echo "$1: site and the proof passed; $root/www-$2-0 is $(owner_mode "$root/www-$2-0"), the pod's file is $3"
}

cleanup
passes nonroot nonroot 101:101
[[ "$(owner_mode "$root/www-nonroot-1")" == "101:101 770" ]] || fail "nonroot: www-nonroot-1 is $(owner_mode "$root/www-nonroot-1")"
[[ "$(kubectl -n $ns exec nonroot-0 -- id -u)" == 101 ]] || fail "nonroot-0 does not run as 101"
playbook teardown -e it_case=nonroot -e purge=true -e purge_mode=delete >/dev/null

before=$(state)
if out=$(playbook site -e it_case=root_squashed 2>&1); then fail "root_squashed: site ran"; fi
grep -qF "identity.run_as_user=0: runs as root, and root_squash (the export's default) maps root to uid 65534" \
  <<<"$out" || { echo "$out" >&2; fail "root_squashed: the plan did not name the squashed root"; }
grep -qF "Fix: run as the directories' owner (identity.run_as_user: 101), or export with all_squash" <<<"$out" ||
  { echo "$out" >&2; fail "root_squashed: no fix"; }
[[ "$(state)" == "$before" ]] || fail "root_squashed: the refused run touched something: $before -> $(state)"
echo "root_squashed: refused by the plan with the fix; nothing touched ($before)"

if out=$(playbook site -e it_case=root_unstated 2>&1); then fail "root_unstated: the proof passed as squashed root"; fi
finding=$(grep -oE "rootsq-0 at preflight: volume_access: [^\"]*create failed: EACCES \(Permission denied\); likely cause: root is squashed[^;]*" <<<"$out" | head -1) || true
[[ -n "$finding" ]] || { echo "$out" >&2; fail "root_unstated: the preflight did not report rootsq-0's EACCES as squashed root"; }
grep -qF "saw uid 0 gid 0" <<<"$finding" || fail "root_unstated: the preflight did not report the process's uid: $finding"
[[ -z "$(find "$root" -name '.stateful-nfs-*')" ]] || fail "root_unstated: the proof left files: $(find "$root" -name '.stateful-nfs-*')"
echo "root_unstated: the preflight, as the container's user, nothing written: $finding"
playbook teardown -e it_case=root_unstated -e purge=true -e purge_mode=delete >/dev/null

passes all_squash allsquash 101:101
[[ "$(kubectl -n $ns exec allsquash-0 -- id -u)" == 0 ]] || fail "allsquash-0 does not run as root"
playbook teardown -e it_case=all_squash -e purge=true -e purge_mode=delete >/dev/null

passes assigned_uid assigned 1000650000:5555
[[ "$(owner_mode "$root/www-assigned-1")" == *":5555 2770" ]] || fail "assigned_uid: www-assigned-1 is $(owner_mode "$root/www-assigned-1")"
[[ "$(kubectl -n $ns exec assigned-0 -- id -u)" == 1000650000 ]] || fail "assigned-0 does not run as the assigned uid"
