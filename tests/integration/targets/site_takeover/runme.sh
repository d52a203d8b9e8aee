#!/usr/bin/env bash
# The tutorial's setup, made by hand with kubectl (PVs web-pv0/1 with labels type: web-pv0/1 and storageClassName
# my-storage-class on <root>/web-pv0/1, claims www-web-0/1 selecting them, a headless Service web-headless, a plain
# Service web, a StatefulSet web whose volumeClaimTemplates is www), with a file written into each pod:
# - stateful.nfs.site over it stops before anything changes, naming the claims, their PVs and the migration steps;
#   afterwards the files are there, the pods Ready, no PV was added and the StatefulSet is untouched;
# - the steps of that message, run as written, then site again: the same files, the pods Ready, exactly one PV per
#   claim (the workflow's, on the same directories) and no PV left Available.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
kubectl_bin=$(setting testbed_kubectl)
server=$(setting testbed_nfs_server)
image=$(setting testbed_image)
root=$(setting testbed_nfs_root)/it-takeover
ns=it-takeover
kubectl() { "$kubectl_bin" --kubeconfig "$kubeconfig" "$@"; }
# No colours (ansible-test --color asks for them): the play recap is matched below.
playbook() { ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ansible-playbook -i inventory.yml "$1" -e @"$config" -e @apps.yml "${@:2}"; }
cleanup() {
  kubectl -n $ns delete statefulset web --ignore-not-found --wait=true >/dev/null 2>&1 || true
  playbook stateful.nfs.teardown -e purge=true -e purge_mode=delete -e it_path_pattern='{root}/web-pv{ordinal}' \
    >/dev/null 2>&1 || true
  playbook handmade.yml -e it_state=absent >/dev/null 2>&1 || true
  kubectl delete namespace $ns --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kubectl delete pv web-pv0 web-pv1 --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pvs_on_root() {  # every PV of the cluster whose NFS path is under the root, "name phase" per line
  kubectl get pv -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.spec.nfs.path}{"\n"}{end}' |
    awk -v root="$root/" 'index($3, root) == 1 {print $1, $2}' | sort
}
files_are_there() {  # WHEN
  local ordinal seen
  for ordinal in 0 1; do
    kubectl -n $ns wait --for=condition=Ready "pod/web-$ordinal" --timeout=120s >/dev/null ||
      fail "web-$ordinal is not Ready $1"
    seen=$(kubectl -n $ns exec "web-$ordinal" -- cat /usr/share/nginx/html/index.html) ||
      fail "web-$ordinal: no index.html $1"
    [[ "$seen" == "hand-made $ordinal" ]] || fail "web-$ordinal: index.html holds '$seen' $1"
  done
}

cleanup
mkdir -p "$root/web-pv0" "$root/web-pv1"
playbook handmade.yml >/dev/null
kubectl create namespace $ns >/dev/null
for ordinal in 0 1; do
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: web-pv$ordinal
  labels: {type: web-pv$ordinal}
spec:
  storageClassName: my-storage-class
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  nfs: {server: $server, path: $root/web-pv$ordinal}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: www-web-$ordinal
  namespace: $ns
spec:
  storageClassName: my-storage-class
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  selector:
    matchLabels: {type: web-pv$ordinal}
YAML
done
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: web-headless, namespace: $ns, labels: {app: nginx}}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: $ns, labels: {app: nginx}}
spec:
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: $ns}
spec:
  serviceName: web-headless
  replicas: 2
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: nginx
          image: $image
          imagePullPolicy: Never
          command: [httpd, -f, -p, "80", -h, /usr/share/nginx/html]
          ports: [{name: web, containerPort: 80}]
          volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
    - metadata: {name: www}
      spec:
        storageClassName: my-storage-class
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
YAML
kubectl -n $ns rollout status statefulset web --timeout=180s >/dev/null || fail "the hand-made StatefulSet did not roll out"
for ordinal in 0 1; do
  kubectl -n $ns exec "web-$ordinal" -- sh -c "echo 'hand-made $ordinal' > /usr/share/nginx/html/index.html && sync"
  [[ "$(kubectl -n $ns get pvc "www-web-$ordinal" -o 'jsonpath={.spec.volumeName}')" == "web-pv$ordinal" ]] ||
    fail "the hand-made claim www-web-$ordinal is not bound to web-pv$ordinal"
