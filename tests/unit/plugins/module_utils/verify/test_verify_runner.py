# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole run against the fake client boundary (verify_fakes.FakeCluster)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.verify import access, observe, plan, runner
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import closed_port
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import (
    FakeCluster, make_sts)


def spec_of(**overrides):
    params = dict(statefulset="web", namespace="ns", container=None, mount_path=None, volume=None, disruptions=[],
                  marker={}, cleanup=True, check_dns=True, cluster_domain="cluster.local", timeout=60,
                  report_dir=None, wait_for_ready=False, workers=2)
    params.update(overrides)
    return plan.spec_from_params(params, lambda: "tok")


def run(cluster, fake_time, spec, watch=True, **kwargs):
    """The run on the fake; its pod waits watch, unless `watch` is False (the server refuses, as without RBAC's
    watch verb)."""
    cluster.watch_clock = fake_time if watch else None
    return runner.run(cluster, spec, cluster.exec_fn, clock=fake_time, sleep=fake_time.sleep,
                      now=lambda: "2026-01-01T00:00:00Z", **kwargs)


def writes(cluster):
    return [call for call in cluster.calls if call[0] == "exec" and call[2][2] == observe.WRITE_SCRIPT]


def disruption_rows(result):
    return [row for row in result["table"] if row["step"] not in ("preflight", "baseline")]


ALL = ["delete_pod", "delete_pod_force", "rollout_restart", "scale_to_zero", {"type": "scale_down_up", "count": 1}]


@pytest.mark.parametrize("disruption", ALL)
def test_each_disruption_passes_and_recreates_pods(cluster, fake_time, disruption):
    uids_before = dict((name, pod["metadata"]["uid"]) for name, pod in cluster.pods.items())
    result = run(cluster, fake_time, spec_of(disruptions=[disruption]))
    assert result["passed"] is True and result["findings"] == []
    assert result["changed"] is True
    assert result["markers"] == {"web-0": "removed", "web-1": "removed"}
    assert cluster.files == {"www-web-0": {}, "www-web-1": {}}  # cleaned up
    assert [step["name"] for step in result["steps"][:2]] == ["preflight", "baseline"]
    steps = result["steps"][2:]
    assert steps and all(step["duration_seconds"] is not None and step["error"] is None for step in steps)
    for step in steps:
        for pod, uid in step["new_uids"].items():
            assert uid != step["old_uids"][pod]
    disrupted = set(pod for step in steps for pod in step["pods"])
    for name in disrupted:
        assert cluster.pods[name]["metadata"]["uid"] != uids_before[name]
    # every row after a step shows the marker intact and the same claim
    rows = disruption_rows(result)
    assert rows and all(row["checks"]["marker"] == "pass" and row["checks"]["storage"] == "pass" for row in rows)
    assert all(row["claim"] == "www-" + row["pod"] for row in rows)
    assert result["replicas"] == {"original": 2, "found_at_end": 2, "restored": False}
    assert cluster.sts["spec"]["replicas"] == 2
    assert not [c for c in cluster.calls if c[0] == "delete" and c[1] != "Pod"]


def test_delete_pod_force_uses_grace_period_zero_and_uid_precondition(cluster, fake_time):
    uid = cluster.pods["web-1"]["metadata"]["uid"]
    run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod_force", "ordinal": 1}]))
    assert [c for c in cluster.calls if c[0] == "delete"] == [("delete", "Pod", "web-1", 0, uid)]


def test_scale_down_up_keeps_claims_and_uses_the_scale_subresource(fake_time):
    cluster = FakeCluster(make_sts(replicas=3))
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "scale_down_up", "count": 2}]))
    patches = [c for c in cluster.calls if c[0] == "patch"]
    assert [(p[3], p[4]["spec"]["replicas"]) for p in patches] == [("scale", 1), ("scale", 3)]
    step = result["steps"][2]
    assert step["name"] == "scale_down_up[3->1->3]"
    assert sorted(step["claims_while_down"]) == ["www-web-1", "www-web-2"]
    assert all(state["exists"] and state["phase"] == "Bound" for state in step["claims_while_down"].values())
    assert result["passed"] and "web-0" not in step["new_uids"]


