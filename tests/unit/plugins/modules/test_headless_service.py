# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.modules import headless_service
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_headless_service_logic import FakeClient, live_clusterip_service


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, headless_service.main)


ARGS = dict(name="web", namespace="demo", selector={"app.kubernetes.io/name": "web"},
            ports=[{"name": "web", "port": 80}])


def test_creates_the_service(run):
    client = FakeClient()
    failed, result = run(ARGS, client)
    assert failed is False
    assert result["changed"] is True
    assert result["action"] == "create"
    assert result["service"]["spec"]["clusterIP"] == "None"
    assert result["service"]["spec"]["ports"] == [{"name": "web", "port": 80, "protocol": "TCP",
                                                           "targetPort": 80}]


def test_unnamed_port_fails_before_connecting(run):
    failed, result = run(dict(ARGS, ports=[{"port": 80}]), None)
    assert failed is True
    assert "ports[0].name=None" in result["msg"]
    assert "Fix: give it a name" in result["msg"]


def test_clusterip_conflict_fails_with_the_fix(run):
    client = FakeClient([live_clusterip_service()])
    failed, result = run(ARGS, client)
    assert failed is True
    assert "set recreate: true" in result["msg"]
    assert result["changed"] is False
    assert result["service"]["spec"]["clusterIP"] == "10.96.0.42"


def test_api_errors_become_one_line_failures(run):
    class Refusing(FakeClient):
        def get(self, kind, name, namespace=None):
            raise k8s_client.K8sError("read Service/demo/web: services is forbidden (HTTP 403 Forbidden)")

    failed, result = run(ARGS, Refusing())
    assert failed is True
    assert result["msg"] == "read Service/demo/web: services is forbidden (HTTP 403 Forbidden)"


def test_diff_and_check_mode(run):
    client = FakeClient()
    failed, result = run(ARGS, client, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["spec"]["clusterIP"] == "None"
    assert client.objects == {}
