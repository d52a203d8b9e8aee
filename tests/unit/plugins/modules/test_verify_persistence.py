# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module layer: options -> spec errors, Failure -> fail_json with the result, success -> exit_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import re

import pytest
import yaml

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.modules import verify_persistence
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import FakeCluster, make_sts


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, verify_persistence.main)


@pytest.fixture
def calls(monkeypatch):
    seen = {}

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


def test_success_passes_the_spec_and_the_exec_boundary(run, calls):
    failed, result = run({"statefulset": "web", "namespace": "ns", "disruptions": ["delete_pod"]}, "client")
    assert failed is False and result["passed"] is True
    assert re.match(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$", result["token"])
    assert calls["spec"]["disruptions"][0]["type"] == "delete_pod" and calls["spec"]["timeout"] == 300
    assert calls["exec_fn"] is verify_persistence.pod_exec.exec_in_pod and calls["check_mode"] is False


def test_failed_checks_fail_the_task_with_the_result(run, calls):
    failed, result = run({"statefulset": "bad", "namespace": "ns"}, "client")
    assert failed is True and "web-0 after x: marker" in result["msg"]
    assert result["findings"] == [{"check": "marker"}]


def test_api_errors_fail_with_one_line(run, calls):
    failed, result = run({"statefulset": "api", "namespace": "ns"}, "client")
    assert failed is True and result["msg"] == "read StatefulSet/ns/api: forbidden (HTTP 403 Forbidden)"


def test_bad_input_fails_before_connecting(run, calls):
    failed, result = run({"statefulset": "web", "namespace": "ns", "disruptions": ["reboot"]}, None)
    assert failed is True and result["msg"].startswith("disruptions[0].type='reboot'")
    assert "Fix:" in result["msg"]


def test_check_mode_is_passed_on(run, calls):
    run({"statefulset": "web", "namespace": "ns"}, "client", check_mode=True)
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


def test_preflight_is_on_unless_turned_off(run, calls):
    run({"statefulset": "web", "namespace": "ns"}, "client")
    assert calls["spec"]["preflight"] is True
    run({"statefulset": "web", "namespace": "ns", "preflight": False}, "client")
    assert calls["spec"]["preflight"] is False


@pytest.fixture
def cluster(monkeypatch):
    """The real run against the fake cluster, its exec boundary in place of the pods' exec."""
    cluster = FakeCluster(make_sts())
    monkeypatch.setattr(verify_persistence.pod_exec, "HAS_STREAM", True)
    monkeypatch.setattr(verify_persistence.pod_exec, "exec_in_pod", cluster.exec_fn)
    return cluster


def test_a_replica_whose_root_is_squashed_fails_the_task_before_any_marker_or_disruption(run, cluster):
    cluster.volume_access["web-1"] = {"uid": 0, "gid": 0, "groups": (0,), "owner": 101, "group": 101, "mode": 0o770,
                                      "fails": ("create", "sh: can't create /data/.p.tmp: Permission denied")}
    failed, result = run({"statefulset": "web", "namespace": "ns", "disruptions": ["delete_pod"],
                          "check_dns": False}, cluster)
    assert failed is True
    assert "web-1 at preflight: volume_access" in result["msg"] and "EACCES (Permission denied)" in result["msg"]
    assert "root_squash" in result["msg"] and "web-0 at" not in result["msg"]
    assert result["markers"] == {} and cluster.files == {"www-web-0": {}, "www-web-1": {}}
    assert not [c for c in cluster.calls if c[0] in ("delete", "patch")]


def test_check_mode_runs_no_exec(run, cluster):
    failed, result = run({"statefulset": "web", "namespace": "ns", "disruptions": ["delete_pod"]}, cluster,
                         check_mode=True)
    assert failed is False and result["plan"][1].startswith("preflight: in each replica")
    assert not [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")]