def test_rollout_restart_sets_restarted_at(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=["rollout_restart"]))
    patch = [c for c in cluster.calls if c[0] == "patch"][0]
    assert patch[3] is None
    assert "kubectl.kubernetes.io/restartedAt" in patch[4]["spec"]["template"]["metadata"]["annotations"]
    assert result["steps"][2]["notes"][-1] == "rolled out revision rev-2"


def test_empty_dir_loses_the_marker_and_fails_naming_replica_and_marker(fake_time):
    cluster = FakeCluster(make_sts(empty_dir=True))
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(mount_path="/data", disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    message = str(caught.value)
    assert "web-0 after delete_pod[web-0]: marker: expected 'tok web-0' in /data/.stateful-nfs-verify, " \
           "saw no marker file" in message
    assert "web-1 after delete_pod[web-0]: marker" not in message  # web-1 was not restarted: its marker is there
    assert "claim" in message and "emptyDir" in message
    assert caught.value.result["passed"] is False


def test_swapped_backing_directory_is_caught(cluster, fake_time):
    """The claim and PV stay; the data behind them changes between the write and the read."""
    def swap(c):
        if any(call[0] == "delete" for call in c.calls) and c.files.get("www-web-1"):
            c.files["www-web-1"] = {}
    cluster.on_list.append(swap)
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 1}]))
    findings = caught.value.result["findings"]
    assert [(f["replica"], f["check"]) for f in findings] == [("web-1", "marker")]


def test_a_marker_from_another_replica_does_not_pass(cluster, fake_time):
    def cross(c):
        if any(call[0] == "delete" for call in c.calls):
            c.files["www-web-1"] = dict(c.files.get("www-web-0") or {})
    cluster.on_list.append(cross)
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 1}]))
    finding = caught.value.result["findings"][0]
    assert finding["expected"] == "'tok www-web-1' in /data/.stateful-nfs-verify"
    assert finding["seen"] == "'tok www-web-0'"


def test_a_pod_wait_ends_at_the_change_the_watch_reports(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=["delete_pod"]))
    step = result["steps"][2]
    assert step["name"] == "delete_pod[web-0]" and step["duration_seconds"] == 0  # no pause passed on the clock
    watches = [call for call in cluster.calls if call[0] == "watch"]
    assert watches and all(call[1] == "Pod" for call in watches)
    assert result["passed"] is True
    assert not any("polled" in note for note in step["notes"])


def test_a_refused_watch_makes_the_pod_waits_poll_from_a_short_pause(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=["delete_pod", "rollout_restart"]), watch=False)
    assert result["passed"] is True
    assert result["steps"][2]["duration_seconds"] == 0.1  # one short pause, not the 1 s interval
    # each step's wait asks once (delete_pod is one step per replica), then polls
    steps = [step["name"] for step in result["steps"][2:]]
    assert steps == ["delete_pod[web-0]", "delete_pod[web-1]", "rollout_restart"]
    assert len([call for call in cluster.calls if call[0] == "watch"]) == len(steps)
    for step in result["steps"][2:]:
        assert 'polled the pods: the watch was refused: watch Pod/ns: pods is forbidden: User "u" cannot watch ' \
            'resource "pods" (HTTP 403 Forbidden)' in step["notes"]


def marker_reads(cluster):
    return [call for call in cluster.calls if call[0] == "exec" and call[2][2] == observe.PROBE_SCRIPT]


