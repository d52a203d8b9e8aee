# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.volume_info logic: validation, the label selector, matching, rows and order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import volume_info
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volumes_plan import (
    FakeClient, live_pv, make_spec)


def nfs_pv(name, server, path, phase="Available", claim=None, labels=None):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": name, "uid": "uid-%s" % name, "labels": dict(labels or {})},
          "spec": {"capacity": {"storage": "1Gi"}, "persistentVolumeReclaimPolicy": "Retain",
                   "nfs": {"server": server, "path": path}},
          "status": {"phase": phase}}
    if claim:
        pv["spec"]["claimRef"] = {"namespace": claim[0], "name": claim[1], "uid": "c"}
    return pv


def hostpath_pv(name):
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"hostPath": {"path": "/srv/nfs/www-web-0"}}, "status": {"phase": "Available"}}


def params(**overrides):
    base = dict(nfs_server=None, paths=[], namespace=None, statefulset=None, claim=None)
    base.update(overrides)
    return base


# ---------------------------------------------------------------- validation

def test_no_filters_is_valid():
    assert volume_info.problems(params()) is None


@pytest.mark.parametrize("overrides, expected", [
    (dict(paths=["srv/nfs"]), "paths[0]='srv/nfs': is not an absolute path"),
    (dict(paths=["/ok", ""]), "paths[1]='': is not an absolute path"),
    (dict(nfs_server=""), "nfs_server='': is required"),
    (dict(nfs_server="nfs://10.0.0.1"), "nfs_server='nfs://10.0.0.1': is neither an IP address nor a host name"),
    (dict(statefulset="web"), "namespace=None: is required with statefulset"),
    (dict(namespace="demo", claim="www"), "statefulset=None: is required with claim"),
    (dict(namespace="Demo"), "namespace='Demo': is not a valid namespace name (a DNS-1123 label"),
    (dict(overlapping=True), "overlapping=True: needs paths"),
])
def test_bad_input_names_field_value_and_fix(overrides, expected):
    message = volume_info.problems(params(**overrides))
    assert message.startswith(expected)
    assert "Fix: " in message


# ---------------------------------------------------------------- selector and matching (pure)

def test_label_selector_only_for_label_filters():
    assert volume_info.label_selector(params(nfs_server="10.0.0.1", paths=["/x"])) is None
    assert volume_info.label_selector(params(namespace="demo")) == (
        "app.kubernetes.io/managed-by=stateful.nfs,stateful.nfs/namespace=demo")
    assert volume_info.label_selector(params(namespace="demo", statefulset="web", claim="www")) == (
        "app.kubernetes.io/managed-by=stateful.nfs,stateful.nfs/claim=www,stateful.nfs/namespace=demo,"
        "stateful.nfs/statefulset=web")


def test_the_selector_is_the_one_volumes_labels_with():
    spec = make_spec()
    pv = live_pv(spec, 0)
    client = FakeClient([pv, live_pv(make_spec(statefulset="db"), 0)])
    result = volume_info.info(client, params(namespace="demo", statefulset="web", claim="www"))
    assert [row["name"] for row in result["volumes"]] == ["demo-www-web-0"]


@pytest.mark.parametrize("server, paths, expected", [
    ("10.0.0.1", [], True),
    ("10.0.0.2", [], False),
    (None, ["/srv/nfs/www-web-0"], True),
    (None, ["/srv/nfs/www-web-0/"], True),
    (None, ["/srv/nfs/www-web-1", "/srv/nfs/www-web-0"], True),
    (None, ["/srv/nfs"], False),
    (None, ["/srv/nfs/www-web-01"], False),
    ("10.0.0.1", ["/srv/nfs/www-web-1"], False),
    ("10.0.0.2", ["/srv/nfs/www-web-0"], False),
    (None, [], True),
])
def test_matches_server_and_paths(server, paths, expected):
    pv = nfs_pv("a", "10.0.0.1", "/srv/nfs/www-web-0")
    assert volume_info.matches(pv, server, paths) is expected


@pytest.mark.parametrize("path, other, expected", [
    ("/srv/nfs/www-web-0", "/srv/nfs/www-web-0", "same"),
    ("/srv/nfs/www-web-0/", "/srv/nfs/www-web-0", "same"),
    ("/srv//nfs/www-web-0", "/srv/nfs/www-web-0/", "same"),
    ("/srv/nfs/www-web-0/sub", "/srv/nfs/www-web-0", "below"),
    ("/srv/nfs/www-web-0/a/b/", "/srv/nfs/www-web-0/", "below"),
    ("/srv/nfs", "/srv/nfs/www-web-0", "above"),
    ("/", "/srv/nfs/www-web-0", "above"),
    ("/srv/nfs/www-web-1", "/srv/nfs/www-web-10", None),
    ("/srv/nfs/www-web-10", "/srv/nfs/www-web-1", None),
    ("/srv/nfs/www-web-1/x", "/srv/nfs/www-web-10", None),
    ("/srv/nfs/www-web-0", "/srv/nfs/www-web-1", None),
])
def test_relation_compares_whole_components(path, other, expected):
    assert volume_info.relation(path, other) == expected


def test_normalized_path():
    assert [volume_info.normalized_path(p) for p in ("/srv/nfs/", "/srv//nfs", "/srv/nfs/.", "/", "//", "", None)] == [
        "/srv/nfs", "/srv/nfs", "/srv/nfs", "/", "/", "", ""]


