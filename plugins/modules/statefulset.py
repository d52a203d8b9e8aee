#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: statefulset
short_description: A StatefulSet on pre-created volumes, with a rollout wait and a strategy for immutable fields
version_added: 0.1.0
description:
  - Creates, updates or deletes a StatefulSet whose pods C(<name>-<ordinal>) claim
    C(<claim>-<name>-<ordinal>) from a volume claim template. With the default O(claim_template.storage_class)
    of V("") the claims bind only to pre-created PersistentVolumes, such as those of M(stateful.nfs.volumes),
    so ordinal N always gets volume N.
  - Builds one container from O(image) (named after the StatefulSet, mounting the claim at O(mount_path)),
    or takes raw container definitions from O(containers). Anything else can be set with O(spec).
  - Reconciles with server-side apply under the field manager C(stateful.nfs), and only when the live object
    differs, so a second identical run reports no change and leaves the resourceVersion untouched.
    Scaling (O(replicas)) and template changes are ordinary updates.
  - The API server refuses to change C(serviceName), C(selector), C(podManagementPolicy) and
    C(volumeClaimTemplates). Such changes are found before anything is sent (compared by meaning, so the
    server's defaults never count as a change) and handled as O(on_immutable_change) says.
  - All input is validated before anything is touched; every error names the field, the bad value and the fix.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  name:
    description:
      - Name of the StatefulSet, a DNS-1123 label of at most 52 characters. Pods are named C(<name>-<ordinal>).
    type: str
    required: true
  namespace:
    description:
      - Namespace of the StatefulSet.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the StatefulSet.
      - V(absent) deletes it with propagationPolicy C(Foreground), so its pods go away (and with O(wait), the
        module returns when they are gone). The data is never deleted by this module.
      - The claims stay, unless the live StatefulSet has C(persistentVolumeClaimRetentionPolicy.whenDeleted=Delete).
        Then the StatefulSet controller deletes them, which the module allows only when the PV of each claim has
        C(persistentVolumeReclaimPolicy=Retain), so the data stays on a Released PV (the next
        M(stateful.nfs.volumes) run makes it bindable again). Otherwise it refuses before deleting anything,
        naming each claim and PV.
    type: str
    choices: [present, absent]
    default: present
  service_name:
    description:
      - Name of the governing headless Service (see M(stateful.nfs.headless_service)). Pods get the DNS names
        C(<pod>.<service_name>.<namespace>.svc.cluster.local). Required when O(state=present). Immutable.
    type: str
  replicas:
    description:
      - Number of pods. Changing it scales the StatefulSet (not an immutable change).
    type: int
    default: 1
  selector:
    description:
      - Labels that select the pods (C(spec.selector.matchLabels)). Immutable.
      - Defaults to a single label, C(app.kubernetes.io/name=<name>).
      - The pods and the StatefulSet always carry these labels.
    type: dict
  labels:
    description:
      - Labels of the StatefulSet and of its pods. The StatefulSet's labels are O(labels) plus O(selector).
    type: dict
    default: {}
  annotations:
    description:
      - Annotations of the StatefulSet.
    type: dict
    default: {}
  pod_labels:
    description:
      - Extra labels for the pods only. Pod labels are O(labels), then O(pod_labels), then O(selector);
        a label that contradicts the selector is an error.
    type: dict
    default: {}
  pod_annotations:
    description:
      - Annotations of the pods.
    type: dict
    default: {}
  image:
    description:
      - Image of the one container the module builds, named after the StatefulSet. It gets O(command),
        O(args), O(env), O(ports), O(resources), O(image_pull_policy), the probes, and a volume mount of the
        claim template at O(mount_path).
      - Exactly one of O(image) and O(containers) is required when O(state=present).
    type: str
  containers:
    description:
      - Raw container definitions (Kubernetes C(Container) objects) instead of O(image). Ports without a
        protocol get C(TCP), the server's default. The container-shaping options (O(command), O(args), O(env),
        O(ports), O(mount_path), O(resources), O(image_pull_policy), the probes) cannot be combined with it.
    type: list
    elements: dict
  command:
    description:
      - Entrypoint of the built container (C(command)); the image's when unset.
    type: list
    elements: str
  args:
    description:
      - Arguments of the built container (C(args)).
    type: list
    elements: str
  env:
    description:
      - Environment of the built container; either a mapping of names to values (in that order; values become
        strings) or a list of raw C(EnvVar) definitions (for C(valueFrom)).
    type: raw
  ports:
    description:
      - Named container ports of the built container.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Port name, at most 15 lowercase letters, digits and C(-). Required (validated with a message that
            names the port); Services and SRV records refer to ports by name.
        type: str
      port:
        description:
          - Container port number.
        type: int
        required: true
      protocol:
        description:
          - Protocol of the port.
        type: str
        choices: [TCP, UDP, SCTP]
        default: TCP
  mount_path:
    description:
      - Where the built container mounts the claim of O(claim_template). Required with O(image) and
        O(claim_template).
    type: str
  claim_template:
    description:
      - The volume claim template. Each pod C(<name>-<ordinal>) gets the claim C(<claim>-<name>-<ordinal>).
      - Immutable; without it the StatefulSet has no per-pod storage.
    type: dict
    suboptions:
      name:
        description:
          - Claim template name (C(<claim>)), also the name of the volume in the pod.
        type: str
        required: true
      size:
        description:
          - Requested storage, a Kubernetes quantity such as V(1Gi). Must not exceed the pre-created volumes' capacity.
        type: str
        required: true
      access_modes:
        description:
          - Access modes of the claims.
        type: list
        elements: str
        default: [ReadWriteOnce]
      storage_class:
        description:
          - Storage class of the claims. V("") (the default) means no class, so the claims bind only to
            pre-created PersistentVolumes without a class, never to dynamically provisioned ones.
        type: str
        default: ""
      selector:
        description:
          - Labels a PersistentVolume must carry to be bound (C(selector.matchLabels)).
        type: dict
      labels:
        description:
          - Labels of the claims.
        type: dict
  pod_management_policy:
    description:
      - V(OrderedReady) starts and stops pods one at a time in order; V(Parallel) all at once. Immutable.
    type: str
    choices: [OrderedReady, Parallel]
    default: OrderedReady
  update_strategy:
    description:
      - How template changes reach the pods. Defaults to C(RollingUpdate) without a partition.
    type: dict
    suboptions:
      type:
        description:
          - V(RollingUpdate) replaces pods from the highest ordinal down; V(OnDelete) only when a pod is deleted.
        type: str
        choices: [RollingUpdate, OnDelete]
        default: RollingUpdate
      partition:
        description:
          - Only pods with an ordinal at or above this are updated (RollingUpdate).
        type: int
      max_unavailable:
        description:
          - Pods that may be unavailable during the update, a number or a percentage (RollingUpdate; needs the
            C(MaxUnavailableStatefulSet) feature on the API server).
        type: raw
  persistent_volume_claim_retention_policy:
    description:
      - What happens to the claims when the StatefulSet is deleted or scaled down. Both default to V(Retain).
      - Note that V(Delete) lets the StatefulSet controller delete claims (and, with a C(Delete) reclaim policy,
        data); O(state=absent) then refuses unless the PV of each claim is C(Retain).
    type: dict
    suboptions:
      when_deleted:
        description:
          - Claims' fate when the StatefulSet is deleted.
        type: str
        choices: [Retain, Delete]
        default: Retain
      when_scaled:
        description:
          - Claims' fate when the StatefulSet is scaled down.
        type: str
        choices: [Retain, Delete]
        default: Retain
  ordinals_start:
    description:
      - First ordinal (C(spec.ordinals.start)); pods are C(<name>-<start>) upwards. Unset means 0.
    type: int
  termination_grace_period_seconds:
    description:
      - Seconds a pod gets to stop before it is killed.
    type: int
  readiness_probe:
    description:
      - Raw C(readinessProbe) of the built container. The rollout waits for readiness.
    type: dict
  liveness_probe:
    description:
      - Raw C(livenessProbe) of the built container.
    type: dict
  startup_probe:
    description:
      - Raw C(startupProbe) of the built container.
    type: dict
  security_context:
    description:
      - Raw pod C(securityContext).
    type: dict
  fs_group:
    description:
      - Group that owns the mounted volumes (pod C(securityContext.fsGroup)); overrides the same key of
        O(security_context).
    type: int
  resources:
    description:
      - Raw C(resources) (requests and limits) of the built container. Quantities compare by value.
    type: dict
  image_pull_policy:
    description:
      - Pull policy of the built container; the server's default when unset.
    type: str
    choices: [Always, IfNotPresent, Never]
  spec:
    description:
      - Raw StatefulSet C(spec) deep-merged over the spec built from the other options, for anything they do
        not cover (for example C(minReadySeconds), C(revisionHistoryLimit), C(template.spec.volumes)).
      - Precedence, lowest first, is the built-in defaults, the individual options, then O(spec). Mappings merge
        key by key; any other value, lists included, replaces what was built.
    type: dict
  on_immutable_change:
    description:
      - What to do when C(serviceName), C(selector), C(podManagementPolicy) or C(volumeClaimTemplates) differ
        from the live StatefulSet.
      - V(fail) changes nothing and lists each field with its old and new value.
      - V(recreate) deletes the StatefulSet with propagationPolicy C(Orphan) and a uid precondition, waits until it
        is gone, and creates the new one. Pods, claims and volumes are untouched; the new StatefulSet adopts the
        pods (a pod whose labels do not match a changed selector is not adopted). In check mode the plan is
        reported and nothing is touched.
    type: str
    choices: [fail, recreate]
    default: fail
  wait:
    description:
      - Wait until the rollout is complete - the controller observed the generation, O(replicas) pods exist and
        are Ready, and for C(RollingUpdate) every pod (at or above the partition) runs the update revision, with
        currentRevision equal to updateRevision when there is no partition. For C(OnDelete), revisions are
        reported but not waited for.
      - With O(state=absent), wait until the StatefulSet and its pods are gone.
      - On timeout the module fails naming each pod that holds the rollout up, why, and its last event.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the rollout, for the deletion, and for the old object to go during a recreate.
    type: int
    default: 300
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: Changes are sent with C(dryRun=All); a recreate is planned (dry-run delete) and nothing is touched.
  diff_mode:
    support: full
    description: Returns the StatefulSet before and after.