def test_the_baseline_is_the_first_observation_with_the_markers_read_back(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    assert result["passed"] is True
    assert len(marker_reads(cluster)) == 2 + 2  # before the writes, and after the step: not again for the baseline
    baseline = [row for row in result["table"] if row["step"] == "baseline"]
    assert [row["marker"] for row in baseline] == ["tok www-web-0", "tok www-web-1"]


def test_a_pod_replaced_while_the_markers_are_written_is_observed_again(cluster, fake_time):
    def replace_web_1(c):
        if writes(c) and not any(call[0] == "delete" for call in c.calls) and c.pods["web-1"]["metadata"][
                "uid"] != "uid-replaced":
            c.pods["web-1"]["metadata"]["uid"] = "uid-replaced"
    cluster.on_list.append(replace_web_1)
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    assert result["passed"] is True
    assert len(marker_reads(cluster)) == 2 + 2 + 2
    baseline = [row for row in result["table"] if row["step"] == "baseline"]
    assert baseline[1]["uid"] == "uid-replaced"


def test_pod_that_never_becomes_ready_times_out_naming_pod_and_last_event(cluster, fake_time):
    cluster.broken_revision = 2  # the next template revision cannot start
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(timeout=30, disruptions=["rollout_restart", "delete_pod"]))
    message = str(caught.value)
    assert "rollout_restart: timed out after 30s" in message
    assert "web-1: not Ready: container main waiting: ErrImageNeverPull" in message
    assert "last event: ErrImageNeverPull: Container image is not present" in message
    result = caught.value.result
    assert [s["name"] for s in result["steps"]] == ["preflight", "baseline", "rollout_restart"]  # stopped there
    assert result["steps"][2]["duration_seconds"] >= 30
    assert result["markers"]["web-0"] == "removed"
    assert result["markers"]["web-1"].startswith("left in place: exec in Pod/ns/web-1")


def test_replica_count_is_restored_when_a_scale_step_fails(cluster, fake_time):
    cluster.broken_revision = 1  # pods created from now on never become Ready
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(timeout=20, disruptions=["scale_to_zero"]))
    result = caught.value.result
    assert cluster.sts["spec"]["replicas"] == 2
    assert result["replicas"]["original"] == 2


def test_replica_count_restored_and_reported_when_left_scaled_down(cluster, fake_time):
    def break_scale_up(c):
        if c.sts["spec"]["replicas"] == 0 and not c.pods:
            c.broken_scale = True
    original_patch = cluster.patch

    def patch(kind, name, namespace, body, patch_type="merge", dry_run=False, subresource=None):
        if subresource == "scale" and body["spec"]["replicas"] == 2 and not getattr(cluster, "allow", False):
            cluster.allow = True
            from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
            raise K8sError("patch StatefulSet/ns/web: conflict")
        return original_patch(kind, name, namespace, body, patch_type, dry_run, subresource)
    cluster.patch = patch
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=["scale_to_zero"]))
    result = caught.value.result
    assert result["replicas"] == {"original": 2, "found_at_end": 0, "restored": True, "ready_again": True}
    assert cluster.sts["spec"]["replicas"] == 2
    assert "was 0 at the end and was restored to 2" in str(caught.value)
    assert "conflict" in str(caught.value)


