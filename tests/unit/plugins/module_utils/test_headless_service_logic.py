# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import headless_service
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.service import build_service
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.statefulset import deep_merge
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import FakeK8sClient


class FakeClient(FakeK8sClient):
    """The K8sClient methods the Service run uses, over an in-memory store. Records every call."""

    def __init__(self, objects=None):
        super(FakeClient, self).__init__()
        self.objects = dict(((o["metadata"]["namespace"], o["metadata"]["name"]), o) for o in objects or [])
        self.version = 100

    def get(self, kind, name, namespace=None):
        self.calls.append(("get", kind, name))
        obj = self.objects.get((namespace, name))
        return copy.deepcopy(obj)

    def apply(self, body, dry_run=False, force=True):
        self.calls.append(("apply", body["kind"], body["metadata"]["name"], dry_run))
        self.refuse_in_missing_namespace(body)
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        stored = deep_merge(self.objects.get(key) or {}, body)
        if not dry_run:
            self.version += 1
            stored["metadata"].setdefault("uid", "uid-%d" % self.version)
            stored["metadata"]["resourceVersion"] = str(self.version)
            stored["metadata"]["managedFields"] = [{"manager": "stateful.nfs", "operation": "Apply", "fieldsV1": {}}]
            self.objects[key] = stored
        return copy.deepcopy(stored)

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        self.calls.append(("delete", kind, name, propagation_policy, uid, dry_run))
        if not dry_run:
            return self.objects.pop((namespace, name), None)
        return self.objects.get((namespace, name))


def params(**overrides):
    base = dict(name="web", namespace="demo", state="present", selector={"app.kubernetes.io/name": "web"},
                ports=[{"name": "web", "port": 80, "protocol": "TCP", "target_port": None, "app_protocol": None}],
                publish_not_ready_addresses=False, labels={}, annotations={}, recreate=False)
    base.update(overrides)
    return base


def live_clusterip_service():
    obj = build_service(params())
    obj["spec"]["clusterIP"] = "10.96.0.42"
    obj["spec"]["clusterIPs"] = ["10.96.0.42"]
    obj["metadata"].update(uid="old-uid", resourceVersion="7")
    return obj


# ---------------------------------------------------------------- validation

def test_port_without_name_names_the_port_and_the_fix():
    message = headless_service.problems(params(ports=[{"name": None, "port": 8080}]))
    assert "ports[0].name=None" in message
    assert "port 8080 has no name" in message
    assert "SRV" in message
    assert "Fix: give it a name, for example name: tcp-8080" in message


def test_every_problem_is_reported_at_once():
    message = headless_service.problems(params(name="Web", ports=[{"name": "a", "port": 0}], selector={}))
    assert "name='Web'" in message
    assert "ports[0].port=0" in message
    assert "selector={}" in message


@pytest.mark.parametrize("ports, expected", [
    ([{"name": "web", "port": 80}, {"name": "web", "port": 81}], "ports[1].name='web': is also the name of ports[0]"),
    ([{"name": "a", "port": 80}, {"name": "b", "port": 80}], "ports[1].port=80: ports[0] already uses 80/TCP"),
    ([{"name": "Web", "port": 80}], "ports[0].name='Web': is not a valid port name (a DNS-1123 label"),
    ([{"name": "web", "port": 80, "target_port": "not_a-name"}], "ports[0].target_port='not_a-name'"),
    ([{"name": "web", "port": 80, "target_port": 70000}], "ports[0].target_port=70000"),
])
def test_port_problems(ports, expected):
    assert expected in headless_service.problems(params(ports=ports))


def test_good_input_has_no_problems():
    assert headless_service.problems(params(ports=[{"name": "web", "port": 80, "target_port": "http"},
                                                   {"name": "dns", "port": 53, "protocol": "UDP", "target_port": "53"}])) is None


def test_absent_needs_only_name_and_namespace():
    assert headless_service.problems(params(state="absent", ports=[{"port": 80}], selector=None)) is None


# ---------------------------------------------------------------- clusterIP rule

def test_cluster_ip_conflict():
    assert headless_service.cluster_ip_conflict(None) is None
    assert headless_service.cluster_ip_conflict({"spec": {"clusterIP": "None"}}) is None
    assert headless_service.cluster_ip_conflict({"spec": {"type": "ExternalName"}}) is None
    assert headless_service.cluster_ip_conflict({"spec": {"clusterIP": "10.0.0.1"}}) == "10.0.0.1"


