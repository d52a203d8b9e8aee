# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of a run: a dict (returned and written as JSON), JUnit XML for AWX and CI, a text table. Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import xml.etree.ElementTree as ET

from ansible_collections.stateful.nfs.plugins.module_utils.verify.checks import CHECK_ONLY_STEPS, message

TOOL = "stateful.nfs.verify_persistence"
TABLE_COLUMNS = (("step", "step"), ("pod", "pod"), ("uid", "uid"), ("node", "node"), ("hostname", "hostname"),
                 ("claim", "claim"), ("pv", "pv"), ("nfs", "nfs"), ("marker", "marker"), ("ready_time", "ready"),
                 ("result", "result"))


TARGET_KEYS = ("container", "volume", "volume_source", "mount_path", "marker_file", "replicas", "service",
               "pod_management_policy", "update_strategy")


def target_summary(target):
    return dict((key, target.get(key)) for key in TARGET_KEYS)


def build(target, token, steps, table, results, started, finished, duration, restored=None, error=None):
    """The whole report as plain data."""
    failed = [dict(item, message=message(item)) for item in results if not item["passed"]]
    return {
        "tool": TOOL,
        "statefulset": "%s/%s" % (target["namespace"], target["statefulset"]),
        "target": target_summary(target),
        "token": token,
        "started": started,
        "finished": finished,
        "duration_seconds": duration,
        "passed": not failed and not error,
        "error": error,
        "steps": steps,
        "table": table,
        "results": results,
        "findings": failed,
        "replicas_restored": restored,
        "summary": {
            "checks": len(results),
            "failed": len(failed),
            "steps": len([s for s in steps if s["name"] not in CHECK_ONLY_STEPS]),
            "replicas": target.get("replicas"),
        },
    }


def to_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def _seconds(value):
    return "%.3f" % float(value or 0)


def to_junit(report):
    """JUnit XML: one testsuite per step (time = how long the disruption took), one testcase per check."""
    classname = "%s.%s" % (TOOL, report["statefulset"].replace("/", "."))
    root = ET.Element("testsuites", name="%s %s" % (TOOL, report["statefulset"]),
                      tests=str(len(report["results"])), failures=str(len(report["findings"])),
                      errors="1" if report.get("error") else "0", time=_seconds(report["duration_seconds"]))
    by_step = {}
    for item in report["results"]:
        by_step.setdefault(item["step"], []).append(item)
    for step in report["steps"]:
        items = by_step.get(step["name"], [])
        suite = ET.SubElement(root, "testsuite", name=step["name"], tests=str(len(items)),
                              failures=str(len([i for i in items if not i["passed"]])),
                              errors="1" if step.get("error") else "0", time=_seconds(step.get("duration_seconds")),
                              timestamp=step.get("started") or "")
        if step.get("notes"):
            props = ET.SubElement(suite, "properties")
            for index, note in enumerate(step["notes"]):
                ET.SubElement(props, "property", name="note.%d" % index, value=note)
        if step.get("error"):
            case = ET.SubElement(suite, "testcase", classname=classname, name="%s disruption" % step["name"],
                                 time=_seconds(step.get("duration_seconds")))
            ET.SubElement(case, "error", message=step["error"], type="disruption").text = step["error"]
        for item in items:
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (classname, step["name"]),
                                 name="%s %s" % (item["replica"], item["check"]), time="0")
            if not item["passed"]:
                ET.SubElement(case, "failure", message=message(item), type=item["check"]).text = (
                    "expected: %s\nseen: %s" % (item["expected"], item["seen"])
                    + ("\nlikely cause: %s" % item["cause"] if item.get("cause") else ""))
            else:
                ET.SubElement(case, "system-out").text = item["seen"]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cell(row, key):
    if key == "result":
        failed = sorted(check for check, state in (row.get("checks") or {}).items() if state == "fail")
        return "ok" if not failed else "FAIL(%s)" % ",".join(failed)
    if key == "marker":
        state = (row.get("checks") or {}).get("marker")
        if row.get("marker") is None:
            return "none"
        return {"pass": "intact", "fail": "changed"}.get(state, "present")
    value = row.get(key)
    if key == "uid" and value:
        return value[:8]
    return "-" if value is None else str(value)


def to_table(report):
    """The result table as aligned text: one line per replica and step."""
    header = [column[1] for column in TABLE_COLUMNS]
    lines = [[_cell(row, column[0]) for column in TABLE_COLUMNS] for row in report["table"]]
    widths = [max(len(cells[i]) for cells in [header] + lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip() for cells in [header] + lines]
    steps = ["%s: %ss%s" % (s["name"], s.get("duration_seconds"), " (%s)" % s["error"] if s.get("error") else "")
             for s in report["steps"] if s["name"] not in CHECK_ONLY_STEPS]
    if steps:
        out.append("")
        out.append("disruption durations: " + "; ".join(steps))
    return "\n".join(out) + "\n"