def test_not_ready_statefulset_is_refused_naming_the_pod(cluster, fake_time):
    cluster.pods["web-1"]["status"]["conditions"][0]["status"] = "False"
    cluster.pods["web-1"]["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    cluster.sts["status"]["readyReplicas"] = 1
    cluster.reconcile = lambda: None
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=["delete_pod"]))
    assert "StatefulSet/ns/web is not fully ready" in str(caught.value)
    assert "web-1: container main waiting: CrashLoopBackOff" in str(caught.value)
    assert "wait_for_ready" in str(caught.value)
    assert not [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")]


def test_check_mode_touches_nothing_and_shows_the_plan(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=["delete_pod", "scale_to_zero"]), check_mode=True,
                 want_diff=True)
    assert result["changed"] is True and result["passed"] is None
    assert [s["name"] for s in result["steps"]] == ["delete_pod[web-0]", "delete_pod[web-1]", "scale_to_zero[2->0->2]"]
    assert result["plan"][0].startswith("check that StatefulSet ns/web is fully ready")
    assert [row["pod"] for row in result["table"]] == ["web-0", "web-1"]
    assert not [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")]
    assert result["diff"] == {"before": {}, "after": {}}
    assert result["report_text"].splitlines() == result["plan"]


def test_check_mode_before_the_statefulset_exists_reports_that_and_touches_nothing(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(statefulset="new"), check_mode=True)
    assert result["changed"] is False and result["passed"] is None
    assert "StatefulSet ns/new does not exist yet" in result["msg"] and result["report_text"] == result["msg"]
    assert not [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")]
    with pytest.raises(SpecError):
        run(cluster, fake_time, spec_of(statefulset="new"))


def test_without_cleanup_markers_stay_and_a_later_run_reads_them(cluster, fake_time):
    first = run(cluster, fake_time, spec_of(cleanup=False), want_diff=True)
    assert first["changed"] is True
    assert cluster.files["www-web-0"] == {"/data/.stateful-nfs-verify": "tok www-web-0"}
    assert first["diff"]["after"] == {"web-0:/data/.stateful-nfs-verify": "tok www-web-0",
                                      "web-1:/data/.stateful-nfs-verify": "tok www-web-1"}
    before = len(writes(cluster))
    second = run(cluster, fake_time, spec_of(marker={"token": "tok", "write": False},
                                             disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    assert second["changed"] is False and second["passed"] is True
    assert len(writes(cluster)) == before
    assert cluster.files["www-web-0"] == {"/data/.stateful-nfs-verify": "tok www-web-0"}  # not ours to remove


def test_reading_markers_of_another_token_fails(cluster, fake_time):
    run(cluster, fake_time, spec_of(cleanup=False))
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(marker={"token": "other", "write": False}))
    assert "web-0 at baseline: marker: expected 'other www-web-0'" in str(caught.value)


def test_dns_answers_that_lag_are_asked_again(cluster, fake_time):
    cluster.dns_stale = 1
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    assert result["passed"]
    checks = result["table"][-1]["checks"]
    assert checks["dns"] == "pass"


def test_dns_that_never_agrees_fails_naming_the_pod_and_address(cluster, fake_time):
    cluster.dns_stale = 10 ** 6
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(timeout=10))
    message = str(caught.value)
    ip = cluster.pods["web-0"]["status"]["podIP"]
    assert "web-0 at baseline: dns: expected web-0.web.ns.svc.cluster.local resolves from web-1 to %s, " \
           "saw addresses 10.244.9.9" % ip in message


def test_missing_service_fails_the_dns_check(cluster, fake_time):
    cluster.service = None
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of())
    assert "Service/ns/web at baseline: dns: expected the governing Service Service/ns/web exists" in str(caught.value)
    assert run(cluster, fake_time, spec_of(check_dns=False))["passed"]


def test_exec_failure_is_a_finding_of_the_preflight_and_nothing_is_written(cluster, fake_time):
    cluster.exec_failures.add("web-1")
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(check_dns=False))
    assert "web-1 at preflight: volume_access: expected create, write, fsync, rename, read back and remove " \
           "/data/.stateful-nfs-preflight-tok as the container's user, saw exec in Pod/ns/web-1: connection refused" \
        in str(caught.value)
    assert caught.value.result["markers"] == {} and writes(cluster) == []


def test_exec_failure_is_a_finding(cluster, fake_time):
    cluster.exec_failures.add("web-1")
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(check_dns=False, preflight=False))
    assert "web-1 at baseline: marker_write" in str(caught.value)
    assert "web-1 at baseline: exec" in str(caught.value)
    assert caught.value.result["markers"] == {"web-0": "removed"}


def test_missing_statefulset_is_a_spec_error(cluster, fake_time):
    with pytest.raises(SpecError) as caught:
        run(cluster, fake_time, spec_of(statefulset="nope"))
    assert caught.value.field == "statefulset"


