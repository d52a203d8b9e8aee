#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: volumes
short_description: All NFS PersistentVolumes of one StatefulSet, pre-bound per ordinal
version_added: 0.1.0
description:
  - Creates or updates one PersistentVolume per replica of a StatefulSet, each pointing at its own NFS
    directory, so that ordinal N always gets directory N.
  - "Names: for StatefulSet V(web) in namespace V(demo) with claim template V(www), ordinal 0 gets the PV
    C(demo-www-web-0) (PVs are cluster-scoped, so the namespace is part of the name), bound to the claim
    C(www-web-0) (the name the StatefulSet controller gives it) and exporting C(<nfs_root>/www-web-0)."
  - By default every PV is pre-bound with C(claimRef) to the namespace and name of its claim (the controller
    fills in the claim's uid; the module never fights that). With O(precreate_claims=true) the module instead
    creates the claims itself, each selecting its PV by labels, as hand-written setups do.
  - Every PV carries the labels C(app.kubernetes.io/managed-by=stateful.nfs), C(stateful.nfs/namespace),
    C(stateful.nfs/statefulset), C(stateful.nfs/claim) and C(stateful.nfs/ordinal), plus O(labels).
  - One LIST of PVs (by those labels) reads the current state, and one LIST of claims in the namespace when
    O(precreate_claims=true); then only the objects that differ are written, with server-side apply under the
    field manager C(stateful.nfs). A second identical run makes no write and reports no change.
  - All input is validated before any API call; every error names the field, the bad value and the fix.
    A PV that exists with another NFS server or path, or that is bound to another claim, is never rewritten;
    the module fails naming the PV, the field, the old and the new value.
  - Scaling down never deletes PVs; those of ordinals outside the range are returned in RV(extra). Only
    O(state=absent) deletes PVs.
  - "A PV whose claim was deleted (scaled to zero and the claim removed, or a retention policy) is C(Released): its
    C(claimRef) still holds the old claim's uid, so no new claim binds it. With O(rebind_released=true) (the
    default) and reclaim policy V(Retain), the module clears that uid (and resourceVersion) with a JSON patch that
    first tests the uid, once the claims show that no claim with that uid exists; the claim of the same name then
    binds the PV again, with its data. RV(volumes[].released) reports it."
  - The module never touches NFS data. Deleting a PV or a claim leaves the directory and its files on the
    NFS server; with the default reclaim policy V(Retain) the data stays after the claim is deleted too.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  statefulset:
    description:
      - Name of the StatefulSet whose replicas use the volumes.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the StatefulSet and its claims.
    type: str
    required: true
  claim:
    description:
      - Name of the StatefulSet's C(volumeClaimTemplates) entry. Claims are named C(<claim>-<statefulset>-<ordinal>).
    type: str
    required: true
  replicas:
    description:
      - Number of replicas; one PV per ordinal. Required with O(state=present), at least 1.
    type: int
  ordinals_start:
    description:
      - First ordinal, as the StatefulSet's C(spec.ordinals.start).
    type: int
    default: 0
  nfs_server:
    description:
      - Host name or IP address of the NFS server, as the nodes mount it. Required with O(state=present).
    type: str
  nfs_root:
    description:
      - Absolute base directory of the exports on the NFS server; the value of C({root}) in O(path_pattern).
      - Required when O(path_pattern) uses C({root}).
    type: str
  path_pattern:
    description:
      - The NFS path of each ordinal. Placeholders are C({root}), C({namespace}), C({statefulset}), C({claim}) and
        C({ordinal}); C({ordinal}) is required so that every replica has its own directory.
      - The result must be an absolute, normalized path.
    type: str
    default: "{root}/{claim}-{statefulset}-{ordinal}"
  size:
    description:
      - Capacity of each PV, a Kubernetes quantity such as V(1Gi). Required with O(state=present).
    type: str
  claim_size:
    description:
      - Storage the claims request (the volumeClaimTemplate's C(resources.requests.storage)). It must not be larger
        than O(size), or no claim would bind. Defaults to O(size).
      - With O(precreate_claims=true) it is the request of the created claims.
    type: str
  access_modes:
    description:
      - Access modes of the PVs (and pre-created claims). They must include the modes the claims request.
      - One or more of V(ReadWriteOnce), V(ReadOnlyMany), V(ReadWriteMany), V(ReadWriteOncePod)
        (V(ReadWriteOncePod) only alone).
    type: list
    elements: str
    default: [ReadWriteOnce]
  reclaim_policy:
    description:
      - What Kubernetes does with a PV when its claim is deleted. V(Retain) keeps the PV and the data.
      - V(Recycle) lets Kubernetes erase the directory's contents when the claim is deleted; choose it only if you
        mean that. V(Delete) has no effect on the data of a static NFS PV (the PV fails instead).
    type: str
    choices: [Retain, Recycle, Delete]
    default: Retain
  storage_class:
    description:
      - C(storageClassName) of the PVs (and pre-created claims). It must equal the volumeClaimTemplate's
        C(storageClassName); the default empty string matches a template that sets it to the empty string.
    type: str
    default: ""
  mount_options:
    description:
      - NFS mount options of the PVs, for example V(nfsvers=4.1) and V(hard).
    type: list
    elements: str
    default: []
  labels:
    description:
      - Extra labels for the PVs and pre-created claims. Keys under C(stateful.nfs/) and
        C(app.kubernetes.io/managed-by) are set by the module and cannot be given.
    type: dict
    default: {}
  precreate_claims:
    description:
      - V(false) pre-binds each PV to its claim with C(claimRef); the StatefulSet creates the claims.
      - V(true) leaves C(claimRef) to the binder and creates each claim C(<claim>-<statefulset>-<ordinal>) with a
        label selector on its PV's ordinal labels, C(storageClassName) O(storage_class) and no C(volumeName).
        Until that claim binds, another claim without a selector could bind the PV.
      - With O(state=absent), claims the module created are deleted too, but never one that a pod mounts.
    type: bool
    default: false
  delete_claims:
    description:
      - With O(state=absent), also delete every claim named C(<claim>-<statefulset>-<ordinal>) in O(namespace),
        whatever created it (normally the StatefulSet controller), for every ordinal, like the PVs.
      - Claims are deleted before their PVs, each with a uid precondition, so a Bound PV whose claim is deleted here
        needs no O(force).
      - Refused while a pod mounts one of those claims; the module then fails before deleting anything, naming each
        mounted claim and its pods. Remove the StatefulSet first (M(stateful.nfs.statefulset) with O(state=absent)).
      - The NFS data is never deleted; with reclaim policy V(Retain) it stays on the server.
      - Only valid with O(state=absent).
    type: bool
    default: false
  rebind_released:
    description:
      - With O(state=present), make a PV of this StatefulSet bindable again when it is C(Released) because its claim
        C(<claim>-<statefulset>-<ordinal>) was deleted (or deleted and created again). The stale C(spec.claimRef.uid)
        and C(resourceVersion) are removed, the claim name stays, the NFS source and data are untouched. Only with
        O(reclaim_policy=Retain).
      - V(false) keeps such a PV C(Released); O(wait=true) then fails at once, naming the PV, the old claim uid and
        the fix, instead of waiting out O(wait_timeout) (without O(wait) the module warns).
    type: bool
    default: true
  state:
    description:
      - V(present) creates and updates the PVs of the ordinals in range and keeps any others.
      - V(absent) deletes every PV of this StatefulSet and claim (all ordinals) that is not Bound, with
        O(precreate_claims=true) the pre-created claims that no pod mounts, and with O(delete_claims=true) every claim
        of the StatefulSet. A Bound PV is refused unless O(force=true) or its claim is deleted in the same run.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), also delete PVs that are Bound to a claim. Kubernetes keeps such a PV (Terminating)
        until its claim is deleted. The NFS data is never deleted.
    type: bool
    default: false
  wait:
    description:
      - With O(state=present), wait until every PV is C(Available) or C(Bound) (and every pre-created claim is
        C(Bound) to its PV). With O(state=absent), wait until the deleted objects are gone.
      - A PV in a state that waiting cannot end fails the wait at once, with the cause and the fix - C(Failed),
        bound to another claim, or C(Released) for a claim that is gone and not rebound (see O(rebind_released)).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait. On timeout the module fails naming every PV or claim still waiting and its phase.
      - Must be larger than zero.
    type: int
    default: 120
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: Creates and updates are sent with C(dryRun=All), deletions too; nothing is stored.
  diff_mode:
    support: full
    description: Returns each changed PV and claim before and after.
