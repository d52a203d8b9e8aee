# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.verify import disruptions, plan
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import (
    FakeCluster, make_sts)

SPEC = plan.spec_from_params(dict(statefulset="web", namespace="ns", disruptions=[], marker={}, timeout=60,
                                  workers=1), lambda: "tok")


@pytest.fixture
def setup():
    cluster = FakeCluster(make_sts())
    return cluster, plan.target_from(cluster.sts, SPEC), dict((i, copy.deepcopy(cluster.pods["web-%d" % i]))
                                                              for i in (0, 1))


def test_recreated_means_a_new_uid_and_ready(setup):
    cluster, target, pods = setup
    old = {"web-0": pods[0]["metadata"]["uid"]}
    assert disruptions.recreation_problems(target, pods, old) == [
        ("web-0", "not deleted yet (still uid %s)" % old["web-0"])]
    pods[0] = dict(pods[0], metadata=dict(pods[0]["metadata"], uid="new"))
    assert disruptions.recreation_problems(target, pods, old) == []
    pods[0]["status"] = {"conditions": [{"type": "Ready", "status": "False"}],
                         "containerStatuses": [{"name": "main", "state": {"waiting": {"reason": "ContainerCreating"}}}]}
    assert disruptions.recreation_problems(target, pods, old) == [
        ("web-0", "not Ready: container main waiting: ContainerCreating")]
    del pods[1]
    assert ("web-1", "not created yet") in disruptions.recreation_problems(target, pods, old)


def test_terminating_and_revision(setup):
    target, pods = setup[1:]
    pods[1]["metadata"]["deletionTimestamp"] = "now"
    assert disruptions.recreation_problems(target, pods, {})[0][1].startswith("terminating")
    del pods[1]["metadata"]["deletionTimestamp"]
    assert disruptions.recreation_problems(target, pods, {}, revision="rev-9") == [
        ("web-0", "runs revision rev-1, not rev-9 yet"), ("web-1", "runs revision rev-1, not rev-9 yet")]


def test_gone_problems(setup):
    target, pods = setup[1:]
    assert disruptions.gone_problems(target, pods, [1]) == [("web-1", "still exists (uid %s)"
                                                             % pods[1]["metadata"]["uid"])]
    assert disruptions.gone_problems(target, {0: pods[0]}, [1]) == []


def test_clock_shares_the_deadline():
    now = [0.0]
    timer = disruptions.Clock(10, clock=lambda: now[0])
    now[0] = 4
    assert timer.remaining() == 6 and timer.elapsed() == 4
    now[0] = 11
    assert timer.remaining() == 0
