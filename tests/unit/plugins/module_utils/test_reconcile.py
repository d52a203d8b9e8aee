# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
from decimal import Decimal

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import reconcile
from ansible_collections.stateful.nfs.plugins.module_utils.quantity import is_quantity, parse_quantity


def applied_by_us(obj, fields_v1):
    live = copy.deepcopy(obj)
    live["metadata"]["managedFields"] = [
        {"manager": "kubectl", "operation": "Update", "fieldsV1": {"f:metadata": {"f:labels": {"f:other": {}}}}},
        {"manager": "stateful.nfs", "operation": "Apply", "fieldsV1": fields_v1},
    ]
    return live


DESIRED = {
    "apiVersion": "v1",
    "kind": "PersistentVolume",
    "metadata": {"name": "pv-0", "labels": {"app": "web"}},
    "spec": {
        "capacity": {"storage": "1Gi"},
        "accessModes": ["ReadWriteOnce"],
        "mountOptions": [],
        "containers": [{"name": "web", "image": "img:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
    },
}

LIVE = applied_by_us(
    dict(DESIRED, metadata={"name": "pv-0", "labels": {"app": "web", "other": "x"}, "resourceVersion": "7",
                            "uid": "u-1"},
         spec={"capacity": {"storage": "1024Mi"}, "accessModes": ["ReadWriteOnce"],
               "persistentVolumeReclaimPolicy": "Retain",
               "containers": [{"name": "web", "image": "img:1", "imagePullPolicy": "IfNotPresent",
                               "ports": [{"containerPort": 80, "protocol": "TCP"}]}]},
         status={"phase": "Available"}),
    {"f:metadata": {"f:labels": {"f:app": {}}},
     "f:spec": {"f:capacity": {"f:storage": {}}, "f:accessModes": {},
                "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {},
                                                      "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {}}}}}},
)


class TestIsSubset:
    def test_server_defaults_and_equal_quantities_are_a_match(self):
        assert reconcile.is_subset(DESIRED, LIVE)

    def test_changed_scalar_is_not_a_match(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["containers"][0]["image"] = "img:2"
        assert not reconcile.is_subset(desired, LIVE)

    def test_different_quantity_is_not_a_match(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["capacity"]["storage"] = "2Gi"
        assert not reconcile.is_subset(desired, LIVE)

    def test_list_length_matters(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["accessModes"] = ["ReadWriteOnce", "ReadOnlyMany"]
        assert not reconcile.is_subset(desired, LIVE)

    def test_empty_desired_matches_missing_but_not_present_values(self):
        assert reconcile.is_subset({"mountOptions": []}, {})
        assert not reconcile.is_subset({"mountOptions": []}, {"mountOptions": ["hard"]})

    def test_booleans_never_equal_numbers(self):
        assert not reconcile.is_subset({"a": True}, {"a": 1})

    def test_names_that_look_like_numbers_compare_as_quantities_only_when_both_parse(self):
        assert reconcile.is_subset({"port": 80}, {"port": "80"})
        assert not reconcile.is_subset({"name": "web"}, {"name": "Web"})


class TestDroppedFields:
    def test_nothing_dropped_when_desired_states_every_owned_field(self):
        assert reconcile.dropped_fields(reconcile.owned_fields(LIVE), DESIRED) == []

    def test_removed_label_is_reported(self):
        desired = copy.deepcopy(DESIRED)
        del desired["metadata"]["labels"]["app"]
        assert reconcile.dropped_fields(reconcile.owned_fields(LIVE), desired) == ["metadata.labels.app"]

    def test_removed_keyed_list_item_is_reported(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["containers"][0]["ports"] = []
        assert reconcile.dropped_fields(reconcile.owned_fields(LIVE), desired) == [
            "spec.containers[name=web].ports[containerPort=80,protocol=TCP]"]

    def test_other_managers_fields_are_not_ours(self):
        # "other" is owned by kubectl; not stating it is not a drop.
        assert "metadata.labels.other" not in reconcile.dropped_fields(reconcile.owned_fields(LIVE), DESIRED)

    def test_set_and_index_entries(self):
        fields = {"f:finalizers": {'v:"a"': {}}, "f:args": {"i:1": {}}}
        assert reconcile.dropped_fields(fields, {"finalizers": ["a"], "args": ["x", "y"]}) == []
        assert sorted(reconcile.dropped_fields(fields, {"finalizers": [], "args": ["x"]})) == [
            'args[1]', 'finalizers["a"]']


class TestNeedsApply:
    def test_absent_object_needs_apply(self):
        assert reconcile.needs_apply(DESIRED, None)

    def test_matching_object_needs_no_apply(self):
        assert not reconcile.needs_apply(DESIRED, LIVE)

    def test_object_we_never_applied_needs_apply_only_when_it_differs(self):
        live = copy.deepcopy(LIVE)
        live["metadata"]["managedFields"] = []
        assert not reconcile.needs_apply(DESIRED, live)

    def test_dropped_owned_field_needs_apply(self):
        desired = copy.deepcopy(DESIRED)
        desired["metadata"]["labels"] = {}
        assert reconcile.needs_apply(desired, LIVE)


class FakeApplyClient:
    """Records applies; answers like the API server (resourceVersion moves only on a real change)."""

    field_manager = "stateful.nfs"

    def __init__(self, answer):
        self.answer = answer
        self.applied = []

    def apply(self, body, dry_run=False, force=True):
        self.applied.append((json.dumps(body, sort_keys=True), dry_run))
        return self.answer


class TestReconcile:
    def test_no_call_when_nothing_differs(self):
        client = FakeApplyClient(answer=None)
        outcome = reconcile.reconcile(client, DESIRED, LIVE)
        assert (outcome.changed, outcome.action, client.applied) == (False, "none", [])

    def test_create_applies_and_reports_change(self):
        created = dict(DESIRED, metadata=dict(DESIRED["metadata"], resourceVersion="1"))
        client = FakeApplyClient(answer=created)
        outcome = reconcile.reconcile(client, DESIRED, None)
        assert (outcome.changed, outcome.action) == (True, "create")
        assert outcome.diff == {"before": {}, "after": reconcile.comparable(created)}

    def test_update_changed_comes_from_the_resource_version(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["containers"][0]["image"] = "img:2"
        stored = copy.deepcopy(LIVE)
        stored["spec"]["containers"][0]["image"] = "img:2"
        stored["metadata"]["resourceVersion"] = "8"
        outcome = reconcile.reconcile(FakeApplyClient(stored), desired, LIVE)
        assert (outcome.changed, outcome.action) == (True, "update")
        assert outcome.diff["before"]["spec"]["containers"][0]["image"] == "img:1"
        assert outcome.diff["after"]["spec"]["containers"][0]["image"] == "img:2"

    def test_needless_apply_that_the_server_ignores_is_not_a_change(self):
        desired = copy.deepcopy(DESIRED)
        desired["metadata"]["labels"] = {}  # looks dropped, but the server keeps the same object
        outcome = reconcile.reconcile(FakeApplyClient(copy.deepcopy(LIVE)), desired, LIVE)
        assert (outcome.changed, outcome.action) == (False, "none")

    def test_check_mode_sends_a_dry_run_and_compares_content(self):
        desired = copy.deepcopy(DESIRED)
        desired["spec"]["containers"][0]["image"] = "img:2"
        would_be = copy.deepcopy(LIVE)
        would_be["spec"]["containers"][0]["image"] = "img:2"
        client = FakeApplyClient(would_be)
        outcome = reconcile.reconcile(client, desired, LIVE, check_mode=True)
        assert outcome.changed is True
        assert client.applied[0][1] is True


def test_comparable_drops_server_bookkeeping_and_status():
    clean = reconcile.comparable(LIVE)
    assert "status" not in clean
    assert set(clean["metadata"]) == {"name", "labels"}
    assert "managedFields" in LIVE["metadata"]  # the input is not modified


def test_merge_diffs_keeps_only_changed_objects():
    changed = reconcile.Outcome(True, None, DESIRED, "create")
    unchanged = reconcile.Outcome(False, LIVE, LIVE, "none")
    merged = reconcile.merge_diffs([changed, unchanged], key=lambda obj: obj["metadata"]["name"] + "-x")
    assert list(merged["after"]) == ["pv-0-x"]
    assert merged["before"] == {"pv-0-x": {}}


@pytest.mark.parametrize("text, value", [
    ("1Gi", 2 ** 30), ("1024Mi", 2 ** 30), ("1G", 10 ** 9), ("500m", Decimal("0.5")), ("1e3", 1000), ("2", 2), (3, 3),
])
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1GB", "Gi", "1.2.3", "ten"])
def test_parse_quantity_rejects_garbage_naming_it(text):
    with pytest.raises(ValueError, match="is not a Kubernetes quantity"):
        parse_quantity(text)
    assert not is_quantity(text)