def test_report_files_are_written_also_on_failure(tmp_path, fake_time):
    cluster = FakeCluster(make_sts(empty_dir=True))
    report_dir = str(tmp_path / "reports")
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(mount_path="/data", report_dir=report_dir, check_dns=False,
                                        disruptions=[{"type": "delete_pod", "ordinal": 1}]))
    paths = caught.value.result["report"]
    assert paths == {"json": os.path.join(report_dir, "verify_persistence-ns-web.json"),
                     "junit": os.path.join(report_dir, "verify_persistence-ns-web.junit.xml"),
                     "text": os.path.join(report_dir, "verify_persistence-ns-web.txt")}
    with open(paths["text"]) as handle:
        assert handle.read() == caught.value.result["report_text"]
    web1_after = [line for line in caught.value.result["report_text"].splitlines()
                  if line.startswith("delete_pod[web-1]") and " web-1 " in line]
    assert len(web1_after) == 1 and "FAIL(" in web1_after[0] and "marker" in web1_after[0]
    with open(paths["json"]) as handle:
        data = json.load(handle)
    assert data["passed"] is False and data["statefulset"] == "ns/web"
    assert ("web-1", "marker") in [(f["replica"], f["check"]) for f in data["findings"]]
    root = ET.parse(paths["junit"]).getroot()
    assert root.tag == "testsuites" and int(root.get("failures")) == len(data["findings"])
    names = [case.get("name") for case in root.iter("testcase") if case.find("failure") is not None]
    assert "web-1 marker" in names


def test_report_files_never_hold_the_proxy_password(tmp_path, fake_time):
    """The error of a real client whose proxy carries a password (and refuses), raised mid-run by the fake."""
    pytest.importorskip("kubernetes")
    ports = [closed_port(), closed_port()]
    secret = "rep0rt-Secret-42"
    params = dict.fromkeys(k8s_client.AUTH_ARG_SPEC)
    params.update(host="https://127.0.0.1:%d" % ports[0], api_key="t",
                  proxy="http://user:%s@127.0.0.1:%d" % (secret, ports[1]))
    real = k8s_client.client_from_params(params)
    cluster = FakeCluster(make_sts())

    def delete(kind, name, namespace=None, **_kwargs):
        return real.delete(kind, name, namespace)
    cluster.delete = delete
    report_dir = tmp_path / "reports"
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(report_dir=str(report_dir), check_dns=False, disruptions=["delete_pod"]))
    files = sorted(report_dir.iterdir())
    assert [f.name for f in files] == ["verify_persistence-ns-web.json", "verify_persistence-ns-web.junit.xml",
                                       "verify_persistence-ns-web.txt"]
    for report in files:
        assert secret not in report.read_text(), report.name
    assert "through proxy http://127.0.0.1:%d" % ports[1] in (report_dir / files[0].name).read_text()
    assert secret not in json.dumps(caught.value.result) + str(caught.value)


def test_at_once_deletes_every_pod_before_waiting(fake_time):
    cluster = FakeCluster(make_sts(policy="Parallel"))
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "at_once": True}]))
    deletes = [i for i, c in enumerate(cluster.calls) if c[0] == "delete"]
    assert len(deletes) == 2 and deletes[1] == deletes[0] + 1  # no LIST between: deleted together
    assert result["steps"][2]["pods"] == ["web-0", "web-1"] and result["passed"]


# ---------------------------------------------------------------- move_pod

def node_patches(cluster):
    return [(call[2], call[4]["spec"]["unschedulable"]) for call in cluster.calls
            if call[0] == "patch" and call[1] == "Node"]


def test_move_pod_moves_each_replica_to_another_node_and_uncordons(fake_time):
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2"))
    assert set(p["spec"]["nodeName"] for p in cluster.pods.values()) == {"node1"}
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "move_pod", "ordinal": 0}]))
    assert result["passed"] is True
    step = result["steps"][2]
    assert step["name"] == "move_pod[web-0]"
    assert step["nodes_before"] == {"web-0": "node1"} and step["nodes_after"] == {"web-0": "node2"}
    assert step["notes"] == ["cordoned node1", "deleted web-0", "uncordoned node1", "web-0 moved from node1 to node2"]
    assert node_patches(cluster) == [("node1", True), ("node1", None)]
    assert cluster.nodes["node1"]["spec"] == {} and cluster.nodes["node1"]["metadata"]["annotations"] == {}
    rows = dict(((row["step"], row["pod"]), row["node"]) for row in result["table"])
    assert rows[("baseline", "web-0")] == "node1" and rows[("move_pod[web-0]", "web-0")] == "node2"
    assert rows[("move_pod[web-0]", "web-1")] == "node1"  # not moved
    checks_of = dict((row["pod"], row["checks"]) for row in result["table"] if row["step"] == "move_pod[web-0]")
    assert checks_of["web-0"]["moved"] == "pass" and "moved" not in checks_of["web-1"]