seealso:
  - module: stateful.nfs.headless_service
  - module: stateful.nfs.volumes
"""

EXAMPLES = r"""
- name: Two nginx replicas on pre-created NFS volumes www-web-0 and www-web-1
  stateful.nfs.statefulset:
    name: web
    namespace: demo
    service_name: web
    replicas: 2
    image: registry.example/nginx:1.27
    ports:
      - name: web
        port: 80
    mount_path: /usr/share/nginx/html
    claim_template:
      name: www
      size: 1Gi
    readiness_probe:
      httpGet: {path: /, port: web}
    wait: true

- name: Grow the claims (immutable) by recreating the StatefulSet; pods and data stay
  stateful.nfs.statefulset:
    name: web
    namespace: demo
    service_name: web
    replicas: 2
    image: registry.example/nginx:1.27
    ports: [{name: web, port: 80}]
    mount_path: /usr/share/nginx/html
    claim_template: {name: www, size: 2Gi}
    on_immutable_change: recreate
    wait: true

- name: Raw containers and extra spec fields
  stateful.nfs.statefulset:
    name: db
    namespace: demo
    service_name: db
    containers:
      - name: postgres
        image: registry.example/postgres:17
        ports: [{name: postgres, containerPort: 5432}]
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
    claim_template: {name: data, size: 10Gi}
    fs_group: 999
    spec:
      minReadySeconds: 10

