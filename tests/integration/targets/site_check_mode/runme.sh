#!/usr/bin/env bash
# `ansible-playbook --check stateful.nfs.site` for an app whose namespace does not exist yet: the run succeeds, prints
# the plan of both planes, and changes nothing on either (objects in the cluster and files on the NFS host counted
# before and after).
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
exports_dir=$(setting testbed_ganesha_exports_dir)
nfs_root=$(setting testbed_nfs_root)
ns=it-check
kube() { python ../setup_kube/files/kube.py "$kubeconfig" "$@"; }
count() { python -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
cluster_state() {
  for kind in Namespace PersistentVolume PersistentVolumeClaim Service StatefulSet Pod; do
    echo "$kind $(kube list $kind | count)"
  done
}
nfs_state() { find "$nfs_root" "$exports_dir" "$(dirname "$exports_dir")/exports.conf" -printf '%p %m %s\n' 2>/dev/null | sort | sha256sum; }

[[ "$(kube get Namespace $ns)" == "{}" ]] || fail "namespace $ns exists before the test"
cluster_before=$(cluster_state)
nfs_before=$(nfs_state)
out=$(playbook site --check --diff) || { echo "$out" >&2; fail "check mode of site failed on a new namespace"; }
for expected in '"nfs_hosts"' "$nfs_root/it-check/www-web-1" '"it-check-www-web-1"' '"it-check/web"'; do
  grep -qF -- "$expected" <<<"$out" || { echo "$out" >&2; fail "the printed plan lacks $expected"; }
done
[[ "$(cluster_state)" == "$cluster_before" ]] || { echo "before: $cluster_before"; echo "after: $(cluster_state)"; fail "the cluster changed"; }
[[ "$(nfs_state)" == "$nfs_before" ]] || fail "files on the NFS host changed"
[[ ! -e "$nfs_root/it-check" ]] || fail "check mode created $nfs_root/it-check"
echo "check mode of site on a new namespace printed the plan and changed nothing on either plane:"
echo "$cluster_before" | tr '\n' ' '; echo
