# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Observations -> findings. Pure: every check says what was expected and what was seen.

A result is a dict {step, replica, check, passed, expected, seen}; a finding is a failed result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CHECKS = ("volume_access", "present", "ready", "exec", "hostname", "claim", "storage", "marker", "recreated", "dns",
          "srv", "ordinals", "claims_kept", "claims_deleted", "moved", "disruption")
# The steps that check without disrupting: the volume-access preflight, then the markers (baseline).
PREFLIGHT, BASELINE = "preflight", "baseline"
CHECK_ONLY_STEPS = (PREFLIGHT, BASELINE)


def result(step, replica, check, passed, expected, seen, cause=None):
    """cause: why a failed check failed, as far as the pod's view tells (only checks that can tell have one)."""
    item = {"step": step, "replica": replica, "check": check, "passed": bool(passed), "expected": expected,
            "seen": seen}
    if cause:
        item["cause"] = cause
    return item


def _show(value):
    return "nothing" if value is None else repr(value) if isinstance(value, str) else str(value)


def message(item):
    """'<replica> after <step>: <check>: expected X, saw Y[; likely cause: Z]' (the replica is the pod or the object
    concerned)."""
    when = "at %s" % item["step"] if item["step"] in CHECK_ONLY_STEPS else "after %s" % item["step"]
    return "%s %s: %s: expected %s, saw %s%s" % (item["replica"], when, item["check"], item["expected"], item["seen"],
                                                 "; likely cause: %s" % item["cause"] if item.get("cause") else "")


def check_replica(step, target, record, baseline=None, expected_marker=None, old_uid=None, renewed=False):
    """The checks of one replica at one step.

    baseline: the replica's record when the markers were written (its claim UID, PV and export must not move);
    expected_marker: what the marker must hold (None: not checked); old_uid: the pod's UID before the step,
    when the step recreated the pod; renewed: the step deleted the replica's claim (whenScaled: Delete), so its
    claim UID must be new while its PV and export stay.
    """
    name = record["pod"]
    results = []

    def add(check, passed, expected, seen):
        results.append(result(step, name, check, passed, expected, seen))

    if not record.get("exists"):
        add("present", False, "pod %s exists" % name, "no such pod")
        return results
    add("ready", record.get("ready"), "Ready", "Ready since %s" % record.get("ready_time") if record.get("ready")
        else "not Ready")
    if old_uid is not None:
        add("recreated", record["uid"] != old_uid, "a new pod (UID other than %s)" % old_uid, "UID %s" % record["uid"])
    if record.get("exec_error"):
        add("exec", False, "the probe runs in container %s" % target["container"], record["exec_error"])
    else:
        add("hostname", record.get("hostname") == name, "hostname %s (the pod name)" % name,
            "hostname %s" % _show(record.get("hostname")))
        if expected_marker is not None:
            add("marker", record.get("marker") == expected_marker,
                "%s in %s" % (_show(expected_marker), target["marker_file"]),
                "no marker file" if record.get("marker") is None else _show(record.get("marker")))
    expected_claim = record.get("expected_claim")
    if expected_claim is None:
        add("claim", False, "volume %s from a volumeClaimTemplate (a claim <template>-%s)" % (target["volume"], name),
            "%s volume %s (its data lives and dies with the pod)" % (
                record.get("volume_source") or target["volume_source"], target["volume"]))
    else:
        add("claim", record.get("claim") == expected_claim, "claim %s" % expected_claim,
            "claim %s" % _show(record.get("claim")) if record.get("claim") else
            "volume %s is %s" % (target["volume"], record.get("volume_source")))
        if baseline is not None and baseline.get("pvc_uid") and renewed:
            # whenScaled: Delete made the claim anew: the same PV and export, with the data, under a new claim UID.
            now = (record.get("pv"), record.get("nfs"))
            then = (baseline.get("pv"), baseline.get("nfs"))
            add("storage", now == then and record.get("pvc_uid") not in (None, baseline["pvc_uid"]),
                "a new claim (UID other than %s) bound to PV %s, NFS %s" % ((baseline["pvc_uid"],) + then),
                "claim UID %s, PV %s, NFS %s" % ((record.get("pvc_uid"),) + now))
        elif baseline is not None and baseline.get("pvc_uid"):
            now = (record.get("pvc_uid"), record.get("pv"), record.get("nfs"))
            then = (baseline.get("pvc_uid"), baseline.get("pv"), baseline.get("nfs"))
            add("storage", now == then, "claim UID %s, PV %s, NFS %s" % then, "claim UID %s, PV %s, NFS %s" % now)
    return results


