# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.verify import nodes
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import make_node


def test_nodes_that_cannot_take_a_pod_say_why():
    ready, down, cordoned, tainted, soft = (make_node("a"), make_node("b", ready=False), make_node("c"),
                                            make_node("d"), make_node("e"))
    cordoned["spec"]["unschedulable"] = True
    cordoned["metadata"]["annotations"][nodes.CORDONED_BY] = "stateful.nfs.verify_persistence token t1"
    tainted["spec"]["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    soft["spec"]["taints"] = [{"key": "spot", "effect": "PreferNoSchedule"}]  # a preference, not a barrier
    everything = [down, tainted, ready, cordoned, soft]
    assert nodes.schedulable(everything) == ["a", "e"]
    assert nodes.describe(everything) == (
        "a, b (not Ready), c (cordoned by stateful.nfs.verify_persistence token t1), "
        "d (tainted node-role.kubernetes.io/control-plane:NoSchedule), e")
    assert nodes.other_node(everything, "a") == "e" and nodes.other_node([ready], "a") is None
