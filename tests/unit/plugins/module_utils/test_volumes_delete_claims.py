# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""state=absent with delete_claims: the StatefulSet's own claims go with their PVs, never while a pod mounts one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import volumes
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.waiter import WaitTimeout
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volumes_plan import (
    FakeClient, live_pv, make_spec)


def sts_claim(name, phase="Bound", namespace="demo"):
    """A claim as the StatefulSet controller creates it: the pod labels, none of stateful.nfs's."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                     "storageClassName": "", "volumeName": "demo-%s" % name},
            "status": {"phase": phase}}


def pod(name, *claims):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "demo"},
            "spec": {"volumes": [{"name": "v%d" % i, "persistentVolumeClaim": {"claimName": claim}}
                                 for i, claim in enumerate(claims)] + [{"name": "tmp", "emptyDir": {}}]}}


def absent_spec(**overrides):
    return make_spec(state="absent", delete_claims=True, **overrides)


def app(replicas=3):
    """PVs Bound to the StatefulSet's claims, as after a rollout."""
    spec = make_spec(replicas=replicas)
    return [live_pv(spec, n, phase="Bound") for n in range(replicas)] + [
        sts_claim("www-web-%d" % n) for n in range(replicas)]


# ---------------------------------------------------------------- pure pieces

def test_claims_of_statefulset_by_name_in_ordinal_order():
    spec = make_spec()
    pvcs = [sts_claim(name) for name in ("www-web-10", "www-web-2", "www-web-0", "www-web-x", "www-webx-0",
                                         "www-web-0-copy", "www-web-01", "data-web-0", "www-web-")]
    found = volumes.claims_of_statefulset(spec, pvcs)
    assert [pvc["metadata"]["name"] for pvc in found] == ["www-web-0", "www-web-2", "www-web-10"]


def test_claims_of_statefulset_escapes_names():
    spec = {"claim": "w.w", "statefulset": "web"}  # the pure function, without name validation
    found = volumes.claims_of_statefulset(spec, [sts_claim("wxw-web-0"), sts_claim("w.w-web-1")])
    assert [pvc["metadata"]["name"] for pvc in found] == ["w.w-web-1"]


def test_pods_by_claim_lists_each_pod_once():
    pods = [pod("web-0", "www-web-0", "www-web-0"), pod("debug", "www-web-0"), pod("web-1", "www-web-1"),
            pod("plain")]
    assert volumes.pods_by_claim(pods) == {"www-web-0": ["web-0", "debug"], "www-web-1": ["web-1"]}
    assert volumes.claims_in_use(pods) == {"www-web-0", "www-web-1"}


def test_delete_claims_is_refused_with_state_present():
    with pytest.raises(SpecError) as caught:
        make_spec(delete_claims=True)
    assert str(caught.value).startswith("delete_claims=True: only applies with state=absent")
    assert "Fix: set state: absent" in str(caught.value)


def test_delete_claims_defaults_to_false():
    assert make_spec(state="absent")["delete_claims"] is False
    assert absent_spec()["delete_claims"] is True


# ---------------------------------------------------------------- runs over the fake client

def test_deletes_claims_then_pvs_without_force():
    client = FakeClient(app(3) + [sts_claim("www-web-3", phase="Lost"), sts_claim("data-web-0"),
                                  sts_claim("www-web-0", namespace="other")])
    result = volumes.absent(client, absent_spec(), want_diff=True)
    deletes = client.writes()
    assert deletes[:4] == [("delete", "PersistentVolumeClaim", "www-web-%d" % n, False) for n in range(4)]
    assert sorted(deletes[4:]) == [("delete", "PersistentVolume", "demo-www-web-%d" % n, False) for n in range(3)]
    assert sorted(client.store) == [("PersistentVolumeClaim", "demo", "data-web-0"),
                                    ("PersistentVolumeClaim", "other", "www-web-0")]
    assert result["changed"] is True
    assert [(v["ordinal"], v["pv"], v["claim"], v["action"], v["claim_action"], v["claim_phase"])
            for v in result["volumes"]] == [
        (0, "demo-www-web-0", "www-web-0", "delete", "delete", "Bound"),
        (1, "demo-www-web-1", "www-web-1", "delete", "delete", "Bound"),
        (2, "demo-www-web-2", "www-web-2", "delete", "delete", "Bound"),
        (3, None, "www-web-3", "none", "delete", "Lost")]
    assert sorted(result["diff"]["before"]) == [
        "PersistentVolume/demo-www-web-0", "PersistentVolume/demo-www-web-1", "PersistentVolume/demo-www-web-2",
        "PersistentVolumeClaim/demo/www-web-0", "PersistentVolumeClaim/demo/www-web-1",
        "PersistentVolumeClaim/demo/www-web-2", "PersistentVolumeClaim/demo/www-web-3"]


