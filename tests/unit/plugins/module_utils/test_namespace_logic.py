# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.namespace logic: validation, the manifest, reconcile over a fake client, a terminating namespace.

The fake client has K8sClient's method signatures and keeps server-side apply's ownership rules for
labels and annotations (what one manager applied and then leaves out is removed); there is no fake API server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import namespace
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import FIELD_MANAGER
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.namespace import build_namespace
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.waiter import WaitTimeout
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock, FakeK8sClient

MAPS = ("labels", "annotations")


class FakeClient(FakeK8sClient):
    """Namespaces in memory; apply keeps SSA ownership of labels/annotations; records every call."""

    def __init__(self, *namespaces):
        super(FakeClient, self).__init__()
        self.store = {}
        self.version = 100
        self.gone_after_gets = None  # a Terminating namespace disappears after this many GETs
        for obj in namespaces:
            self.store[obj["metadata"]["name"]] = copy.deepcopy(obj)

    def get(self, kind, name, namespace=None):
        assert kind == "Namespace" and namespace is None
        self.calls.append(("get", kind, name))
        if self.gone_after_gets is not None:
            self.gone_after_gets -= 1
            if self.gone_after_gets < 0:
                self.store.pop(name, None)
        return copy.deepcopy(self.store.get(name))

    def apply(self, body, dry_run=False, force=True):
        self.calls.append(("apply", body["kind"], body["metadata"]["name"], dry_run))
        name = body["metadata"]["name"]
        live = copy.deepcopy(self.store.get(name))
        if live is None:
            live = {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": name, "uid": "uid-%s" % name,
                                 "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        after = copy.deepcopy(live)
        owned = namespace_owned(live)
        for field in MAPS:
            values = after["metadata"].setdefault(field, {})
            for key in owned.get(field, ()):
                if key not in (body["metadata"].get(field) or {}):
                    values.pop(key, None)
            values.update(body["metadata"].get(field) or {})
            if not values:
                after["metadata"].pop(field)
        ours = {"manager": FIELD_MANAGER, "operation": "Apply", "fieldsV1": {"f:metadata": dict(
            ("f:%s" % field, dict(("f:%s" % key, {}) for key in body["metadata"][field]))
            for field in MAPS if body["metadata"].get(field))}}
        after["metadata"]["managedFields"] = [m for m in live["metadata"].get("managedFields", [])
                                              if m["manager"] != FIELD_MANAGER] + [ours]
        if after != live:
            self.version += 1
            after["metadata"]["resourceVersion"] = str(self.version)
        if not dry_run:
            self.store[name] = copy.deepcopy(after)
        return after


def namespace_owned(live):
    for entry in live["metadata"].get("managedFields", []):
        if entry["manager"] == FIELD_MANAGER:
            meta = entry["fieldsV1"].get("f:metadata", {})
            return dict((field, [key[2:] for key in meta.get("f:%s" % field, {})]) for field in MAPS)
    return {}


def params(**overrides):
    base = dict(name="demo", labels={}, annotations={}, wait=False, wait_timeout=120)
    base.update(overrides)
    return base


# ---------------------------------------------------------------- validation and manifest (pure)

def test_valid_input_has_no_problems():
    assert namespace.problems(params(labels={"app.kubernetes.io/managed-by": "stateful.nfs", "tier": ""},
                                     annotations={"example.com/note": "free text, with spaces"})) is None


@pytest.mark.parametrize("overrides, expected", [
    (dict(name="Demo"), "name='Demo': is not a valid namespace name (a DNS-1123 label"),
    (dict(name="a" * 64), "name='%s': is not a valid namespace name (a DNS-1123 label" % ("a" * 64)),
    (dict(labels={"tier": 1}), "labels.tier=1: label values must be strings. Fix: quote the value"),
    (dict(labels={"tier": "has space"}), "labels.tier='has space': is not a valid label value"),
    (dict(labels={"bad key": "x"}), "labels.bad key='bad key': is not a valid key"),
    (dict(labels={"/x": "y"}), "labels./x='/x': is not a valid key"),
    (dict(annotations={"Example.com/x": "y"}), "annotations.Example.com/x='Example.com/x': is not a valid key"),
    (dict(annotations={"note": True}), "annotations.note=True: values must be strings"),
    (dict(wait_timeout=0), "wait_timeout=0: must be larger than zero"),
])
def test_bad_input_names_field_value_and_fix(overrides, expected):
    message = namespace.problems(params(**overrides))
    assert message.startswith(expected)
    assert "Fix: " in message


def test_every_problem_is_reported_at_once():
    message = namespace.problems(params(name="Bad_Name", labels={"a": 1}, annotations={"b c": "x"}))
    assert message.count("Fix: ") == 3
    assert "name='Bad_Name'" in message and "labels.a=1" in message and "annotations.b c=" in message


def test_manifest_states_only_what_was_asked():
    assert build_namespace(params()) == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}
    assert build_namespace(params(labels={"a": "1"}, annotations={"n": "x"}))["metadata"] == {
        "name": "demo", "labels": {"a": "1"}, "annotations": {"n": "x"}}


