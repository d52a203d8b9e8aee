# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes steps of the roles that no module of the collection covers, on the collection's own client.

Run on the controller with the Python that runs Ansible (roles in a collection cannot carry modules):

  cluster_helper.py namespace NAME [--check]
      create the namespace (label app.kubernetes.io/managed-by=stateful.nfs) when missing; never deletes one
  cluster_helper.py purge-claims NAMESPACE STATEFULSET CLAIM [--check]
      delete the claims <CLAIM>-<STATEFULSET>-<n>; refused while a pod mounts one of them
  cluster_helper.py pv-references SERVER PATH...
      the PersistentVolumes whose nfs source is SERVER:PATH (read-only)

Credentials: the K8S_AUTH_* environment variables, as the modules read them (else KUBECONFIG or ~/.kube/config).
Prints one JSON object: {"changed": ..., ...}; on failure {"failed": true, "msg": ...} and exit status 1.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys

# <root>/ansible_collections/stateful/nfs/roles/app/files/cluster_helper.py -> <root> on sys.path
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 6)))

from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client, reconcile, waiters  # noqa: E402

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def auth_params(environ):
    """The modules' auth options from the K8S_AUTH_* environment variables (their env fallbacks)."""
    params = {}
    for name, spec in k8s_client.AUTH_ARG_SPEC.items():
        for variable in spec["fallback"][1]:
            if environ.get(variable):
                value = environ[variable]
                params[name] = value.lower() in ("1", "true", "yes", "on") if spec["type"] == "bool" else value
                break
    return params


def namespace(client, name, check):
    if not DNS_LABEL.match(name):
        raise ValueError("namespace=%r: not a DNS-1123 label. Fix: use at most 63 lowercase letters, digits "
                         "and '-', starting and ending with a letter or digit" % name)
    desired = {"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "stateful.nfs"}}}
    live = client.get("Namespace", name)
    if live is not None:
        # An existing namespace is used as it is; only a missing one is created.
        return {"changed": False, "action": "none"}
    outcome = reconcile.reconcile(client, desired, None, check_mode=check)
    return {"changed": outcome.changed, "action": outcome.action}


def claims_of(claims, claim, statefulset):
    """The claims named <claim>-<statefulset>-<ordinal>, lowest ordinal first."""
    pattern = re.compile(r"^%s-%s-(\d+)$" % (re.escape(claim), re.escape(statefulset)))
    found = []
    for item in claims:
        match = pattern.match(item["metadata"]["name"])
        if match:
            found.append((int(match.group(1)), item))
    return [item for _ordinal, item in sorted(found, key=lambda pair: pair[0])]


def mounted_by(pods, names):
    """{claim name: pod name} for the claims a pod mounts."""
    users = {}
    for pod in pods:
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            source = volume.get("persistentVolumeClaim") or {}
            if source.get("claimName") in names:
                users[source["claimName"]] = pod["metadata"]["name"]
    return users


def purge_claims(client, ns, statefulset, claim, check, timeout=120):
    claims = claims_of(client.list("PersistentVolumeClaim", ns), claim, statefulset)
    names = [item["metadata"]["name"] for item in claims]
    users = mounted_by(client.list("Pod", ns), names)
    if users:
        raise ValueError("purge: %s still mounted (%s). Fix: remove the StatefulSet %s/%s first"
                         % (", ".join(sorted(users)),
                            ", ".join("%s by pod %s" % pair for pair in sorted(users.items())), ns, statefulset))
    for item in claims:
        client.delete("PersistentVolumeClaim", item["metadata"]["name"], ns, dry_run=check,
                      uid=item["metadata"]["uid"])
    if not check:
        for item in claims:
            waiters.wait_until_gone(client, "PersistentVolumeClaim", item["metadata"]["name"], ns,
                                    uid=item["metadata"]["uid"], timeout=timeout)
    return {"changed": bool(names), "deleted": names}


def normalized(path):
    return path.rstrip("/") or "/"


def pv_references(pvs, server, paths):
    """The PVs whose nfs source is server and one of paths, by name."""
    wanted = set(normalized(p) for p in paths)
    found = []
    for pv in pvs:
        nfs = (pv.get("spec") or {}).get("nfs") or {}
        if nfs.get("server") == server and normalized(nfs.get("path") or "") in wanted:
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            found.append({"pv": pv["metadata"]["name"], "path": nfs["path"],
                          "phase": (pv.get("status") or {}).get("phase"),
                          "claim": "%s/%s" % (ref.get("namespace"), ref.get("name")) if ref.get("name") else None})
    return sorted(found, key=lambda item: item["pv"])


def run(argv, environ, connect=k8s_client.client_from_params):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if not args:
        raise ValueError("command missing. Fix: namespace, purge-claims or pv-references (see --help)")
    command, rest = args[0], args[1:]
    client = connect(auth_params(environ))
    if command == "namespace" and len(rest) == 1:
        return namespace(client, rest[0], check)
    if command == "purge-claims" and len(rest) == 3:
        return purge_claims(client, rest[0], rest[1], rest[2], check)
    if command == "pv-references" and len(rest) >= 2:
        return {"changed": False, "references": pv_references(client.list("PersistentVolume"), rest[0], rest[1:])}
    raise ValueError("%s: unknown command or wrong arguments. Fix: see the usage at the top of this file"
                     % " ".join(args))


def main():
    if "--help" in sys.argv:
        print(__doc__)
        return 0
    try:
        result = run(sys.argv[1:], os.environ)
    except (ValueError, k8s_client.K8sError, waiters.WaitTimeout, k8s_client.ConfigException) as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
