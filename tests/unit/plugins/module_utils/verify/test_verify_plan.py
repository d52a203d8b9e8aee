# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.verify import plan

from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import make_sts


def params(**overrides):
    base = dict(statefulset="web", namespace="ns", container=None, mount_path=None, volume=None, disruptions=[],
                marker={}, cleanup=True, check_dns=True, cluster_domain="cluster.local", timeout=120,
                report_dir=None, wait_for_ready=False, workers=4)
    base.update(overrides)
    return base


def spec_of(**overrides):
    return plan.spec_from_params(params(**overrides), lambda: "tok")


def test_disruption_names_and_dicts_are_normalized_with_the_default_timeout():
    spec = spec_of(disruptions=["delete_pod", {"type": "scale_down_up", "count": 2, "timeout": 9}])
    assert spec["disruptions"] == [
        {"type": "delete_pod", "ordinal": None, "count": None, "at_once": False, "timeout": 120},
        {"type": "scale_down_up", "ordinal": None, "count": 2, "at_once": False, "timeout": 9},
    ]
    assert spec["marker"] == {"name": ".stateful-nfs-verify", "write": True, "token": "tok"}


@pytest.mark.parametrize("entry, field", [
    ("reboot_node", "disruptions[0].type"),
    ({"type": "rollout_restart", "ordinal": 1}, "disruptions[0].ordinal"),
    ({"type": "delete_pod", "count": 1}, "disruptions[0].count"),
    ({"type": "scale_down_up", "count": 0}, "disruptions[0].count"),
    ({"type": "delete_pod", "ordinal": -1}, "disruptions[0].ordinal"),
    ({"type": "delete_pod", "ordinl": 1}, "disruptions[0].ordinl"),
    ({"type": "delete_pod", "ordinal": 0, "at_once": True}, "disruptions[0].at_once"),
    ({"type": "move_pod", "at_once": True}, "disruptions[0].at_once"),
    ({"type": "move_pod", "count": 1}, "disruptions[0].count"),
    ({"type": "scale_to_zero", "timeout": 0}, "disruptions[0].timeout"),
    (7, "disruptions[0]"),
])
def test_bad_disruptions_name_the_field(entry, field):
    with pytest.raises(SpecError) as caught:
        spec_of(disruptions=[entry])
    assert caught.value.field == field
    assert "Fix:" in str(caught.value)


@pytest.mark.parametrize("marker, field", [
    ({"name": "../escape"}, "marker.name"),
    ({"name": "/abs"}, "marker.name"),
    ({"token": "has space"}, "marker.token"),
    ({"write": False}, "marker.token"),
])
def test_bad_marker_names_the_field(marker, field):
    with pytest.raises(SpecError) as caught:
        spec_of(marker=marker)
    assert caught.value.field == field


def test_relative_mount_path_and_zero_timeout_are_refused():
    with pytest.raises(SpecError) as caught:
        spec_of(mount_path="data")
    assert caught.value.field == "mount_path"
    with pytest.raises(SpecError) as caught:
        spec_of(timeout=0)
    assert caught.value.field == "timeout"


def test_target_found_from_the_claim_template():
    target = plan.target_from(make_sts(replicas=3), spec_of())
    assert target["volume"] == "www" and target["claim_template"] == "www"
    assert target["mount_path"] == "/data" and target["marker_file"] == "/data/.stateful-nfs-verify"
    assert target["ordinals"] == [0, 1, 2] and target["container"] == "main" and target["service"] == "web"
    assert plan.claim_name(target, 2) == "www-web-2"
    assert plan.marker_content("tok", target, 1) == "tok www-web-1"


def test_target_with_ordinals_start_and_default_container_annotation():
    sts = make_sts(replicas=2)
    sts["spec"]["ordinals"] = {"start": 5}
    sts["spec"]["template"]["spec"]["containers"].insert(0, {"name": "sidecar", "image": "x"})
    sts["spec"]["template"]["metadata"]["annotations"] = {"kubectl.kubernetes.io/default-container": "main"}
    target = plan.target_from(sts, spec_of())
    assert target["ordinals"] == [5, 6] and target["container"] == "main"


