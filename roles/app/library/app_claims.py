#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: app_claims
short_description: Delete the claims of a removed StatefulSet (internal to the stateful.nfs.app role, purge only)
version_added: 0.1.0
description:
  - Deletes the claims C(<claim>-<statefulset>-<ordinal>) of every ordinal that exists, so that their
    PersistentVolumes are released and can be removed.
  - Refuses (and deletes nothing) while a pod mounts one of them, naming the pod.
  - The NFS data is not touched; with the reclaim policy V(Retain) the PVs stay, C(Released).
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  statefulset:
    description: Name of the StatefulSet whose claims these are.
    type: str
    required: true
  namespace:
    description: Namespace of the claims.
    type: str
    required: true
  claim:
    description: Name of the volumeClaimTemplate.
    type: str
    required: true
  wait_timeout:
    description: Seconds to wait until the deleted claims are gone.
    type: int
    default: 120
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
attributes:
  check_mode:
    support: full
    description: Deletions are sent with C(dryRun=All).
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API.
"""

EXAMPLES = r"""
- name: Delete the claims of the removed web StatefulSet
  app_claims:
    statefulset: web
    namespace: demo
    claim: www
"""

RETURN = r"""
deleted:
  description: Names of the deleted claims.
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client, waiters


def claims_of(claims, claim, statefulset):
    """The claims named <claim>-<statefulset>-<ordinal>, sorted by ordinal."""
    pattern = re.compile(r"^%s-%s-(\d+)$" % (re.escape(claim), re.escape(statefulset)))
    found = [(int(m.group(1)), c) for c in claims for m in [pattern.match(c["metadata"]["name"])] if m]
    return [c for _ordinal, c in sorted(found, key=lambda pair: pair[0])]


def mounted_by(pods, names):
    """{claim name: pod name} for claims a pod still mounts."""
    users = {}
    for pod in pods:
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            source = volume.get("persistentVolumeClaim") or {}
            if source.get("claimName") in names:
                users[source["claimName"]] = pod["metadata"]["name"]
    return users


def main():
    module = AnsibleModule(
        argument_spec=dict(dict(statefulset=dict(type="str", required=True), namespace=dict(type="str", required=True),
                                claim=dict(type="str", required=True), wait_timeout=dict(type="int", default=120)),
                           **k8s_client.AUTH_ARG_SPEC),
        supports_check_mode=True)
    params = module.params
    client = k8s_client.connect(module)
    try:
        claims = claims_of(client.list("PersistentVolumeClaim", params["namespace"]), params["claim"],
                           params["statefulset"])
        names = [c["metadata"]["name"] for c in claims]
        users = mounted_by(client.list("Pod", params["namespace"]), names)
        if users:
            module.fail_json(msg="purge: claims %s are still mounted (%s). Fix: remove the StatefulSet %s/%s first "
                                 "(the stateful.nfs.app role does so with the app's state absent)."
                                 % (", ".join(sorted(users)),
                                    ", ".join("%s by pod %s" % kv for kv in sorted(users.items())),
                                    params["namespace"], params["statefulset"]))
        for item in claims:
            client.delete("PersistentVolumeClaim", item["metadata"]["name"], params["namespace"],
                          dry_run=module.check_mode, uid=item["metadata"]["uid"])
        if not module.check_mode:
            for item in claims:
                waiters.wait_until_gone(client, "PersistentVolumeClaim", item["metadata"]["name"],
                                        params["namespace"], uid=item["metadata"]["uid"],
                                        timeout=params["wait_timeout"])
    except (k8s_client.K8sError, waiters.WaitTimeout) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(names), deleted=names)


if __name__ == "__main__":
    main()