# ---------------------------------------------------------------- ensure over the fake client

def test_create_then_second_run_changes_nothing():
    client = FakeClient()
    first = namespace.ensure(client, params(labels={"app.kubernetes.io/managed-by": "stateful.nfs"}), diff=True)
    assert first["changed"] is True and first["action"] == "create"
    assert first["namespace"]["phase"] == "Active"
    assert first["namespace"]["labels"] == {"kubernetes.io/metadata.name": "demo",
                                            "app.kubernetes.io/managed-by": "stateful.nfs"}
    assert first["diff"]["before"] == {}
    assert first["diff"]["after"]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "stateful.nfs"
    version = client.store["demo"]["metadata"]["resourceVersion"]
    client.calls = []
    second = namespace.ensure(client, params(labels={"app.kubernetes.io/managed-by": "stateful.nfs"}), diff=True)
    assert second["changed"] is False and second["action"] == "none"
    assert client.writes() == []
    assert second["namespace"]["resource_version"] == version
    assert second["diff"]["before"] == second["diff"]["after"]


def test_existing_namespace_keeps_labels_others_set():
    live = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "demo", "uid": "u1", "resourceVersion": "5",
                         "labels": {"team": "storage", "kubernetes.io/metadata.name": "demo"}},
            "status": {"phase": "Active"}}
    client = FakeClient(live)
    result = namespace.ensure(client, params(labels={"tier": "web"}))
    assert result["changed"] is True and result["action"] == "update"
    assert client.store["demo"]["metadata"]["labels"] == {"team": "storage", "tier": "web",
                                                          "kubernetes.io/metadata.name": "demo"}


def test_existing_namespace_without_options_is_left_alone():
    live = {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "default", "uid": "u1", "resourceVersion": "5"}, "status": {"phase": "Active"}}
    client = FakeClient(live)
    result = namespace.ensure(client, params(name="default"))
    assert result["changed"] is False and client.writes() == []
    assert result["namespace"] == {"name": "default", "uid": "u1", "resource_version": "5", "phase": "Active",
                                   "labels": {}, "annotations": {}}


def test_a_label_we_set_and_no_longer_give_is_removed():
    client = FakeClient()
    namespace.ensure(client, params(labels={"a": "1", "b": "2"}, annotations={"note": "x"}))
    result = namespace.ensure(client, params(labels={"a": "1"}), diff=True)
    assert result["changed"] is True and result["action"] == "update"
    assert "b" not in client.store["demo"]["metadata"]["labels"]
    assert "annotations" not in client.store["demo"]["metadata"]
    assert result["diff"]["before"]["metadata"]["labels"]["b"] == "2"
    assert "b" not in result["diff"]["after"]["metadata"]["labels"]


def test_check_mode_stores_nothing():
    client = FakeClient()
    result = namespace.ensure(client, params(labels={"a": "1"}), check_mode=True)
    assert result["changed"] is True and result["action"] == "create"
    assert client.writes() == [("apply", "Namespace", "demo", True)]
    assert client.store == {}


def terminating(name="demo"):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "uid": "old", "resourceVersion": "9",
                         "deletionTimestamp": "2025-01-01T00:00:00Z"},
            "status": {"phase": "Terminating"}}


def test_terminating_namespace_is_refused_without_wait():
    client = FakeClient(terminating())
    with pytest.raises(Failure) as caught:
        namespace.ensure(client, params())
    assert str(caught.value).startswith("Namespace/demo is being deleted (Terminating since 2025-01-01T00:00:00Z)")
    assert "Fix: set wait: true" in str(caught.value)
    assert caught.value.result["namespace"]["phase"] == "Terminating"
    assert client.writes() == []


def test_terminating_namespace_is_waited_out_then_created():
    client = FakeClient(terminating())
    client.gone_after_gets = 3
    clock = Clock()
    result = namespace.ensure(client, params(wait=True, wait_timeout=30), clock=clock, sleep=clock.sleep)
    assert result["changed"] is True and result["action"] == "create"
    assert client.store["demo"]["metadata"]["uid"] == "uid-demo"
    assert clock.now > 0


def test_terminating_namespace_that_stays_times_out():
    client = FakeClient(terminating())
    clock = Clock()
    with pytest.raises(WaitTimeout) as caught:
        namespace.ensure(client, params(wait=True, wait_timeout=5), clock=clock, sleep=clock.sleep)
    assert "Namespace/demo still exists" in str(caught.value)
    assert client.writes() == []


def test_terminating_namespace_in_check_mode_reports_the_create():
    client = FakeClient(terminating())
    result = namespace.ensure(client, params(), check_mode=True, diff=True)
    assert result["changed"] is True and result["action"] == "create"
    assert "is being deleted" in result["warnings"][0]
    assert client.writes() == []
