# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inputs -> a validated spec, the target (what the StatefulSet says) and the ordered steps. Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError

DISRUPTIONS = ("delete_pod", "delete_pod_force", "move_pod", "rollout_restart", "scale_to_zero", "scale_down_up")
# The disruptions that act on pods one by one (an `ordinal`, or every pod one step each).
POD_DISRUPTIONS = ("delete_pod", "delete_pod_force", "move_pod")
# The ones that may delete several pods in one step (`at_once`).
AT_ONCE_DISRUPTIONS = ("delete_pod", "delete_pod_force")
DISRUPTION_KEYS = ("type", "ordinal", "count", "at_once", "timeout")
DEFAULT_MARKER_NAME = ".stateful-nfs-verify"
# The preflight's probe file, next to the marker: <prefix><token>, a name no application file has.
PROBE_PREFIX = ".stateful-nfs-preflight-"
TOKEN_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MARKER_NAME_RE = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


def _fail(field, value, problem, fix):
    raise SpecError(field, value, problem, fix)


# ---------------------------------------------------------------- the module's options -> spec

def check_positive(field, value):
    if value is None or isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _fail(field, value, "must be a whole number of at least 1", "give for example %s: 1" % field)


def normalize_disruption(index, item, default_timeout):
    """One entry of `disruptions` (a name, or a dict with type and options) -> a dict with every key."""
    field = "disruptions[%d]" % index
    if isinstance(item, str):
        item = {"type": item}
    if not isinstance(item, dict):
        _fail(field, item, "must be a disruption name or a mapping with a type",
              "write for example '- delete_pod' or '- {type: delete_pod, ordinal: 0}'")
    unknown = sorted(set(item) - set(DISRUPTION_KEYS))
    if unknown:
        _fail("%s.%s" % (field, unknown[0]), item[unknown[0]], "is not a disruption option",
              "use only %s" % ", ".join(DISRUPTION_KEYS))
    kind = item.get("type")
    if kind not in DISRUPTIONS:
        _fail(field + ".type", kind, "is not a known disruption", "use one of %s" % ", ".join(DISRUPTIONS))
    ordinal = item.get("ordinal")
    if ordinal is not None:
        if kind not in POD_DISRUPTIONS:
            _fail(field + ".ordinal", ordinal, "only %s act on one ordinal" % ", ".join(POD_DISRUPTIONS),
                  "drop ordinal from the %s entry" % kind)
        if isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 0:
            _fail(field + ".ordinal", ordinal, "must be a pod ordinal (0, 1, ...)", "give for example ordinal: 0")
    count = item.get("count")
    if count is not None:
        if kind != "scale_down_up":
            _fail(field + ".count", count, "only scale_down_up removes a number of replicas",
                  "drop count from the %s entry" % kind)
        check_positive(field + ".count", count)
    at_once = item.get("at_once")
    if at_once is not None:
        if kind not in AT_ONCE_DISRUPTIONS:
            _fail(field + ".at_once", at_once, "only %s delete several pods" % " and ".join(AT_ONCE_DISRUPTIONS),
                  "drop at_once from the %s entry" % kind)
        if not isinstance(at_once, bool):
            _fail(field + ".at_once", at_once, "must be true or false", "write at_once: true")
        if at_once and ordinal is not None:
            _fail(field + ".at_once", at_once, "one ordinal is always deleted alone", "drop at_once or ordinal")
    timeout = item.get("timeout")
    if timeout is not None:
        check_positive(field + ".timeout", timeout)
    return {
        "type": kind,
        "ordinal": ordinal,
        "count": count if count is not None else (1 if kind == "scale_down_up" else None),
        "at_once": bool(at_once),
        "timeout": timeout if timeout is not None else default_timeout,
    }


def check_marker(marker):
    name = marker.get("name")
    if not name or not MARKER_NAME_RE.match(name) or ".." in name.split("/"):
        _fail("marker.name", name, "must be a relative file path under the mount path (letters, digits, '.', '_', "
              "'-' and '/', no '..')", "give for example marker: {name: %s}" % DEFAULT_MARKER_NAME)
    token = marker.get("token")
    if token is not None and not TOKEN_RE.match(token):
        _fail("marker.token", token, "must be 1 to 128 letters, digits, '.', '_', ':' or '-'",
              "leave it unset (a token unique to the run is made) or give for example token: before-upgrade")
    if not marker.get("write") and not token:
        _fail("marker.token", token, "marker.write is false, so the markers of an earlier run are read, and that "
              "run's token is needed to know what they must contain", "give the token the earlier run returned")


