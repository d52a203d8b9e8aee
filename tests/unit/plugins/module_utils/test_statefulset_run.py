# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of stateful.nfs.statefulset against a fake client (the K8sClient method signatures)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import statefulset
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sUnavailable
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.statefulset import deep_merge
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock, FakeK8sClient
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_statefulset_logic import LIVE, params, pod


class FakeClient(FakeK8sClient):
    """In-memory K8sClient stand-in. `gets` scripts successive answers of get() for one object."""

    def __init__(self, objects=None, pods=None, events=None, gets=None):
        super(FakeClient, self).__init__()
        self.objects = dict(((o["kind"], o["metadata"]["name"]), copy.deepcopy(o)) for o in objects or [])
        self.pods = pods or []
        self.events = events or {}
        self.gets = list(gets or [])
        self.version = 5000

    def get(self, kind, name, namespace=None):
        self.calls.append(("get", kind, name))
        if self.gets:
            return copy.deepcopy(self.gets.pop(0))
        return copy.deepcopy(self.objects.get((kind, name)))

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, label_selector))
        if kind == "Pod":
            return copy.deepcopy(self.pods)
        return [copy.deepcopy(obj) for (stored_kind, _name), obj in sorted(self.objects.items()) if stored_kind == kind]

    def events_for(self, kind, name, namespace):
        self.calls.append(("events_for", kind, name))
        return self.events.get((kind, name), [])

    def apply(self, body, dry_run=False, force=True):
        self.calls.append(("apply", body["kind"], body["metadata"]["name"], dry_run))
        self.refuse_in_missing_namespace(body)
        stored = deep_merge(self.objects.get((body["kind"], body["metadata"]["name"])) or {}, body)
        if not dry_run:
            self.version += 1
            stored["metadata"].setdefault("uid", "new-uid")
            stored["metadata"]["resourceVersion"] = str(self.version)
            self.objects[(body["kind"], body["metadata"]["name"])] = stored
        return copy.deepcopy(stored)

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        self.calls.append(("delete", kind, name, propagation_policy, uid, dry_run))
        if dry_run:
            return self.objects.get((kind, name))
        return self.objects.pop((kind, name), None)


def test_second_run_on_the_realistic_live_object_sends_nothing():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params())
    assert result["changed"] is False
    assert result["action"] == "none"
    assert result["immutable_changes"] == []
    assert result["statefulset"]["metadata"]["resourceVersion"] == LIVE["metadata"]["resourceVersion"]
    assert result["rollout"]["done"] is True
    assert client.writes() == []


def test_create_and_check_mode_create():
    client = FakeClient()
    result = statefulset.ensure(client, params(), check_mode=True, diff=True)
    assert result["changed"] is True and result["action"] == "create"
    assert client.writes() == [("apply", "StatefulSet", "web", True)]
    assert client.objects == {}
    assert result["diff"]["before"] == {}
    result = statefulset.ensure(client, params())
    assert result["action"] == "create"
    assert ("StatefulSet", "web") in client.objects


def test_check_mode_create_in_a_namespace_that_does_not_exist_yet_does_not_wait():
    client = FakeClient()
    client.missing_namespaces.add("demo")
    result = statefulset.ensure(client, params(wait=True), check_mode=True, diff=True)
    desired = statefulset.build_statefulset(params(wait=True))
    assert (result["changed"], result["action"]) == (True, "create")
    assert result["statefulset"] == desired
    assert result["diff"] == {"before": {}, "after": desired}
    assert result["rollout"]["done"] is False
    assert len(result["warnings"]) == 1 and "Namespace/demo does not exist yet" in result["warnings"][0]
    # one read, one refused dry-run, and no rollout poll for an object that cannot exist
    assert client.calls == [("get", "StatefulSet", "web"), ("apply", "StatefulSet", "web", True)]


def test_scaling_is_an_update():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(replicas=3))
    assert result["changed"] is True and result["action"] == "update"
    assert client.objects[("StatefulSet", "web")]["spec"]["replicas"] == 3


