# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One replica's identity, as the API and the pod itself tell it.

Pure pieces (identity of a pod, storage of a claim, the shell commands and their parsers) first, then
`observe_all`, which reads the pods, claims and PVs and runs one exec per replica, concurrently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import waiter
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.concurrency import parallel
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
from ansible_collections.stateful.nfs.plugins.module_utils.statefulset import label_selector
from ansible_collections.stateful.nfs.plugins.module_utils.verify.plan import claim_name, pod_name

PRESENT, ABSENT = "present", "absent"

# Prints the hostname, then "present" and the marker, or "absent". $1 is the marker file.
PROBE_SCRIPT = 'hostname; if [ -f "$1" ]; then echo present; cat "$1"; else echo absent; fi'
# Writes $2 to $1 through a temporary file flushed with fsync, renames it, syncs, and reads it back.
WRITE_SCRIPT = ('set -e; mkdir -p "$(dirname "$1")"; printf %s "$2" | dd of="$1.tmp" conv=fsync 2>/dev/null; '
                'mv -f "$1.tmp" "$1"; sync; cat "$1"')
# Removes $1 only when it still holds what this run wrote ($2).
REMOVE_SCRIPT = ('if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then rm -f "$1"; sync; echo removed; '
                 'elif [ -f "$1" ]; then echo kept; else echo absent; fi')


def shell(script, *args):
    return ["sh", "-c", script, "sh"] + list(args)


def probe_command(target):
    return shell(PROBE_SCRIPT, target["marker_file"])


def write_command(target, content):
    return shell(WRITE_SCRIPT, target["marker_file"], content)


def remove_command(target, content):
    return shell(REMOVE_SCRIPT, target["marker_file"], content)


def parse_probe(stdout):
    """(hostname, marker content or None) from the probe's output."""
    lines = (stdout or "").split("\n")
    hostname = lines[0].strip() if lines else ""
    state = lines[1].strip() if len(lines) > 1 else ""
    if state == PRESENT:
        return hostname or None, "\n".join(lines[2:]).rstrip("\n")
    return hostname or None, None


# ---------------------------------------------------------------- pure views of API objects

def ordinal_of(target, name):
    prefix = target["statefulset"] + "-"
    tail = name[len(prefix):] if name.startswith(prefix) else ""
    return int(tail) if tail.isdigit() else None