def spec_from_params(params, new_token):
    """The module's options -> the spec the run works with. SpecError names the field, the value and the fix.

    `new_token` is called for a token unique to the run when marker.token is not given.
    """
    timeout = params.get("timeout")
    check_positive("timeout", timeout)
    check_positive("workers", params.get("workers"))
    marker = dict(params.get("marker") or {})
    marker.setdefault("name", DEFAULT_MARKER_NAME)
    marker.setdefault("write", True)
    if marker.get("write") is None:
        marker["write"] = True
    if marker.get("name") is None:
        marker["name"] = DEFAULT_MARKER_NAME
    check_marker(marker)
    if not marker.get("token"):
        marker["token"] = new_token()
    disruptions = [normalize_disruption(index, item, timeout)
                   for index, item in enumerate(params.get("disruptions") or [])]
    mount_path = params.get("mount_path")
    if mount_path is not None and not mount_path.startswith("/"):
        _fail("mount_path", mount_path, "must be the absolute path where the container mounts the volume",
              "give for example mount_path: /data")
    return {
        "statefulset": params["statefulset"],
        "namespace": params["namespace"],
        "container": params.get("container"),
        "mount_path": mount_path.rstrip("/") or "/" if mount_path else None,
        "volume": params.get("volume"),
        "disruptions": disruptions,
        "marker": marker,
        "cleanup": params.get("cleanup", True),
        "check_dns": params.get("check_dns", True),
        "cluster_domain": params.get("cluster_domain") or "cluster.local",
        "timeout": timeout,
        "report_dir": params.get("report_dir"),
        "wait_for_ready": params.get("wait_for_ready", False),
        "workers": params.get("workers"),
        "rebind_released": bool(params.get("rebind_released", False)),
        "preflight": params.get("preflight", True) is not False,
    }


# ---------------------------------------------------------------- the StatefulSet -> target

