#!/usr/bin/env bash
# Day two through stateful_apps, on two apps scaled 2 -> 3 -> 1 -> 3 together:
# - web (claims Retain): a marker written into each replica at each size is still in that replica afterwards, the
#   removed ordinals' claims (same uid), PVs, exports and data stay while scaled down and come back on scale-up;
# - db (claim_retention.when_scaled: Delete): 3 -> 1 deletes claims 1 and 2, their PVs are Released with the data
#   on the export; 1 -> 3 binds the same PVs to the new claims with their data; the proof's scale step checks the
#   same within itself;
# - no pod ever waits on a missing volume (no FailedMount event, no "not found" in FailedScheduling);
# - teardown (db: claim_retention.when_deleted: Delete) leaves db's PVs Released with the data, and site binds
#   them again;
# - teardown purge (archive, the default) leaves each directory renamed next to it with its data.
set -euo pipefail
config=../../integration_config.yml
setting() { python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]])' "$config" "$1"; }
kubeconfig=$(setting k8s_kubeconfig)
kubectl_bin=$(setting testbed_kubectl)
exports_dir=$(setting testbed_ganesha_exports_dir)
root=$(setting testbed_nfs_root)/it-day2
ns=it-day2
kubectl() { "$kubectl_bin" --kubeconfig "$kubeconfig" "$@"; }
playbook() { ansible-playbook -i inventory.yml "stateful.nfs.$1" -e @"$config" -e @apps.yml "${@:2}"; }
cleanup() {
  playbook teardown -e purge=true -e purge_mode=delete >/dev/null 2>&1 || true
  rm -rf "$root"
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
jpath() { kubectl get "$@" 2>/dev/null || true; }

# Each pod of each app gets the file size-<N> (its own pod name inside) at size N.
write_markers() {  # SIZE
  local app ordinal
  for app in web db; do
    for ((ordinal = 0; ordinal < $1; ordinal++)); do
      kubectl -n $ns exec "$app-$ordinal" -- sh -c "echo $app-$ordinal > /www/size-$1 && sync" ||
        fail "could not write size-$1 into $app-$ordinal"
    done
  done
}
# Every replica below SIZE has, of each marker written at an earlier size it existed at, its own.
check_markers() {  # SIZE SIZES_WRITTEN...
  local size=$1 app ordinal written seen
  shift
  for app in web db; do
    for ((ordinal = 0; ordinal < size; ordinal++)); do
      [[ "$(jpath pod "$app-$ordinal" -n $ns -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]] ||
        fail "$app-$ordinal is not Ready at size $size"
      for written in "$@"; do
        ((ordinal < written)) || continue
        seen=$(kubectl -n $ns exec "$app-$ordinal" -- cat "/www/size-$written" 2>&1) ||
          fail "$app-$ordinal at size $size lost size-$written: $seen"
        [[ "$seen" == "$app-$ordinal" ]] || fail "$app-$ordinal at size $size: size-$written holds '$seen'"
      done
    done
  done
}
# No pod waited on a volume that was not there: no mount failed, no claim found no PV to bind (FailedBinding),
# and each replica's PV was created before its pod. A scheduler wait of a claim that is binding to a PV that
# exists ("pod has unbound immediate PersistentVolumeClaims") is the binder's usual second and is only shown.
# So is the kubelet's last look at the claim of a pod that scale-down removed, once the claim is deleted
# (whenScaled: Delete): the node may no longer read it ("no relationship found"), and that pod is gone.
no_missing_volumes() {  # SIZE
  local reason app ordinal pv_created pod_created sched pods events
  pods=" $(kubectl -n $ns get pods -o 'jsonpath={.items[*].metadata.uid}') "
  for reason in FailedMount FailedBinding; do
    events=$(kubectl -n $ns get events --field-selector reason=$reason \
      -o 'jsonpath={range .items[*]}{.involvedObject.uid} {.involvedObject.name}: {.message}{"\n"}{end}')
    while read -r uid rest; do
      [[ -n "$uid" ]] || continue
      if [[ "$pods" != *" $uid "* && "$rest" == *"no relationship found between node"* ]]; then
        echo "(the kubelet's last look at a removed pod's deleted claim: $rest)"
      else
        kubectl -n $ns get events --field-selector reason=$reason >&2
        fail "$reason events"
      fi
    done <<<"$events"
  done
  for app in web db; do
    for ((ordinal = 0; ordinal < $1; ordinal++)); do
      pv_created=$(jpath pv "$ns-www-$app-$ordinal" -o 'jsonpath={.metadata.creationTimestamp}')
      pod_created=$(jpath pod "$app-$ordinal" -n $ns -o 'jsonpath={.metadata.creationTimestamp}')
      [[ -n "$pv_created" && ! "$pv_created" > "$pod_created" ]] ||
        fail "PV $ns-www-$app-$ordinal (created '$pv_created') came after pod $app-$ordinal ($pod_created)"
    done
  done
  sched=$(kubectl -n $ns get events --field-selector reason=FailedScheduling \
    -o 'jsonpath={range .items[*]}{.involvedObject.name}: {.message}{"\n"}{end}' | sort -u)
  if grep -v "pod has unbound immediate PersistentVolumeClaims" <<<"$sched" | grep . >&2; then
    fail "pods could not be scheduled for another reason"
  fi
  [[ -z "$sched" ]] || echo "(claims binding to their existing PVs delayed scheduling: $(cut -d: -f1 <<<"$sched" | sort -u | tr '\n' ' '))"
}
site() {  # SIZE [extra args]
  local out
  out=$(playbook site -e it_replicas="$1" "${@:2}") || { echo "$out" >&2; fail "site with $1 replicas failed"; }
  printf '%s' "$out"
}

cleanup
site 2 >/dev/null
write_markers 2
check_markers 2 2
echo "size 2: both apps up, size-2 in each replica"

site 3 >/dev/null
no_missing_volumes 3
write_markers 3
check_markers 3 2 3
for ordinal in 0 1 2; do
  [[ -d "$root/www-web-$ordinal" && -d "$root/www-db-$ordinal" ]] || fail "no directory for ordinal $ordinal"
  grep -qF "\"$root/www-web-$ordinal\"" "$exports_dir/it-day2-web.conf" || fail "web-$ordinal is not exported"
done
web_claims=$(jpath pvc -n $ns www-web-1 www-web-2 -o 'jsonpath={.items[*].metadata.uid}')
echo "2 -> 3: web-2 and db-2 got directories, exports and PVs before their pods; markers intact"

out=$(site 1 -e it_verify=true -e '{"verify_disruptions": [delete_pod]}')
for app in web db; do
  grep -qE "$ns/$app: [0-9]+ checks passed over 3 step\(s\) and 1 replica\(s\)" <<<"$out" ||
    { echo "$out" >&2; fail "the proof of $app at size 1 did not cover exactly 1 replica"; }
done
grep -qF "keeps $ns-www-web-1, $ns-www-web-2" <<<"$out" || { echo "$out" >&2; fail "scale-down did not report web's kept PVs"; }
[[ "$(jpath pvc -n $ns www-web-1 www-web-2 -o 'jsonpath={.items[*].metadata.uid}')" == "$web_claims" ]] ||
  fail "web's claims 1 and 2 were not kept"
for ((i = 0; i < 60; i++)); do
  [[ -z "$(jpath pvc -n $ns www-db-1 www-db-2 -o name)" ]] && break
  sleep 1
done
[[ -z "$(jpath pvc -n $ns www-db-1 www-db-2 -o name)" ]] || fail "db's claims 1 and 2 were not deleted (whenScaled: Delete)"
for ordinal in 1 2; do
  phase=$(jpath pv $ns-www-db-$ordinal -o 'jsonpath={.status.phase}')
  [[ "$phase" == Released ]] || fail "PV $ns-www-db-$ordinal is '$phase', not Released"
  [[ "$(cat "$root/www-db-$ordinal/size-3")" == "db-$ordinal" ]] || fail "db-$ordinal's data is not on the export"
  [[ "$(cat "$root/www-web-$ordinal/size-3")" == "web-$ordinal" ]] || fail "web-$ordinal's data is not on the export"
done
write_markers 1
check_markers 1 2 3 1
echo "3 -> 1: web keeps claims 1, 2 (same uids); db's claims 1, 2 deleted, PVs Released, data on the export"

out=$(site 3 -e it_verify=true)
grep -qF "scale_down_up[3->1->3]" <<<"$out" || { echo "$out" >&2; fail "the proof of db did not scale"; }
for app_steps in web:5 db:3; do  # the preflight, the baseline, then the disruptions
  grep -qE "$ns/${app_steps%:*}: [0-9]+ checks passed over ${app_steps#*:} step\(s\) and 3 replica\(s\)" <<<"$out" ||
    { echo "$out" >&2; fail "the proof of ${app_steps%:*} did not cover exactly 3 replicas"; }
done
no_missing_volumes 3
for ordinal in 1 2; do
  [[ "$(jpath pvc -n $ns www-db-$ordinal -o 'jsonpath={.spec.volumeName}')" == "$ns-www-db-$ordinal" ]] ||
    fail "db's new claim $ordinal is not bound to its old PV"
done
[[ "$(jpath pvc -n $ns www-web-1 www-web-2 -o 'jsonpath={.items[*].metadata.uid}')" == "$web_claims" ]] ||
  fail "web's claims 1 and 2 were made anew"
check_markers 3 2 3 1
echo "1 -> 3: web re-attached its claims, db its Released PVs with new claims; every marker of every size intact"

# teardown without purge: db's StatefulSet deletes its claims (when_deleted: Delete), allowed because its PVs are
# Retain; their PVs turn Released with the data, and the next site binds them again. web keeps its claims.
db_pv_uids=$(jpath pv $ns-www-db-0 $ns-www-db-1 $ns-www-db-2 -o 'jsonpath={.items[*].metadata.uid}')
out=$(playbook teardown) || { echo "$out" >&2; fail "teardown of db (when_deleted: Delete) failed"; }
for ((i = 0; i < 60; i++)); do
  [[ -z "$(jpath pvc -n $ns www-db-0 www-db-1 www-db-2 -o name)" ]] && break
  sleep 1
done
[[ -z "$(jpath pvc -n $ns www-db-0 www-db-1 www-db-2 -o name)" ]] || fail "db's claims outlived its StatefulSet"
[[ "$(jpath pvc -n $ns www-web-1 www-web-2 -o 'jsonpath={.items[*].metadata.uid}')" == "$web_claims" ]] ||
  fail "teardown deleted web's claims"
for ordinal in 0 1 2; do
  phase=$(jpath pv $ns-www-db-$ordinal -o 'jsonpath={.status.phase}')
  [[ "$phase" == Released ]] || fail "after teardown PV $ns-www-db-$ordinal is '$phase', not Released"
  [[ "$(cat "$root/www-db-$ordinal/size-3")" == "db-$ordinal" ]] || fail "teardown lost db-$ordinal's data"
done
site 3 >/dev/null
[[ "$(jpath pv $ns-www-db-0 $ns-www-db-1 $ns-www-db-2 -o 'jsonpath={.items[*].metadata.uid}')" == "$db_pv_uids" ]] ||
  fail "site after teardown made db's PVs anew"
check_markers 3 2 3 1
echo "teardown: db's claims went with its StatefulSet (when_deleted: Delete), PVs Released with the data; site bound them again, every marker intact"

out=$(playbook teardown -e purge=true) || { echo "$out" >&2; fail "teardown purge failed"; }
for app in web db; do
  for ordinal in 0 1 2; do
    [[ ! -e "$root/www-$app-$ordinal" ]] || fail "purge left $root/www-$app-$ordinal in place"
    archived=$(find "$root" -maxdepth 1 -name "www-$app-$ordinal.archived-*")
    [[ -n "$archived" ]] || fail "no archive of www-$app-$ordinal in $root"
    [[ "$(cat "$archived/size-3")" == "$app-$ordinal" ]] || fail "$archived lost the data"
  done
done
[[ -z "$(jpath pv -l stateful.nfs/namespace=$ns -o name)" ]] || fail "purge left PVs"
echo "teardown purge: every directory archived next to itself with its data ($(find "$root" -maxdepth 1 -name 'www-web-0.*'), ...)"