def ready_condition(pod):
    for condition in ((pod or {}).get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition
    return {}


def is_ready(pod):
    return bool(pod) and not pod["metadata"].get("deletionTimestamp") and ready_condition(pod).get("status") == "True"


def volume_of(pod, volume_name):
    """(source kind, claim name or None) of the pod's volume `volume_name`."""
    for volume in ((pod or {}).get("spec") or {}).get("volumes") or []:
        if volume.get("name") == volume_name:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            kinds = [key for key in volume if key != "name"]
            return (kinds[0] if kinds else "unknown"), claim
    return None, None


def identity(target, ordinal, pod):
    """What the API says about one replica's pod (no exec)."""
    name = pod_name(target, ordinal)
    if pod is None:
        return {"ordinal": ordinal, "pod": name, "exists": False, "uid": None, "node": None, "ip": None,
                "ready": False, "ready_time": None, "volume_source": None, "claim": None}
    source, claim = volume_of(pod, target["volume"])
    status = pod.get("status") or {}
    condition = ready_condition(pod)
    return {
        "ordinal": ordinal,
        "pod": name,
        "exists": True,
        "uid": pod["metadata"].get("uid"),
        "node": (pod.get("spec") or {}).get("nodeName"),
        "ip": status.get("podIP"),
        "ready": is_ready(pod),
        "ready_time": condition.get("lastTransitionTime") if condition.get("status") == "True" else None,
        "volume_source": source,
        "claim": claim,
    }


def storage(pvc, pv):
    """The claim's UID and phase, its PV and the PV's NFS export (server:path)."""
    pvc_spec = (pvc or {}).get("spec") or {}
    nfs = ((pv or {}).get("spec") or {}).get("nfs") or {}
    return {
        "pvc_uid": (pvc or {}).get("metadata", {}).get("uid"),
        "pvc_phase": ((pvc or {}).get("status") or {}).get("phase"),
        "pv": pvc_spec.get("volumeName") or None,
        "nfs": naming.nfs_source(nfs.get("server"), nfs.get("path")) if nfs else None,
        "nfs_path": nfs.get("path"),
    }


def empty_inside():
    return {"hostname": None, "marker": None, "exec_error": None}


# ---------------------------------------------------------------- reads (I/O through the client and exec_fn)

def list_pods(client, target):
    """{ordinal: pod} of the StatefulSet's pods (any ordinal, also beyond the replica count)."""
    return by_ordinal(target, client.list("Pod", namespace=target["namespace"],
                                          label_selector=label_selector(target["selector"])))


def pod_watch(client, target, sleep):
    """A waiter.ChangeWatch of the StatefulSet's pods (its list() answers what list_pods reads)."""
    return waiter.ChangeWatch(client, "Pod", target["namespace"], label_selector(target["selector"]), sleep=sleep)


def by_ordinal(target, pods):
    found = {}
    for pod in pods:
        ordinal = ordinal_of(target, pod["metadata"]["name"])
        if ordinal is not None:
            found[ordinal] = pod
    return found


def read_storage(client, target, claim):
    if not claim:
        return storage(None, None)
    pvc = client.get("PersistentVolumeClaim", claim, target["namespace"])
    volume_name = ((pvc or {}).get("spec") or {}).get("volumeName")
    pv = client.get("PersistentVolume", volume_name) if volume_name else None
    return storage(pvc, pv)


def read_inside(client, target, name, exec_fn, timeout):
    """Hostname and marker as the container sees them."""
    inside = empty_inside()
    try:
        result = exec_fn(client, target["namespace"], name, target["container"], probe_command(target), timeout)
    except K8sError as exc:
        inside["exec_error"] = str(exc)
        return inside
    if result.rc not in (0, None):
        inside["exec_error"] = "probe exited %s: %s" % (result.rc, " ".join((result.stderr or "").split()))
        return inside
    inside["hostname"], inside["marker"] = parse_probe(result.stdout)
    return inside


def observe_replica(client, target, ordinal, pod, exec_fn, inside=True, timeout=60):
    record = identity(target, ordinal, pod)
    record.update(read_storage(client, target, record["claim"]))
    record.update(empty_inside())
    if inside and record["exists"] and (pod.get("status") or {}).get("phase") == "Running":
        record.update(read_inside(client, target, record["pod"], exec_fn, timeout))
    elif inside:
        record["exec_error"] = "pod %s is not running" % record["pod"]
    record["expected_claim"] = claim_name(target, ordinal)
    return record


def after_writes(target, first, pods, written):
    """The records once the markers are written, without a second exec in every pod: `first` (the observation
    before the writes) with the identity of `pods` (one LIST since) and each marker as its write read it back
    (`written`: the ordinals whose write read back what it wrote). None when that cannot stand for a new
    observation: a pod replaced or not Ready since, an extra pod, a replica not written or not observed inside;
    observe again then."""
    if sorted(pods) != sorted(target["ordinals"]):
        return None
    records = {}
    for ordinal in target["ordinals"]:
        before, pod = first.get(ordinal) or {}, pods[ordinal]
        if ordinal not in written or before.get("exec_error") or before.get("extra") or not is_ready(pod) or \
                pod["metadata"].get("uid") != before.get("uid"):
            return None
        records[ordinal] = dict(before, marker=written[ordinal], **identity(target, ordinal, pod))
    return records


def observe_all(client, target, exec_fn, workers=4, inside=True, timeout=60, pods=None):
    """{ordinal: record} for every ordinal of the target; the pods are listed once, the rest per replica."""
    pods = list_pods(client, target) if pods is None else pods
    records = parallel(lambda o: observe_replica(client, target, o, pods.get(o), exec_fn, inside, timeout),
                       target["ordinals"], workers)
    extra = sorted(o for o in pods if o not in target["ordinals"])
    result = dict((record["ordinal"], record) for record in records)
    for ordinal in extra:
        result[ordinal] = dict(identity(target, ordinal, pods[ordinal]), extra=True)
    return result
