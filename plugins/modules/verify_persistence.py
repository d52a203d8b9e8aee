#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: verify_persistence
short_description: Prove on the live cluster that each StatefulSet replica's data survives pod restarts
version_added: 0.1.0
description:
  - Writes a marker into the volume of every replica of a StatefulSet (with fsync, and reads it back), then
    disrupts the pods in the order given (delete a pod, force-delete it, rollout restart, scale to zero and
    back, scale down and up) and after each disruption checks every replica.
  - "Recorded for each replica, before and after each disruption: pod name and UID, node, pod IP, the hostname
    seen inside the pod, the claim name and UID, the PV, the NFS export (C(server:path)), the marker content and
    the time the pod became Ready."
  - "Checked after each disruption: the same set of ordinals; hostname equals the pod name; the claim is still
    C(<template>-<statefulset>-<ordinal>) with the same UID, the same PV and the same NFS export; every marker
    is intact; for V(scale_down_up), the claims of the removed replicas stayed Bound and re-attached; for
    V(move_pod), the pod runs on another node than before; with
    O(check_dns), C(<pod>.<service>.<namespace>.svc.<domain>) resolves from inside another replica to the new
    pod's IP and the SRV records of the headless Service list every ready replica."
  - A disruption is finished only when each disrupted pod was recreated (a new UID, not merely present) and
    every replica is Ready; a timeout names the pod, why it is not Ready and its last event. The wait watches
    the pods (as C(kubectl wait)), or polls them where RBAC does not grant C(watch) on pods.
  - Never deletes a claim, a PV or data. Refuses to run against a StatefulSet that is not fully ready (naming
    each pod and why) unless O(wait_for_ready=true). Restores the replica count it found, also when a step
    fails, and reports that in RV(replicas).
  - Before any marker is written or any pod disrupted, checks that the container's user can write the volume
    (see O(preflight)); a replica that cannot stops the run there, with the failed operation, the error and its
    likely cause.
  - Replicas are observed, written and checked concurrently (O(workers) threads). Pods are deleted together
    only with C(at_once) (see O(disruptions)) on a StatefulSet whose C(podManagementPolicy) is C(Parallel).
  - Any failed check fails the task; the message names the replica, the check, what was expected and what was
    seen. The result table per replica and step is returned, and written as JSON and JUnit XML (and as a text table) to O(report_dir).
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  statefulset:
    description:
      - Name of the StatefulSet to verify.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the StatefulSet.
    type: str
    required: true
  container:
    description:
      - The container the markers are written through and the hostname and DNS are checked in. It needs C(sh),
        C(hostname), C(cat), C(dd), C(sync), C(mkdir), C(mv), C(rm) and, with O(check_dns), C(nslookup) (busybox
        has them). With C(id) and C(stat) (or C(ls)), O(preflight) also reports who the process is and who owns
        the volume's directory.
      - Defaults to the container named by the pod annotation C(kubectl.kubernetes.io/default-container), else
        the first container.
    type: str
  mount_path:
    description:
      - Where the container mounts the volume to verify.
      - When neither O(mount_path) nor O(volume) is given, the one volumeClaimTemplate the container mounts is used.
    type: str
  volume:
    description:
      - Name of the volume to verify (normally the volumeClaimTemplate's name); its mount path is read from the
        container. An alternative to O(mount_path).
    type: str
  disruptions:
    description:
      - The disruptions, in order. Each entry is a disruption name or a mapping with C(type) and options.
      - "C(type): V(delete_pod) deletes a pod; V(delete_pod_force) deletes it with grace period 0;
        V(move_pod) cordons the node the pod runs on (as C(kubectl cordon)), deletes the pod, waits until its
        successor is Ready on another node, and uncordons the node (also when the step fails; a node that was
        already cordoned stays so); V(rollout_restart) sets the C(kubectl.kubernetes.io/restartedAt) annotation of the pod template, as
        C(kubectl rollout restart) does, and waits for the rollout (not with the OnDelete update strategy or a
        partition); V(scale_to_zero) scales to 0 and back; V(scale_down_up) scales to C(replicas - count) and back,
        and checks that the removed replicas' claims are kept, Bound, and re-attached."
      - "C(ordinal) (V(delete_pod), V(delete_pod_force), V(move_pod)): the ordinal of the pod to delete or move.
        Without it every pod is deleted or moved, one at a time, each one a step of its own."
      - V(move_pod) proves what node-local storage (hostPath, emptyDir, local volumes) cannot, that a replica
        rescheduled to another node finds its data. It needs a second node that can take the pod (Ready, not
        cordoned, no NoSchedule or NoExecute taint); with fewer the task fails before anything is touched, naming
        each node and why it cannot take pods. The cordon carries the annotation C(stateful.nfs/cordoned-by) with
        the run's token, so a node left cordoned by a run that was killed can be found and uncordoned.
      - "C(at_once) (V(delete_pod), V(delete_pod_force)): delete every pod at once, as one step. Only for a
        StatefulSet with C(podManagementPolicy: Parallel)."
      - "C(count) (V(scale_down_up)): how many replicas to remove, default V(1), fewer than the replicas."
      - "C(timeout): seconds the step may take until every pod is recreated and Ready, default O(timeout)."
      - "The scale steps refuse a StatefulSet whose C(persistentVolumeClaimRetentionPolicy.whenScaled) is
        C(Delete) unless O(rebind_released=true): scaling down deletes the removed replicas' claims, and the claims
        made again bind their Released PVs only once those are freed."
      - With no disruptions, the markers are written and checked once (a baseline).
    type: list
    elements: raw
    default: []
  marker:
    description:
      - The marker file written into each replica's volume.
      - When omitted, O(marker.name), a token unique to the run and O(marker.write=true) are used.
    type: dict
    suboptions:
      name:
        description:
          - Path of the marker file relative to the mount path.
        type: str
        default: .stateful-nfs-verify
      token:
        description:
          - The token written into the markers; each replica's marker holds C(<token> <claim name>), so a marker
            that turns up in another replica's volume does not pass.
          - Default is a token unique to the run, returned in RV(token).
        type: str
      write:
        description:
          - V(true) writes fresh markers. V(false) reads the markers an earlier run left (run that one with
            O(cleanup=false) and give its O(marker.token)), for example to prove that data survived a maintenance
            window between two runs.
        type: bool
        default: true
  cleanup:
    description:
      - Remove the markers this run wrote at the end, also when a check failed. A marker is removed only if it still
        holds what this run wrote.
    type: bool
    default: true
  check_dns:
    description:
      - Check the pods' DNS names and the headless Service's SRV records from inside the replicas, after every step.
      - DNS answers may lag a recreated pod by the DNS cache time; they are asked again for up to 60 seconds
        (or O(timeout) when lower).
    type: bool
    default: true
  cluster_domain:
    description:
      - The cluster's DNS domain.
    type: str
    default: cluster.local
  timeout:
    description:
      - Seconds each step may take (a disruption until every pod is recreated and Ready, or the wait with
        O(wait_for_ready)). A disruption entry can set its own C(timeout).
    type: int
    default: 300
  rebind_released:
    description:
      - For a StatefulSet with C(persistentVolumeClaimRetentionPolicy.whenScaled=Delete), lets the scale steps
        prove that policy. While scaled down they check that the removed replicas' claims were deleted and their
        PVs (reclaim policy C(Retain)) are C(Released). Then they free each of those PVs for the claim of the same
        name, removing the stale C(spec.claimRef.uid) (what M(stateful.nfs.volumes) does with
        O(stateful.nfs.volumes#module:rebind_released) on the next run of the workflow), and scale back. After that they check that each replica has a new
        claim on the same PV and export, and that its marker is intact.
      - The module changes a PV only in this case, and only that uid; it never deletes a claim, a PV or data.
      - V(false) refuses the scale steps on such a StatefulSet before anything is touched.
    type: bool
    default: false
  preflight:
    description:
      - Before any marker is written or any pod disrupted, each replica creates, writes, fsyncs (C(dd conv=fsync)),
        renames, reads back and removes a probe file C(.stateful-nfs-preflight-<token>) in the mount path, as the
        container's own user (a plain exec, no user switch), one exec per replica, concurrently.
      - "The result is the check V(volume_access) of the step V(preflight), one row per replica in RV(table). Its
        seen value has the process's uid, gid and groups and the directory's owner, group and mode when the image
        has C(id) and C(stat) (or C(ls)), for example C(uid 0 gid 0 groups 0; /data is 101:101 0770; create failed:
        EACCES) and then the errno's text in parentheses."
      - When a replica fails it, the task fails there, naming the replica, the operation, the error (C(EACCES),
        C(EPERM), C(EROFS), C(ENOSPC), C(EDQUOT), C(ESTALE), C(EIO), C(ENOENT) or the shell's words) and the likely
        cause with the fix, for example root squashed by the NFS server (C(root_squash)) on a directory root does
        not own. No marker is written and no pod disrupted.
      - Runs only when O(marker.write=true); a run that reads the markers of an earlier run writes nothing. Not
        run in check mode.
    type: bool
    default: true
  wait_for_ready:
    description:
      - When the StatefulSet is not fully ready, V(false) refuses to run and names each pod and why; V(true) waits
        up to O(timeout) for it instead.
    type: bool
    default: false
  report_dir:
    description:
      - Directory on the host that runs the module to write the report to, as
        C(verify_persistence-<namespace>-<statefulset>.json), C(verify_persistence-<namespace>-<statefulset>.junit.xml)
        (JUnit XML, one test suite per step and one test case per check, read by AWX and CI) and
        C(verify_persistence-<namespace>-<statefulset>.txt) (the table of RV(report_text)).
      - The report is written also when a check fails. Not written in check mode.
    type: path
  workers:
    description:
      - How many replicas are observed, written and checked at the same time.
    type: int
    default: 4
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
attributes:
  check_mode:
    support: full
    description: Reads the StatefulSet and its pods, refuses or accepts it, and returns the plan; writes no marker
      and disrupts nothing.
  diff_mode:
    support: full
    description: Shows the marker files before and after the run (with O(cleanup=true) they are the same).
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API, and runs commands in the pods through the exec subresource.
notes:
  - RV(changed) reflects only what the module wrote, the markers. The disruptions leave the StatefulSet as found,
    except that V(rollout_restart) leaves the C(kubectl.kubernetes.io/restartedAt) annotation on the pod template,
    as C(kubectl rollout restart) does.
  - Needs the rights to get and list StatefulSets, pods, events, Services, claims and PVs, to delete pods, to patch
    StatefulSets and their scale subresource, and to create pods/exec; V(move_pod) also to get, list and patch
    nodes.
seealso:
  - module: stateful.nfs.statefulset
  - module: stateful.nfs.volumes
  - module: stateful.nfs.headless_service
"""

EXAMPLES = r"""
- name: Prove that the web replicas keep their data across every kind of restart
  stateful.nfs.verify_persistence:
    statefulset: web
    namespace: demo
    disruptions:
      - delete_pod
      - {type: delete_pod_force, ordinal: 0}
      - rollout_restart
      - scale_to_zero
      - {type: scale_down_up, count: 1, timeout: 600}
    report_dir: "{{ playbook_dir }}/reports"

- name: Check without touching anything (the plan only)
  stateful.nfs.verify_persistence:
    statefulset: web
    namespace: demo
    disruptions: [delete_pod]
  check_mode: true

- name: Before maintenance, leave markers behind
  stateful.nfs.verify_persistence:
    statefulset: db
    namespace: demo
    mount_path: /var/lib/postgresql/data
    marker: {token: before-node-upgrade}
    cleanup: false

- name: After maintenance, the same markers must still be there
  stateful.nfs.verify_persistence:
    statefulset: db
    namespace: demo
    mount_path: /var/lib/postgresql/data
    marker: {token: before-node-upgrade, write: false}
"""

RETURN = r"""
changed:
  description: Whether markers were written or removed (in check mode, whether they would be written).
  returned: always
  type: bool
passed:
  description: Whether every check passed (null in check mode).
  returned: always
  type: bool
msg:
  description: A summary; on failure, every failed check with its replica, what was expected and what was seen.
  returned: always
  type: str
  sample: "demo/web: 1 check(s) failed: web-0 after delete_pod[web-0]: marker: expected 'tok www-web-0' in
    /data/.stateful-nfs-verify, saw no marker file."
token:
  description: The token the markers hold.
  returned: always
  type: str
  sample: 20261122T120102Z-5f3a9c
plan:
  description: The steps, in order, as sentences.
  returned: always
  type: list
  elements: str
target:
  description: What was verified, as read from the StatefulSet.
  returned: always
  type: dict
  contains:
    container:
      description: The container commands ran in.
      type: str
    volume:
      description: The verified volume.
      type: str
    volume_source:
      description: V(volumeClaimTemplate), or the kind of a pod volume such as V(emptyDir).
      type: str
    mount_path:
      description: Where the container mounts it.
      type: str
    marker_file:
      description: The marker's path inside the container.
      type: str
    replicas:
      description: The replica count found (and left).
      type: int
    service:
      description: The governing Service (C(serviceName)).
      type: str
    pod_management_policy:
      description: C(OrderedReady) or C(Parallel).
      type: str
    update_strategy:
      description: C(RollingUpdate) or C(OnDelete).
      type: str
steps:
  description:
    - One entry per step; the first is V(preflight) (the volume access, with O(preflight)), then V(baseline) (the
      markers written or read). In check mode, the planned steps.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The step, for example V(delete_pod[web-0]) or V(scale_down_up[3->2->3]).
      type: str
    type:
      description: The disruption (V(volume_access) for the preflight, V(markers) for the baseline).
      type: str
    pods:
      description: The pods the step disrupts.
      type: list
      elements: str
    started:
      description: When the disruption started (UTC).
      type: str
    duration_seconds:
      description: How long the disruption took until every pod was recreated and Ready.
      type: float
    notes:
      description: What was done (deleted, patched, scaled).
      type: list
      elements: str
    error:
      description: Why the disruption did not finish (a timeout names the pod and its last event), or null.
      type: str
    passed:
      description: Whether the step finished and all its checks passed.
      type: bool
    old_uids:
      description: UIDs of the disrupted pods before the step.
      type: dict
    new_uids:
      description: UIDs of their successors.
      type: dict
    claims_while_down:
      description: For V(scale_down_up), the removed replicas' claims while scaled down (exists, uid, phase).
      type: dict
    claims_renewed:
      description:
        - For a scale step with C(whenScaled=Delete), the claims the StatefulSet deleted (claim -> its uid before).
      type: dict
    freed:
      description: For such a step, the Released PVs freed for the claims made again (PV -> claim).
      type: dict
    nodes_before:
      description: For V(move_pod), the node of the moved pod before the step (pod name -> node).
      type: dict
    nodes_after:
      description: For V(move_pod), the node of its successor.
      type: dict
table:
  description: The result table, one row per replica and step (in check mode, per replica as found).
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: The step.
      type: str
    ordinal:
      description: The replica's ordinal.
      type: int
    pod:
      description: The pod name.
      type: str
    uid:
      description: The pod UID.
      type: str
    node:
      description: The node it runs on.
      type: str
    ip:
      description: The pod IP.
      type: str
    hostname:
      description: The hostname seen inside the pod.
      type: str
    claim:
      description: The claim the pod mounts.
      type: str
    pvc_uid:
      description: The claim's UID.
      type: str
    pv:
      description: The PV the claim is bound to.
      type: str
    nfs:
      description: The PV's NFS export, C(server:path) (an IPv6 server in brackets, as mount writes it).
      type: str
    nfs_path:
      description: The PV's NFS path alone, the replica's directory on the NFS server.
      type: str
    marker:
      description: The marker content read inside the pod, or null.
      type: str
    ready_time:
      description: When the pod became Ready.
      type: str
    checks:
      description: Each check of this replica at this step, V(pass) or V(fail).
      type: dict
    passed:
      description: Whether all of them passed.
      type: bool
findings:
  description: The failed checks.
  returned: always
  type: list
  elements: dict
  contains:
    step:
      description: The step.
      type: str
    replica:
      description: The pod (or the object) the check is about.
      type: str
    check:
      description: >-
        V(volume_access), V(present), V(ready), V(exec), V(hostname), V(claim), V(storage), V(marker),
        V(marker_write), V(recreated), V(dns), V(srv), V(ordinals), V(claims_kept), V(claims_deleted), V(moved)
        or V(disruption).
      type: str
    expected:
      description: What was expected.
      type: str
    seen:
      description: What was seen.
      type: str
    cause:
      description: For V(volume_access), the likely cause of the failure, from what the pod saw, and the fix.
      type: str
    message:
      description: All of it in one line.
      type: str
summary:
  description: Counts of checks, failed checks, steps and replicas.
  returned: when not in check mode
  type: dict
markers:
  description: What happened to each replica's marker (V(written), V(removed), V(already gone), ...).
  returned: always
  type: dict
replicas:
  description:
    - The replica count found (C(original)), the count found at the end (C(found_at_end)) and whether it was
      set back (C(restored)).
    - After a restore, C(ready_again) says whether every replica was back and Ready within O(timeout), and
      C(error) why not.
  returned: always
  type: dict
  sample: {original: 3, found_at_end: 0, restored: true, ready_again: true}
report:
  description:
    - Paths of the written report, C(json), C(junit) and C(text) (the table of RV(report_text)); null without
      O(report_dir) or in check mode.
  returned: always
  type: dict
report_text:
  description:
    - The result table as aligned text, one line per replica and step, then the time each disruption took.
  returned: when not in check mode
  type: str
  sample: |
    step               pod    uid       claim      pv              marker  result
    baseline           web-0  73f2527c  www-web-0  demo-www-web-0  intact  ok
    delete_pod[web-0]  web-0  df584135  www-web-0  demo-www-web-0  intact  ok
duration_seconds:
  description: How long the run took.
  returned: when not in check mode
  type: float
diff:
  description: The marker files (C(<pod>:<path>)) and their content before and after.
  returned: when diff mode is on
  type: dict
"""

import datetime
import uuid

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner
from ansible_collections.stateful.nfs.plugins.module_utils.verify import pod_exec, plan, runner

ARGUMENT_SPEC = dict(
    statefulset=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    container=dict(type="str"),
    mount_path=dict(type="str"),
    volume=dict(type="str"),
    disruptions=dict(type="list", elements="raw", default=[]),
    marker=dict(type="dict", options=dict(
        name=dict(type="str", default=plan.DEFAULT_MARKER_NAME),
        token=dict(type="str", no_log=False),
        write=dict(type="bool", default=True),
    )),
    cleanup=dict(type="bool", default=True),
    check_dns=dict(type="bool", default=True),
    cluster_domain=dict(type="str", default="cluster.local"),
    timeout=dict(type="int", default=300),
    wait_for_ready=dict(type="bool", default=False),
    preflight=dict(type="bool", default=True),
    rebind_released=dict(type="bool", default=False),
    report_dir=dict(type="path"),
    workers=dict(type="int", default=4),
)


def new_token():
    """A token unique to the run: UTC time and a random part."""
    return "%s-%s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"), uuid.uuid4().hex[:8])


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    if not pod_exec.HAS_STREAM:
        module.fail_json(msg="kubernetes.stream (part of the kubernetes Python library) is needed to run commands "
                             "in the pods", exception=pod_exec.STREAM_IMPORT_ERROR)
    k8s_runner.run(module, lambda params: plan.spec_from_params(params, new_token),
                   lambda client, spec: runner.run(client, spec, pod_exec.exec_in_pod, check_mode=module.check_mode,
                                                   want_diff=module._diff))


if __name__ == "__main__":
    main()
