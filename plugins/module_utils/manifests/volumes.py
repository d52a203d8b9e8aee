# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure builders for the PersistentVolumes (and pre-created claims) of one StatefulSet.

A spec is a plain dict (see plugins/module_utils/volumes.py `spec_from_params`); every function here
takes the spec and an ordinal and returns names or manifests. No I/O.

Names and paths come from the naming contract (naming.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils import naming

# The names below are the naming contract's (plugins/module_utils/naming.py); these take a volumes spec.
DEFAULT_PATH_PATTERN = naming.DEFAULT_PATH_PATTERN
PATH_PLACEHOLDERS = naming.PATH_PLACEHOLDERS
RESERVED_LABELS = naming.RESERVED_LABELS


def claim_name(spec, ordinal):
    return naming.claim_name(spec["claim"], spec["statefulset"], ordinal)


def pv_name(spec, ordinal):
    return naming.pv_name(spec["namespace"], spec["claim"], spec["statefulset"], ordinal)


def nfs_path(spec, ordinal):
    return naming.nfs_path(spec["path_pattern"], spec.get("nfs_root"), spec["namespace"], spec["statefulset"],
                           spec["claim"], ordinal)


def export(spec, ordinal):
    return naming.nfs_source(spec["nfs_server"], nfs_path(spec, ordinal))


def ordinals(spec):
    return naming.ordinals(spec["replicas"], spec.get("ordinals_start"))


def set_labels(spec):
    return naming.set_labels(spec["namespace"], spec["statefulset"], spec["claim"])


def label_selector(spec):
    """set_labels as a labelSelector string, for one LIST call."""
    return naming.selector_string(set_labels(spec))


def ordinal_labels(spec, ordinal):
    return naming.ordinal_labels(spec["namespace"], spec["statefulset"], spec["claim"], ordinal)


def object_labels(spec, ordinal):
    labels = dict(spec.get("labels") or {})
    labels.update(ordinal_labels(spec, ordinal))
    return labels


def persistent_volume(spec, ordinal):
    """The PV manifest of one ordinal.

    Pre-bound (claimRef namespace/name only, the controller fills in the uid) unless claims are
    pre-created, in which case the claim selects the PV by its ordinal labels instead.
    """
    pv_spec = {
        "capacity": {"storage": spec["size"]},
        "accessModes": list(spec["access_modes"]),
        "persistentVolumeReclaimPolicy": spec["reclaim_policy"],
        "storageClassName": spec["storage_class"],
        "volumeMode": "Filesystem",
        "nfs": {"server": spec["nfs_server"], "path": nfs_path(spec, ordinal)},
    }
    if spec.get("mount_options"):
        pv_spec["mountOptions"] = list(spec["mount_options"])
    if not spec.get("precreate_claims"):
        pv_spec["claimRef"] = {"namespace": spec["namespace"], "name": claim_name(spec, ordinal)}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": pv_name(spec, ordinal), "labels": object_labels(spec, ordinal)},
        "spec": pv_spec,
    }


def persistent_volume_claim(spec, ordinal):
    """The pre-created claim of one ordinal: selects exactly its PV by label; volumeName left to the binder."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": claim_name(spec, ordinal),
            "namespace": spec["namespace"],
            "labels": object_labels(spec, ordinal),
        },
        "spec": {
            "accessModes": list(spec["access_modes"]),
            "resources": {"requests": {"storage": spec["claim_size"]}},
            "storageClassName": spec["storage_class"],
            "volumeMode": "Filesystem",
            "selector": {"matchLabels": ordinal_labels(spec, ordinal)},
        },
    }
