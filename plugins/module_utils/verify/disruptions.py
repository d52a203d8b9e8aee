# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The disruptions. Each one is finished only when every disrupted pod was recreated (a new UID, not merely
"exists") and every replica is Ready again; on timeout the message names the pod and its last event.

None of them deletes a claim, a PV or data: pods are deleted (with a uid precondition) and the replica
count is changed through the scale subresource; the caller restores the count on the way out. When the
StatefulSet's own policy (whenScaled: Delete) deletes the removed replicas' claims, a scale step waits until
they are gone and their PVs Released, then frees each PV for the claim of the same name (the stale claim uid
goes, as stateful.nfs.volumes rebind_released does) before it scales back, so the data comes back with it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import waiter
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.statefulset import rollout_status
from ansible_collections.stateful.nfs.plugins.module_utils.verify import nodes as node_utils
from ansible_collections.stateful.nfs.plugins.module_utils.verify.observe import (
    by_ordinal, is_ready, list_pods, pod_watch)
from ansible_collections.stateful.nfs.plugins.module_utils.verify.plan import claim_name, pod_name, renews_claims
from ansible_collections.stateful.nfs.plugins.module_utils import volumes as volume_utils

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION_LABEL = "controller-revision-hash"


class DisruptionFailed(Exception):
    """A disruption did not finish in time (or the API refused it); `outcome` holds what was done so far."""

    def __init__(self, message, outcome):
        super(DisruptionFailed, self).__init__(message)
        self.outcome = outcome


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- pure: where a wait stands

def recreation_problems(target, pods, old_uids, ordinals=None, revision=None):
    """[(pod name, problem)] that keep the replicas `ordinals` (default all) from being recreated and Ready.

    old_uids: {pod name: uid before the disruption}; a pod listed there must have another uid now.
    revision: when given, the pods must carry it in their controller-revision-hash label.
    """
    wanted = target["ordinals"] if ordinals is None else ordinals
    problems = []
    for ordinal in wanted:
        name = pod_name(target, ordinal)
        pod = pods.get(ordinal)
        if pod is None:
            problems.append((name, "not created yet"))
            continue
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            problems.append((name, "terminating (uid %s)" % meta.get("uid")))
        elif name in old_uids and meta.get("uid") == old_uids[name]:
            problems.append((name, "not deleted yet (still uid %s)" % meta.get("uid")))
        elif revision and (meta.get("labels") or {}).get(REVISION_LABEL) != revision:
            running = (meta.get("labels") or {}).get(REVISION_LABEL)
            problems.append((name, "runs revision %s, not %s yet" % (running, revision)))
        elif not is_ready(pod):
            problems.append((name, "not Ready: %s" % " ".join((waiter.pod_not_ready_reason(pod) or "").split())))
    return problems


def gone_problems(target, pods, ordinals):
    """[(pod name, problem)] for the pods of `ordinals` that still exist."""
    return [(pod_name(target, o), "still exists (uid %s%s)" % (
        pods[o]["metadata"].get("uid"), ", terminating" if pods[o]["metadata"].get("deletionTimestamp") else ""))
        for o in ordinals if o in pods]


def describe_problems(problems):
    return "; ".join("%s: %s" % item for item in problems) or "nothing pending"


def last_event_of(client, target, name, pod):
    """'Reason: message' of the newest event of this pod (of its current uid when it exists), or None."""
    events = client.events_for("Pod", name, target["namespace"])
    uid = (pod or {}).get("metadata", {}).get("uid")
    if uid:
        own = [event for event in events if (event.get("involvedObject") or {}).get("uid") == uid]
        events = own or events
    return waiter.last_event_message(events)


# ---------------------------------------------------------------- waits

class Clock(object):
    """The step's deadline, shared by its phases (delete, wait gone, scale back, wait Ready)."""

    def __init__(self, timeout, clock=time.monotonic, sleep=time.sleep, interval=1.0):
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.interval = interval
        self.started = clock()

    def remaining(self):
        return max(0.0, self.started + self.timeout - self.clock())

    def elapsed(self):
        return round(self.clock() - self.started, 2)


