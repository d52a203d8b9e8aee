#!/usr/bin/env bash
# A replica moved to another node (cordon, delete, uncordon) finds its data on the collection's NFS volumes,
# and does not on hostPath volumes, the setup the classic tutorials start with:
# - stateful.nfs.site with verify.disruptions [move_pod]: each replica is Ready on the other node afterwards,
#   every check passes, the report shows the node before and after, no node stays cordoned;
# - a file written in web-0 before `stateful.nfs.verify` moves it is read after the move in the new pod
#   (kubectl exec) and in the export directory on the NFS host;
# - with the other node cordoned, move_pod fails before anything is touched, naming the nodes;
# - the hostPath StatefulSet fails the move, naming the lost marker.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; v = yaml.safe_load(open(sys.argv[1]))[sys.argv[2]]
print(" ".join(v) if isinstance(v, list) else v)' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
kubectl() { "$(setting testbed_kubectl)" --kubeconfig "$kubeconfig" "$@"; }
root=$(setting testbed_nfs_root)/it-move
image=$(setting testbed_image)
read -r -a nodes <<<"$(setting testbed_nodes)"
reports=$(mktemp -d)
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
# moved REPORT POD: "<node before> <node after>" of the step that moved POD, from the JSON report
moved() { python -c 'import json, sys
step = [s for s in json.load(open(sys.argv[1]))["steps"] if s["name"] == "move_pod[%s]" % sys.argv[2]][0]
print(step["nodes_before"][sys.argv[2]], step["nodes_after"][sys.argv[2]])' "$@"; }
# on_every_node COMMAND...: run COMMAND in each node's mount namespace. A hostPath directory is a
# different one on each node, and a marker left on the node a pod moved away from would be read back
# by the next run's pod that moves there.
on_every_node() {
  local ns
  for ns in $(python -c 'import sys, yaml
print(" ".join(v or "-" for v in yaml.safe_load(open(sys.argv[1]))["testbed_node_mount_namespaces"].values()))' "$config"); do
    if [[ "$ns" == - ]]; then "$@"; else nsenter --mount="$ns" -- "$@"; fi
  done
}
# other_nodes cordon|uncordon: every node but the first
other_nodes() { local other; for other in "${nodes[@]:1}"; do kubectl "$1" "$other" >/dev/null; done; }
cleanup() {
  for node in "${nodes[@]}"; do kubectl uncordon "$node" >/dev/null 2>&1 || true; done
  playbook teardown -e purge=true >/dev/null 2>&1 || true
  kubectl delete namespace it-move it-move-hp --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kubectl delete pv it-move-hp-pv0 it-move-hp-pv1 --ignore-not-found >/dev/null 2>&1 || true
  on_every_node rm -rf /mnt/data/it-move-hp
  rm -rf "$root" "$reports"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
(( ${#nodes[@]} >= 2 )) || fail "moving a replica needs a test bed with two nodes (testbed_nodes: ${nodes[*]}); run make cluster-up without NODES=1"

cleanup
out=$(playbook site -e stateful_nfs_report_dir="$reports") || { echo "$out" >&2; fail "site with move_pod failed"; }
grep -qF "checks passed" <<<"$out" || { echo "$out" >&2; fail "the proof did not pass"; }
report=$reports/verify_persistence-it-move-web.json
for pod in web-0 web-1; do
  read -r before after <<<"$(moved "$report" "$pod")"
  [[ -n "$before" && -n "$after" && "$before" != "$after" ]] || fail "$pod was not moved: $before -> $after"
  echo "site: $pod moved from $before to $after, every check passed"
done
[[ -z "$(kubectl get nodes -o jsonpath='{.items[?(@.spec.unschedulable)].metadata.name}')" ]] \
  || fail "a node was left cordoned: $(kubectl get nodes)"

line="written on $(kubectl get pod web-0 -n it-move -o jsonpath='{.spec.nodeName}') at $(date +%s%N)"
kubectl exec -n it-move web-0 -- sh -c "echo '$line' | dd of=/www/before-move conv=fsync 2>/dev/null"
out=$(playbook verify -e stateful_nfs_report_dir="$reports") || { echo "$out" >&2; fail "verify with move_pod failed"; }
node=$(kubectl get pod web-0 -n it-move -o jsonpath='{.spec.nodeName}')
[[ "$line" != *"on $node at"* ]] || fail "web-0 is on the node it was on ($node)"
[[ "$(kubectl exec -n it-move web-0 -- cat /www/before-move)" == "$line" ]] || fail "web-0 on $node lost before-move"
[[ "$(cat "$root/www-web-0/before-move")" == "$line" ]] || fail "the export directory does not hold before-move"
echo "verify: web-0 now on $node reads '$line', and so does the export directory"

# Only one node can take pods: the move is refused before a marker is written or a pod deleted.
uids=$(kubectl get pods -n it-move -o jsonpath='{.items[*].metadata.uid}')
other_nodes cordon
if out=$(playbook verify 2>&1); then fail "move_pod ran with one schedulable node"; fi
grep -qF "moving a replica needs a second node that can take it" <<<"$out" || { echo "$out" >&2; fail "message"; }
grep -qF "${nodes[1]} (cordoned)" <<<"$out" || { echo "$out" >&2; fail "the message does not name the cordoned node"; }
[[ "$(kubectl get pods -n it-move -o jsonpath='{.items[*].metadata.uid}')" == "$uids" ]] || fail "pods were touched"
[[ -z "$(ls "$root"/www-web-*/.stateful-nfs-verify 2>/dev/null)" ]] || fail "a marker was written"
other_nodes uncordon
echo "one schedulable node: refused before anything was touched, naming ${nodes[1]} (cordoned)"

# The tutorials' hostPath setup: the move loses the data, and the proof says which marker.
kubectl create namespace it-move-hp >/dev/null
# The pods start on the first node (the others cordoned meanwhile), so web-0 moves onto another node's directory.
other_nodes cordon
sed "s|IMAGE|$image|" files/hostpath.yml | kubectl apply -f - >/dev/null
kubectl rollout status statefulset/web -n it-move-hp --timeout=180s >/dev/null
other_nodes uncordon
if out=$(ansible-playbook -i inventory.yml hostpath-proof.yml -e @"$config" 2>&1); then
  echo "$out" >&2; fail "the move passed on hostPath volumes"
fi
grep -qE "web-0 after move_pod\[web-0\]: marker: expected '[^ ]+ www-web-0' in /www/.stateful-nfs-verify, saw no marker file" <<<"$out" \
  || { echo "$out" >&2; fail "the failure does not name web-0's lost marker"; }
echo "hostPath: the move fails naming web-0's lost marker"
