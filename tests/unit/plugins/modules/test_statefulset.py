# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic

from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client
from ansible_collections.stateful.nfs.plugins.modules import statefulset
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_statefulset_logic import LIVE
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_statefulset_run import FakeClient
from ansible_collections.stateful.nfs.tests.unit.plugins.modules.test_headless_service import Exited, module_args


def run(monkeypatch, args, client):
    def exit_json(self, **result):
        raise Exited(False, result)

    def fail_json(self, **result):
        raise Exited(True, result)

    connected = []

    def connect(module):
        connected.append(module)
        return client

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(k8s_client, "connect", connect)
    with module_args(args):
        with pytest.raises(Exited) as caught:
            statefulset.main()
    return caught.value, connected


ARGS = dict(name="web", namespace="demo", service_name="web", replicas=2,
            image="localhost/stateful-nfs/busybox:1.36", image_pull_policy="IfNotPresent",
            command=["sh", "-c"], args=["httpd -f -p 8080 -h /data"],
            ports=[{"name": "http", "port": 8080}], mount_path="/data",
            claim_template={"name": "www", "size": "1Gi"})


def test_argument_spec_defaults_build_the_realistic_object_so_nothing_is_sent(monkeypatch):
    client = FakeClient([LIVE])
    outcome, dummy = run(monkeypatch, ARGS, client)
    assert outcome.failed is False
    assert outcome.result["changed"] is False
    assert outcome.result["action"] == "none"
    assert outcome.result["immutable_changes"] == []
    assert outcome.result["rollout"]["done"] is True
    assert client.writes() == []


def test_bad_input_fails_before_connecting_with_every_problem(monkeypatch):
    client = FakeClient()
    outcome, connected = run(monkeypatch, dict(ARGS, ports=[{"port": 8080}], mount_path=None), client)
    assert outcome.failed is True
    assert "ports[0].name=None" in outcome.result["msg"]
    assert "mount_path=None" in outcome.result["msg"]
    assert connected == [] and client.calls == []


def test_immutable_change_fails_with_the_list(monkeypatch):
    client = FakeClient([LIVE])
    outcome, dummy = run(monkeypatch, dict(ARGS, service_name="web2"), client)
    assert outcome.failed is True
    assert "spec.serviceName: web -> web2" in outcome.result["msg"]
    assert outcome.result["immutable_changes"] == [{"field": "spec.serviceName", "before": "web", "after": "web2"}]
    assert client.writes() == []


def test_recreate_in_check_mode_touches_nothing(monkeypatch):
    client = FakeClient([LIVE])
    args = dict(ARGS, service_name="web2", on_immutable_change="recreate", _ansible_check_mode=True,
                _ansible_diff=True)
    outcome, dummy = run(monkeypatch, args, client)
    assert outcome.failed is False
    assert outcome.result["action"] == "recreate"
    assert outcome.result["diff"]["after"]["spec"]["serviceName"] == "web2"
    assert [call[-1] for call in client.writes()] == [True]   # only a dry-run delete


def test_warnings_go_through_module_warn(monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, message: warned.append(message))
    client = FakeClient([LIVE])
    outcome, dummy = run(monkeypatch, dict(ARGS, selector={"app": "web"}, on_immutable_change="recreate"), client)
    assert outcome.failed is False
    assert "warnings" not in outcome.result
    assert len(warned) == 1 and "not adopted" in warned[0]
