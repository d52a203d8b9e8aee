# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake of the client boundary (the K8sClient methods and the exec function) with a tiny StatefulSet
controller behind it, so the run can be exercised end to end without a cluster.

Volumes keep files per claim; an emptyDir volume keeps them per pod UID, so its data dies with the pod, and
with `node_local` a claim's files are kept per node (as on a hostPath PV), so they stay behind when a pod moves.
Pods land on the first node (by name) that can take them; with none, they stay Pending.
The volume-access preflight answers as a writable volume of uid 101 (the container's user too), unless
`volume_access` says otherwise for a pod (see ACCESS).

A pod LIST has a resourceVersion; a watch from it (wait_for_change) reports a change when the pods differ from what
that LIST answered (the controller acts after each LIST, as if between two requests), and otherwise lets its
timeout pass on `watch_clock`, the test's clock. Without a watch_clock a watch is refused with 403, as RBAC without
the watch verb refuses it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import itertools
import json

from ansible_collections.stateful.nfs.plugins.module_utils.verify import access
from ansible_collections.stateful.nfs.plugins.module_utils.verify import nodes as node_utils
from ansible_collections.stateful.nfs.plugins.module_utils.verify import observe
from ansible_collections.stateful.nfs.plugins.module_utils.verify.pod_exec import ExecResult
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import FakeK8sClient, api_error


# How a pod's volume answers the preflight: the container's uid, gid and groups, the directory's owner, group and
# mode, whether the image has id and stat (tools), and the step that fails with the shell's message (fails).
ACCESS = {"uid": 101, "gid": 101, "groups": (101,), "owner": 101, "group": 101, "mode": 0o770, "tools": True,
          "fails": None}


def make_sts(name="web", namespace="ns", replicas=2, claim="www", mount="/data", policy="OrderedReady",
             strategy="RollingUpdate", empty_dir=False, retention=None):
    volume = "data" if empty_dir else claim
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": namespace, "uid": "sts-uid", "generation": 1},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": policy,
            "updateStrategy": {"type": strategy},
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "busybox",
                                         "volumeMounts": [{"name": volume, "mountPath": mount}]}]},
            },
            "volumeClaimTemplates": [] if empty_dir else [{"metadata": {"name": claim}}],
        },
        "status": {},
    }
    if empty_dir:
        sts["spec"]["template"]["spec"]["volumes"] = [{"name": "data", "emptyDir": {}}]
    if retention:
        sts["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenScaled": retention}
    return sts


