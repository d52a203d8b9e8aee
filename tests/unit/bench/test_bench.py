# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's pure parts: figures, the table, and what each case runs (no test bed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import subprocess

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import app_model
from ansible_collections.stateful.nfs.tests.bench import bench
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_app_model import ENTRY_SPEC


def row(group, case, phase, median, **extra):
    return dict({"group": group, "case": case, "phase": phase, "min": median, "median": median}, **extra)


# ---------------------------------------------------------------- figures

def test_summary_is_min_and_median():
    assert bench.summary([3.0, 1.0, 2.0]) == (1.0, 2.0)
    assert bench.summary([4.0, 1.0]) == (1.0, 2.5)


@pytest.mark.parametrize("points, expected", [
    ([(10, 1.0)], None),                          # one point has no slope
    ([(10, 1.0), (10, 2.0)], None),               # nor do points of one N
    ([(10, 1.0), (20, 2.0)], 0.1),
    ([(0, 1.0), (10, 2.0), (20, 3.0)], 0.1),
    ([(0, 0.0), (10, 1.0), (20, 1.0), (30, 2.0)], 0.06),
])
def test_slope_is_the_least_squares_cost_of_one_more(points, expected):
    assert bench.slope(points) == (pytest.approx(expected) if expected is not None else None)


def test_requests_delta_counts_verbs_of_the_resources_without_status():
    before = {("GET", "pods", ""): 5, ("PATCH", "pods", "status"): 7, ("LIST", "nodes", ""): 1,
              ("WATCH", "pods", ""): 3}
    after = {("GET", "pods", ""): 8, ("PATCH", "pods", "status"): 20, ("LIST", "nodes", ""): 4,
             ("WATCH", "pods", ""): 3, ("CONNECT", "pods", "exec"): 2, ("DELETE", "pods", ""): 5,
             ("GET", "statefulsets", ""): 1}
    # a verb is summed over the resources; unchanged counters and other resources are left out
    assert bench.requests_delta(before, after, {"pods", "statefulsets"}) == {"GET": 4, "CONNECT": 2, "DELETE": 5}


def test_parse_metrics_sums_the_series_of_a_verb_resource_and_subresource():
    text = "\n".join([
        "# HELP apiserver_request_total [STABLE] Counter of apiserver requests",
        "# TYPE apiserver_request_total counter",
        'apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="namespace",'
        'subresource="",verb="GET",version="v1"} 12',
        'apiserver_request_total{code="404",component="apiserver",group="",resource="pods",scope="namespace",'
        'subresource="",verb="GET",version="v1"} 3',
        'apiserver_request_total{code="101",resource="pods",subresource="exec",verb="CONNECT"} 1e+01',
        'apiserver_request_total{code="200",verb="GET"} 4',
        'apiserver_request_duration_seconds_count{resource="pods",verb="GET"} 99',
    ])
    assert bench.parse_metrics(text) == {("GET", "pods", ""): 15, ("CONNECT", "pods", "exec"): 10, ("GET", "", ""): 4}


# ---------------------------------------------------------------- the table

def test_table_aligns_the_columns_and_dashes_what_is_missing():
    text = bench.table([
        row("pvs-10", "kubectl apply -f", "create", 1.234, ratio=1.0, requests={"POST": 10, "GET": 1}),
        row("empty", "ansible-playbook (no tasks)", "run", 2.0, note="x"),
    ])
    assert text.splitlines() == [
        "group   case                         phase   min s  median s  x ref  API requests   note",
        "pvs-10  kubectl apply -f             create  1.23   1.23      1.00   GET=1 POST=10",
        "empty   ansible-playbook (no tasks)  run     2.00   2.00      -      -              x",
    ]


def test_with_ratios_divides_by_the_reference_of_the_group_and_phase():
    rows = [row("pvs-10", "ref", "create", 2.0), row("pvs-10", "ours", "create", 1.0),
            row("pvs-10", "ours", "delete", 3.0), row("pvs-10", "ref", "delete", 0.0),
            row("pvs-50", "ours", "create", 4.0)]
    assert [r["ratio"] for r in bench.with_ratios(rows, lambda group: "ref")] == [1.0, 0.5, None, None, None]


@pytest.mark.parametrize("group, reference", [
    ("empty", "ansible-playbook (no tasks)"),
    ("pvs-200", "kubectl apply -f"),
    ("exports-1000", "lineinfile loop + handler"),
    ("proof-4", "kubectl"),
    ("site-20", "stateful.nfs.site"),
])
def test_every_group_has_a_reference(group, reference):
    assert bench.reference_case(group) == reference
    assert set(bench.REFERENCES) == set(bench.GROUPS)


def test_sizes():
    assert bench.sizes("100,1000") == [100, 1000]
    assert bench.sizes("") == []
    assert bench.size_of("site-20") == 20