- name: Remove the StatefulSet and its pods; claims, volumes and data stay
  stateful.nfs.statefulset:
    name: web
    namespace: demo
    state: absent
    wait: true
"""

RETURN = r"""
changed:
  description: Whether the StatefulSet was (or in check mode would be) created, changed, recreated or deleted.
  returned: always
  type: bool
action:
  description: What was done, V(create), V(update), V(recreate), V(delete) or V(none).
  returned: always
  type: str
  sample: update
claims_deleted_by_controller:
  description:
    - With O(state=absent) on a StatefulSet with C(whenDeleted=Delete), the claims the StatefulSet controller
      deletes after it; their PVs are Retain and keep the data (Released).
  returned: when the StatefulSet was deleted and had claims with whenDeleted=Delete
  type: list
  elements: str
  sample: [www-web-0, www-web-1]
immutable_changes:
  description: The immutable fields that differ from the live StatefulSet (acted on only with O(on_immutable_change=recreate)).
  returned: always
  type: list
  elements: dict
  contains:
    field:
      description: The field, for example C(spec.volumeClaimTemplates[www].spec.resources).
      type: str
    before:
      description: The live value.
      type: raw
    after:
      description: The desired value.
      type: raw
  sample: [{field: spec.serviceName, before: web, after: web-headless}]