def check_ordinals(step, target, records):
    """The same set of ordinals: every wanted replica exists, and no other."""
    wanted = sorted(target["ordinals"])
    seen = sorted(o for o, record in records.items() if record.get("exists"))
    ref = "StatefulSet %s" % target["statefulset"]
    return [result(step, ref, "ordinals", seen == wanted, "ordinals %s" % wanted, "ordinals %s" % seen)]


def check_claims_kept(step, outcome):
    """scale_down_up: while scaled down, the removed replicas' claims still exist and are Bound."""
    results = []
    for claim, state in sorted((outcome.get("claims_while_down") or {}).items()):
        seen = ("deleted" if not state["exists"] else
                "%s%s" % (state["phase"], ", terminating" if state["terminating"] else ""))
        results.append(result(step, "PersistentVolumeClaim %s" % claim, "claims_kept",
                              state["exists"] and not state["terminating"] and state["phase"] == "Bound",
                              "kept and Bound while scaled down", seen))
    return results


def check_claims_deleted(step, outcome):
    """scale steps with whenScaled: Delete: while scaled down, the removed replicas' claims were deleted and their
    PVs Released (the data stays with them) and freed for the claims made again."""
    results = []
    phases = outcome.get("volumes_while_down") or {}
    freed = outcome.get("freed") or {}
    for claim, state in sorted((outcome.get("claims_while_down") or {}).items()):
        old_uid = (outcome.get("claims_renewed") or {}).get(claim)
        gone = not state["exists"] or state["uid"] != old_uid
        seen = "deleted" if not state["exists"] else "uid %s%s" % (state["uid"], ", terminating" if state[
            "terminating"] else "")
        results.append(result(step, "PersistentVolumeClaim %s" % claim, "claims_deleted", gone,
                              "deleted while scaled down (whenScaled: Delete)", seen))
    for name, phase in sorted(phases.items()):
        results.append(result(step, "PersistentVolume %s" % name, "claims_deleted",
                              phase == "Released" and name in freed,
                              "Released with its data, then freed for claim %s" % freed.get(name, "?"),
                              "%s%s" % (phase, ", freed" if name in freed else ", not freed")))
    return results


def check_moved(step, outcome, records):
    """move_pod: each moved pod now runs on a node other than the one it was on."""
    results = []
    by_pod = dict((record["pod"], record) for record in records.values())
    for pod, before in sorted((outcome.get("nodes_before") or {}).items()):
        now = (by_pod.get(pod) or {}).get("node")
        results.append(result(step, pod, "moved", now is not None and now != before,
                              "running on a node other than %s" % before, "on %s" % _show(now)))
    return results


def check_outcome(step, outcome, records):
    """The checks that belong to one kind of disruption (what it promised besides the replicas' own checks)."""
    if outcome.get("claims_renewed"):
        return check_claims_deleted(step, outcome)
    if outcome.get("type") == "scale_down_up":
        return check_claims_kept(step, outcome)
    if outcome.get("type") == "move_pod":
        return check_moved(step, outcome, records)
    return []


def check_dns(step, record, fqdn, resolver, answer):
    """`fqdn` resolves, from inside `resolver`, to the pod's current IP. answer: (ips, error)."""
    ips, error = answer
    seen = "error: %s" % error if error else ("addresses %s" % ", ".join(ips) if ips else "no address")
    return result(step, record["pod"], "dns", not error and record.get("ip") in (ips or []),
                  "%s resolves from %s to %s" % (fqdn, resolver, record.get("ip")), seen)


def check_srv(step, service_ref, srv, expected_targets, answer):
    """The SRV records of the headless Service list every ready replica. answer: (targets, error)."""
    targets, error = answer
    seen = "error: %s" % error if error else ("targets %s" % ", ".join(targets) if targets else "no SRV record")
    return result(step, service_ref, "srv", not error and sorted(targets) == sorted(expected_targets),
                  "%s lists %s" % (srv, ", ".join(sorted(expected_targets))), seen)


def findings(results):
    return [item for item in results if not item["passed"]]


def summarize_row(step, record, results):
    """One row of the result table: the replica's identity at this step and its checks."""
    own = [item for item in results if item["step"] == step and item["replica"] == record["pod"]]
    return {
        "step": step,
        "ordinal": record["ordinal"],
        "pod": record["pod"],
        "uid": record.get("uid"),
        "node": record.get("node"),
        "ip": record.get("ip"),
        "hostname": record.get("hostname"),
        "claim": record.get("claim"),
        "pvc_uid": record.get("pvc_uid"),
        "pv": record.get("pv"),
        "nfs": record.get("nfs"),
        "nfs_path": record.get("nfs_path"),
        "marker": record.get("marker"),
        "ready_time": record.get("ready_time"),
        "checks": dict((item["check"], "pass" if item["passed"] else "fail") for item in own),
        "passed": all(item["passed"] for item in own),
    }