notes:
  - Binding needs no reachable NFS server; mounting does. Export the directories first with M(stateful.nfs.export).
  - A volumeClaimTemplate without C(storageClassName) gets the cluster's default StorageClass and never binds to
    these PVs; set it to O(storage_class) (V("") by default).
seealso:
  - module: stateful.nfs.export
  - module: stateful.nfs.statefulset
"""

EXAMPLES = r"""
- name: One pre-bound NFS PV per replica of web
  stateful.nfs.volumes:
    statefulset: web
    namespace: demo
    claim: www
    replicas: 3
    nfs_server: 10.0.1.201
    nfs_root: /srv/nfs
    size: 1Gi
    mount_options: [nfsvers=4.1, hard]
    wait: true

- name: Claims created up front, selecting their PVs by label
  stateful.nfs.volumes:
    statefulset: db
    namespace: demo
    claim: data
    replicas: 2
    nfs_server: nfs1.example.com
    nfs_root: /srv/nfs
    path_pattern: "{root}/{namespace}/{statefulset}/{ordinal}"
    size: 10Gi
    claim_size: 8Gi
    precreate_claims: true
    wait: true

- name: Keep PVs whose claim was deleted Released (fail at once instead of binding them to a new claim)
  stateful.nfs.volumes:
    statefulset: web
    namespace: demo
    claim: www
    replicas: 3
    nfs_server: 10.0.1.201
    nfs_root: /srv/nfs
    size: 1Gi
    rebind_released: false
    wait: true