def _container(sts_name, template, wanted):
    containers = ((template.get("spec") or {}).get("containers")) or []
    names = [c.get("name") for c in containers]
    if wanted:
        for container in containers:
            if container.get("name") == wanted:
                return container
        _fail("container", wanted, "StatefulSet %s has no container of that name (it has %s)"
              % (sts_name, ", ".join(names) or "none"), "use one of %s" % ", ".join(names))
    default = ((template.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    for container in containers:
        if container.get("name") == default:
            return container
    if not containers:
        _fail("statefulset", sts_name, "its pod template has no containers", "fix the StatefulSet")
    return containers[0]


def _volume_source(template, volume_name):
    """'persistentVolumeClaim', 'emptyDir', ... of a pod template volume (None when there is none of that name)."""
    for volume in ((template.get("spec") or {}).get("volumes")) or []:
        if volume.get("name") == volume_name:
            kinds = [key for key in volume if key != "name"]
            return kinds[0] if kinds else "unknown"
    return None


def find_mount(spec, sts_name, container, claim_templates):
    """(volume name, mount path) to verify: from mount_path, from volume, or the one claim template mounted."""
    mounts = container.get("volumeMounts") or []
    cname = container.get("name")
    if spec["mount_path"]:
        for mount in mounts:
            if mount.get("mountPath", "").rstrip("/") == spec["mount_path"].rstrip("/") or (
                    mount.get("mountPath") == "/" and spec["mount_path"] == "/"):
                if spec["volume"] and mount.get("name") != spec["volume"]:
                    _fail("volume", spec["volume"], "container %s mounts volume %s at %s, not this one"
                          % (cname, mount.get("name"), spec["mount_path"]), "drop volume or fix mount_path")
                return mount.get("name"), spec["mount_path"]
        _fail("mount_path", spec["mount_path"], "container %s of StatefulSet %s mounts nothing there (it mounts %s)"
              % (cname, sts_name, ", ".join("%s at %s" % (m.get("name"), m.get("mountPath")) for m in mounts) or
                 "no volumes"), "give one of those mount paths, or the volume name")
    if spec["volume"]:
        for mount in mounts:
            if mount.get("name") == spec["volume"] and not mount.get("subPath"):
                return mount["name"], mount["mountPath"].rstrip("/") or "/"
        _fail("volume", spec["volume"], "container %s of StatefulSet %s does not mount it" % (cname, sts_name),
              "give a volume the container mounts (%s)" % ", ".join(m.get("name") for m in mounts))
    candidates = [m for m in mounts if m.get("name") in claim_templates]
    if len(candidates) != 1:
        _fail("mount_path", None, "container %s mounts %s of the volumeClaimTemplates (%s), so the volume to verify "
              "is not clear" % (cname, len(candidates), ", ".join(claim_templates) or "none"),
              "set mount_path or volume")
    return candidates[0]["name"], candidates[0]["mountPath"].rstrip("/") or "/"


def target_from(sts, spec):
    """What the run needs to know about the StatefulSet, or SpecError when it cannot be verified."""
    meta, sts_spec = sts["metadata"], sts.get("spec") or {}
    name = meta["name"]
    template = sts_spec.get("template") or {}
    container = _container(name, template, spec["container"])
    claim_templates = [t["metadata"]["name"] for t in sts_spec.get("volumeClaimTemplates") or []]
    volume, mount_path = find_mount(spec, name, container, claim_templates)
    source = _volume_source(template, volume)
    replicas = sts_spec.get("replicas") if sts_spec.get("replicas") is not None else 1
    start = (sts_spec.get("ordinals") or {}).get("start") or 0
    strategy = sts_spec.get("updateStrategy") or {}
    retention = sts_spec.get("persistentVolumeClaimRetentionPolicy") or {}
    marker_file = "%s/%s" % (mount_path.rstrip("/"), spec["marker"]["name"])
    probe_file = "%s/%s%s" % (mount_path.rstrip("/"), PROBE_PREFIX, spec["marker"]["token"])
    return {
        "statefulset": name,
        "namespace": meta.get("namespace") or spec["namespace"],
        "uid": meta.get("uid"),
        "selector": sts_spec.get("selector") or {},
        "service": sts_spec.get("serviceName"),
        "container": container["name"],
        "volume": volume,
        "claim_template": volume if volume in claim_templates else None,
        "volume_source": "volumeClaimTemplate" if volume in claim_templates else (source or "unknown"),
        "mount_path": mount_path,
        "marker_file": marker_file,
        "probe_file": probe_file,
        "replicas": replicas,
        "start": start,
        "ordinals": list(range(start, start + replicas)),
        "pod_management_policy": sts_spec.get("podManagementPolicy") or "OrderedReady",
        "update_strategy": strategy.get("type") or "RollingUpdate",
        "partition": (strategy.get("rollingUpdate") or {}).get("partition") or 0,
        "when_scaled": retention.get("whenScaled") or "Retain",
        "when_deleted": retention.get("whenDeleted") or "Retain",
    }


def pod_name(target, ordinal):
    return naming.pod_name(target["statefulset"], ordinal)


def claim_name(target, ordinal):
    """The claim the controller makes for an ordinal; None without a template."""
    if not target["claim_template"]:
        return None
    return naming.claim_name(target["claim_template"], target["statefulset"], ordinal)


def marker_content(token, target, ordinal):
    """What replica `ordinal` must hold: the run's token and the replica's own claim (or pod) name, so a marker
    that shows up in another replica's volume does not pass."""
    return "%s %s" % (token, claim_name(target, ordinal) or pod_name(target, ordinal))


# ---------------------------------------------------------------- the ordered steps

def _step(index, disruption, ordinals, target, disruption_index):
    kind = disruption["type"]
    if kind in POD_DISRUPTIONS:
        label = "%s[%s]" % (kind, ",".join(pod_name(target, o) for o in ordinals))
    elif kind == "scale_down_up":
        label = "%s[%d->%d->%d]" % (kind, target["replicas"], target["replicas"] - disruption["count"],
                                    target["replicas"])
    elif kind == "scale_to_zero":
        label = "%s[%d->0->%d]" % (kind, target["replicas"], target["replicas"])
    else:
        label = kind
    return {"index": index, "disruption_index": disruption_index, "name": label, "type": kind,
            "ordinals": list(ordinals),
            "pods": [pod_name(target, o) for o in ordinals], "count": disruption["count"],
            "timeout": disruption["timeout"]}


def renews_claims(target, kind):
    """Whether a step of this kind deletes the removed replicas' claims (the StatefulSet makes them anew)."""
    return kind in ("scale_to_zero", "scale_down_up") and target["when_scaled"] == "Delete"


def check_disruption(index, disruption, target, spec=None):
    field = "disruptions[%d]" % index
    kind = disruption["type"]
    if disruption["ordinal"] is not None and disruption["ordinal"] not in target["ordinals"]:
        _fail(field + ".ordinal", disruption["ordinal"], "StatefulSet %s has the ordinals %s"
              % (target["statefulset"], ", ".join(str(o) for o in target["ordinals"]) or "none (0 replicas)"),
              "use one of them, or leave ordinal unset to delete every pod one at a time")
    if disruption["at_once"] and target["pod_management_policy"] != "Parallel":
        _fail(field + ".at_once", True, "podManagementPolicy is %s, so the controller recreates the pods one by "
              "one anyway" % target["pod_management_policy"], "drop at_once, or use podManagementPolicy: Parallel")
    if kind == "rollout_restart":
        if target["update_strategy"] == "OnDelete":
            _fail(field + ".type", kind, "the StatefulSet's updateStrategy is OnDelete, so a changed template "
                  "restarts nothing", "use delete_pod, which restarts the pods one at a time")
        if target["partition"] > target["start"]:
            _fail(field + ".type", kind, "updateStrategy.rollingUpdate.partition is %s, so the pods below it would "
                  "not restart" % target["partition"], "use delete_pod, or remove the partition")
    if renews_claims(target, kind) and not (spec or {}).get("rebind_released"):
        _fail(field + ".type", kind, "persistentVolumeClaimRetentionPolicy.whenScaled is Delete: scaling down "
              "deletes the claims of the removed replicas, and the claims made again stay Pending until their "
              "Released PVs are freed for them",
              "set rebind_released: true (the proof then checks that the claims were deleted, frees their PVs with "
              "their data as stateful.nfs.volumes does, and checks the data after scaling back), set whenScaled: "
              "Retain on the StatefulSet, or use delete_pod / rollout_restart")
    if kind == "scale_down_up" and disruption["count"] >= target["replicas"]:
        _fail(field + ".count", disruption["count"], "the StatefulSet has %d replica(s); removing all of them is "
              "scale_to_zero" % target["replicas"], "give a count below %d, or use scale_to_zero"
              % target["replicas"])


def build_plan(spec, target):
    """The ordered steps: one per disruption, delete_pod without ordinal expanded to one step per pod
    (or one step for all pods with at_once). SpecError when a disruption cannot work on this StatefulSet."""
    if not target["ordinals"]:
        _fail("statefulset", target["statefulset"], "has 0 replicas, so there is nothing to verify",
              "scale it up first")
    steps = []
    for index, disruption in enumerate(spec["disruptions"]):
        check_disruption(index, disruption, target, spec)
        kind = disruption["type"]
        if kind in POD_DISRUPTIONS:
            if disruption["ordinal"] is not None:
                groups = [[disruption["ordinal"]]]
            elif disruption["at_once"]:
                groups = [list(target["ordinals"])]
            else:
                groups = [[o] for o in target["ordinals"]]
        elif kind == "scale_down_up":
            groups = [target["ordinals"][target["replicas"] - disruption["count"]:]]
        else:
            groups = [list(target["ordinals"])]
        for ordinals in groups:
            steps.append(_step(len(steps) + 1, disruption, ordinals, target, index))
    return steps


def runs_preflight(spec):
    """The volume-access preflight runs before the markers are written; a run that only reads markers writes
    nothing, so nothing needs the access."""
    return spec["preflight"] and spec["marker"]["write"]


def describe_plan(spec, target, steps):
    """The plan as lines a person reads (check mode returns it)."""
    lines = ["check that StatefulSet %s/%s is fully ready" % (target["namespace"], target["statefulset"])]
    if runs_preflight(spec):
        lines.append("preflight: in each replica, as the container's user, create, write, fsync, rename, read back "
                     "and remove %s" % target["probe_file"])
    if spec["marker"]["write"]:
        lines.append("write marker %s (token %s) into %s of each replica, with fsync, and read it back"
                     % (target["marker_file"], spec["marker"]["token"], target["volume"]))
    else:
        lines.append("read the markers %s of token %s left by an earlier run"
                     % (target["marker_file"], spec["marker"]["token"]))
    for step in steps:
        lines.append("%d. %s (timeout %ss), then check identity, claims, markers%s"
                     % (step["index"], step["name"], step["timeout"], ", DNS" if spec["check_dns"] else ""))
    if spec["cleanup"]:
        lines.append("remove the markers this run wrote")
    return lines
