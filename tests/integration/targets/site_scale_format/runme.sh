#!/usr/bin/env bash
# The path pattern's format spec end to end, and scaling through stateful_apps:
# - {ordinal:02d} gives www-web-00.. on the NFS host, in the PVs and in the proof (site with the proof, verify);
# - 3 -> 2 keeps ordinal 2's claim, PV, export and data, and says so; 2 -> 3 re-attaches the same claim and data;
# - 3 -> 2 -> teardown purge leaves nothing of any ordinal, ordinal 2 included.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
exports_dir=$(setting testbed_ganesha_exports_dir)
root=$(setting testbed_nfs_root)/it-scale
exports_file=$exports_dir/it-scale-web.conf
ns=it-scale
kube() { python ../setup_kube/files/kube.py "$kubeconfig" "$@"; }
field() { python -c 'import json, sys; obj = json.load(sys.stdin)
for key in sys.argv[1].split("."): obj = (obj or {}).get(key)
print(obj if obj is not None else "")' "$1"; }
count() { python -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
cleanup() {
  playbook teardown -e purge=true >/dev/null 2>&1 || true
  rm -rf "$root"
  kube delete Namespace "$ns" >/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup
out=$(playbook site -e it_replicas=3 -e it_verify=true) || { echo "$out" >&2; fail "site with 3 replicas failed"; }
for ordinal in 00 01 02; do
  [[ -d "$root/www-web-$ordinal" ]] || fail "no directory $root/www-web-$ordinal"
  grep -qF "\"$root/www-web-$ordinal\"" "$exports_file" || fail "$exports_file does not export www-web-$ordinal"
done
[[ ! -e "$root/www-web-{ordinal:02d}" ]] || fail "the literal pattern was exported"
[[ "$(kube get PersistentVolume $ns-www-web-2 | field spec.nfs.path)" == "$root/www-web-02" ]] || fail "PV path"
grep -qF "checks passed" <<<"$out" || { echo "$out" >&2; fail "the proof did not pass on www-web-0N"; }
echo "{ordinal:02d}: directories, exports, PVs and the proof agree on $root/www-web-00..02"
out=$(playbook verify -e it_replicas=3) || { echo "$out" >&2; fail "verify failed"; }
echo "the verify playbook reads each marker on the NFS host at www-web-0N"

echo "ordinal 2" > "$root/www-web-02/data"
claim_uid=$(kube get PersistentVolumeClaim www-web-2 -n $ns | field metadata.uid)
out=$(playbook site -e it_replicas=2) || { echo "$out" >&2; fail "scale to 2 failed"; }
grep -qF "keeps $ns-www-web-2" <<<"$out" || { echo "$out" >&2; fail "scale-down did not say it keeps ordinal 2"; }
[[ "$(kube get StatefulSet web -n $ns | field spec.replicas)" == 2 ]] || fail "the StatefulSet was not scaled to 2"
[[ "$(kube get PersistentVolumeClaim www-web-2 -n $ns | field metadata.uid)" == "$claim_uid" ]] || fail "claim 2 is gone"
[[ -n "$(kube get PersistentVolume $ns-www-web-2 | field metadata.name)" ]] || fail "PV 2 is gone"
grep -qF "\"$root/www-web-02\"" "$exports_file" || fail "the export of ordinal 2 was removed"
[[ "$(cat "$root/www-web-02/data")" == "ordinal 2" ]] || fail "the data of ordinal 2 changed"
echo "3 -> 2: claim, PV, export and data of ordinal 2 kept, and reported"

out=$(playbook site -e it_replicas=3) || { echo "$out" >&2; fail "scale back to 3 failed"; }
[[ "$(kube get PersistentVolumeClaim www-web-2 -n $ns | field metadata.uid)" == "$claim_uid" ]] || fail "claim 2 was made anew"
[[ "$(kube get PersistentVolumeClaim www-web-2 -n $ns | field spec.volumeName)" == "$ns-www-web-2" ]] || fail "claim 2 PV"
[[ "$(kube get Pod web-2 -n $ns | field spec.volumes)" == *"www-web-2"* ]] || fail "pod web-2 does not mount claim 2"
[[ "$(cat "$root/www-web-02/data")" == "ordinal 2" ]] || fail "the data of ordinal 2 is gone"
echo "2 -> 3: web-2 mounts the same claim ($claim_uid) with its data"

playbook site -e it_replicas=2 >/dev/null
out=$(playbook teardown -e it_replicas=2 -e purge=true) || { echo "$out" >&2; fail "teardown purge failed"; }
for ordinal in 00 01 02; do
  [[ ! -e "$root/www-web-$ordinal" ]] || fail "purge left $root/www-web-$ordinal"
done
[[ ! -e "$exports_file" ]] || fail "purge left $exports_file"
left=$(kube list PersistentVolume -l stateful.nfs/namespace=$ns | count)
[[ "$left" == 0 ]] || fail "purge left $left PersistentVolumes"
left=$(kube list PersistentVolumeClaim -n $ns | count)
[[ "$left" == 0 ]] || fail "purge left $left claims"
echo "3 -> 2 -> teardown purge: nothing of ordinals 0, 1 and 2 is left"