def test_empty_dir_mount_is_a_target_without_claim():
    target = plan.target_from(make_sts(empty_dir=True), spec_of(mount_path="/data/"))
    assert target["claim_template"] is None and target["volume_source"] == "emptyDir"
    assert plan.claim_name(target, 0) is None
    assert plan.marker_content("tok", target, 0) == "tok web-0"


@pytest.mark.parametrize("overrides, field", [
    (dict(container="nope"), "container"),
    (dict(mount_path="/elsewhere"), "mount_path"),
    (dict(volume="nope"), "volume"),
])
def test_target_errors_name_the_field(overrides, field):
    with pytest.raises(SpecError) as caught:
        plan.target_from(make_sts(), spec_of(**overrides))
    assert caught.value.field == field


def test_without_claim_template_the_mount_must_be_named():
    with pytest.raises(SpecError) as caught:
        plan.target_from(make_sts(empty_dir=True), spec_of())
    assert caught.value.field == "mount_path" and "set mount_path or volume" in str(caught.value)


def test_plan_expands_delete_pod_per_ordinal_and_names_steps():
    spec = spec_of(disruptions=["delete_pod", {"type": "delete_pod_force", "ordinal": 1}, "rollout_restart",
                                "scale_to_zero", {"type": "scale_down_up", "count": 2}])
    target = plan.target_from(make_sts(replicas=3), spec)
    steps = plan.build_plan(spec, target)
    assert [s["name"] for s in steps] == [
        "delete_pod[web-0]", "delete_pod[web-1]", "delete_pod[web-2]", "delete_pod_force[web-1]",
        "rollout_restart", "scale_to_zero[3->0->3]", "scale_down_up[3->1->3]"]
    assert steps[-1]["ordinals"] == [1, 2] and steps[-1]["pods"] == ["web-1", "web-2"]
    assert [s["index"] for s in steps] == list(range(1, 8))
    lines = plan.describe_plan(spec, target, steps)
    assert lines[2].startswith("write marker /data/.stateful-nfs-verify (token tok)")
    assert lines[-1] == "remove the markers this run wrote"


def test_at_once_is_one_step_and_needs_parallel_pods():
    spec = spec_of(disruptions=[{"type": "delete_pod", "at_once": True}])
    steps = plan.build_plan(spec, plan.target_from(make_sts(policy="Parallel"), spec))
    assert [s["pods"] for s in steps] == [["web-0", "web-1"]]
    with pytest.raises(SpecError) as caught:
        plan.build_plan(spec, plan.target_from(make_sts(), spec))
    assert caught.value.field == "disruptions[0].at_once" and "OrderedReady" in str(caught.value)


@pytest.mark.parametrize("sts, entry, field, words", [
    (make_sts(strategy="OnDelete"), "rollout_restart", "disruptions[0].type", "OnDelete"),
    (make_sts(retention="Delete"), "scale_to_zero", "disruptions[0].type", "whenScaled is Delete"),
    (make_sts(retention="Delete"), {"type": "scale_down_up"}, "disruptions[0].type", "set rebind_released: true"),
    (make_sts(replicas=2), {"type": "scale_down_up", "count": 2}, "disruptions[0].count", "scale_to_zero"),
    (make_sts(replicas=2), {"type": "delete_pod", "ordinal": 2}, "disruptions[0].ordinal", "ordinals 0, 1"),
    (make_sts(replicas=0), "delete_pod", "statefulset", "0 replicas"),
])
def test_disruptions_that_cannot_work_on_this_statefulset_are_refused(sts, entry, field, words):
    spec = spec_of(disruptions=[entry])
    with pytest.raises(SpecError) as caught:
        plan.build_plan(spec, plan.target_from(sts, spec))
    assert caught.value.field == field
    assert words in str(caught.value)


def test_rollout_restart_is_refused_with_a_partition():
    sts = make_sts()
    sts["spec"]["updateStrategy"]["rollingUpdate"] = {"partition": 1}
    spec = spec_of(disruptions=["rollout_restart"])
    with pytest.raises(SpecError) as caught:
        plan.build_plan(spec, plan.target_from(sts, spec))
    assert "partition is 1" in str(caught.value)