def test_move_pod_without_ordinal_moves_every_replica_one_at_a_time(fake_time):
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2"))
    result = run(cluster, fake_time, spec_of(disruptions=["move_pod"]))
    assert [s["name"] for s in result["steps"]] == ["preflight", "baseline", "move_pod[web-0]", "move_pod[web-1]"]
    assert [s["nodes_after"] for s in result["steps"][2:]] == [{"web-0": "node2"}, {"web-1": "node2"}]
    assert not any(n["spec"].get("unschedulable") for n in cluster.nodes.values())


def test_move_pod_on_a_single_node_fails_before_anything_is_touched(cluster, fake_time):
    with pytest.raises(SpecError) as caught:
        run(cluster, fake_time, spec_of(disruptions=["delete_pod", "move_pod"]))
    message = str(caught.value)
    assert "disruptions[1].type" in message and "move_pod" in message
    assert "a second node" in message and "node1" in message and "Fix:" in message
    assert [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")] == []


def test_move_pod_names_a_node_that_cannot_take_pods_and_why(fake_time):
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2"))
    cluster.nodes["node2"]["spec"]["unschedulable"] = True
    with pytest.raises(SpecError) as caught:
        run(cluster, fake_time, spec_of(disruptions=["move_pod"]))
    assert "node1, node2 (cordoned)" in str(caught.value)


def test_move_pod_on_node_local_volumes_fails_naming_the_lost_marker(fake_time):
    """hostPath-like volumes: the claim and PV stay, the data stays behind on the old node."""
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2"), node_local=True)
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=[{"type": "move_pod", "ordinal": 1}]))
    message = str(caught.value)
    assert "web-1 after move_pod[web-1]: marker: expected 'tok www-web-1' in /data/.stateful-nfs-verify, " \
           "saw no marker file" in message
    findings = caught.value.result["findings"]
    assert [(f["replica"], f["check"]) for f in findings] == [("web-1", "marker")]
    assert cluster.nodes["node1"]["spec"] == {}  # uncordoned also when the proof fails


def test_move_pod_that_cannot_be_scheduled_times_out_and_still_uncordons(fake_time):
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2"))

    def node2_goes_away(c):
        if any(call[0] == "delete" for call in c.calls):
            c.nodes["node2"]["status"]["conditions"][0]["status"] = "False"
    cluster.on_list.append(node2_goes_away)
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(timeout=20, disruptions=[{"type": "move_pod", "ordinal": 0}]))
    message = str(caught.value)
    assert "move_pod[web-0]: timed out after 20s waiting until web-0 recreated with a new UID on a node other " \
           "than node1" in message
    assert "last event: FailedScheduling: 0/2 nodes are available" in message
    assert node_patches(cluster) == [("node1", True), ("node1", None)]
    assert caught.value.result["steps"][2]["notes"][-1] == "uncordoned node1"


def test_move_pod_leaves_a_node_cordoned_by_someone_else_cordoned(fake_time):
    cluster = FakeCluster(make_sts(), nodes=("node1", "node2", "node3"))
    cluster.nodes["node1"]["spec"]["unschedulable"] = True  # the pods were placed before the cordon
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "move_pod", "ordinal": 0}]))
    assert result["steps"][2]["notes"][0] == "node1 was already cordoned"
    assert node_patches(cluster) == [] and cluster.nodes["node1"]["spec"]["unschedulable"] is True


@pytest.mark.parametrize("disruption, renewed", [({"type": "scale_down_up", "count": 2}, [1, 2]),
                                                 ("scale_to_zero", [0, 1, 2])])
