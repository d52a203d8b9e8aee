# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.verify import observe, plan
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import (
    FakeCluster, make_sts)

SPEC = plan.spec_from_params(dict(statefulset="web", namespace="ns", disruptions=[], marker={}, timeout=60,
                                  workers=1), lambda: "tok")


def test_parse_probe():
    assert observe.parse_probe("web-0\npresent\ntok www-web-0") == ("web-0", "tok www-web-0")
    assert observe.parse_probe("web-0\nabsent\n") == ("web-0", None)
    assert observe.parse_probe("web-0\npresent\n") == ("web-0", "")
    assert observe.parse_probe("") == (None, None)


def test_identity_and_storage_from_api_objects():
    cluster = FakeCluster(make_sts())
    target = plan.target_from(cluster.sts, SPEC)
    pod = cluster.pods["web-1"]
    ident = observe.identity(target, 1, pod)
    assert ident["pod"] == "web-1" and ident["claim"] == "www-web-1" and ident["ready"] is True
    assert ident["uid"] == pod["metadata"]["uid"] and ident["ip"] == pod["status"]["podIP"]
    assert ident["ready_time"] == pod["status"]["conditions"][0]["lastTransitionTime"]
    assert observe.identity(target, 3, None)["exists"] is False
    store = observe.storage(cluster.pvcs["www-web-1"], cluster.pvs["pv-www-web-1"])
    assert store == {"pvc_uid": "pvc-www-web-1", "pvc_phase": "Bound", "pv": "pv-www-web-1",
                     "nfs": "10.0.0.1:/srv/www-web-1", "nfs_path": "/srv/www-web-1"}
    pod["metadata"]["deletionTimestamp"] = "now"
    assert observe.is_ready(pod) is False


def test_observe_all_reads_inside_and_marks_pods_beyond_the_replicas():
    cluster = FakeCluster(make_sts(replicas=3))
    target = plan.target_from(make_sts(replicas=2), SPEC)
    cluster.files["www-web-0"] = {"/data/.stateful-nfs-verify": "x"}
    records = observe.observe_all(cluster, target, cluster.exec_fn, workers=3)
    assert records[0]["hostname"] == "web-0" and records[0]["marker"] == "x" and records[1]["marker"] is None
    assert records[2]["extra"] is True
    assert observe.observe_all(cluster, target, cluster.exec_fn, inside=False)[0]["hostname"] is None


class TestAfterWrites:
    """The baseline from the first observation and the writes' read-back, when one LIST shows the same pods."""

    def setup_method(self):
        self.cluster = FakeCluster(make_sts())
        self.target = plan.target_from(self.cluster.sts, SPEC)
        self.first = observe.observe_all(self.cluster, self.target, self.cluster.exec_fn)
        self.written = {0: "tok www-web-0", 1: "tok www-web-1"}

    def pods(self):
        return observe.list_pods(self.cluster, self.target)

    def test_same_ready_pods_give_the_first_records_with_the_markers_read_back(self):
        records = observe.after_writes(self.target, self.first, self.pods(), self.written)
        assert [records[o]["marker"] for o in (0, 1)] == ["tok www-web-0", "tok www-web-1"]
        assert records[1] == dict(self.first[1], marker="tok www-web-1")
        assert self.first[1]["marker"] is None  # the first observation is not changed

    def test_the_identity_comes_from_the_list(self):
        pods = self.pods()
        pods[1]["status"]["conditions"][0]["lastTransitionTime"] = "2026-01-01T00:01:00Z"
        records = observe.after_writes(self.target, self.first, pods, self.written)
        assert records[1]["ready_time"] == "2026-01-01T00:01:00Z"

    def test_a_pod_replaced_since_means_observe_again(self):
        pods = self.pods()
        pods[1]["metadata"]["uid"] = "uid-new"
        assert observe.after_writes(self.target, self.first, pods, self.written) is None

    def test_a_pod_not_ready_now_means_observe_again(self):
        pods = self.pods()
        pods[0]["status"]["conditions"][0]["status"] = "False"
        assert observe.after_writes(self.target, self.first, pods, self.written) is None

    def test_a_write_that_did_not_read_back_means_observe_again(self):
        assert observe.after_writes(self.target, self.first, self.pods(), {0: "tok www-web-0"}) is None

    def test_an_extra_or_missing_pod_means_observe_again(self):
        pods = self.pods()
        assert observe.after_writes(self.target, self.first, {0: pods[0]}, self.written) is None
        pods[2] = dict(pods[1])
        assert observe.after_writes(self.target, self.first, pods, self.written) is None

    def test_a_replica_not_observed_inside_means_observe_again(self):
        self.first[0]["exec_error"] = "exec in Pod/ns/web-0: connection refused"
        assert observe.after_writes(self.target, self.first, self.pods(), self.written) is None


def test_parallel_keeps_order():
    assert observe.parallel(lambda x: x * 2, [3, 1, 2], 3) == [6, 2, 4]


@pytest.mark.parametrize("content", ["tok www-web-0", "with 'quotes' and $HOME"])
def test_the_shell_scripts_write_read_and_remove_a_marker(tmp_path, content):
    """The scripts run by a real sh: the marker is written, read back, probed, then removed only if ours."""
    target = {"marker_file": str(tmp_path / "sub" / "marker")}

    def sh(command):
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert sh(observe.write_command(target, content)) == content
    probe = sh(observe.probe_command(target)).replace(subprocess.run(["hostname"], capture_output=True, text=True, check=True)
                                                      .stdout.strip(), "HOST", 1)
    assert observe.parse_probe(probe) == ("HOST", content)
    assert not (tmp_path / "sub" / "marker.tmp").exists()
    assert sh(observe.remove_command(target, "other")).strip() == "kept"
    assert sh(observe.remove_command(target, content)).strip() == "removed"
    assert sh(observe.remove_command(target, content)).strip() == "absent"
    assert observe.parse_probe(sh(observe.probe_command(target)))[1] is None


def test_exec_handshake_errors_are_one_short_line():
    from ansible_collections.stateful.nfs.plugins.module_utils.verify.pod_exec import exec_error_reason

    class Exc(Exception):
        reason = ("Handshake status 500 Internal Server Error -+-+- {'content-length': '27'} -+-+- "
                  "container not found (\"web\")")
    assert exec_error_reason(Exc()) == 'container not found ("web") (Handshake status 500 Internal Server Error)'

    class Plain(Exception):
        reason = None
    assert exec_error_reason(Plain("connection  refused")) == "connection refused"
