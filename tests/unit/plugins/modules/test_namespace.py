# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The namespace module end to end over a fake client: arguments, check mode, diff, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.modules import namespace as module
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_namespace_logic import FakeClient, terminating


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, module.main)


def test_create_then_unchanged(run):
    client = FakeClient()
    failed, result = run(dict(name="demo", labels={"app.kubernetes.io/managed-by": "stateful.nfs"}), client)
    assert not failed and result["changed"] is True and result["action"] == "create"
    assert result["namespace"]["labels"]["app.kubernetes.io/managed-by"] == "stateful.nfs"
    assert "diff" not in result
    version = client.store["demo"]["metadata"]["resourceVersion"]
    failed, again = run(dict(name="demo", labels={"app.kubernetes.io/managed-by": "stateful.nfs"}), client)
    assert not failed and again["changed"] is False and again["action"] == "none"
    assert client.store["demo"]["metadata"]["resourceVersion"] == version


def test_check_mode_with_diff_creates_nothing(run):
    client = FakeClient()
    failed, result = run(dict(name="demo", annotations={"owner": "team"}), client, check_mode=True, diff=True)
    assert not failed and result["changed"] is True
    assert client.store == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["metadata"]["annotations"] == {"owner": "team"}


def test_bad_input_fails_before_connecting(run):
    failed, result = run(dict(name="Demo", labels={"tier": 3}), None)
    assert failed
    assert "name='Demo'" in result["msg"] and "labels.tier=3" in result["msg"]
    assert result["msg"].count("Fix: ") == 2


def test_there_is_no_state_option(run):
    failed, result = run(dict(name="demo", state="absent"), None)
    assert failed and "state" in result["msg"]


def test_terminating_without_wait_fails_with_the_fix(run):
    client = FakeClient(terminating())
    failed, result = run(dict(name="demo"), client)
    assert failed and "is being deleted" in result["msg"] and "Fix: set wait: true" in result["msg"]
    assert result["namespace"]["phase"] == "Terminating"


def test_api_error_is_one_line(run):
    client = FakeClient()

    def refuse(body, dry_run=False, force=True):
        raise k8s_client.K8sError("apply Namespace/demo: forbidden (HTTP 403 Forbidden)")
    client.apply = refuse
    failed, result = run(dict(name="demo"), client)
    assert failed and result["msg"] == "apply Namespace/demo: forbidden (HTTP 403 Forbidden)"