@pytest.mark.parametrize("pv_path, expected", [
    ("/srv/nfs/www-web-0", ["/srv/nfs/www-web-0"]),
    ("/srv/nfs/www-web-0/sub", ["/srv/nfs/www-web-0"]),
    ("/srv/nfs/www-web-0/sub/deeper/", ["/srv/nfs/www-web-0"]),
    ("/srv/nfs", ["/srv/nfs/www-web-0", "/srv/nfs/www-web-1"]),
    ("/srv/nfs/", ["/srv/nfs/www-web-0", "/srv/nfs/www-web-1"]),
    ("/", ["/srv/nfs/www-web-0", "/srv/nfs/www-web-1"]),
    ("/srv/nfs/www-web-10", []),
    ("/srv/nfs/www-web-1x/sub", []),
    ("/srv/other", []),
])
def test_overlapping_finds_paths_at_under_and_above(pv_path, expected):
    pv = nfs_pv("a", "10.0.0.1", pv_path)
    paths = ["/srv/nfs/www-web-0/", "/srv/nfs/www-web-1"]
    assert volume_info.matched_paths(pv, paths, overlapping=True) == expected
    assert volume_info.matches(pv, None, paths, overlapping=True) is bool(expected)


def test_without_overlapping_only_the_same_path_matches():
    paths = ["/srv/nfs/www-web-0"]
    assert volume_info.matches(nfs_pv("a", "10.0.0.1", "/srv/nfs/www-web-0/"), None, paths)
    assert not volume_info.matches(nfs_pv("a", "10.0.0.1", "/srv/nfs/www-web-0/sub"), None, paths)
    assert not volume_info.matches(nfs_pv("a", "10.0.0.1", "/srv/nfs"), None, paths)


def test_overlapping_still_needs_the_server_when_given():
    pv = nfs_pv("a", "10.0.0.2", "/srv/nfs/www-web-0/sub")
    assert not volume_info.matches(pv, "10.0.0.1", ["/srv/nfs/www-web-0"], overlapping=True)
    assert volume_info.matches(pv, None, ["/srv/nfs/www-web-0"], overlapping=True)
    assert not volume_info.matches(hostpath_pv("h"), None, ["/srv/nfs"], overlapping=True)


def test_servers_compare_by_value_and_case():
    assert volume_info.matches(nfs_pv("a", "NFS1.Example.com", "/x"), "nfs1.example.com.", [])
    assert volume_info.matches(nfs_pv("a", "fd00:0:0::1", "/x"), "fd00::1", [])
    assert not volume_info.matches(nfs_pv("a", "fd00::2", "/x"), "fd00::1", [])


def test_pv_without_nfs_never_matches_an_nfs_filter():
    assert not volume_info.matches(hostpath_pv("h"), None, ["/srv/nfs/www-web-0"])
    assert volume_info.matches(hostpath_pv("h"), None, [])


def test_describe_gives_every_key():
    pv = nfs_pv("demo-www-web-0", "10.0.0.1", "/srv/nfs/www-web-0", phase="Bound", claim=("demo", "www-web-0"),
                labels={"stateful.nfs/ordinal": "0"})
    assert volume_info.describe(pv) == {
        "name": "demo-www-web-0", "uid": "uid-demo-www-web-0", "phase": "Bound", "claim_namespace": "demo",
        "claim_name": "www-web-0", "server": "10.0.0.1", "path": "/srv/nfs/www-web-0",
        "export": "10.0.0.1:/srv/nfs/www-web-0", "reclaim_policy": "Retain", "capacity": "1Gi",
        "labels": {"stateful.nfs/ordinal": "0"}}


def test_describe_a_pv_without_claim_or_nfs():
    row = volume_info.describe(hostpath_pv("h"))
    assert (row["claim_namespace"], row["claim_name"], row["server"], row["path"], row["export"]) == (
        None, None, None, None, None)
    deleting = nfs_pv("d", "10.0.0.1", "/x", phase="Bound")
    deleting["metadata"]["deletionTimestamp"] = "now"
    assert volume_info.describe(deleting)["phase"] == "Terminating"


def test_select_filters_and_orders_naturally():
    pvs = [nfs_pv("demo-www-web-%d" % n, "10.0.0.1", "/srv/nfs/www-web-%d" % n) for n in (10, 2, 0, 1)]
    pvs.append(nfs_pv("other", "10.0.0.9", "/srv/nfs/www-web-0"))
    pvs.append(hostpath_pv("h"))
    rows = volume_info.select(pvs, "10.0.0.1", [])
    assert [row["name"] for row in rows] == ["demo-www-web-0", "demo-www-web-1", "demo-www-web-2", "demo-www-web-10"]
    rows = volume_info.select(pvs, None, ["/srv/nfs/www-web-0"])
    assert [row["name"] for row in rows] == ["demo-www-web-0", "other"]
    assert [row["matched_paths"] for row in rows] == [["/srv/nfs/www-web-0"], ["/srv/nfs/www-web-0"]]
    rows = volume_info.select(pvs + [nfs_pv("root", "10.0.0.9", "/srv/nfs/")], None, ["/srv/nfs/www-web-1/"], True)
    assert [(row["name"], row["matched_paths"]) for row in rows] == [
        ("demo-www-web-1", ["/srv/nfs/www-web-1"]), ("root", ["/srv/nfs/www-web-1"])]


# ---------------------------------------------------------------- info over the fake client

def test_info_makes_one_list_and_no_write():
    client = FakeClient([nfs_pv("a", "10.0.0.1", "/srv/a"), nfs_pv("b", "10.0.0.1", "/srv/b")])
    result = volume_info.info(client, params(nfs_server="10.0.0.1", paths=["/srv/b"]))
    assert result == {"changed": False, "volumes": [dict(volume_info.describe(client.store[
        ("PersistentVolume", None, "b")]), matched_paths=["/srv/b"])]}
    assert client.calls == [("list", "PersistentVolume", None, None)]