def make_node(name, ready=True):
    return {"kind": "Node", "metadata": {"name": name, "annotations": {}}, "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


class FakeCluster(FakeK8sClient):
    """K8sClient's methods (get, list, patch, delete, events_for) over an in-memory StatefulSet."""

    def __init__(self, sts, nfs_server="10.0.0.1", nodes=("node1",), node_local=False):
        super(FakeCluster, self).__init__()
        self.nodes = dict((name, make_node(name)) for name in nodes)
        self.node_local = node_local
        self.sts = sts
        self.ns = sts["metadata"]["namespace"]
        self.name = sts["metadata"]["name"]
        self.pods = {}
        self.pvcs = {}
        self.pvs = {}
        self.files = {}            # volume key -> {path: content}
        self.events = []
        self.uids = itertools.count(1)
        self.ips = itertools.count(10)
        self.revision = 1
        self.nfs_server = nfs_server
        self.broken_revision = None  # pods of this revision never become Ready
        self.dns_stale = 0           # answer this many A lookups with an old address
        self.exec_failures = set()   # pod names whose exec fails
        self.volume_access = {}      # pod name -> what differs from ACCESS for the preflight
        self.on_list = []            # callbacks run at each pod LIST (to inject trouble)
        self.watch_clock = None      # the test's Clock: watches are served, a quiet one passes its time on it
        self.listed = {}             # resourceVersion of a pod LIST -> the pods it answered (as JSON)
        self.service = {"kind": "Service", "metadata": {"name": self.name, "namespace": self.ns},
                        "spec": {"clusterIP": "None", "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]}}
        self.reconcile()

    # ---------------------------------------------------------------- the controller
    def claim_template(self):
        templates = self.sts["spec"]["volumeClaimTemplates"]
        return templates[0]["metadata"]["name"] if templates else None

    def make_pod(self, ordinal):
        name = "%s-%d" % (self.name, ordinal)
        uid = "uid-%d" % next(self.uids)
        template = self.sts["spec"]["template"]
        volumes = copy.deepcopy(template["spec"].get("volumes") or [])
        claim_tmpl = self.claim_template()
        if claim_tmpl:
            claim = "%s-%s" % (claim_tmpl, name)
            volumes.append({"name": claim_tmpl, "persistentVolumeClaim": {"claimName": claim}})
            if claim not in self.pvcs:
                pv = "pv-%s" % claim
                # A claim made again gets a new uid; a PV still naming the old one (Released) does not bind it.
                uid_of_claim = "pvc-" + claim if pv not in self.pvs else "pvc-%s-%d" % (claim, next(self.uids))
                held = ((self.pvs.get(pv) or {}).get("spec", {}).get("claimRef") or {}).get("uid")
                bound = not held
                self.pvcs[claim] = {"kind": "PersistentVolumeClaim",
                                    "metadata": {"name": claim, "namespace": self.ns, "uid": uid_of_claim},
                                    "spec": {"volumeName": pv} if bound else {},
                                    "status": {"phase": "Bound" if bound else "Pending"}}
                if bound:
                    self.pvs[pv] = {"kind": "PersistentVolume", "metadata": {"name": pv, "uid": "pvuid-" + pv},
                                    "spec": {"nfs": {"server": self.nfs_server, "path": "/srv/%s" % claim},
                                             "claimRef": {"namespace": self.ns, "name": claim,
                                                          "uid": uid_of_claim}},
                                    "status": {"phase": "Bound"}}
            if self.pvcs[claim]["status"]["phase"] != "Bound":
                self.make_pending(name, uid, volumes)
                return
        broken = self.revision == self.broken_revision
        places = node_utils.schedulable(self.nodes.values())
        if not places:
            self.make_pending(name, uid, volumes)
            return
        conditions = [{"type": "Ready", "status": "False" if broken else "True",
                       "lastTransitionTime": "2026-01-01T00:00:%02dZ" % (next(self.ips) % 60)}]
        statuses = [{"name": "main", "state": {"waiting": {"reason": "ErrImageNeverPull", "message": "no image"}}
                     if broken else {"running": {}}}]
        pod = {"kind": "Pod", "apiVersion": "v1",
               "metadata": {"name": name, "namespace": self.ns, "uid": uid,
                            "labels": {"app": self.name, "controller-revision-hash": "rev-%d" % self.revision}},
               "spec": {"nodeName": places[0], "volumes": volumes, "hostname": name},
               "status": {"phase": "Pending" if broken else "Running", "podIP": "10.244.0.%d" % next(self.ips),
                          "conditions": conditions, "containerStatuses": statuses}}
        if broken:
            self.events.append({"involvedObject": {"kind": "Pod", "name": name, "uid": uid},
                                "reason": "ErrImageNeverPull", "message": "Container image is not present",
                                "lastTimestamp": "2026-01-01T00:00:01Z", "metadata": {}})
        self.pods[name] = pod

    def make_pending(self, name, uid, volumes):
        self.pods[name] = {"kind": "Pod", "apiVersion": "v1",
                           "metadata": {"name": name, "namespace": self.ns, "uid": uid,
                                        "labels": {"app": self.name, "controller-revision-hash": "rev-%d" % self.revision}},
                           "spec": {"volumes": volumes, "hostname": name},
                           "status": {"phase": "Pending", "conditions": [
                               {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}}
        self.events.append({"involvedObject": {"kind": "Pod", "name": name, "uid": uid}, "reason": "FailedScheduling",
                            "message": "0/%d nodes are available" % len(self.nodes),
                            "lastTimestamp": "2026-01-01T00:00:02Z", "metadata": {}})

    def ordinal(self, name):
        return int(name.rsplit("-", 1)[1])

    def reconcile(self):
        spec = self.sts["spec"]
        start = (spec.get("ordinals") or {}).get("start") or 0
        wanted = range(start, start + spec["replicas"])
        deletes = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenScaled") == "Delete"
        for name in list(self.pods):
            if self.ordinal(name) not in wanted:
                del self.pods[name]
                claim = "%s-%s" % (self.claim_template(), name)
                if deletes and claim in self.pvcs:  # the controller deletes the claim; its PV is Released
                    volume = self.pvcs.pop(claim)["spec"].get("volumeName")
                    if volume in self.pvs:
                        self.pvs[volume]["status"]["phase"] = "Released"
        rollout = spec["updateStrategy"]["type"] == "RollingUpdate"
        replaced = not all(observe.is_ready(p) for p in self.pods.values())  # waits for Ready pods, as it does
        for ordinal in wanted:
            if "%s-%d" % (self.name, ordinal) not in self.pods:
                self.make_pod(ordinal)
        for ordinal in reversed(wanted):  # a rolling update goes from the highest ordinal down
            name = "%s-%d" % (self.name, ordinal)
            pod = self.pods.get(name)
            if rollout and not replaced and pod["metadata"]["labels"]["controller-revision-hash"] != \
                    "rev-%d" % self.revision:
                self.make_pod(ordinal)  # one pod per round, as the controller does
                replaced = True
        pods = list(self.pods.values())
        current = "rev-%d" % self.revision
        updated = [p for p in pods if p["metadata"]["labels"]["controller-revision-hash"] == current]
        ready = [p for p in pods if observe.is_ready(p)]
        self.sts["status"] = {
            "observedGeneration": self.sts["metadata"]["generation"], "replicas": len(pods),
            "readyReplicas": len(ready), "updatedReplicas": len(updated), "updateRevision": current,
            "currentRevision": current if len(updated) == len(pods) or not rollout else self.sts["status"].get(
                "currentRevision", current)}

    # ---------------------------------------------------------------- K8sClient methods
    def get(self, kind, name, namespace=None):
        self.calls.append(("get", kind, name))
        if kind == "StatefulSet":
            return copy.deepcopy(self.sts) if name == self.name else None
        if kind == "Pod":
            return copy.deepcopy(self.pods.get(name))
        if kind == "PersistentVolumeClaim":
            return copy.deepcopy(self.pvcs.get(name))
        if kind == "PersistentVolume":
            return copy.deepcopy(self.pvs.get(name))
        if kind == "Service":
            return copy.deepcopy(self.service) if self.service and name == self.service["metadata"]["name"] else None
        if kind == "Node":
            return copy.deepcopy(self.nodes.get(name))
        raise AssertionError(kind)

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, label_selector))
        if kind == "Pod":
            for callback in self.on_list:
                callback(self)
            pods = [copy.deepcopy(p) for p in self.pods.values()]
            self.reconcile()
            return pods
        if kind == "Event":
            return copy.deepcopy(self.events)
        if kind == "Node":
            return [copy.deepcopy(n) for n in self.nodes.values()]
        raise AssertionError(kind)

    def list_with_version(self, kind, namespace=None, label_selector=None, field_selector=None):
        assert kind == "Pod", "only the pod waits watch"
        pods = self.list(kind, namespace, label_selector, field_selector)
        version = str(len(self.listed) + 1)
        self.listed[version] = self.pods_json(pods)
        return pods, version

    def pods_json(self, pods):
        return json.dumps(sorted(pods, key=lambda pod: pod["metadata"]["name"]), sort_keys=True)

    def wait_for_change(self, kind, namespace, label_selector, resource_version, timeout):
        self.calls.append(("watch", kind, resource_version, timeout))
        if self.watch_clock is None:
            raise api_error(403, "Forbidden", {"kind": "Status", "reason": "Forbidden", "code": 403, "message":
                                               'pods is forbidden: User "u" cannot watch resource "pods"'},
                            "watch", kind, namespace=namespace, write=False)
        if self.pods_json(self.pods.values()) != self.listed[resource_version]:
            return True
        self.watch_clock.sleep(timeout)
        return False

    def events_for(self, kind, name, namespace):
        return [e for e in self.events if e["involvedObject"]["name"] == name]

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        self.calls.append(("delete", kind, name, grace_period_seconds, uid))
        assert kind == "Pod", "the module deletes only pods"
        pod = self.pods.get(name)
        if pod and (uid is None or pod["metadata"]["uid"] == uid):
            del self.pods[name]
        return pod

    def patch(self, kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        self.calls.append(("patch", kind, name, subresource, copy.deepcopy(patch)))
        if kind == "Node":
            return self.patch_node(name, patch)
        if kind == "PersistentVolume":
            return self.patch_pv(name, patch, patch_type)
        assert kind == "StatefulSet"
        if subresource == "scale":
            self.sts["spec"]["replicas"] = patch["spec"]["replicas"]
        else:
            annotations = patch["spec"]["template"]["metadata"]["annotations"]
            self.sts["spec"]["template"]["metadata"].setdefault("annotations", {}).update(annotations)
            self.revision += 1
        self.sts["metadata"]["generation"] += 1
        return copy.deepcopy(self.sts)

    def patch_pv(self, name, ops, patch_type):
        """The rebind JSON patch: test the claim uid, remove it; the PV becomes Available for that claim name."""
        assert patch_type == "json"
        pv = self.pvs[name]
        for op in ops:
            assert op["path"] in ("/spec/claimRef/uid", "/spec/claimRef/resourceVersion")
            if op["op"] == "test":
                assert pv["spec"]["claimRef"].get("uid") == op["value"]
            else:
                pv["spec"]["claimRef"].pop(op["path"].rsplit("/", 1)[1], None)
        pv["status"]["phase"] = "Available"
        return copy.deepcopy(pv)

    def patch_node(self, name, patch):
        """A merge patch of spec.unschedulable and annotations (None removes), as the server applies it."""
        node = self.nodes[name]
        for key, value in (patch.get("metadata") or {}).get("annotations", {}).items():
            annotations = node["metadata"].setdefault("annotations", {})
            if value is None:
                annotations.pop(key, None)
            else:
                annotations[key] = value
        if "unschedulable" in (patch.get("spec") or {}):
            if patch["spec"]["unschedulable"] is None:
                node["spec"].pop("unschedulable", None)
            else:
                node["spec"]["unschedulable"] = patch["spec"]["unschedulable"]
        return copy.deepcopy(node)

    # ---------------------------------------------------------------- the exec boundary
    def volume_key(self, pod):
        for volume in pod["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                return (claim, pod["spec"]["nodeName"]) if self.node_local else claim
        return ("emptyDir", pod["metadata"]["uid"])

    def exec_fn(self, client, namespace, pod_name, container, command, timeout=60):
        assert client is self
        self.calls.append(("exec", pod_name, tuple(command[:3])))
        if pod_name in self.exec_failures:
            from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
            raise K8sError("exec in Pod/%s/%s: connection refused" % (namespace, pod_name))
        pod = self.pods.get(pod_name)
        if pod is None or pod["status"]["phase"] != "Running":
            from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
            raise K8sError("exec in Pod/%s/%s: pod not running (HTTP 400 BadRequest)" % (namespace, pod_name))
        files = self.files.setdefault(self.volume_key(pod), {})
        if command[0] == "nslookup":
            return self.nslookup(command)
        script, args = command[2], command[4:]
        if script == observe.PROBE_SCRIPT:
            if args[0] in files:
                return ExecResult(0, "%s\npresent\n%s" % (pod_name, files[args[0]]), "")
            return ExecResult(0, "%s\nabsent\n" % pod_name, "")
        if script == observe.WRITE_SCRIPT:
            files[args[0]] = args[1]
            return ExecResult(0, args[1], "")
        if script == access.SCRIPT:
            return self.access_probe(pod_name)
        if script == observe.REMOVE_SCRIPT:
            if files.get(args[0]) == args[1]:
                del files[args[0]]
                return ExecResult(0, "removed\n", "")
            return ExecResult(0, "kept\n" if args[0] in files else "absent\n", "")
        raise AssertionError(command)

    def access_probe(self, pod_name):
        """The preflight script's output: what it prints with (or without) id and stat, then ok or the failure."""
        seen = dict(ACCESS, **self.volume_access.get(pod_name, {}))
        lines = []
        if seen["tools"]:
            lines += ["uid=%d" % seen["uid"], "gid=%d" % seen["gid"], "groups=%s" % " ".join(map(str, seen["groups"])),
                      "dir=%d %d %o" % (seen["owner"], seen["group"], seen["mode"])]
        lines += ["fail=%s" % seen["fails"][0], seen["fails"][1]] if seen["fails"] else ["ok"]
        return ExecResult(0, "\n".join(lines) + "\n", "")

    def nslookup(self, command):
        kind, name = command[1], command[2]
        header = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
        if kind == "-type=A":
            pod = self.pods.get(name.split(".")[0])
            if pod is None:
                return ExecResult(1, header + "** server can't find %s: NXDOMAIN\n" % name, "")
            ip = pod["status"]["podIP"]
            if self.dns_stale > 0:
                self.dns_stale -= 1
                ip = "10.244.9.9"
            return ExecResult(0, header + "Name:\t%s\nAddress: %s\n\n" % (name, ip), "")
        lines = ["%s\tservice = 0 50 80 %s.%s" % (name, p, name.split(".", 2)[2])
                 for p in sorted(self.pods) if observe.is_ready(self.pods[p])]
        return ExecResult(0, header + "\n".join(lines) + "\n", "")
