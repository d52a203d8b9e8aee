#!/usr/bin/env bash
# The stateful_apps contract of the roles: one spec (the app role's; the server and verify roles refer to it), and a
# bad entry stops every playbook before anything is touched, with a message naming the entry and each problem.
set -euo pipefail
collection=$(ansible-galaxy collection list stateful.nfs --format json \
  | python -c 'import json, sys; print(list(json.load(sys.stdin))[0] + "/stateful/nfs")')

python - "$collection" <<'PY'
import sys, yaml
specs = {}
for role in ("server", "app", "verify"):
    with open("%s/roles/%s/meta/argument_specs.yml" % (sys.argv[1], role)) as handle:
        specs[role] = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["stateful_apps"]
assert "options" in specs["app"], "the app role lost the stateful_apps entry spec"
for role in ("server", "verify"):
    assert "options" not in specs[role], "%s restates the stateful_apps entry spec" % role
    assert "stateful.nfs.app" in " ".join(specs[role]["description"]), "%s does not point at the spec" % role
print("stateful_apps entry spec once, in the app role; server and verify refer to it")
PY

for playbook in site verify teardown; do
  out=$(ansible-playbook -i inventory.yml "stateful.nfs.$playbook" -e @bad_apps.yml 2>&1) && {
    echo "$playbook: a bad entry did not fail" >&2; exit 1; }
  expected_problems=('stateful_apps[1] it-roles/db: ' 'storge=' "storage.reclaim_policy='Keep'" "storage.nfs.host='nfs9'")
  # Deploying needs replicas and a root; removing (every app absent) needs only what finds the app's objects.
  [[ $playbook == teardown ]] || expected_problems+=('replicas=0' "storage.nfs.root='srv'")
  for expected in "${expected_problems[@]}"; do
    grep -qF -- "$expected" <<<"$out" || { echo "$playbook: message lacks '$expected':" >&2; echo "$out" >&2; exit 1; }
  done
  if grep -qF 'stateful_apps[0] it-roles/web' <<<"$out"; then echo "$playbook: the right entry was blamed" >&2; exit 1; fi
  # Nothing ran after the check: no play of the workflow started.
  if grep -qE 'PLAY \[(NFS servers|Cluster|Proof)' <<<"$out"; then
    echo "$playbook: a workflow play ran despite the bad entry:" >&2; echo "$out" >&2; exit 1
  fi
  echo "$playbook: refused the bad entry before anything ran"
done

# A role used on its own plans the whole list first and refuses the same entries.
out=$(ansible localhost -i inventory.yml -m ansible.builtin.include_role -a name=stateful.nfs.verify -e @bad_apps.yml 2>&1) && {
  echo "role stateful.nfs.verify accepted a bad entry" >&2; exit 1; }
grep -qF 'storge' <<<"$out" || { echo "role validation message lacks the typo:" >&2; echo "$out" >&2; exit 1; }
echo "role argument spec refused the bad entry"