def wait_for(client, target, timer, what, problems_of, outcome):
    """List the pods until problems_of(pods) is empty, each pause ending at the pods' next change (a watch);
    DisruptionFailed naming the pods and last events."""
    pods_of = pod_watch(client, target, timer.sleep)

    def probe():
        pods = by_ordinal(target, pods_of.list())
        problems = problems_of(pods)
        return not problems, (pods, problems)

    try:
        return waiter.poll_until(probe, timer.remaining(), lambda state: describe_problems(state[1]),
                                 interval=timer.interval, clock=timer.clock, sleep=pods_of.pause,
                                 first_pause=timer.interval)[0]
    except waiter.WaitTimeout as exc:
        pods, problems = exc.last
        by_name = dict((pod_name(target, o), pod) for o, pod in pods.items())
        details = []
        for name, problem in problems:
            last = last_event_of(client, target, name, by_name.get(name))
            details.append("%s: %s; last event: %s" % (name, problem, last or "none"))
        outcome["duration_seconds"] = timer.elapsed()
        raise DisruptionFailed("%s: timed out after %ss waiting until %s: %s" % (
            outcome["step"], timer.timeout, what, "; ".join(details)), outcome)
    finally:
        if pods_of.refused:  # why this wait was slower than a watch: worth a line in the step's notes
            outcome.setdefault("notes", []).append("polled the pods: the watch was refused: %s" % pods_of.refused)


def _uids(pods, target, ordinals):
    return dict((pod_name(target, o), pods[o]["metadata"].get("uid")) for o in ordinals if o in pods)


def set_replicas(client, target, replicas):
    """Change spec.replicas through the scale subresource (what `kubectl scale` does)."""
    return client.patch("StatefulSet", target["statefulset"], target["namespace"], {"spec": {"replicas": replicas}},
                        subresource="scale")


# ---------------------------------------------------------------- the disruptions

def _new_outcome(step, target):
    return {"step": step["name"], "index": step["index"], "type": step["type"], "pods": list(step["pods"]),
            "old_uids": {}, "new_uids": {}, "started": utc_now(), "duration_seconds": None, "notes": [],
            "claims_while_down": {}}


def _finish(outcome, target, pods, timer):
    outcome["new_uids"] = _uids(pods, target, [o for o in target["ordinals"] if pod_name(target, o) in
                                               outcome["pods"]])
    outcome["duration_seconds"] = timer.elapsed()
    return outcome


def delete_pods(client, target, step, timer, force=False):
    """Delete the step's pods (all at once when the step names several), then wait for their successors."""
    outcome = _new_outcome(step, target)
    pods = list_pods(client, target)
    outcome["old_uids"] = _uids(pods, target, step["ordinals"])
    for ordinal in step["ordinals"]:
        name = pod_name(target, ordinal)
        client.delete("Pod", name, target["namespace"], uid=outcome["old_uids"].get(name),
                      grace_period_seconds=0 if force else None)
    outcome["notes"].append("deleted %s%s" % (", ".join(step["pods"]), " with grace period 0" if force else ""))
    pods = wait_for(client, target, timer, "%s recreated with a new UID and every replica Ready"
                    % ", ".join(step["pods"]),
                    lambda p: recreation_problems(target, p, outcome["old_uids"]), outcome)
    return _finish(outcome, target, pods, timer)