- name: Remove the PVs that are not in use (the NFS data is kept)
  stateful.nfs.volumes:
    statefulset: web
    namespace: demo
    claim: www
    state: absent

- name: After the StatefulSet is gone, delete its claims www-web-N and their PVs (the NFS data is kept)
  stateful.nfs.volumes:
    statefulset: web
    namespace: demo
    claim: www
    state: absent
    delete_claims: true
    wait: true
"""

RETURN = r"""
changed:
  description: Whether a PV or claim was (or in check mode would be) created, updated, rebound or deleted.
  returned: always
  type: bool
volumes:
  description:
    - One entry per ordinal, lowest first. With O(state=absent), one per deleted PV (and per deleted claim whose PV
      was already gone).
  returned: always
  type: list
  elements: dict
  contains:
    ordinal:
      description: The replica's ordinal.
      type: int
      sample: 0
    pv:
      description: Name of the PersistentVolume.
      type: str
      sample: demo-www-web-0
    claim:
      description: Name of the claim the PV is bound (or pre-bound) to.
      type: str
      sample: www-web-0
    server:
      description: The NFS server of the PV.
      type: str
      sample: 10.0.1.201
    path:
      description: The NFS path of the PV.
      type: str
      sample: /srv/nfs/www-web-0
    export:
      description: The export as C(server:path).
      type: str
      sample: 10.0.1.201:/srv/nfs/www-web-0
    phase:
      description:
        - Phase of the PV as last seen (C(Pending), C(Available), C(Bound), C(Released), C(Failed)), or C(Terminating).
        - With O(wait=true), the phase after waiting.
      type: str
      sample: Available
    changed:
      description: Whether this ordinal's PV or claim changed.
      type: bool
    action:
      description: What was applied to the PV, V(create), V(update), V(delete) or V(none) (a rebind is in RV(volumes[].released)).
      type: str
      sample: create
    claim_action:
      description:
        - What was done to the pre-created claim, V(create), V(update), V(none), V(delete) or V(keep) (absent, but
          a pod mounts it); null without O(precreate_claims).
        - With O(delete_claims=true), V(delete) for each deleted claim.
      type: str
    claim_phase:
      description:
        - Phase of the pre-created (or, with O(delete_claims=true), deleted) claim as last seen; null without
          O(precreate_claims) or O(delete_claims).
      type: str
      sample: Bound
    released:
      description:
        - Set when the PV was C(Released) (or Bound to a claim uid that another claim of that name has replaced)
          because the claim with the uid in its C(claimRef) is gone; null otherwise.
      type: dict
      contains:
        claim_uid:
          description: The uid of the claim that is gone, as the PV's C(spec.claimRef.uid) had it.
          type: str
        action:
          description:
            - V(rebind) - the stale uid was (in check mode would be) removed, so the claim of that name binds the PV
              again with its data.
            - V(keep) - left C(Released), because of O(rebind_released=false) or a reclaim policy other than
              V(Retain).
          type: str
          sample: rebind
extra:
  description:
    - PVs of this StatefulSet and claim for ordinals outside the range (left by a scale down), with the same keys as
      RV(volumes). They are kept; O(state=absent) deletes them.
  returned: always
  type: list
  elements: dict
  sample:
    - {ordinal: 3, pv: demo-www-web-3, claim: www-web-3, server: 10.0.1.201, path: /srv/nfs/www-web-3,
       export: "10.0.1.201:/srv/nfs/www-web-3", phase: Bound, changed: false, action: none,
       claim_action: null, claim_phase: null, released: null}
diff:
  description: Each changed PV and claim before and after, keyed by C(Kind/[namespace/]name), without server bookkeeping.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import volumes
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

ARGUMENT_SPEC = dict(
    statefulset=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    claim=dict(type="str", required=True),
    replicas=dict(type="int"),
    ordinals_start=dict(type="int", default=0),
    nfs_server=dict(type="str"),
    nfs_root=dict(type="str"),
    path_pattern=dict(type="str", default="{root}/{claim}-{statefulset}-{ordinal}"),
    size=dict(type="str"),
    claim_size=dict(type="str"),
    access_modes=dict(type="list", elements="str", default=["ReadWriteOnce"]),
    reclaim_policy=dict(type="str", choices=["Retain", "Recycle", "Delete"], default="Retain"),
    storage_class=dict(type="str", default=""),
    mount_options=dict(type="list", elements="str", default=[]),
    labels=dict(type="dict", default={}),
    precreate_claims=dict(type="bool", default=False),
    delete_claims=dict(type="bool", default=False),
    rebind_released=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=120),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC),
        required_if=[("state", "present", ("replicas", "nfs_server", "size"))],
        supports_check_mode=True,
    )
    k8s_runner.run(module, volumes.spec_from_params,
                   lambda client, spec: volumes.run(client, spec, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == "__main__":
    main()