def test_when_scaled_delete_proves_the_claims_went_and_the_data_came_back(fake_time, tmp_path, disruption, renewed):
    cluster = FakeCluster(make_sts(replicas=3, retention="Delete"))
    before = dict((name, pvc["metadata"]["uid"]) for name, pvc in cluster.pvcs.items())
    result = run(cluster, fake_time, spec_of(disruptions=[disruption, "delete_pod"], rebind_released=True,
                                             report_dir=str(tmp_path)))
    assert result["passed"] is True and result["findings"] == []
    step = result["steps"][2]
    claims = ["www-web-%d" % o for o in renewed]
    assert sorted(step["claims_renewed"]) == claims
    assert step["freed"] == dict(("pv-" + claim, claim) for claim in claims)
    with open(result["report"]["json"]) as handle:
        deleted = [item for item in json.load(handle)["results"] if item["check"] == "claims_deleted"]
    assert len(deleted) == 2 * len(renewed) and all(item["passed"] for item in deleted)
    assert sorted(item["replica"] for item in deleted) == sorted(
        ["PersistentVolumeClaim " + claim for claim in claims] + ["PersistentVolume pv-" + claim for claim in claims])
    for claim in claims:  # made again, bound to the same PV
        assert cluster.pvcs[claim]["metadata"]["uid"] != before[claim]
        assert cluster.pvcs[claim]["spec"]["volumeName"] == "pv-" + claim
    rows = disruption_rows(result)
    assert all(row["checks"]["marker"] == "pass" and row["checks"]["storage"] == "pass" for row in rows)
    pv_patches = [c for c in cluster.calls if c[0] == "patch" and c[1] == "PersistentVolume"]
    assert [c[2] for c in pv_patches] == ["pv-" + claim for claim in claims]
    assert all(c[4][0] == {"op": "test", "path": "/spec/claimRef/uid", "value": before[c[2][3:]]}
               for c in pv_patches)


def test_when_scaled_delete_without_rebind_is_refused_before_anything_is_touched(fake_time):
    cluster = FakeCluster(make_sts(replicas=3, retention="Delete"))
    with pytest.raises(SpecError) as caught:
        run(cluster, fake_time, spec_of(disruptions=["scale_to_zero"]))
    assert caught.value.field == "disruptions[0].type" and "rebind_released: true" in str(caught.value)
    assert not [c for c in cluster.calls if c[0] in ("patch", "delete")]


def test_a_claim_made_again_on_a_released_pv_that_nobody_freed_fails_the_step(fake_time, monkeypatch):
    from ansible_collections.stateful.nfs.plugins.module_utils.verify import disruptions
    monkeypatch.setattr(disruptions, "free_released", lambda client, claims, outcome: {})
    cluster = FakeCluster(make_sts(replicas=3, retention="Delete"))
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(timeout=20, disruptions=[{"type": "scale_down_up", "count": 1}],
                                        rebind_released=True))
    assert "web-2" in str(caught.value)


# ---------------------------------------------------------------- the volume-access preflight

def probes(cluster):
    return [call for call in cluster.calls if call[0] == "exec" and call[2][2] == access.SCRIPT]


ROOT_SQUASHED = {"uid": 0, "gid": 0, "groups": (0,), "owner": 101, "group": 101, "mode": 0o770,
                 "fails": ("create", "sh: can't create /data/.stateful-nfs-preflight-tok.tmp: Permission denied")}


def test_the_preflight_passes_in_every_replica_then_the_disruptions_run(cluster, fake_time, tmp_path):
    result = run(cluster, fake_time, spec_of(disruptions=[{"type": "delete_pod", "ordinal": 0}],
                                             report_dir=str(tmp_path)))
    assert result["passed"] is True
    assert sorted(call[1] for call in probes(cluster)) == ["web-0", "web-1"]  # one exec per replica
    rows = [row for row in result["table"] if row["step"] == "preflight"]
    assert [(row["pod"], row["checks"]) for row in rows] == [
        ("web-0", {"volume_access": "pass"}), ("web-1", {"volume_access": "pass"})]
    assert [s["name"] for s in result["steps"]] == ["preflight", "baseline", "delete_pod[web-0]"]
    assert result["steps"][0]["notes"] == ["probe file /data/.stateful-nfs-preflight-tok"]
    assert [c[2] for c in cluster.calls if c[0] == "delete"] == ["web-0"]
    assert result["summary"]["steps"] == 1
    assert result["report_text"].splitlines()[1].startswith("preflight")
    assert "disruption durations: delete_pod[web-0]: " in result["report_text"]
    with open(result["report"]["json"]) as handle:
        seen = [item["seen"] for item in json.load(handle)["results"] if item["check"] == "volume_access"]
    assert seen == ["uid 101 gid 101 groups 101; /data is 101:101 0770; every step passed"] * 2
    suites = [suite.get("name") for suite in ET.parse(result["report"]["junit"]).getroot()]
    assert suites == ["preflight", "baseline", "delete_pod[web-0]"]