def move_pod(client, target, step, timer, by):
    """Cordon the node of the step's pod, delete the pod, wait until its successor is Ready on another node,
    uncordon (also when the wait fails). `by` goes into the cordon annotation: who cordoned the node."""
    outcome = _new_outcome(step, target)
    pods = list_pods(client, target)
    outcome["old_uids"] = _uids(pods, target, step["ordinals"])
    (ordinal,) = step["ordinals"]
    name = pod_name(target, ordinal)
    from_node = ((pods.get(ordinal) or {}).get("spec") or {}).get("nodeName")
    outcome["nodes_before"] = {name: from_node}
    everything = client.list("Node")
    if from_node is None or node_utils.other_node(everything, from_node) is None:
        outcome["duration_seconds"] = timer.elapsed()
        raise DisruptionFailed("%s: no node other than %s can take %s; the nodes are: %s" % (
            step["name"], from_node or "(none: the pod is not scheduled)", name, node_utils.describe(everything)),
            outcome)
    cordoned = node_utils.cordon(client, from_node, by)
    outcome["notes"].append("cordoned %s" % from_node if cordoned else "%s was already cordoned" % from_node)
    try:
        client.delete("Pod", name, target["namespace"], uid=outcome["old_uids"].get(name))
        outcome["notes"].append("deleted %s" % name)
        pods = wait_for(client, target, timer, "%s recreated with a new UID on a node other than %s and every "
                        "replica Ready" % (name, from_node),
                        lambda p: recreation_problems(target, p, outcome["old_uids"]), outcome)
    finally:
        if cordoned:
            node_utils.uncordon(client, from_node)
            outcome["notes"].append("uncordoned %s" % from_node)
    to_node = ((pods.get(ordinal) or {}).get("spec") or {}).get("nodeName")
    outcome["nodes_after"] = {name: to_node}
    outcome["notes"].append("%s moved from %s to %s" % (name, from_node, to_node))
    return _finish(outcome, target, pods, timer)


def rollout_restart(client, target, step, timer):
    """Set the restartedAt annotation of the pod template (as `kubectl rollout restart`), wait for the rollout."""
    outcome = _new_outcome(step, target)
    pods = list_pods(client, target)
    outcome["old_uids"] = _uids(pods, target, step["ordinals"])
    stamp = utc_now()
    patched = client.patch("StatefulSet", target["statefulset"], target["namespace"],
                           {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}})
    generation = patched["metadata"].get("generation") or 0
    outcome["notes"].append("set %s=%s on the pod template (generation %s)" % (RESTARTED_AT, stamp, generation))
    ref = object_ref("StatefulSet", target["statefulset"], target["namespace"])
    state = {"sts": patched}

    def problems_of(pods):
        sts = client.get("StatefulSet", target["statefulset"], target["namespace"]) or {}
        state["sts"] = sts
        status = rollout_status(sts)
        problems = []
        if (sts.get("status") or {}).get("observedGeneration", 0) < generation or not status["done"]:
            problems.append((ref, "rollout: %s" % status["message"]))
        revision = (sts.get("status") or {}).get("updateRevision")
        return problems + recreation_problems(target, pods, outcome["old_uids"], revision=revision)

    pods = wait_for(client, target, timer, "the rollout finished with every pod recreated and Ready",
                    problems_of, outcome)
    outcome["notes"].append("rolled out revision %s" % ((state["sts"].get("status") or {}).get("updateRevision")))
    return _finish(outcome, target, pods, timer)


def _claims_of(client, target, ordinals):
    found = {}
    for ordinal in ordinals:
        name = claim_name(target, ordinal)
        if not name:
            continue
        pvc = client.get("PersistentVolumeClaim", name, target["namespace"])
        found[name] = {
            "exists": pvc is not None,
            "uid": (pvc or {}).get("metadata", {}).get("uid"),
            "phase": ((pvc or {}).get("status") or {}).get("phase"),
            "terminating": bool((pvc or {}).get("metadata", {}).get("deletionTimestamp")),
            "volume": ((pvc or {}).get("spec") or {}).get("volumeName"),
        }
    return found


def released_problems(claims_before, claims_now, pvs):
    """[(object, problem)] until each claim of `claims_before` is gone and its PV is Released (whenScaled: Delete).

    claims_before / claims_now: {claim: _claims_of state}; pvs: {pv name: PV or None}.
    """
    problems = []
    for claim, before in sorted(claims_before.items()):
        now = claims_now.get(claim) or {}
        if now.get("exists") and now.get("uid") == before.get("uid"):
            problems.append(("PersistentVolumeClaim/%s" % claim, "not deleted yet%s" % (
                " (terminating)" if now.get("terminating") else "")))
            continue
        name = before.get("volume")
        phase = volume_utils.phase_of(pvs.get(name)) if name else None
        if name and phase != "Released":
            problems.append(("PersistentVolume/%s" % name, "%s, not Released yet" % (phase or "missing")))
    return problems


