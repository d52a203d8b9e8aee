# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volume_info module end to end over a fake client: filters, check mode, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.modules import volume_info as module
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volume_info_filters import nfs_pv
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volumes_plan import FakeClient


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, module.main)


def cluster():
    return FakeClient([
        nfs_pv("demo-www-web-0", "10.0.1.201", "/srv/nfs/www-web-0", phase="Bound", claim=("demo", "www-web-0")),
        nfs_pv("demo-www-web-1", "10.0.1.201", "/srv/nfs/www-web-1", phase="Bound", claim=("demo", "www-web-1")),
        nfs_pv("handmade", "10.0.1.201", "/srv/nfs/www-web-1/", phase="Released", claim=("old", "data")),
        nfs_pv("elsewhere", "10.0.1.9", "/srv/nfs/www-web-0"),
    ])


def test_by_server_and_paths_finds_every_user_of_an_export(run):
    client = cluster()
    failed, result = run(dict(nfs_server="10.0.1.201", paths=["/srv/nfs/www-web-1"]), client)
    assert not failed and result["changed"] is False
    assert [(v["name"], v["phase"], v["claim_namespace"], v["claim_name"]) for v in result["volumes"]] == [
        ("demo-www-web-1", "Bound", "demo", "www-web-1"), ("handmade", "Released", "old", "data")]
    assert client.writes() == []


def test_overlapping_finds_the_users_of_subdirectories_and_parents_on_any_server(run):
    client = cluster()
    client.put(nfs_pv("below", "nfs1.example.com", "/srv/nfs/www-web-0/sub"))
    client.put(nfs_pv("above", "10.0.1.201", "/srv/nfs/"))
    client.put(nfs_pv("neighbour", "10.0.1.201", "/srv/nfs/www-web-01"))
    failed, result = run(dict(paths=["/srv/nfs/www-web-0"], overlapping=True), client, check_mode=True)
    assert not failed and result["changed"] is False
    assert [(v["name"], v["export"], v["matched_paths"]) for v in result["volumes"]] == [
        ("above", "10.0.1.201:/srv/nfs/", ["/srv/nfs/www-web-0"]),
        ("below", "nfs1.example.com:/srv/nfs/www-web-0/sub", ["/srv/nfs/www-web-0"]),
        ("demo-www-web-0", "10.0.1.201:/srv/nfs/www-web-0", ["/srv/nfs/www-web-0"]),
        ("elsewhere", "10.0.1.9:/srv/nfs/www-web-0", ["/srv/nfs/www-web-0"])]
    assert client.writes() == []


def test_overlapping_without_paths_fails_before_connecting(run):
    failed, result = run(dict(overlapping=True), None)
    assert failed and result["msg"].startswith("overlapping=True: needs paths") and "Fix: " in result["msg"]


def test_check_mode_reads_the_same(run):
    failed, result = run(dict(nfs_server="10.0.1.201"), cluster(), check_mode=True)
    assert not failed and result["changed"] is False
    assert [v["name"] for v in result["volumes"]] == ["demo-www-web-0", "demo-www-web-1", "handmade"]


def test_no_match_is_an_empty_list(run):
    failed, result = run(dict(nfs_server="10.0.1.201", paths=["/srv/nfs/gone"]), cluster())
    assert not failed and result == dict(result, changed=False, volumes=[])


def test_label_filter_is_sent_to_the_server(run):
    client = cluster()
    failed, result = run(dict(namespace="demo", statefulset="web"), client)
    assert not failed and result["volumes"] == []  # the hand-made fixtures carry no stateful.nfs labels
    assert client.calls == [("list", "PersistentVolume", None, "app.kubernetes.io/managed-by=stateful.nfs,"
                             "stateful.nfs/namespace=demo,stateful.nfs/statefulset=web")]


def test_bad_input_fails_before_connecting(run):
    failed, result = run(dict(paths=["relative"], claim="www"), None)
    assert failed
    assert "paths[0]='relative'" in result["msg"] and "statefulset=None" in result["msg"]
    assert result["msg"].count("Fix: ") == 2


def test_api_error_is_one_line(run):
    client = cluster()

    def refuse(kind, namespace=None, label_selector=None, field_selector=None):
        raise k8s_client.K8sError("list PersistentVolume: forbidden (HTTP 403 Forbidden)")
    client.list = refuse
    failed, result = run(dict(), client)
    assert failed and result["msg"] == "list PersistentVolume: forbidden (HTTP 403 Forbidden)"