statefulset:
  description:
    - The StatefulSet as the server stored it, with its status after the wait when O(wait=true). In check mode,
      the dry-run answer or, for a recreate, the desired manifest. For V(delete), the object before deletion.
  returned: always
  type: dict
rollout:
  description: Where the rollout stands (computed from the returned StatefulSet's status).
  returned: always
  type: dict
  contains:
    done:
      description: Whether the rollout is complete.
      type: bool
    message:
      description: One line describing the state.
      type: str
      sample: 2 of 2 replicas ready at revision web-5d8c7f9b6
    generation:
      description: C(metadata.generation).
      type: int
    observed_generation:
      description: C(status.observedGeneration).
      type: int
    replicas:
      description: Wanted replicas.
      type: int
    existing_replicas:
      description: C(status.replicas), the pods that exist.
      type: int
    ready_replicas:
      description: C(status.readyReplicas).
      type: int
    updated_replicas:
      description: C(status.updatedReplicas).
      type: int
    current_revision:
      description: C(status.currentRevision).
      type: str
    update_revision:
      description: C(status.updateRevision).
      type: str
    update_strategy:
      description: C(RollingUpdate) or C(OnDelete).
      type: str
diff:
  description: The StatefulSet before and after, without server bookkeeping and status.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import statefulset
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

RETAIN_OR_DELETE = dict(type="str", choices=["Retain", "Delete"], default="Retain")

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    service_name=dict(type="str"),
    replicas=dict(type="int", default=1),
    selector=dict(type="dict"),
    labels=dict(type="dict", default={}),
    annotations=dict(type="dict", default={}),
    pod_labels=dict(type="dict", default={}),
    pod_annotations=dict(type="dict", default={}),
    image=dict(type="str"),
    containers=dict(type="list", elements="dict"),
    command=dict(type="list", elements="str"),
    args=dict(type="list", elements="str"),
    env=dict(type="raw"),
    ports=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str"),
        port=dict(type="int", required=True),
        protocol=dict(type="str", choices=["TCP", "UDP", "SCTP"], default="TCP"),
    )),
    mount_path=dict(type="str"),
    claim_template=dict(type="dict", options=dict(
        name=dict(type="str", required=True),
        size=dict(type="str", required=True),
        access_modes=dict(type="list", elements="str", default=["ReadWriteOnce"]),
        storage_class=dict(type="str", default=""),
        selector=dict(type="dict"),
        labels=dict(type="dict"),
    )),
    pod_management_policy=dict(type="str", choices=["OrderedReady", "Parallel"], default="OrderedReady"),
    update_strategy=dict(type="dict", options=dict(
        type=dict(type="str", choices=["RollingUpdate", "OnDelete"], default="RollingUpdate"),
        partition=dict(type="int"),
        max_unavailable=dict(type="raw"),
    )),
    persistent_volume_claim_retention_policy=dict(type="dict", options=dict(
        when_deleted=RETAIN_OR_DELETE,
        when_scaled=RETAIN_OR_DELETE,
    )),
    ordinals_start=dict(type="int"),
    termination_grace_period_seconds=dict(type="int"),
    readiness_probe=dict(type="dict"),
    liveness_probe=dict(type="dict"),
    startup_probe=dict(type="dict"),
    security_context=dict(type="dict"),
    fs_group=dict(type="int"),
    resources=dict(type="dict"),
    image_pull_policy=dict(type="str", choices=["Always", "IfNotPresent", "Never"]),
    spec=dict(type="dict"),
    on_immutable_change=dict(type="str", choices=["fail", "recreate"], default="fail"),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=300),
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, k8s_runner.without_problems(statefulset.problems),
                   lambda client, params: statefulset.ensure(client, params, check_mode=module.check_mode, diff=module._diff))


if __name__ == "__main__":
    main()