def test_rows_of_makes_a_row_per_phase_in_order_with_the_count():
    found = {"create": {"samples": [3.0, 1.0, 2.0], "requests": {}, "calls": 1},
             "no-op": {"samples": [1.0], "requests": {"GET": 1}, "calls": 0}}
    assert bench.rows_of("exports-10", "x", found, counted="exportfs") == [
        {"group": "exports-10", "case": "x", "phase": "create", "min": 1.0, "median": 2.0, "requests": {},
         "note": "exportfs runs: 1"},
        {"group": "exports-10", "case": "x", "phase": "no-op", "min": 1.0, "median": 1.0, "requests": {"GET": 1},
         "note": "exportfs runs: 0"},
    ]
    assert "note" not in bench.rows_of("pvs-10", "x", found)[0]


def test_with_per_app_notes_the_median_per_app_of_site_rows_only():
    rows = bench.with_per_app([row("site-20", "stateful.nfs.site", "create", 50.0), row("proof-4", "kubectl", "x", 8.0)])
    assert rows[0]["note"] == "per app 2.50 s"
    assert "note" not in rows[1]


def test_fit_lines_give_the_cost_of_one_more_item_per_case():
    rows = [row("pvs-10", "a", "create", 1.0), row("pvs-20", "a", "create", 2.0), row("pvs-20", "a", "delete", 9.0),
            row("pvs-10", "b", "create", 1.0), row("pvs-300", "b", "-", 0, note="not run"),
            row("exports-10", "a", "create", 7.0)]
    assert bench.fit_points(rows, "pvs", "create") == {"a": [(10, 1.0), (20, 2.0)], "b": [(10, 1.0)]}
    assert bench.fit_lines(rows, "pvs", "create", "PV") == [
        "per PV (create, least squares over N=10,20): a                                    100.00 ms; fixed 0.00 s"]


def test_the_summary_fits_the_no_op_runs_of_the_pvs_beside_their_creates():
    rows = [row("pvs-10", "stateful.nfs.volumes", "create", 1.5), row("pvs-110", "stateful.nfs.volumes", "create", 2.5),
            row("pvs-10", "stateful.nfs.volumes", "no-op", 1.3), row("pvs-110", "stateful.nfs.volumes", "no-op", 1.4),
            row("empty", "ansible-playbook (no tasks)", "run", 0.9)]
    lines = bench.summary_lines(rows)
    assert [line.split(":")[0] for line in lines] == [
        "per PV (create, least squares over N=10,110)", "per PV (no-op, least squares over N=10,110)"]
    assert lines[1].endswith("stateful.nfs.volumes                 1.00 ms; fixed 1.29 s, 0.39 s over an empty playbook")


def test_fit_lines_give_the_fixed_cost_and_for_ansible_cases_the_part_over_an_empty_playbook():
    rows = [row("pvs-10", "stateful.nfs.volumes", "create", 1.5), row("pvs-110", "stateful.nfs.volumes", "create", 2.5),
            row("pvs-10", "kubectl apply -f", "create", 0.3), row("pvs-110", "kubectl apply -f", "create", 1.3),
            row("empty", bench.ONE_TASK, "run", 1.25), row("empty", "ansible-playbook (no tasks)", "run", 0.9)]
    assert bench.empty_median(rows) == 0.9
    assert bench.empty_median(rows, bench.ONE_TASK) == 1.25
    lines = bench.fit_lines(rows, "pvs", "create", "PV", bench.empty_median(rows), bench.empty_median(rows, bench.ONE_TASK))
    assert lines[0].endswith("kubectl apply -f                     10.00 ms; fixed 0.20 s")
    assert lines[1].endswith("stateful.nfs.volumes                 10.00 ms; fixed 1.40 s, 0.50 s over an empty playbook, "
                             "0.15 s over one ping task")


@pytest.mark.parametrize("points, expected", [
    ([(10, 1.0)], None),
    ([(10, 1.5), (110, 2.5)], 1.4),
    ([(0, 0.0), (10, 1.0), (20, 1.0), (30, 2.0)], 0.1),
])
def test_intercept_is_the_cost_at_zero(points, expected):
    assert bench.intercept(points) == (pytest.approx(expected) if expected is not None else None)


# ---------------------------------------------------------------- exports

def test_export_vars_hold_the_paths_for_the_loop_and_the_list_form():
    assert bench.export_vars(["/a", "/b"]) == {"paths": ["/a", "/b"], "exports": [{"path": "/a"}, {"path": "/b"}]}


def test_the_counting_script_counts_its_calls_and_succeeds(tmp_path):
    count_file = str(tmp_path / "calls of it")
    script = tmp_path / "exportfs"
    script.write_text(bench.counting_script(count_file))
    script.chmod(stat.S_IRWXU)
    assert bench.lines_in(count_file) == 0
    for _call in range(3):
        subprocess.check_call([str(script), "-ra"])
    assert bench.lines_in(count_file) == 3