def test_root_squashed_on_a_directory_of_uid_101_stops_the_run_before_any_marker(cluster, fake_time):
    cluster.volume_access["web-1"] = ROOT_SQUASHED
    with pytest.raises(Failure) as caught:
        run(cluster, fake_time, spec_of(disruptions=["delete_pod", "scale_to_zero"]))
    message = str(caught.value)
    assert message.startswith(
        "ns/web: 1 check(s) failed: web-1 at preflight: volume_access: expected create, write, fsync, rename, read "
        "back and remove /data/.stateful-nfs-preflight-tok as the container's user, saw uid 0 gid 0 groups 0; "
        "/data is 101:101 0770; create failed: EACCES (Permission denied); likely cause: root is squashed by the NFS "
        "server (root_squash, the export's default, or all_squash)")
    assert "all_squash,anonuid=101,anongid=101" in message and "web-0" not in message
    result = caught.value.result
    assert [(f["replica"], f["check"]) for f in result["findings"]] == [("web-1", "volume_access")]
    assert "root_squash" in result["findings"][0]["cause"]
    assert [s["name"] for s in result["steps"]] == ["preflight"] and result["steps"][0]["passed"] is False
    assert [row["step"] for row in result["table"]] == ["preflight", "preflight"]
    assert "FAIL(volume_access)" in result["report_text"]
    assert writes(cluster) == [] and cluster.files == {"www-web-0": {}, "www-web-1": {}}
    assert not [c for c in cluster.calls if c[0] in ("delete", "patch")]
    assert result["markers"] == {} and result["changed"] is False
    assert result["replicas"] == {"original": 2, "found_at_end": 2, "restored": False}


def test_preflight_false_skips_it(cluster, fake_time):
    cluster.volume_access["web-1"] = ROOT_SQUASHED  # not asked
    result = run(cluster, fake_time, spec_of(preflight=False, disruptions=[{"type": "delete_pod", "ordinal": 0}]))
    assert result["passed"] is True and probes(cluster) == []
    assert [s["name"] for s in result["steps"]] == ["baseline", "delete_pod[web-0]"]
    assert "preflight" not in [row["step"] for row in result["table"]]
    assert not [line for line in result["plan"] if line.startswith("preflight")]


def test_a_run_that_only_reads_markers_needs_no_preflight(cluster, fake_time):
    run(cluster, fake_time, spec_of(cleanup=False))
    before = len(probes(cluster))
    cluster.volume_access["web-1"] = dict(ROOT_SQUASHED, fails=("create", "Read-only file system"))
    result = run(cluster, fake_time, spec_of(marker={"token": "tok", "write": False}))
    assert result["passed"] is True and len(probes(cluster)) == before
    assert [s["name"] for s in result["steps"]] == ["baseline"]


def test_check_mode_plans_the_preflight_and_runs_no_exec(cluster, fake_time):
    result = run(cluster, fake_time, spec_of(disruptions=["delete_pod"]), check_mode=True)
    assert result["plan"][1] == ("preflight: in each replica, as the container's user, create, write, fsync, "
                                 "rename, read back and remove /data/.stateful-nfs-preflight-tok")
    assert result["plan"][2].startswith("write marker")
    assert not [c for c in cluster.calls if c[0] in ("exec", "delete", "patch")]
