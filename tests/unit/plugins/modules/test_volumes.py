# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volumes module end to end over a fake client: arguments, check mode, diff, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.modules import volumes as module
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volumes_plan import FakeClient


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, module.main)


ARGS = dict(statefulset="web", namespace="demo", claim="www", replicas=2, nfs_server="10.0.1.201",
            nfs_root="/srv/nfs", size="1Gi")


def test_present_creates_and_returns_the_table(run):
    client = FakeClient()
    failed, result = run(ARGS, client)
    assert not failed
    assert result["changed"] is True
    assert result["volumes"][1] == {
        "ordinal": 1, "pv": "demo-www-web-1", "claim": "www-web-1", "server": "10.0.1.201",
        "path": "/srv/nfs/www-web-1", "export": "10.0.1.201:/srv/nfs/www-web-1", "phase": "Pending",
        "changed": True, "action": "create", "claim_action": None, "claim_phase": None, "released": None}
    assert result["extra"] == []
    assert "diff" not in result
    failed, again = run(ARGS, client)
    assert not failed and again["changed"] is False


def test_check_mode_and_diff(run):
    client = FakeClient()
    failed, result = run(ARGS, client, check_mode=True, diff=True)
    assert not failed and result["changed"] is True
    assert client.store == {}
    assert sorted(result["diff"]["after"]) == ["PersistentVolume/demo-www-web-0", "PersistentVolume/demo-www-web-1"]


def test_bad_input_fails_before_connecting(run):
    failed, result = run(dict(ARGS, replicas=0, path_pattern="/srv/{claim}"), None)
    assert failed
    assert "replicas=0" in result["msg"] and "path_pattern='/srv/{claim}'" in result["msg"]
    assert "Fix: " in result["msg"]


def test_present_requires_server_size_and_replicas(run):
    failed, result = run(dict(statefulset="web", namespace="demo", claim="www"), None)
    assert failed
    assert "replicas" in result["msg"] and "nfs_server" in result["msg"] and "size" in result["msg"]


def test_conflict_fails_with_the_pv_and_nothing_written(run):
    client = FakeClient()
    run(ARGS, client)
    client.calls = []
    failed, result = run(dict(ARGS, nfs_root="/export"), client)
    assert failed
    assert "PersistentVolume/demo-www-web-0 has spec.nfs.path '/srv/nfs/www-web-0' -> '/export/www-web-0'" \
        in result["msg"]
    assert client.writes() == []


def test_api_error_is_one_line(run):
    client = FakeClient()

    def refuse(body, dry_run=False, force=True):
        raise k8s_client.K8sError("apply PersistentVolume/%s: forbidden (HTTP 403 Forbidden)" % body["metadata"]["name"],
                                  403)
    client.apply = refuse
    failed, result = run(ARGS, client)
    # every PV was tried (concurrently), and each refusal is named, in ordinal order, on one line
    assert failed and result["msg"] == (
        "2 calls failed: apply PersistentVolume/demo-www-web-0: forbidden (HTTP 403 Forbidden); "
        "apply PersistentVolume/demo-www-web-1: forbidden (HTTP 403 Forbidden)")
    assert "\n" not in result["msg"]


def test_one_refused_object_among_many_is_the_only_error_named(run):
    client = FakeClient()
    applied = []
    real_apply = client.apply

    def refuse_one(body, dry_run=False, force=True):
        if body["metadata"]["name"] == "demo-www-web-1":
            raise k8s_client.K8sError("apply PersistentVolume/demo-www-web-1: invalid (HTTP 422)", 422)
        applied.append(body["metadata"]["name"])
        return real_apply(body, dry_run=dry_run, force=force)
    client.apply = refuse_one
    failed, result = run(ARGS, client)
    assert failed and result["msg"] == "apply PersistentVolume/demo-www-web-1: invalid (HTTP 422)"
    assert applied == ["demo-www-web-0"]


def test_absent_refuses_bound_without_force(run):
    client = FakeClient()
    run(ARGS, client)
    for obj in client.store.values():
        obj["status"]["phase"] = "Bound"
    failed, result = run(dict(statefulset="web", namespace="demo", claim="www", state="absent"), client)
    assert failed and "force: true" in result["msg"] and "PersistentVolume/demo-www-web-1" in result["msg"]
    failed, result = run(dict(statefulset="web", namespace="demo", claim="www", state="absent", force=True), client)
    assert not failed and result["changed"] is True
    assert client.store == {}


def test_delete_claims_needs_state_absent(run):
    failed, result = run(dict(ARGS, delete_claims=True), None)
    assert failed and "delete_claims=True: only applies with state=absent" in result["msg"]


def test_absent_with_delete_claims_deletes_the_statefulsets_claims_then_the_pvs(run):
    client = FakeClient()
    run(ARGS, client)
    for obj in client.store.values():
        obj["status"]["phase"] = "Bound"
    for n in range(2):
        client.put({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "www-web-%d" % n, "namespace": "demo"}, "status": {"phase": "Bound"}})
    client.put({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "demo"},
                "spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}}]}})
    absent = dict(statefulset="web", namespace="demo", claim="www", state="absent", delete_claims=True)
    failed, result = run(absent, client)
    assert failed and "PersistentVolumeClaim/demo/www-web-1 (mounted by pod web-1)" in result["msg"]
    assert len(client.store) == 5

    del client.store[("Pod", "demo", "web-1")]
    failed, result = run(absent, client, diff=True)
    assert not failed and result["changed"] is True
    assert [(v["pv"], v["claim_action"]) for v in result["volumes"]] == [
        ("demo-www-web-0", "delete"), ("demo-www-web-1", "delete")]
    assert "PersistentVolumeClaim/demo/www-web-0" in result["diff"]["before"]
    assert client.store == {}