def test_in_mount_namespace_binds_each_pair_then_runs_the_command(tmp_path):
    argv = bench.in_mount_namespace([("/src/a", "/etc/a"), ("/src/b", "/usr/b")], ["echo", "ran", "$1"])
    assert argv[:5] == ["unshare", "--mount", "--propagation", "private", "sh"]
    # the shell part, with a mount that only logs what it is asked
    log = tmp_path / "mounts"
    fake = tmp_path / "mount"
    fake.write_text('#!/bin/sh\necho "$*" >> %s\n' % log)
    fake.chmod(stat.S_IRWXU)
    env = dict(os.environ, PATH="%s:%s" % (tmp_path, os.environ["PATH"]))
    out = subprocess.check_output(argv[4:], env=env, universal_newlines=True)
    assert out == "ran $1\n"
    assert log.read_text().splitlines() == ["--bind /src/a /etc/a", "--bind /src/b /usr/b"]


def test_mount_point_makes_a_missing_directory_for_the_block_only(tmp_path):
    path = str(tmp_path / "exports.d")
    with bench.mount_point(path):
        assert os.path.isdir(path)
    assert not os.path.exists(path)
    os.mkdir(path)
    with bench.mount_point(path):
        pass
    assert os.path.isdir(path)


# ---------------------------------------------------------------- proof

def test_delete_pod_is_a_step_per_pod_and_rollout_restart_one_step():
    pods = bench.pod_names("web", 2)
    assert pods == ["web-0", "web-1"]
    assert bench.delete_pod_steps(pods, "ns") == [
        [["delete", "pod", pod, "-n", "ns"],
         ["wait", "--for=create", "--for=condition=Ready", "pod/" + pod, "-n", "ns", "--timeout=300s"]]
        for pod in pods]
    steps = bench.rollout_restart_steps("web", "ns")
    assert bench.commands_of(steps) == [["rollout", "restart", "statefulset/web", "-n", "ns"],
                                        ["rollout", "status", "statefulset/web", "-n", "ns", "--timeout=300s"]]


def test_with_marker_io_writes_first_reads_after_each_step_removes_last():
    pods = ["web-0", "web-1"]
    steps = [[["step", "1"]], [["step", "2a"], ["step", "2b"]]]
    commands = bench.with_marker_io(steps, pods, "ns", lambda pod: ["write", pod], lambda pod: ["read", pod],
                                    lambda pod: ["remove", pod])

    def execs(verb):
        return [["exec", pod, "-n", "ns", "--", verb, pod] for pod in pods]
    assert commands == (execs("write") + [["step", "1"]] + execs("read") + [["step", "2a"], ["step", "2b"]]
                        + execs("read") + execs("remove"))


# ---------------------------------------------------------------- site

def test_the_bench_app_is_a_valid_stateful_apps_entry_once_the_settings_are_in():
    settings = {"testbed_image": "localhost/busybox:1", "testbed_nfs_server": "172.30.0.1",
                "testbed_nfs_root": "/srv/stateful-nfs", "k8s_kubeconfig": "/k"}
    text = json.dumps(bench.site_vars([bench.bench_app("app-%d" % index, "bench", 1, "bench") for index in range(2)],
                                      verify=False))
    for key, value in settings.items():
        text = text.replace("{{ %s }}" % key, value)
    site_vars = json.loads(text.replace('"{{ testbed_nfs_clients }}"', '["172.30.0.0/24"]'))
    assert site_vars["stateful_nfs_verify"] is False
    assert site_vars["stateful_nfs_kubeconfig"] == "/k"
    planned = app_model.plan(site_vars["stateful_apps"], ENTRY_SPEC)
    assert planned["problems"] == []
    assert [export["path"] for app in planned["nfs"]["nfs1"] for export in app["exports"]] == [
        "/srv/stateful-nfs/bench/www-app-0-0", "/srv/stateful-nfs/bench/www-app-1-0"]


# ---------------------------------------------------------------- measure and the options

class FakeBed(object):
    def __init__(self):
        self.readings = 0

    def metrics(self):
        self.readings += 1
        return {("GET", "pods", ""): self.readings * 10}


def test_measure_keeps_every_sample_and_the_first_rounds_requests_and_calls():
    bed, calls, log = FakeBed(), [0], []

    def action(seconds):
        def act():
            calls[0] += 1
            log.append(seconds)
            return seconds
        return act
    found = bench.measure(bed, 2, [("create", action(2.0)), ("no-op", action(1.0))], {"pods"},
                          after_round=lambda: log.append("clean"), calls=lambda: calls[0])
    assert log == [2.0, 1.0, "clean", 2.0, 1.0, "clean"]
    assert found == {"create": {"samples": [2.0, 2.0], "requests": {"GET": 10}, "calls": 1},
                     "no-op": {"samples": [1.0, 1.0], "requests": {"GET": 10}, "calls": 1}}
    assert bed.readings == 4 + 2  # before and after each phase of round 1, before each of round 2


def test_measure_reads_no_metrics_without_resources():
    bed = FakeBed()
    found = bench.measure(bed, 1, [("run", lambda: 1.0)], None)
    assert found == {"run": {"samples": [1.0], "requests": {}, "calls": None}}
    assert bed.readings == 0


def test_an_unknown_group_is_refused_naming_the_groups(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--kubeconfig", "k", "--kubectl", "kubectl", "--collections", "c", "--only", "pvs,export"])
    assert "unknown group export (groups: empty,pvs,exports,proof,site)" in capsys.readouterr().err
