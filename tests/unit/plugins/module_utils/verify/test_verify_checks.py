# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.verify import checks, plan
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import make_sts

SPEC = plan.spec_from_params(dict(statefulset="web", namespace="ns", disruptions=[], marker={}, timeout=60,
                                  workers=1), lambda: "tok")
TARGET = plan.target_from(make_sts(), SPEC)


def record(**overrides):
    base = {"ordinal": 0, "pod": "web-0", "exists": True, "uid": "u2", "node": "n1", "ip": "10.0.0.2",
            "ready": True, "ready_time": "t", "volume_source": "persistentVolumeClaim", "claim": "www-web-0",
            "pvc_uid": "c1", "pv": "pv0", "nfs": "srv:/x", "hostname": "web-0", "marker": "tok www-web-0",
            "exec_error": None, "expected_claim": "www-web-0"}
    base.update(overrides)
    return base


def failed(results):
    return [(item["check"], item["expected"], item["seen"]) for item in results if not item["passed"]]


def test_a_healthy_replica_passes_every_check():
    results = checks.check_replica("s", TARGET, record(), baseline=record(uid="u1"), expected_marker="tok www-web-0",
                                   old_uid="u1")
    assert [item["check"] for item in results] == ["ready", "recreated", "hostname", "marker", "claim", "storage"]
    assert failed(results) == []


def test_each_check_fails_with_expected_and_seen():
    now = record(uid="u1", hostname="other", marker=None, claim="www-web-9", pvc_uid="c2", ready=False)
    results = checks.check_replica("s", TARGET, now, baseline=record(uid="u1"), expected_marker="tok www-web-0",
                                   old_uid="u1")
    assert failed(results) == [
        ("ready", "Ready", "not Ready"),
        ("recreated", "a new pod (UID other than u1)", "UID u1"),
        ("hostname", "hostname web-0 (the pod name)", "hostname 'other'"),
        ("marker", "'tok www-web-0' in /data/.stateful-nfs-verify", "no marker file"),
        ("claim", "claim www-web-0", "claim 'www-web-9'"),
        ("storage", "claim UID c1, PV pv0, NFS srv:/x", "claim UID c2, PV pv0, NFS srv:/x"),
    ]


def test_a_changed_pv_or_export_fails_storage():
    results = checks.check_replica("s", TARGET, record(nfs="srv:/elsewhere"), baseline=record())
    assert failed(results) == [("storage", "claim UID c1, PV pv0, NFS srv:/x", "claim UID c1, PV pv0, NFS srv:/elsewhere")]


def test_missing_pod_is_one_finding():
    results = checks.check_replica("s", TARGET, {"pod": "web-0", "exists": False})
    assert failed(results) == [("present", "pod web-0 exists", "no such pod")]


def test_exec_error_replaces_hostname_and_marker_checks():
    results = checks.check_replica("s", TARGET, record(exec_error="boom"), expected_marker="x")
    assert failed(results) == [("exec", "the probe runs in container main", "boom")]


def test_volume_without_claim_fails_the_claim_check():
    results = checks.check_replica("s", TARGET, record(expected_claim=None, claim=None, volume_source="emptyDir"))
    assert failed(results) == [("claim", "volume www from a volumeClaimTemplate (a claim <template>-web-0)",
                                "emptyDir volume www (its data lives and dies with the pod)")]


def test_ordinals_must_be_the_same_set():
    assert failed(checks.check_ordinals("s", TARGET, {0: record(), 1: record(pod="web-1")})) == []
    assert failed(checks.check_ordinals("s", TARGET, {0: record(), 1: {"exists": False}, 2: record()})) == [
        ("ordinals", "ordinals [0, 1]", "ordinals [0, 2]")]


def test_claims_kept_while_scaled_down():
    outcome = {"claims_while_down": {
        "www-web-1": {"exists": True, "phase": "Bound", "terminating": False, "uid": "a"},
        "www-web-2": {"exists": True, "phase": "Bound", "terminating": True, "uid": "b"},
        "www-web-3": {"exists": False, "phase": None, "terminating": False, "uid": None}}}
    results = checks.check_claims_kept("s", outcome)
    assert [(item["replica"], item["passed"], item["seen"]) for item in results] == [
        ("PersistentVolumeClaim www-web-1", True, "Bound"),
        ("PersistentVolumeClaim www-web-2", False, "Bound, terminating"),
        ("PersistentVolumeClaim www-web-3", False, "deleted")]


def test_dns_and_srv():
    ok = checks.check_dns("s", record(), "web-0.web.ns.svc.cluster.local", "web-1", (["10.0.0.2"], None))
    stale = checks.check_dns("s", record(), "web-0.web.ns.svc.cluster.local", "web-1", (["10.0.0.9"], None))
    broken = checks.check_dns("s", record(), "f", "web-1", ([], "exec failed"))
    assert ok["passed"] and not stale["passed"] and not broken["passed"]
    assert stale["seen"] == "addresses 10.0.0.9" and broken["seen"] == "error: exec failed"
    srv = checks.check_srv("s", "Service/ns/web", "_web._tcp.web.ns.svc.cluster.local", ["a", "b"], (["b", "a"], None))
    short = checks.check_srv("s", "Service/ns/web", "_web._tcp", ["a", "b"], (["a"], None))
    assert srv["passed"] and not short["passed"] and short["seen"] == "targets a"


def test_message_names_replica_step_check_expected_and_seen():
    item = checks.result("delete_pod[web-0]", "web-0", "marker", False, "'t' in /data/m", "no marker file")
    assert checks.message(item) == "web-0 after delete_pod[web-0]: marker: expected 't' in /data/m, saw no marker file"
    assert checks.message(dict(item, step="baseline")).startswith("web-0 at baseline: marker")


def test_summarize_row_marks_failed_checks():
    results = checks.check_replica("s", TARGET, record(marker="bad"), expected_marker="tok www-web-0")
    row = checks.summarize_row("s", record(marker="bad"), results + [checks.result("other", "web-0", "x", False, 1, 2)])
    assert row["checks"] == {"ready": "pass", "hostname": "pass", "marker": "fail", "claim": "pass"}
    assert row["passed"] is False and row["pv"] == "pv0" and row["nfs"] == "srv:/x"


def test_a_preflight_finding_says_at_preflight_and_its_cause():
    item = checks.result("preflight", "web-1", "volume_access", False, "create ...", "create failed: EACCES",
                         cause="root is squashed")
    assert checks.message(item) == ("web-1 at preflight: volume_access: expected create ..., saw create failed: "
                                    "EACCES; likely cause: root is squashed")
    assert "cause" not in checks.result("preflight", "web-1", "volume_access", True, "e", "s")
    assert "volume_access" in checks.CHECKS
