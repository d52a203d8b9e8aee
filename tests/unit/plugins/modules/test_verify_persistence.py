# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module layer: options -> spec errors, Failure -> fail_json with the result, success -> exit_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.modules import verify_persistence


class Exit(Exception):
    def __init__(self, kind, result):
        super(Exit, self).__init__(kind)
        self.kind = kind
        self.result = result


def run_module(monkeypatch, args, check_mode=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=False)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)

    def exit_json(self, **result):
        raise Exit("exit", result)

    def fail_json(self, msg, **result):
        raise Exit("fail", dict(result, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with pytest.raises(Exit) as caught:
        verify_persistence.main()
    return caught.value


@pytest.fixture
def calls(monkeypatch):
    seen = {}
    monkeypatch.setattr(k8s_client, "connect", lambda module: "client")

    def fake_run(client, spec, exec_fn, check_mode=False, want_diff=False):
        seen.update(client=client, spec=spec, exec_fn=exec_fn, check_mode=check_mode)
        if spec["statefulset"] == "bad":
            raise Failure("ns/bad: 1 check(s) failed: web-0 after x: marker: expected a, saw b", passed=False,
                          findings=[{"check": "marker"}])
        if spec["statefulset"] == "api":
            raise k8s_client.K8sError("read StatefulSet/ns/api: forbidden (HTTP 403 Forbidden)")
        return {"changed": True, "passed": True, "token": spec["marker"]["token"]}

    monkeypatch.setattr(verify_persistence.runner, "run", fake_run)
    return seen


def test_success_passes_the_spec_and_the_exec_boundary(monkeypatch, calls):
    outcome = run_module(monkeypatch, {"statefulset": "web", "namespace": "ns", "disruptions": ["delete_pod"]})
    assert outcome.kind == "exit" and outcome.result["passed"] is True
    assert re.match(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$", outcome.result["token"])
    assert calls["spec"]["disruptions"][0]["type"] == "delete_pod" and calls["spec"]["timeout"] == 300
    assert calls["exec_fn"] is verify_persistence.pod_exec.exec_in_pod and calls["check_mode"] is False


def test_failed_checks_fail_the_task_with_the_result(monkeypatch, calls):
    outcome = run_module(monkeypatch, {"statefulset": "bad", "namespace": "ns"})
    assert outcome.kind == "fail" and "web-0 after x: marker" in outcome.result["msg"]
    assert outcome.result["findings"] == [{"check": "marker"}]


def test_api_errors_fail_with_one_line(monkeypatch, calls):
    outcome = run_module(monkeypatch, {"statefulset": "api", "namespace": "ns"})
    assert outcome.result["msg"] == "read StatefulSet/ns/api: forbidden (HTTP 403 Forbidden)"


def test_bad_input_fails_before_connecting(monkeypatch, calls):
    monkeypatch.setattr(k8s_client, "connect", lambda module: pytest.fail("connected"))
    outcome = run_module(monkeypatch, {"statefulset": "web", "namespace": "ns", "disruptions": ["reboot"]})
    assert outcome.kind == "fail" and outcome.result["msg"].startswith("disruptions[0].type='reboot'")
    assert "Fix:" in outcome.result["msg"]


def test_check_mode_is_passed_on(monkeypatch, calls):
    run_module(monkeypatch, {"statefulset": "web", "namespace": "ns"}, check_mode=True)
    assert calls["check_mode"] is True


def test_documentation_matches_the_argument_spec():
    options = yaml.safe_load(verify_persistence.DOCUMENTATION)["options"]
    assert set(options) == set(verify_persistence.ARGUMENT_SPEC)
    for name, spec in verify_persistence.ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"], name
        assert options[name].get("default") == spec.get("default"), name
        for sub, sub_spec in (spec.get("options") or {}).items():
            assert options[name]["suboptions"][sub]["type"] == sub_spec["type"]
            assert options[name]["suboptions"][sub].get("default") == sub_spec.get("default")
    returned = yaml.safe_load(verify_persistence.RETURN)
    for key in ("changed", "passed", "token", "plan", "steps", "table", "findings", "markers", "replicas", "report"):
        assert key in returned
