#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volume_info
short_description: The PersistentVolumes that use given NFS exports, or that belong to one StatefulSet
version_added: 0.1.0
description:
  - Lists PersistentVolumes, read-only, with one LIST call, and returns for each its name, phase, claim,
    NFS server and path, and labels.
  - Filters combine (all given filters must match). O(nfs_server) and O(paths) compare with each PV's
    C(spec.nfs) source, so they find every PV that mounts an export, whoever created it; PVs without an NFS
    source never match them. O(namespace), O(statefulset) and O(claim) select the labels that
    M(stateful.nfs.volumes) puts on its PVs, and are applied by the API server.
  - Without any filter every PersistentVolume of the cluster is returned.
  - Use it before removing an NFS export, to refuse while a PV still references it. With O(overlapping=true) it
    also finds the PVs of a directory under or above each path, which deleting the directory would take data
    from.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  nfs_server:
    description:
      - Only PVs whose C(spec.nfs.server) is this host name or IP address (host names compare
        case-insensitively, IP addresses by value).
    type: str
  paths:
    description:
      - Only PVs whose C(spec.nfs.path) is one of these absolute paths (a trailing C(/) or a doubled C(/) does not
        matter).
    type: list
    elements: str
    default: []
  overlapping:
    description:
      - With V(true), O(paths) also match a PV whose C(spec.nfs.path) is under one of them (a subdirectory, such
        as C(/srv/nfs/www-web-0/sub)) or above one (a parent, such as C(/srv/nfs) or C(/)).
      - Paths compare component by component, so C(/srv/nfs/www-web-1) does not match C(/srv/nfs/www-web-10).
      - Requires O(paths).
    type: bool
    default: false
  namespace:
    description:
      - Only PVs labelled C(stateful.nfs/namespace) with this namespace (the namespace of the StatefulSet they
        serve, as M(stateful.nfs.volumes) labels them).
    type: str
  statefulset:
    description:
      - Only PVs labelled C(stateful.nfs/statefulset) with this StatefulSet. Requires O(namespace).
    type: str
  claim:
    description:
      - Only PVs labelled C(stateful.nfs/claim) with this C(volumeClaimTemplates) name. Requires O(statefulset).
    type: str
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
  - module: stateful.nfs.volumes
  - module: stateful.nfs.export
"""

EXAMPLES = r"""
- name: Which PersistentVolumes still use these exports?
  stateful.nfs.volume_info:
    nfs_server: 10.0.1.201
    paths:
      - /srv/nfs/www-web-0
      - /srv/nfs/www-web-1
  register: users

- name: Refuse to remove exports that are in use
  ansible.builtin.assert:
    that: users.volumes | length == 0
    fail_msg: "still used by {{ users.volumes | map(attribute='name') | join(', ') }}"

- name: Which PersistentVolumes use these directories, a subdirectory or a parent, on any server?
  stateful.nfs.volume_info:
    paths:
      - /srv/nfs/www-web-0
    overlapping: true
  register: overlapping_users

- name: Refuse to delete the directories while any PV serves data in them
  ansible.builtin.assert:
    that: overlapping_users.volumes | length == 0
    fail_msg: >-
      {% for pv in overlapping_users.volumes %}PersistentVolume/{{ pv.name }} uses {{ pv.export }}
      ({{ pv.matched_paths | join(', ') }}); {% endfor %}

- name: The PVs of the StatefulSet web in demo
  stateful.nfs.volume_info:
    namespace: demo
    statefulset: web
    claim: www
  register: web_volumes
"""

RETURN = r"""
changed:
  description: Always V(false); the module only reads.
  returned: always
  type: bool
volumes:
  description: The matching PersistentVolumes, in natural order of their names (C(...-2) before C(...-10)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the PersistentVolume.
      type: str
      sample: demo-www-web-0
    uid:
      description: Its uid.
      type: str
    phase:
      description: C(Pending), C(Available), C(Bound), C(Released), C(Failed), or C(Terminating) while it is deleted.
      type: str
      sample: Bound
    claim_namespace:
      description: Namespace of the claim it is bound (or pre-bound) to; null without C(claimRef).
      type: str
      sample: demo
    claim_name:
      description: Name of that claim; null without C(claimRef).
      type: str
      sample: www-web-0
    server:
      description: C(spec.nfs.server); null for a PV without an NFS source.
      type: str
      sample: 10.0.1.201
    path:
      description: C(spec.nfs.path); null for a PV without an NFS source.
      type: str
      sample: /srv/nfs/www-web-0
    export:
      description: The export as C(server:path); null for a PV without an NFS source.
      type: str
      sample: 10.0.1.201:/srv/nfs/www-web-0
    reclaim_policy:
      description: C(spec.persistentVolumeReclaimPolicy).
      type: str
      sample: Retain
    capacity:
      description: C(spec.capacity.storage).
      type: str
      sample: 1Gi
    labels:
      description: All labels of the PV.
      type: dict
      sample: {app.kubernetes.io/managed-by: stateful.nfs, stateful.nfs/ordinal: "0"}
    matched_paths:
      description:
        - The O(paths) (normalized, without a trailing C(/)) that the PV's path equals or, with O(overlapping=true),
          is under or above; empty without O(paths).
      type: list
      elements: str
      sample: [/srv/nfs/www-web-0]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import volume_info
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

ARGUMENT_SPEC = dict(
    nfs_server=dict(type="str"),
    paths=dict(type="list", elements="str", default=[]),
    overlapping=dict(type="bool", default=False),
    namespace=dict(type="str"),
    statefulset=dict(type="str"),
    claim=dict(type="str"),
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, k8s_runner.without_problems(volume_info.problems), volume_info.info)


if __name__ == "__main__":
    main()
