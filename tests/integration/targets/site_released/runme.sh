#!/usr/bin/env bash
# The app scaled to zero and its claim deleted leaves the PV Released (claimRef holding the old uid). The next
# stateful.nfs.site run frees it for the claim the StatefulSet makes again: the run succeeds well within
# wait_timeout (60 s here), the PV is Bound to the new claim and the data is still there.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
ns=it-site-released
pv=$ns-www-web-0
export0=$(setting testbed_nfs_root)/it-site-released/www-web-0
kube() { python ../setup_kube/files/kube.py "$kubeconfig" "$@"; }
field() { python -c 'import json, sys; obj = json.load(sys.stdin)
for key in sys.argv[1].split("."): obj = (obj or {}).get(key)
print(obj if obj is not None else "")' "$1"; }
until_field() {  # KIND NAME NAMESPACE FIELD VALUE: poll up to 120 s
  for _ in $(seq 120); do
    [[ "$(kube get "$1" "$2" ${3:+-n "$3"} | field "$4")" == "$5" ]] && return 0
    sleep 1
  done
  echo "FAIL: $1 $2 $4 is not '$5'" >&2; exit 1
}
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
cleanup() {
  playbook teardown -e purge=true >/dev/null 2>&1 || true
  rm -rf "$(dirname "$export0")"
  kube delete Namespace "$ns" >/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup
playbook site
echo kept > "$export0/marker"
old_uid=$(kube get PersistentVolumeClaim www-web-0 -n "$ns" | field metadata.uid)

# Scale to zero, then delete the claim: the PV is Released and still names the old claim.
kube patch StatefulSet web '{"spec": {"replicas": 0}}' -n "$ns"
until_field Pod web-0 "$ns" metadata.name ""
kube delete PersistentVolumeClaim www-web-0 -n "$ns" --wait
until_field PersistentVolume "$pv" "" status.phase Released
[[ "$(kube get PersistentVolume "$pv" | field spec.claimRef.uid)" == "$old_uid" ]] || fail "the PV lost the old uid"
echo "PersistentVolume/$pv is Released for the deleted claim (uid $old_uid)"

start=$(date +%s)
playbook site
took=$(( $(date +%s) - start ))
(( took < 60 )) || fail "site took ${took}s; it waited for the Released PV"
new_uid=$(kube get PersistentVolumeClaim www-web-0 -n "$ns" | field metadata.uid)
[[ "$new_uid" != "$old_uid" ]] || fail "the claim was not made again"
[[ "$(kube get PersistentVolume "$pv" | field status.phase)" == Bound ]] || fail "the PV is not Bound"
[[ "$(kube get PersistentVolume "$pv" | field spec.claimRef.uid)" == "$new_uid" ]] || fail "the PV is not the new claim's"
[[ "$(kube get PersistentVolumeClaim www-web-0 -n "$ns" | field spec.volumeName)" == "$pv" ]] || fail "the claim has another PV"
[[ "$(cat "$export0/marker")" == kept ]] || fail "the data is gone"
echo "site rebound PersistentVolume/$pv to the new claim (uid $new_uid) in ${took}s; the data is there"
