# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure builders for the PersistentVolumes (and pre-created claims) of one StatefulSet.

A spec is a plain dict (see plugins/module_utils/volumes.py `spec_from_params`); every function here
takes the spec and an ordinal and returns names or manifests. No I/O.

Naming, for StatefulSet `web` in namespace `demo` with claim template `www`, ordinal 0:
  claim (PVC)  www-web-0              (what the StatefulSet controller names it)
  PV           demo-www-web-0         (PVs are cluster-scoped, so the namespace is part of the name)
  NFS path     /srv/nfs/www-web-0     (default pattern {root}/{claim}-{statefulset}-{ordinal})
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "stateful.nfs"
NAMESPACE_LABEL = "stateful.nfs/namespace"
STATEFULSET_LABEL = "stateful.nfs/statefulset"
CLAIM_LABEL = "stateful.nfs/claim"
ORDINAL_LABEL = "stateful.nfs/ordinal"

# Labels the module owns; user labels may not use these keys.
RESERVED_LABELS = (MANAGED_BY_LABEL, NAMESPACE_LABEL, STATEFULSET_LABEL, CLAIM_LABEL, ORDINAL_LABEL)

DEFAULT_PATH_PATTERN = "{root}/{claim}-{statefulset}-{ordinal}"
PATH_PLACEHOLDERS = ("root", "namespace", "statefulset", "claim", "ordinal")


def claim_name(spec, ordinal):
    """The PVC a StatefulSet pod uses: <claim template>-<statefulset>-<ordinal>."""
    return "%s-%s-%d" % (spec["claim"], spec["statefulset"], ordinal)


def pv_name(spec, ordinal):
    """The PersistentVolume of one ordinal: <namespace>-<claim>-<statefulset>-<ordinal>."""
    return "%s-%s" % (spec["namespace"], claim_name(spec, ordinal))


def nfs_path(spec, ordinal):
    """The export path of one ordinal, from spec['path_pattern'] (root without its trailing slash)."""
    root = (spec.get("nfs_root") or "").rstrip("/")
    return spec["path_pattern"].format(
        root=root,
        namespace=spec["namespace"],
        statefulset=spec["statefulset"],
        claim=spec["claim"],
        ordinal=ordinal,
    )


def export(spec, ordinal):
    """'server:path', the way mount and exportfs name an export."""
    return "%s:%s" % (spec["nfs_server"], nfs_path(spec, ordinal))


def ordinals(spec):
    """The ordinals of the replicas, honouring spec.ordinals.start."""
    start = spec.get("ordinals_start") or 0
    return list(range(start, start + spec["replicas"]))


def set_labels(spec):
    """The labels every object of this StatefulSet's claim carries (the LIST selector)."""
    return {
        MANAGED_BY_LABEL: MANAGED_BY,
        NAMESPACE_LABEL: spec["namespace"],
        STATEFULSET_LABEL: spec["statefulset"],
        CLAIM_LABEL: spec["claim"],
    }


def label_selector(spec):
    """set_labels as a labelSelector string, for one LIST call."""
    return ",".join("%s=%s" % item for item in sorted(set_labels(spec).items()))


def ordinal_labels(spec, ordinal):
    """Labels that single out one ordinal's PV (what a pre-created claim selects on)."""
    labels = set_labels(spec)
    labels[ORDINAL_LABEL] = str(ordinal)
    return labels


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
