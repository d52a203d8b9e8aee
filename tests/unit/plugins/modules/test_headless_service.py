# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client
from ansible_collections.stateful.nfs.plugins.modules import headless_service
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_service import (
    FakeClient, live_clusterip_service)


class Exited(Exception):
    def __init__(self, failed, result):
        super(Exited, self).__init__(result.get("msg"))
        self.failed = failed
        self.result = result


@contextlib.contextmanager
def module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        @contextlib.contextmanager
        def patch_module_args(values):
            saved = basic._ANSIBLE_ARGS
            basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": values}))
            try:
                yield
            finally:
                basic._ANSIBLE_ARGS = saved
    with patch_module_args(args):
        yield


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
            headless_service.main()
    return caught.value, connected


ARGS = dict(name="web", namespace="demo", selector={"app.kubernetes.io/name": "web"},
            ports=[{"name": "web", "port": 80}])


def test_creates_the_service(monkeypatch):
    client = FakeClient()
    outcome, dummy = run(monkeypatch, ARGS, client)
    assert outcome.failed is False
    assert outcome.result["changed"] is True
    assert outcome.result["action"] == "create"
    assert outcome.result["service"]["spec"]["clusterIP"] == "None"
    assert outcome.result["service"]["spec"]["ports"] == [{"name": "web", "port": 80, "protocol": "TCP",
                                                           "targetPort": 80}]


def test_unnamed_port_fails_before_connecting(monkeypatch):
    client = FakeClient()
    outcome, connected = run(monkeypatch, dict(ARGS, ports=[{"port": 80}]), client)
    assert outcome.failed is True
    assert "ports[0].name=None" in outcome.result["msg"]
    assert "Fix: give it a name" in outcome.result["msg"]
    assert connected == [] and client.calls == []


def test_clusterip_conflict_fails_with_the_fix(monkeypatch):
    client = FakeClient([live_clusterip_service()])
    outcome, dummy = run(monkeypatch, ARGS, client)
    assert outcome.failed is True
    assert "set recreate: true" in outcome.result["msg"]
    assert outcome.result["changed"] is False
    assert outcome.result["service"]["spec"]["clusterIP"] == "10.96.0.42"


def test_api_errors_become_one_line_failures(monkeypatch):
    class Refusing(FakeClient):
        def get(self, kind, name, namespace=None):
            raise k8s_client.K8sError("read Service/demo/web: services is forbidden (HTTP 403 Forbidden)")

    outcome, dummy = run(monkeypatch, ARGS, Refusing())
    assert outcome.failed is True
    assert outcome.result["msg"] == "read Service/demo/web: services is forbidden (HTTP 403 Forbidden)"


def test_diff_and_check_mode(monkeypatch):
    client = FakeClient()
    outcome, dummy = run(monkeypatch, dict(ARGS, _ansible_check_mode=True, _ansible_diff=True), client)
    assert outcome.result["changed"] is True
    assert outcome.result["diff"]["before"] == {}
    assert outcome.result["diff"]["after"]["spec"]["clusterIP"] == "None"
    assert client.objects == {}