def test_claim_deletes_carry_the_uid_precondition():
    client = FakeClient(app(1))
    seen = []
    real_delete = client.delete

    def delete(kind, name, namespace=None, **kwargs):
        seen.append((kind, name, kwargs.get("uid")))
        return real_delete(kind, name, namespace, **kwargs)
    client.delete = delete
    volumes.absent(client, absent_spec())
    assert seen == [("PersistentVolumeClaim", "www-web-0", "uid-www-web-0"),
                    ("PersistentVolume", "demo-www-web-0", "uid-demo-www-web-0")]


def test_mounted_claims_refuse_the_whole_run_naming_each_claim_and_pod():
    client = FakeClient(app(3) + [pod("web-0", "www-web-0"), pod("web-2", "www-web-2"), pod("debug", "www-web-2"),
                                  pod("other", "data-web-0")])
    with pytest.raises(SpecError) as caught:
        volumes.absent(client, absent_spec(force=True))
    message = str(caught.value)
    assert message.startswith("delete_claims=True: refusing to delete claims that pods still mount: ")
    assert "PersistentVolumeClaim/demo/www-web-0 (mounted by pod web-0)" in message
    assert "PersistentVolumeClaim/demo/www-web-2 (mounted by pod debug, pod web-2)" in message
    assert "www-web-1" not in message
    assert "nothing was deleted" in message
    assert "Fix: remove the StatefulSet demo/web first" in message
    assert client.writes() == []
    assert len(client.store) == 10


def test_check_mode_dry_runs_every_delete():
    client = FakeClient(app(2))
    result = volumes.absent(client, absent_spec(), check_mode=True)
    assert result["changed"] is True
    assert client.writes() == [("delete", "PersistentVolumeClaim", "www-web-0", True),
                               ("delete", "PersistentVolumeClaim", "www-web-1", True),
                               ("delete", "PersistentVolume", "demo-www-web-0", True),
                               ("delete", "PersistentVolume", "demo-www-web-1", True)]
    assert len(client.store) == 4


def test_second_run_changes_nothing():
    client = FakeClient(app(2))
    volumes.absent(client, absent_spec())
    client.calls = []
    again = volumes.absent(client, absent_spec())
    assert again == {"changed": False, "volumes": [], "extra": []}
    assert client.writes() == []


def test_a_claim_already_being_deleted_is_not_deleted_again():
    claim = sts_claim("www-web-0", phase="Bound")
    claim["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    client = FakeClient([claim])
    result = volumes.absent(client, absent_spec())
    assert client.writes() == []
    assert result["changed"] is False
    assert [(v["claim"], v["claim_action"], v["claim_phase"]) for v in result["volumes"]] == [
        ("www-web-0", "delete", "Terminating")]


def test_without_delete_claims_the_statefulsets_claims_stay():
    client = FakeClient(app(1))
    with pytest.raises(SpecError) as caught:
        volumes.absent(client, make_spec(state="absent"))
    assert str(caught.value).startswith("force=False")
    volumes.absent(client, make_spec(state="absent", force=True))
    assert list(client.store) == [("PersistentVolumeClaim", "demo", "www-web-0")]


def test_wait_looks_for_the_unlabelled_claims():
    client = FakeClient(app(1))
    real_delete = client.delete

    def stuck_claim(kind, name, namespace=None, **kwargs):
        if kind == "PersistentVolumeClaim":  # a finalizer holds it
            client.calls.append(("delete", kind, name, False))
            client.store[(kind, namespace, name)]["metadata"]["deletionTimestamp"] = "now"
            return None
        return real_delete(kind, name, namespace, **kwargs)
    client.delete = stuck_claim
    clock = Clock()
    with pytest.raises(WaitTimeout) as caught:
        volumes.absent(client, absent_spec(wait=True, wait_timeout=3), clock=clock, sleep=clock.sleep)
    assert "PersistentVolumeClaim/demo/www-web-0" in str(caught.value)
    assert "PersistentVolume/demo-www-web-0" not in str(caught.value)
    assert clock.now >= 3


def test_wait_returns_once_everything_is_gone():
    client = FakeClient(app(2))
    clock = Clock()
    result = volumes.absent(client, absent_spec(wait=True, wait_timeout=3), clock=clock, sleep=clock.sleep)
    assert result["changed"] is True and clock.now == 0
    assert ("list", "PersistentVolumeClaim", "demo", None) in client.calls
