# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nodes for the move disruption: which ones can take a pod (pure), and cordon / uncordon (I/O).

A cordon is what `kubectl cordon` does (spec.unschedulable), plus an annotation saying which run set it, so a
node left cordoned by a run that was killed can be recognised.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError

CORDONED_BY = "stateful.nfs/cordoned-by"
# Taints that keep a pod without a matching toleration off a node (the StatefulSet's pods normally have none).
BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def _ready(node):
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def why_unschedulable(node):
    """Why a new pod cannot land on this node, or None when it can."""
    spec = node.get("spec") or {}
    if spec.get("unschedulable"):
        by = ((node.get("metadata") or {}).get("annotations") or {}).get(CORDONED_BY)
        return "cordoned%s" % (" by %s" % by if by else "")
    if not _ready(node):
        return "not Ready"
    taints = ["%s:%s" % (t.get("key"), t.get("effect")) for t in spec.get("taints") or []
              if t.get("effect") in BLOCKING_EFFECTS]
    if taints:
        return "tainted %s" % ", ".join(taints)
    return None


def schedulable(nodes):
    """Names of the nodes a new pod can land on, sorted."""
    return sorted(n["metadata"]["name"] for n in nodes if why_unschedulable(n) is None)


def describe(nodes):
    """'a (cordoned), b' : every node and why it cannot take a pod."""
    parts = []
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        reason = why_unschedulable(node)
        parts.append(node["metadata"]["name"] + (" (%s)" % reason if reason else ""))
    return ", ".join(parts) or "no nodes"


def check_moves(steps, nodes):
    """SpecError unless a move has somewhere to go: at least two nodes that can take a pod."""
    moves = [step for step in steps if step["type"] == "move_pod"]
    if not moves or len(schedulable(nodes)) >= 2:
        return
    step = moves[0]
    raise SpecError("disruptions[%d].type" % step["disruption_index"], "move_pod",
                    "moving a replica needs a second node that can take it, and the cluster's nodes are: %s"
                    % describe(nodes),
                    "add a node, or uncordon one (kubectl uncordon NODE), or drop move_pod from the disruptions")


def other_node(nodes, current):
    """A node other than `current` that can take a pod, or None."""
    others = [name for name in schedulable(nodes) if name != current]
    return others[0] if others else None


# ---------------------------------------------------------------- I/O

def cordon(client, name, by):
    """Mark the node unschedulable; True when this call did it (False: it already was, and stays so)."""
    node = client.get("Node", name) or {}
    if (node.get("spec") or {}).get("unschedulable"):
        return False
    client.patch("Node", name, None, {"metadata": {"annotations": {CORDONED_BY: by}},
                                      "spec": {"unschedulable": True}})
    return True


def uncordon(client, name):
    client.patch("Node", name, None, {"metadata": {"annotations": {CORDONED_BY: None}},
                                      "spec": {"unschedulable": None}})
