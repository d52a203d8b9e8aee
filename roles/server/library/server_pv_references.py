#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: server_pv_references
short_description: Which PersistentVolumes still use some NFS exports (internal to the stateful.nfs.server role)
version_added: 0.1.0
description:
  - Lists every PersistentVolume of the cluster whose C(nfs) source is one of O(paths) on O(server) (a path and
    the same path with a trailing C(/) are the same export), whoever created it.
  - With O(fail_on_reference=true), fails naming each such PV, its phase and its claim, so that an export is
    never removed under a volume that still points at it.
  - Read-only.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  server:
    description: The NFS server address, as the PVs name it.
    type: str
    required: true
  paths:
    description: The exported paths.
    type: list
    elements: str
    required: true
  fail_on_reference:
    description: Fail when any PV references one of the exports.
    type: bool
    default: true
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API.
"""

EXAMPLES = r"""
- name: Refuse to remove exports that PVs still use
  server_pv_references:
    server: 10.0.1.201
    paths: [/srv/nfs/www-web-0, /srv/nfs/www-web-1]
"""

RETURN = r"""
references:
  description: The PVs that use one of the exports.
  returned: always
  type: list
  elements: dict
  contains:
    pv:
      description: Name of the PV.
      type: str
    path:
      description: The NFS path it uses.
      type: str
    phase:
      description: Its phase.
      type: str
    claim:
      description: The claim it is bound to, C(namespace/name), or null.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client


def normalized(path):
    return path.rstrip("/") or "/"


def references(pvs, server, paths):
    wanted = set(normalized(p) for p in paths)
    found = []
    for pv in pvs:
        nfs = (pv.get("spec") or {}).get("nfs") or {}
        if nfs.get("server") == server and normalized(nfs.get("path") or "") in wanted:
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            found.append(dict(pv=pv["metadata"]["name"], path=nfs["path"],
                              phase=(pv.get("status") or {}).get("phase"),
                              claim="%s/%s" % (ref.get("namespace"), ref.get("name")) if ref.get("name") else None))
    return sorted(found, key=lambda item: item["pv"])


def main():
    module = AnsibleModule(
        argument_spec=dict(dict(server=dict(type="str", required=True),
                                paths=dict(type="list", elements="str", required=True),
                                fail_on_reference=dict(type="bool", default=True)),
                           **k8s_client.AUTH_ARG_SPEC),
        supports_check_mode=True)
    client = k8s_client.connect(module)
    try:
        found = references(client.list("PersistentVolume"), module.params["server"], module.params["paths"])
    except k8s_client.K8sError as exc:
        module.fail_json(msg=str(exc))
    if found and module.params["fail_on_reference"]:
        module.fail_json(
            msg="export removal refused: %s. Fix: keep the export, or remove the PV(s) first (playbook "
                "stateful.nfs.teardown with purge=true removes the app's claims and PVs, then its exports)."
                % "; ".join("%s:%s is used by PersistentVolume/%s (phase %s, claim %s)"
                            % (module.params["server"], r["path"], r["pv"], r["phase"], r["claim"]) for r in found),
            references=found)
    module.exit_json(changed=False, references=found)


if __name__ == "__main__":
    main()