def free_released(client, claims_before, outcome):
    """Clear the stale claim uid of each Released PV the deleted claims held, so the claims made again bind them."""
    freed = {}
    for claim, before in sorted(claims_before.items()):
        name = before.get("volume")
        if not name or not before.get("uid"):
            continue
        pv = client.get("PersistentVolume", name)
        if pv is None or ((pv.get("spec") or {}).get("claimRef") or {}).get("uid") != before["uid"]:
            continue
        client.patch("PersistentVolume", name, None, volume_utils.rebind_patch(pv, before["uid"]), patch_type="json")
        freed[name] = claim
        outcome["notes"].append("freed Released %s (data kept) for the claim %s made again" % (name, claim))
    return freed


def wait_released(client, target, timer, claims_before, outcome):
    """Wait until the claims the StatefulSet deletes are gone and their PVs Released; {pv: phase} as last seen."""
    names = sorted(set(state["volume"] for state in claims_before.values() if state.get("volume")))

    def probe():
        now = _claims_of(client, target, [o for o in target["ordinals"] if claim_name(target, o) in claims_before])
        pvs = dict((name, client.get("PersistentVolume", name)) for name in names)
        problems = released_problems(claims_before, now, pvs)
        return not problems, (dict((name, volume_utils.phase_of(pv)) for name, pv in pvs.items()), problems)

    try:
        return waiter.poll_until(probe, timer.remaining(), lambda state: describe_problems(state[1]),
                                 interval=timer.interval, clock=timer.clock, sleep=timer.sleep)[0]
    except waiter.WaitTimeout as exc:
        outcome["duration_seconds"] = timer.elapsed()
        raise DisruptionFailed("%s: timed out after %ss waiting until the claims of the removed replicas were "
                               "deleted (whenScaled: Delete) and their PVs Released: %s" % (
                                   outcome["step"], timer.timeout, describe_problems(exc.last[1])), outcome)


def scale_down_and_up(client, target, step, timer, replicas_down):
    """Scale to `replicas_down`, wait until the removed pods are gone, note their claims, scale back, wait."""
    outcome = _new_outcome(step, target)
    pods = list_pods(client, target)
    outcome["old_uids"] = _uids(pods, target, step["ordinals"])
    renew = renews_claims(target, step["type"])
    claims_before = _claims_of(client, target, step["ordinals"]) if renew else {}
    set_replicas(client, target, replicas_down)
    outcome["notes"].append("scaled to %d" % replicas_down)
    wait_for(client, target, timer, "%s removed" % ", ".join(step["pods"]),
             lambda p: gone_problems(target, p, step["ordinals"]), outcome)
    if renew:
        outcome["claims_renewed"] = dict((claim, state["uid"]) for claim, state in claims_before.items())
        outcome["volumes_while_down"] = wait_released(client, target, timer, claims_before, outcome)
        outcome["freed"] = free_released(client, claims_before, outcome)
    outcome["claims_while_down"] = _claims_of(client, target, step["ordinals"])
    set_replicas(client, target, target["replicas"])
    outcome["notes"].append("scaled back to %d" % target["replicas"])
    pods = wait_for(client, target, timer, "%s recreated with a new UID and every replica Ready"
                    % ", ".join(step["pods"]),
                    lambda p: recreation_problems(target, p, outcome["old_uids"]), outcome)
    return _finish(outcome, target, pods, timer)


def run(client, target, step, clock=time.monotonic, sleep=time.sleep, interval=1.0, by="stateful.nfs"):
    """Perform one step of the plan; the outcome says what was done and how long it took."""
    timer = Clock(step["timeout"], clock=clock, sleep=sleep, interval=interval)
    kind = step["type"]
    if kind in ("delete_pod", "delete_pod_force"):
        return delete_pods(client, target, step, timer, force=kind == "delete_pod_force")
    if kind == "move_pod":
        return move_pod(client, target, step, timer, by)
    if kind == "rollout_restart":
        return rollout_restart(client, target, step, timer)
    if kind == "scale_to_zero":
        return scale_down_and_up(client, target, step, timer, 0)
    if kind == "scale_down_up":
        return scale_down_and_up(client, target, step, timer, target["replicas"] - step["count"])
    raise ValueError("unknown disruption %r" % kind)
