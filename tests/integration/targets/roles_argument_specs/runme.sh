#!/usr/bin/env bash
# The stateful_apps contract of the roles: one spec in the three roles, and a bad entry stops every playbook
# before anything is touched, with a message naming the entry and each problem.
set -euo pipefail
collection=$(ansible-galaxy collection list stateful.nfs --format json \
  | python -c 'import json, sys; print(list(json.load(sys.stdin))[0] + "/stateful/nfs")')

python - "$collection" <<'PY'
import sys, yaml
specs = {}
for role in ("server", "app", "verify"):
    with open("%s/roles/%s/meta/argument_specs.yml" % (sys.argv[1], role)) as handle:
        specs[role] = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["stateful_apps"]
assert specs["server"] == specs["app"] == specs["verify"], "the stateful_apps spec differs between the roles"
print("stateful_apps spec identical in server, app and verify")
PY

for playbook in site verify teardown; do
  out=$(ansible-playbook -i inventory.yml "stateful.nfs.$playbook" -e @bad_apps.yml 2>&1) && {
    echo "$playbook: a bad entry did not fail" >&2; exit 1; }
  for expected in 'stateful_apps[1] (name: db)' 'storge' 'reclaim_policy must be one of' 'replicas=0' \
                  'storage.nfs.host=nfs9' 'storage.nfs.root=srv'; do
    grep -qF -- "$expected" <<<"$out" || { echo "$playbook: message lacks '$expected':" >&2; echo "$out" >&2; exit 1; }
  done
  if grep -qF 'stateful_apps[0] (name: web)' <<<"$out"; then echo "$playbook: the right entry was blamed" >&2; exit 1; fi
  # Nothing ran after the check: no play of the workflow started.
  if grep -qE 'PLAY \[(NFS servers|Cluster|Proof)' <<<"$out"; then
    echo "$playbook: a workflow play ran despite the bad entry:" >&2; echo "$out" >&2; exit 1
  fi
  echo "$playbook: refused the bad entry before anything ran"
done

# The roles' own argument specs refuse the same entries when a role is used on its own.
out=$(ansible localhost -i inventory.yml -m ansible.builtin.include_role -a name=stateful.nfs.verify -e @bad_apps.yml 2>&1) && {
  echo "role stateful.nfs.verify accepted a bad entry" >&2; exit 1; }
grep -qF 'storge' <<<"$out" || { echo "role validation message lacks the typo:" >&2; echo "$out" >&2; exit 1; }
echo "role argument spec refused the bad entry"