def test_immutable_change_fails_listing_fields_and_touches_nothing():
    client = FakeClient([LIVE])
    with pytest.raises(Failure) as caught:
        statefulset.ensure(client, params(service_name="web2", claim_template={"name": "www", "size": "2Gi"}))
    message = str(caught.value)
    assert message.startswith("StatefulSet/demo/web: immutable fields differ from the live object: ")
    assert "spec.serviceName: web -> web2" in message
    assert "spec.volumeClaimTemplates[www].spec.resources" in message
    assert "Fix: set on_immutable_change: recreate" in message
    assert [c["field"] for c in caught.value.result["immutable_changes"]] == [
        "spec.serviceName", "spec.volumeClaimTemplates[www].spec.resources"]
    assert caught.value.result["changed"] is False
    assert client.writes() == []


def test_recreate_orphans_waits_until_gone_then_creates():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(service_name="web2", on_immutable_change="recreate"), diff=True)
    assert result["changed"] is True and result["action"] == "recreate"
    assert [c["field"] for c in result["immutable_changes"]] == ["spec.serviceName"]
    uid = LIVE["metadata"]["uid"]
    assert client.writes() == [("delete", "StatefulSet", "web", "Orphan", uid, False),
                               ("apply", "StatefulSet", "web", False)]
    delete_at = client.calls.index(("delete", "StatefulSet", "web", "Orphan", uid, False))
    assert client.calls[delete_at + 1] == ("get", "StatefulSet", "web")   # waited for it to be gone
    assert result["statefulset"]["spec"]["serviceName"] == "web2"
    assert result["diff"]["before"]["spec"]["serviceName"] == "web"
    assert result["diff"]["after"]["spec"]["serviceName"] == "web2"


def test_recreate_waits_while_the_old_object_is_still_there(monkeypatch):
    terminating = copy.deepcopy(LIVE)
    terminating["metadata"]["deletionTimestamp"] = "2026-11-22T12:01:00Z"
    client = FakeClient([LIVE], gets=[LIVE, terminating, terminating, None])
    clock = Clock()
    monkeypatch.setattr(statefulset.time, "monotonic", clock)
    monkeypatch.setattr(statefulset.time, "sleep", clock.sleep)
    result = statefulset.ensure(client, params(service_name="web2", on_immutable_change="recreate"))
    assert result["action"] == "recreate"
    assert clock.now == pytest.approx(0.3)  # two pauses (0.1, 0.2) while it was still there
    assert client.writes()[-1] == ("apply", "StatefulSet", "web", False)


def test_recreate_gives_up_when_the_old_object_stays(monkeypatch):
    terminating = copy.deepcopy(LIVE)
    terminating["metadata"].update(deletionTimestamp="2026-11-22T12:01:00Z", finalizers=["orphan"])
    client = FakeClient([LIVE], gets=[LIVE] + [terminating] * 100)
    clock = Clock()
    monkeypatch.setattr(statefulset.time, "monotonic", clock)
    monkeypatch.setattr(statefulset.time, "sleep", clock.sleep)
    with pytest.raises(statefulset.waiter.WaitTimeout) as caught:
        statefulset.ensure(client, params(service_name="web2", on_immutable_change="recreate", wait_timeout=5))
    assert "StatefulSet/demo/web still exists" in str(caught.value)
    assert "['orphan']" in str(caught.value)
    assert client.writes() == [("delete", "StatefulSet", "web", "Orphan", LIVE["metadata"]["uid"], False)]


def test_recreate_in_check_mode_reports_the_plan_and_touches_nothing():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(pod_management_policy="Parallel", on_immutable_change="recreate",
                                               wait=True), check_mode=True)
    assert result["changed"] is True and result["action"] == "recreate"
    assert client.writes() == [("delete", "StatefulSet", "web", "Orphan", LIVE["metadata"]["uid"], True)]
    assert client.objects[("StatefulSet", "web")] == LIVE
    assert result["statefulset"]["spec"]["podManagementPolicy"] == "Parallel"


def test_selector_change_on_recreate_warns_about_adoption():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(selector={"app": "web"}, on_immutable_change="recreate"))
    assert result["action"] == "recreate"
    assert "not adopted" in result["warnings"][0]


