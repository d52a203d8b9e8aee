# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import threading
from decimal import Decimal

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, K8sUnavailable
from ansible_collections.stateful.nfs.plugins.module_utils.quantity import is_quantity, parse_quantity
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import (
    FakeK8sClient, api_error, namespace_not_found)


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

    def test_names_compare_exactly(self):
        assert not reconcile.is_subset({"name": "web"}, {"name": "Web"})


def statefulset(labels=None, env=None, resources=None, claim_request="1Gi", target_port=None):
    container = {"name": "web", "image": "img:1", "env": env or [], "resources": resources or {}}
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "labels": labels or {}},
        "spec": {
            "template": {"spec": {"containers": [container]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"},
                                      "spec": {"resources": {"requests": {"storage": claim_request}}}}],
            "ports": [{"port": 80, "targetPort": 80 if target_port is None else target_port}],
        },
    }


class TestWhichFieldsAreQuantities:
    """A changed value outside a quantity field is a change, even when both read as the same quantity."""

    @pytest.mark.parametrize("path", [
        ("spec", "capacity", "storage"),
        ("spec", "template", "spec", "containers", "resources", "limits", "memory"),
        ("spec", "template", "spec", "containers", "resources", "requests", "cpu"),
        ("spec", "volumeClaimTemplates", "spec", "resources", "requests", "storage"),
        ("requests", "storage"),  # a claim's spec.resources compared on its own
        ("status", "capacity", "storage"),
        ("spec", "template", "spec", "volumes", "emptyDir", "sizeLimit"),
    ])
    def test_quantity_fields(self, path):
        assert reconcile.holds_quantity(path)

    @pytest.mark.parametrize("path", [
        (), ("metadata", "labels", "version"), ("metadata", "labels", "limits"),
        ("metadata", "annotations", "capacity"), ("spec", "selector", "requests"),
        ("spec", "template", "spec", "containers", "env", "value"),
        ("spec", "template", "spec", "containers", "resources", "claims", "name"),
        ("spec", "ports", "port"), ("spec", "replicas"),
    ])
    def test_other_fields(self, path):
        assert not reconcile.holds_quantity(path)

    def test_a_label_that_reads_as_the_same_number_is_a_change(self):
        live = statefulset(labels={"version": "1.1"})
        assert not reconcile.is_subset(statefulset(labels={"version": "1.10"}), live)
        assert reconcile.needs_apply(statefulset(labels={"version": "1.10"}), live)

    def test_an_env_value_that_reads_as_the_same_quantity_is_a_change(self):
        live = statefulset(env=[{"name": "SIZE", "value": "1k"}])
        assert not reconcile.is_subset(statefulset(env=[{"name": "SIZE", "value": "1000"}]), live)

    def test_resources_compare_by_amount_as_the_server_normalizes_them(self):
        desired = statefulset(resources={"limits": {"memory": "1024Mi", "cpu": 1},
                                         "requests": {"cpu": "0.5"}}, claim_request="1024Mi")
        live = statefulset(resources={"limits": {"memory": "1Gi", "cpu": "1"}, "requests": {"cpu": "500m"}})
        assert reconcile.is_subset(desired, live)
        assert not reconcile.is_subset(statefulset(claim_request="2Gi"), live)

    def test_a_claims_resources_on_their_own_compare_by_amount(self):
        assert reconcile.is_subset({"requests": {"storage": "1024Mi"}}, {"requests": {"storage": "1Gi"}})

    def test_numbers_compare_by_value_but_never_equal_strings(self):
        assert reconcile.is_subset(statefulset(), statefulset())
        assert reconcile.is_subset({"port": 80}, {"port": 80.0})
        assert not reconcile.is_subset({"port": 80}, {"port": "80"})
        assert not reconcile.is_subset({"replicas": "2"}, {"replicas": 2})

    def test_int_or_string_fields_keep_their_type(self):
        assert reconcile.is_subset(statefulset(target_port="web"), statefulset(target_port="web"))
        assert not reconcile.is_subset(statefulset(target_port="80"), statefulset(target_port=80))

    def test_a_quantity_field_with_text_that_is_no_quantity_compares_exactly(self):
        assert reconcile.is_subset({"capacity": {"storage": "lots"}}, {"capacity": {"storage": "lots"}})
        assert not reconcile.is_subset({"capacity": {"storage": "lots"}}, {"capacity": {"storage": "more"}})


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

    def test_keyed_items_match_by_exact_key(self):
        fields = {"f:env": {'k:{"name":"1k"}': {".": {}, "f:name": {}}},
                  "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {}}}
        ports = [{"containerPort": 80, "protocol": "TCP"}]
        assert reconcile.dropped_fields(fields, {"env": [{"name": "1k"}], "ports": ports}) == []
        # an env var renamed from 1k to 1000 is another entry: the old one is dropped
        assert reconcile.dropped_fields(fields, {"env": [{"name": "1000"}], "ports": ports}) == ['env[name=1k]']
        assert reconcile.dropped_fields(fields, {"env": [{"name": "1k"}], "ports": [
            {"containerPort": "80", "protocol": "TCP"}]}) == ["ports[containerPort=80,protocol=TCP]"]

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


class FakeApplyClient(FakeK8sClient):
    """Records applies; answers like the API server (resourceVersion moves only on a real change)."""

    def __init__(self, answer, missing_namespaces=()):
        super(FakeApplyClient, self).__init__()
        self.answer = answer
        self.applied = []
        self.missing_namespaces = set(missing_namespaces)

    def apply(self, body, dry_run=False, force=True):
        self.applied.append((json.dumps(body, sort_keys=True), dry_run))
        self.refuse_in_missing_namespace(body)
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


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "cm-new"},
           "spec": {"clusterIP": "None", "ports": [{"name": "web", "port": 80}]}}


