# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible.module_utils import basic

from ansible_collections.stateful.nfs.plugins.modules import statefulset
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_statefulset_logic import LIVE
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_statefulset_run import FakeClient


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, statefulset.main)


ARGS = dict(name="web", namespace="demo", service_name="web", replicas=2,
            image="localhost/stateful-nfs/busybox:1.36", image_pull_policy="IfNotPresent",
            command=["sh", "-c"], args=["httpd -f -p 8080 -h /data"],
            ports=[{"name": "http", "port": 8080}], mount_path="/data",
            claim_template={"name": "www", "size": "1Gi"})


def test_argument_spec_defaults_build_the_realistic_object_so_nothing_is_sent(run):
    client = FakeClient([LIVE])
    failed, result = run(ARGS, client)
    assert failed is False
    assert result["changed"] is False
    assert result["action"] == "none"
    assert result["immutable_changes"] == []
    assert result["rollout"]["done"] is True
    assert client.writes() == []


def test_bad_input_fails_before_connecting_with_every_problem(run):
    failed, result = run(dict(ARGS, ports=[{"port": 8080}], mount_path=None), None)
    assert failed is True
    assert "ports[0].name=None" in result["msg"]
    assert "mount_path=None" in result["msg"]


def test_immutable_change_fails_with_the_list(run):
    client = FakeClient([LIVE])
    failed, result = run(dict(ARGS, service_name="web2"), client)
    assert failed is True
    assert "spec.serviceName: web -> web2" in result["msg"]
    assert result["immutable_changes"] == [{"field": "spec.serviceName", "before": "web", "after": "web2"}]
    assert client.writes() == []


def test_recreate_in_check_mode_touches_nothing(run):
    client = FakeClient([LIVE])
    failed, result = run(dict(ARGS, service_name="web2", on_immutable_change="recreate"), client,
                         check_mode=True, diff=True)
    assert failed is False
    assert result["action"] == "recreate"
    assert result["diff"]["after"]["spec"]["serviceName"] == "web2"
    assert [call[-1] for call in client.writes()] == [True]   # only a dry-run delete


def test_warnings_go_through_module_warn(monkeypatch, run):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, message: warned.append(message))
    client = FakeClient([LIVE])
    failed, result = run(dict(ARGS, selector={"app": "web"}, on_immutable_change="recreate"), client)
    assert failed is False
    assert "warnings" not in result
    assert len(warned) == 1 and "not adopted" in warned[0]
