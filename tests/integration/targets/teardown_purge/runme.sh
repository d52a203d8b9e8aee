#!/usr/bin/env bash
# teardown -e purge=true on the test bed never deletes an export directory while a PersistentVolume outside the
# workflow uses a path under or above it (any server name): the run fails naming the PV and its path, and nothing
# of the app changes on the NFS host. Once that PV is gone, the purge goes through.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
server=$(setting testbed_nfs_server)
exports_dir=$(setting testbed_ganesha_exports_dir)
root=$(setting testbed_nfs_root)/it-purge
export0=$root/www-web-0
exports_file=$exports_dir/it-purge-web.conf
kube() { python ../setup_kube/files/kube.py "$kubeconfig" "$@"; }
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }

# A PV made by hand, as a user outside the workflow would: no claim, no stateful.nfs labels.
foreign_pv() {  # NAME SERVER PATH
  kube create <<JSON
{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "$1"},
 "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany"], "storageClassName": "",
          "persistentVolumeReclaimPolicy": "Retain", "nfs": {"server": "$2", "path": "$3"}}}
JSON
}
cleanup() {
  kube delete PersistentVolume it-purge-below --wait >/dev/null || true
  kube delete PersistentVolume it-purge-above --wait >/dev/null || true
  playbook teardown -e purge=true >/dev/null 2>&1 || true
  rm -rf "$root"
  kube delete Namespace it-purge >/dev/null || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
entries() { find "$export0" | wc -l; }

# The PV of a subdirectory (server named by another address of the same host) stops the purge.
purge_is_refused_for() {  # PV_NAME PV_EXPORT
  local before out
  before=$(entries)
  if out=$(playbook teardown -e purge=true 2>&1); then echo "$out" >&2; fail "purge went through despite $1"; fi
  grep -qF "PersistentVolume/$1 uses $2" <<<"$out" || { echo "$out" >&2; fail "the refusal does not name $1 and $2"; }
  grep -qF "Fix: " <<<"$out" || { echo "$out" >&2; fail "the refusal gives no fix"; }
  [[ "$(cat "$export0/sub/data")" == kept ]] || fail "the data under $export0 changed"
  [[ "$(entries)" == "$before" ]] || fail "entries under $export0: $before before, $(entries) after"
  [[ -f "$exports_file" ]] || fail "the app's exports file $exports_file was removed"
  grep -oE '"msg": "purge of .*' <<<"$out"
  echo "purge refused while PersistentVolume/$1 uses $2; $before entries under $export0 kept"
}

cleanup
playbook site
[[ -d "$export0" ]] || fail "site did not create $export0"

mkdir -p "$export0/sub"
echo kept > "$export0/sub/data"
foreign_pv it-purge-below 127.0.0.1 "$export0/sub"
purge_is_refused_for it-purge-below "127.0.0.1:$export0/sub"

kube delete PersistentVolume it-purge-below --wait
foreign_pv it-purge-above "$server" "$root/"
purge_is_refused_for it-purge-above "$server:$root/"

kube delete PersistentVolume it-purge-above --wait
playbook teardown -e purge=true
[[ ! -e "$export0" ]] || fail "purge left $export0"
[[ ! -e "$exports_file" ]] || fail "purge left $exports_file"
echo "with no PersistentVolume left on or around it, purge removed $export0 and its export"