def test_absent_deletes_foreground_and_keeps_claims():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(state="absent"))
    assert result["changed"] is True and result["action"] == "delete"
    assert client.writes() == [("delete", "StatefulSet", "web", "Foreground", LIVE["metadata"]["uid"], False)]
    assert statefulset.ensure(client, params(state="absent"))["changed"] is False


def test_absent_in_check_mode_is_a_dry_run():
    client = FakeClient([LIVE])
    result = statefulset.ensure(client, params(state="absent", wait=True), check_mode=True)
    assert result["changed"] is True
    assert client.writes() == [("delete", "StatefulSet", "web", "Foreground", LIVE["metadata"]["uid"], True)]
    assert ("StatefulSet", "web") in client.objects


def deleting_claims(reclaim_policies):
    """A StatefulSet with whenDeleted=Delete, and per ordinal a claim bound to a PV of the given reclaim policy."""
    live = copy.deepcopy(LIVE)
    live["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] = "Delete"
    objects = [live, {"kind": "PersistentVolumeClaim", "metadata": {"name": "other-web-0"}, "spec": {"volumeName": "x"}},
               {"kind": "PersistentVolume", "metadata": {"name": "x"}, "spec": {"persistentVolumeReclaimPolicy": "Delete"}}]
    for ordinal, reclaim in enumerate(reclaim_policies):
        objects.append({"kind": "PersistentVolumeClaim", "metadata": {"name": "www-web-%d" % ordinal},
                        "spec": {"volumeName": "pv-%d" % ordinal}})
        objects.append({"kind": "PersistentVolume", "metadata": {"name": "pv-%d" % ordinal},
                        "spec": {"persistentVolumeReclaimPolicy": reclaim}})
    return FakeClient(objects)


def test_absent_with_when_deleted_delete_goes_ahead_when_every_claims_pv_keeps_the_data():
    client = deleting_claims(["Retain", "Retain"])
    result = statefulset.ensure(client, params(state="absent"))
    assert result["changed"] is True and result["action"] == "delete"
    assert result["claims_deleted_by_controller"] == ["www-web-0", "www-web-1"]
    assert [call[:3] for call in client.writes()] == [("delete", "StatefulSet", "web")]


def test_absent_refuses_when_the_controller_would_delete_data_with_the_claims():
    client = deleting_claims(["Retain", "Delete"])
    with pytest.raises(Failure) as caught:
        statefulset.ensure(client, params(state="absent"))
    message = str(caught.value)
    assert "whenDeleted=Delete" in message and "nothing was deleted" in message
    assert "claim www-web-1 (PV pv-1, persistentVolumeReclaimPolicy Delete)" in message
    assert "www-web-0" not in message and "other-web-0" not in message
    assert "persistent_volume_claim_retention_policy.when_deleted: Retain" in message
    assert client.writes() == []


def test_absent_with_when_deleted_delete_and_unbound_claims_loses_nothing():
    client = deleting_claims([])
    client.objects[("PersistentVolumeClaim", "www-web-0")] = {"kind": "PersistentVolumeClaim",
                                                              "metadata": {"name": "www-web-0"}, "spec": {}}
    result = statefulset.ensure(client, params(state="absent"), check_mode=True)
    assert result["changed"] is True and result["claims_deleted_by_controller"] == ["www-web-0"]


# ---------------------------------------------------------------- rollout wait


def rolling(ready):
    obj = copy.deepcopy(LIVE)
    obj["metadata"]["generation"] = 2
    obj["status"].update(observedGeneration=2, readyReplicas=ready)
    return obj


def test_wait_returns_the_final_object_once_rolled_out():
    client = FakeClient(gets=[rolling(0), rolling(1), rolling(2)])
    clock = Clock()
    final = statefulset.wait_for_rollout(client, "web", "demo", 60, interval=2, clock=clock, sleep=clock.sleep)
    assert final["status"]["readyReplicas"] == 2
    assert clock.now == pytest.approx(0.3)  # pauses 0.1 and 0.2 before the rollout was seen done


def test_wait_outlives_an_api_server_restart():
    class Restarting(FakeClient):
        def get(self, kind, name, namespace=None):
            answer = super(Restarting, self).get(kind, name, namespace)
            if isinstance(answer, Exception):
                raise answer
            return answer

    refused = K8sUnavailable("read StatefulSet/demo/web: cannot reach the Kubernetes API server "
                             "https://127.0.0.1:6443: Connection refused")
    client = Restarting(gets=[rolling(0)] + [refused] * 6 + [rolling(1), rolling(2)])
    clock = Clock()
    final = statefulset.wait_for_rollout(client, "web", "demo", 60, interval=2, clock=clock, sleep=clock.sleep)
    assert final["status"]["readyReplicas"] == 2
    assert len(client.calls) == 9


def test_wait_timeout_names_the_pods_and_their_last_events():
    stuck = rolling(1)
    client = FakeClient(
        gets=[stuck] * 100,
        pods=[pod("web-0"), pod("web-1", ready=False, waiting="ErrImageNeverPull"), pod("other-0", ready=False)],
        events={("Pod", "web-1"): [{"reason": "Failed", "message": "Error: ErrImageNeverPull"}],
                ("StatefulSet", "web"): [{"reason": "SuccessfulCreate", "message": "create Pod web-1 in StatefulSet web successful"}]})
    clock = Clock()
    with pytest.raises(Failure) as caught:
        statefulset.wait_for_rollout(client, "web", "demo", 10, interval=2, clock=clock, sleep=clock.sleep)
    message = str(caught.value)
    assert message == (
        "StatefulSet/demo/web rollout not finished after 10s: 1 of 2 replicas ready. Pods holding it up: "
        "web-1: container web waiting: ErrImageNeverPull details here; last event: Failed: Error: ErrImageNeverPull. "
        "Last StatefulSet event: SuccessfulCreate: create Pod web-1 in StatefulSet web successful")
    assert ("list", "Pod", "app.kubernetes.io/name=web") in client.calls
    assert caught.value.result["rollout"]["ready_replicas"] == 1
    assert caught.value.result["statefulset"]["status"]["readyReplicas"] == 1


def test_ensure_with_wait_failure_keeps_what_was_done(monkeypatch):
    client = FakeClient([LIVE], gets=[LIVE] + [rolling(1)] * 400)
    clock = Clock()
    monkeypatch.setattr(statefulset.time, "monotonic", clock)
    monkeypatch.setattr(statefulset.time, "sleep", clock.sleep)
    with pytest.raises(Failure) as caught:
        statefulset.ensure(client, params(replicas=3, wait=True, wait_timeout=20))
    assert caught.value.result["changed"] is True
    assert caught.value.result["action"] == "update"
    assert "rollout not finished after 20s" in str(caught.value)
    assert "web-1: not created yet" in str(caught.value)


def terminating_live():
    obj = copy.deepcopy(LIVE)
    obj["metadata"]["deletionTimestamp"] = "2026-11-22T12:01:00Z"
    return obj


def test_present_waits_out_a_deletion_in_progress_then_creates(monkeypatch):
    client = FakeClient(gets=[terminating_live(), terminating_live(), None])
    clock = Clock()
    monkeypatch.setattr(statefulset.time, "monotonic", clock)
    monkeypatch.setattr(statefulset.time, "sleep", clock.sleep)
    result = statefulset.ensure(client, params())
    assert result["action"] == "create"
    assert client.writes() == [("apply", "StatefulSet", "web", False)]
    assert clock.now == pytest.approx(0.1)  # one pause while the old one was still there


def test_present_in_check_mode_during_a_deletion_plans_a_create():
    client = FakeClient(gets=[terminating_live()])
    result = statefulset.ensure(client, params(), check_mode=True)
    assert result["action"] == "create" and result["changed"] is True
    assert "being deleted" in result["warnings"][0]
    assert client.writes() == []


def test_absent_during_a_deletion_changes_nothing():
    client = FakeClient(gets=[terminating_live()])
    result = statefulset.ensure(client, params(state="absent"))
    assert result["changed"] is False
    assert client.writes() == []