def test_clusterip_service_fails_with_the_fix_and_touches_nothing():
    client = FakeClient([live_clusterip_service()])
    with pytest.raises(Failure) as caught:
        headless_service.ensure(client, params())
    assert "Service/demo/web has clusterIP 10.96.0.42" in str(caught.value)
    assert "Fix: set recreate: true, which deletes and recreates the Service; clients see a short gap" \
        in str(caught.value)
    assert client.writes() == []


def test_recreate_deletes_with_uid_precondition_waits_and_creates():
    client = FakeClient([live_clusterip_service()])
    result = headless_service.ensure(client, params(recreate=True))
    assert result["changed"] is True
    assert result["action"] == "recreate"
    assert client.writes() == [("delete", "Service", "web", None, "old-uid", False),
                               ("apply", "Service", "web", False)]
    # the wait for the old object to go happened between the delete and the create
    delete_at = client.calls.index(("delete", "Service", "web", None, "old-uid", False))
    assert client.calls[delete_at + 1] == ("get", "Service", "web")
    assert result["service"]["spec"]["clusterIP"] == "None"
    assert client.objects[("demo", "web")]["metadata"]["uid"] != "old-uid"


def test_recreate_in_check_mode_only_dry_runs_the_delete():
    client = FakeClient([live_clusterip_service()])
    result = headless_service.ensure(client, params(recreate=True), check_mode=True, diff=True)
    assert result["changed"] is True and result["action"] == "recreate"
    assert client.writes() == [("delete", "Service", "web", None, "old-uid", True)]
    assert client.objects[("demo", "web")]["spec"]["clusterIP"] == "10.96.0.42"
    assert result["diff"]["before"]["spec"]["clusterIP"] == "10.96.0.42"
    assert result["diff"]["after"]["spec"]["clusterIP"] == "None"


# ---------------------------------------------------------------- reconcile

def test_create_then_second_run_sends_nothing():
    client = FakeClient()
    first = headless_service.ensure(client, params())
    assert first["changed"] is True and first["action"] == "create"
    client.calls = []
    second = headless_service.ensure(client, params())
    assert second["changed"] is False and second["action"] == "none"
    assert client.writes() == []


def test_server_defaults_do_not_cause_an_apply():
    live = build_service(params())
    live["metadata"].update(uid="u", resourceVersion="5", managedFields=[{
        "manager": "stateful.nfs", "operation": "Apply",
        "fieldsV1": {"f:spec": {"f:clusterIP": {}, "f:type": {}, "f:selector": {}, "f:ports": {
            'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {},
                                               "f:targetPort": {}}}}}}])
    live["spec"].update(clusterIPs=["None"], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack",
                        sessionAffinity="None", internalTrafficPolicy="Cluster")
    client = FakeClient([live])
    assert headless_service.ensure(client, params())["changed"] is False
    assert client.writes() == []


def test_check_mode_create_is_a_dry_run():
    client = FakeClient()
    result = headless_service.ensure(client, params(), check_mode=True)
    assert result["changed"] is True
    assert client.writes() == [("apply", "Service", "web", True)]
    assert client.objects == {}


def test_check_mode_create_in_a_namespace_that_does_not_exist_yet():
    client = FakeClient()
    client.missing_namespaces.add("demo")
    result = headless_service.ensure(client, params(), check_mode=True, diff=True)
    desired = build_service(params())
    assert (result["changed"], result["action"]) == (True, "create")
    assert result["service"] == desired
    assert result["diff"] == {"before": {}, "after": desired}
    assert len(result["warnings"]) == 1 and "Namespace/demo does not exist yet" in result["warnings"][0]
    assert client.writes() == [("apply", "Service", "web", True)]
    assert client.objects == {}


def test_absent_deletes_and_reports_the_old_object():
    live = build_service(params())
    live["metadata"]["uid"] = "u1"
    client = FakeClient([live])
    result = headless_service.ensure(client, params(state="absent"), diff=True)
    assert result["changed"] is True and result["action"] == "delete"
    assert client.writes() == [("delete", "Service", "web", None, "u1", False)]
    assert result["diff"]["after"] == {}
    assert headless_service.ensure(client, params(state="absent"))["changed"] is False