done
files_are_there "before the workflow"
pvs_before=$(pvs_on_root)
sts_version=$(kubectl -n $ns get statefulset web -o 'jsonpath={.metadata.resourceVersion}')
echo "hand-made setup up: $(tr '\n' ' ' <<<"$pvs_before")with a file in each pod"

if out=$(playbook stateful.nfs.site 2>&1); then echo "$out" >&2; fail "site ran over the hand-made setup"; fi
grep -qF "claim www-web-0 is bound to PersistentVolume/web-pv0 ($server:$root/web-pv0, storageClassName 'my-storage-class'" \
  <<<"$out" || { echo "$out" >&2; fail "the refusal does not name www-web-0 and web-pv0"; }
grep -qF "Nothing was changed. Fix: take the app over with its data: 1. kubectl -n $ns delete statefulset web" <<<"$out" ||
  { echo "$out" >&2; fail "the refusal gives no migration steps"; }
grep -qF 'set storage.nfs.path_pattern: \"{root}/web-pv{ordinal}\"' <<<"$out" ||
  { echo "$out" >&2; fail "the refusal does not point path_pattern at the same directories"; }
[[ "$(pvs_on_root)" == "$pvs_before" ]] || fail "PVs changed: $(pvs_on_root)"
[[ -z "$(kubectl get pv -l stateful.nfs/namespace=$ns -o name)" ]] || fail "the workflow created PVs"
[[ "$(kubectl -n $ns get statefulset web -o 'jsonpath={.metadata.resourceVersion}')" == "$sts_version" ]] ||
  fail "the hand-made StatefulSet was changed"
[[ ! -e "$(setting testbed_ganesha_exports_dir)/it-takeover-web.conf" ]] || fail "the workflow exported directories"
files_are_there "after the refused run"
grep -oE 'claim www-web-0 is bound[^"]*' <<<"$out" | head -c 600; echo ...
echo "site refused before anything changed; files, pods and PVs as they were"

# The migration, step by step as the message gives it.
kubectl -n $ns delete statefulset web --wait=true >/dev/null
kubectl -n $ns wait --for=delete pod/web-0 pod/web-1 --timeout=120s >/dev/null 2>&1 || true
for ordinal in 0 1; do
  kubectl patch pv "web-pv$ordinal" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}' >/dev/null
done
kubectl -n $ns delete pvc www-web-0 www-web-1 --wait=true >/dev/null
kubectl delete pv web-pv0 web-pv1 --wait=true >/dev/null
playbook handmade.yml -e it_state=absent >/dev/null
out=$(playbook stateful.nfs.site -e it_path_pattern='{root}/web-pv{ordinal}' 2>&1) ||
  { echo "$out" >&2; fail "site after the migration steps failed"; }
files_are_there "after the takeover"
want=$(printf '%s Bound\n' "$ns-www-web-0" "$ns-www-web-1")
[[ "$(pvs_on_root)" == "$want" ]] || fail "PVs on $root after the takeover: $(pvs_on_root)"
for ordinal in 0 1; do
  [[ "$(kubectl get pv "$ns-www-web-$ordinal" -o 'jsonpath={.spec.nfs.path}')" == "$root/web-pv$ordinal" ]] ||
    fail "$ns-www-web-$ordinal does not use $root/web-pv$ordinal"
done
out=$(playbook stateful.nfs.site -e it_path_pattern='{root}/web-pv{ordinal}' 2>&1) || { echo "$out" >&2; fail "second run"; }
grep -qE "localhost +: ok=[0-9]+ +changed=0" <<<"$out" || { echo "$out" >&2; fail "the second run changed something"; }
echo "after the steps: site took the app over on the same directories, files intact, one Bound PV per claim"
