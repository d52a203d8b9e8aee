#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: takeover_check
short_description: Refuse, before anything changes, claims bound to PersistentVolumes the workflow did not create
version_added: 0.2.0
description:
  - Reads, for every present app of a plan (the RV(stateful.nfs.app_plan#module:apps) of M(stateful.nfs.app_plan)),
    the claims its StatefulSet uses (C(<claim>-<name>-<ordinal>), any ordinal) and the PersistentVolumes they are
    bound to, with one LIST of claims per namespace and at most one LIST of PVs.
  - A claim bound to a PV other than the workflow's own for that ordinal (a setup made by hand, as the tutorials
    teach, with PVs such as C(web-pv0) and a storage class) fails the task before anything is touched. Running on
    would create the workflow's PV next to it, pre-bound to a claim that is already bound and so Available for
    ever, and apply the StatefulSet over the hand-made one.
  - The message names each claim, its PV, export, storage class and reclaim policy, and gives the steps that put
    the app under the workflow with its data (delete the StatefulSet, keep the PVs' data with reclaim policy
    C(Retain), delete the claims and the PVs, point C(storage.nfs.path_pattern) at the same directories or move
    them, run again).
  - Nothing is changed.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  apps:
    description:
      - The planned apps (each with C(name), C(namespace), C(state), C(claim), C(service_name) and C(storage.nfs)
        with C(root), C(path_pattern) and C(export_name)), as M(stateful.nfs.app_plan) returns them.
    type: list
    elements: dict
    required: true
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
seealso:
  - module: stateful.nfs.app_plan
  - module: stateful.nfs.volume_info
"""

EXAMPLES = r"""
- name: Plan the description
  stateful.nfs.app_plan:
    apps: "{{ stateful_apps }}"
  register: plan

- name: No claim of an app is bound to a PV the workflow did not create
  stateful.nfs.takeover_check:
    apps: "{{ plan.apps }}"
"""

RETURN = r"""
changed:
  description: Always V(false).
  returned: always
  type: bool
apps:
  description: Per present app, the claims bound to PVs the workflow did not create (empty when none).
  returned: always
  type: list
  elements: dict
  contains:
    namespace:
      description: The app's namespace.
      type: str
    name:
      description: The app's name.
      type: str
    foreign:
      description: One item per such claim.
      type: list
      elements: dict
      contains:
        claim:
          description: The claim, C(<claim>-<name>-<ordinal>).
          type: str
          sample: www-web-0
        ordinal:
          description: Its ordinal.
          type: int
        pv:
          description: The PV it is bound to.
          type: str
          sample: web-pv0
        export:
          description: That PV's C(server:path); null for a PV that is not NFS.
          type: str
        path:
          description: That PV's NFS path; null for a PV that is not NFS.
          type: str
        planned_pv:
          description: The PV the workflow would create for the ordinal.
          type: str
          sample: demo-www-web-0
        planned_path:
          description: The directory the workflow plans for the ordinal.
          type: str
        storage_class:
          description: The PV's (else the claim's) C(storageClassName).
          type: str
        reclaim_policy:
          description: The PV's reclaim policy.
          type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import takeover
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

ARGUMENT_SPEC = dict(apps=dict(type="list", elements="dict", required=True))


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, lambda params: params["apps"], takeover.check)


if __name__ == "__main__":
    main()