class TestMissingNamespace:
    """The API server refuses every write, dry-run or not, in a namespace that does not exist (yet)."""

    def test_check_mode_reports_the_create_of_the_desired_object_with_a_warning(self):
        client = FakeApplyClient(answer=None, missing_namespaces={"cm-new"})
        outcome = reconcile.reconcile(client, SERVICE, None, check_mode=True)
        assert (outcome.changed, outcome.action) == (True, "create")
        assert [dry_run for _body, dry_run in client.applied] == [True]
        assert outcome.after == SERVICE and outcome.after is not SERVICE
        assert outcome.diff == {"before": {}, "after": SERVICE}
        assert len(outcome.warnings) == 1
        assert "Namespace/cm-new does not exist yet" in outcome.warnings[0]
        assert "Service/cm-new/web" in outcome.warnings[0]

    def test_a_real_run_still_fails_naming_the_missing_namespace_and_the_fix(self):
        client = FakeApplyClient(answer=None, missing_namespaces={"cm-new"})
        assert reconcile.reconcile(client, SERVICE, None, check_mode=True).changed is True
        with pytest.raises(K8sError, match=r"apply Service/cm-new/web: namespace cm-new does not exist \(HTTP 404.*"
                                           r"Fix: create it first"):
            reconcile.reconcile(client, SERVICE, None)

    @pytest.mark.parametrize("payload, namespace, missing", [
        (namespace_not_found("cm-new"), "cm-new", True),
        (namespace_not_found("other"), "cm-new", False),  # not the object's namespace
        ({"kind": "Status", "reason": "NotFound", "message": 'services "web" not found',
          "details": {"name": "web", "kind": "services"}, "code": 404}, "cm-new", False),  # the object itself
        ({"kind": "Status", "reason": "NotFound", "message": "the server could not find the requested resource",
          "code": 404}, "cm-new", False),  # no details: a path the server does not serve
        (namespace_not_found("cm-new"), None, False),  # a cluster-scoped object has no namespace
    ])
    def test_only_a_404_naming_the_objects_namespace_counts(self, payload, namespace, missing):
        error = api_error(404, "Not Found", payload, "apply", "Service", "web", namespace)
        assert reconcile.namespace_missing(error, namespace) is missing

    def test_check_mode_passes_on_any_other_404(self):
        class Client(FakeApplyClient):
            def apply(self, body, dry_run=False, force=True):
                raise api_error(404, "Not Found", {"kind": "Status", "reason": "NotFound", "code": 404,
                                                   "message": "the server could not find the requested resource"},
                                "apply", body["kind"], body["metadata"]["name"], body["metadata"]["namespace"])

        assert reconcile.namespace_missing(api_error(404, "Not Found", namespace_not_found("cm-new"), "apply",
                                                     "Service", "web", "cm-new"), "cm-new")
        with pytest.raises(K8sError, match="could not find the requested resource"):
            reconcile.reconcile(Client(answer=None), SERVICE, None, check_mode=True)


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


# ---------------------------------------------------------------- many objects at once

def test_each_runs_the_calls_at_once_and_keeps_their_order():
    barrier = threading.Barrier(3, timeout=5)  # passes only when three calls are in flight together

    def call(item):
        barrier.wait()
        return item * 2
    assert reconcile.each(call, [3, 1, 2], workers=3) == [6, 2, 4]


def test_each_tries_every_item_and_names_each_failure():
    tried = []

    def call(item):
        tried.append(item)
        if item % 2:
            raise K8sUnavailable("apply PersistentVolume/pv-%d: timed out" % item, 503)
        return item
    with pytest.raises(K8sUnavailable) as caught:
        reconcile.each(call, list(range(14)), workers=4)
    assert sorted(tried) == list(range(14))
    assert caught.value.status == 503
    assert str(caught.value) == ("7 calls failed: apply PersistentVolume/pv-1: timed out; apply PersistentVolume/pv-3: "
                                 "timed out; apply PersistentVolume/pv-5: timed out; apply PersistentVolume/pv-7: "
                                 "timed out; apply PersistentVolume/pv-9: timed out; and 2 more")


def test_each_raises_a_single_failure_as_it_is():
    error = K8sError("apply PersistentVolume/pv-0: forbidden", 403)

    def call(item):
        if item == 0:
            raise error
        return item
    with pytest.raises(K8sError) as caught:
        reconcile.each(call, [0, 1, 2])
    assert caught.value is error
