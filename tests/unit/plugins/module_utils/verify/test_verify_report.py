# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import xml.etree.ElementTree as ET

from ansible_collections.stateful.nfs.plugins.module_utils.verify import checks, report

TARGET = {"namespace": "ns", "statefulset": "web", "container": "main", "volume": "www",
          "volume_source": "volumeClaimTemplate", "mount_path": "/data", "marker_file": "/data/m", "replicas": 2,
          "service": "web", "pod_management_policy": "OrderedReady", "update_strategy": "RollingUpdate"}
STEPS = [{"name": "baseline", "started": None, "duration_seconds": None, "notes": ["markers written"], "error": None},
         {"name": "delete_pod[web-0]", "started": "2026-01-01T00:00:00Z", "duration_seconds": 4.5,
          "notes": ["deleted web-0"], "error": None}]
RESULTS = [checks.result("baseline", "web-0", "marker", True, "'t' in /data/m", "'t'"),
           checks.result("delete_pod[web-0]", "web-0", "marker", False, "'t' in /data/m", "no marker file"),
           checks.result("delete_pod[web-0]", "web-1", "marker", True, "'t' in /data/m", "'t'")]
ROW = {"step": "delete_pod[web-0]", "ordinal": 0, "pod": "web-0", "uid": "0123456789", "node": "n1", "ip": "i",
       "hostname": "web-0", "claim": "www-web-0", "pvc_uid": "c", "pv": "pv0", "nfs": "s:/p", "marker": None,
       "ready_time": "t", "checks": {"marker": "fail", "claim": "pass"}, "passed": False}


def build(**kwargs):
    return report.build(TARGET, "t", STEPS, [ROW], RESULTS, "a", "b", 7.25, **kwargs)


def test_build_summarizes_and_lists_findings_with_messages():
    data = build(restored={"original": 2, "found_at_end": 2, "restored": False})
    assert data["passed"] is False and data["statefulset"] == "ns/web"
    assert data["summary"] == {"checks": 3, "failed": 1, "steps": 1, "replicas": 2}
    expected = "web-0 after delete_pod[web-0]: marker: expected 't' in /data/m, saw no marker file"
    assert data["findings"] == [dict(RESULTS[1], message=expected)]
    assert data["target"]["marker_file"] == "/data/m" and "namespace" not in data["target"]
    assert json.loads(report.to_json(data)) == data


def test_an_error_without_findings_still_fails():
    data = report.build(TARGET, "t", STEPS, [], RESULTS[:1], "a", "b", 1, error="boom")
    assert data["passed"] is False and data["findings"] == []


def test_junit_has_a_suite_per_step_and_a_case_per_check():
    xml = report.to_junit(build())
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("time")) == ("3", "1", "0", "7.250")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("time")) for s in suites] == [
        ("baseline", "1", "0", "0.000"), ("delete_pod[web-0]", "2", "1", "4.500")]
    failure = suites[1].find("testcase[@name='web-0 marker']/failure")
    assert failure.get("type") == "marker"
    assert failure.text == "expected: 't' in /data/m\nseen: no marker file"
    assert suites[1].find("testcase[@name='web-1 marker']/failure") is None
    assert suites[1].find("properties/property").get("value") == "deleted web-0"


def test_junit_reports_a_disruption_error():
    steps = [dict(STEPS[1], error="timed out after 30s: web-0: not Ready")]
    root = ET.fromstring(report.to_junit(report.build(TARGET, "t", steps, [], [], "a", "b", 1)).split("\n", 1)[1])
    error = root.find("testsuite/testcase/error")
    assert error.get("message") == "timed out after 30s: web-0: not Ready" and root.find("testsuite").get("errors") == "1"


def test_text_table():
    text = report.to_table(build())
    lines = text.splitlines()
    assert lines[0].split() == ["step", "pod", "uid", "node", "hostname", "claim", "pv", "nfs", "marker", "ready",
                                "result"]
    assert lines[1].split() == ["delete_pod[web-0]", "web-0", "01234567", "n1", "web-0", "www-web-0", "pv0", "s:/p",
                                "none", "t", "FAIL(marker)"]
    assert lines[-1] == "disruption durations: delete_pod[web-0]: 4.5s"


def test_the_preflight_is_a_suite_with_the_likely_cause_but_no_disruption():
    preflight = {"name": "preflight", "started": None, "duration_seconds": None, "notes": [], "error": None}
    refused = checks.result("preflight", "web-0", "volume_access", False, "create ... /data/p", "create failed: "
                            "EACCES (Permission denied)", cause="root is squashed")
    data = report.build(TARGET, "t", [preflight] + STEPS[:1], [], [refused], "a", "b", 1)
    assert data["summary"]["steps"] == 0 and "disruption durations" not in report.to_table(data)
    failure = ET.fromstring(report.to_junit(data).split("\n", 1)[1]).find(
        "testsuite[@name='preflight']/testcase/failure")
    assert failure.get("message").endswith("; likely cause: root is squashed")
    assert failure.text.endswith("\nlikely cause: root is squashed")
