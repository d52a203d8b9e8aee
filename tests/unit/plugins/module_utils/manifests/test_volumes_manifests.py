# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exact manifests and names from the pure PV/PVC builders."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.manifests import volumes as manifests

SPEC = dict(statefulset="web", namespace="demo", claim="www", replicas=2, ordinals_start=0,
            nfs_server="10.0.1.201", nfs_root="/srv/nfs", path_pattern=manifests.DEFAULT_PATH_PATTERN,
            size="1Gi", claim_size="1Gi", access_modes=["ReadWriteOnce"], reclaim_policy="Retain",
            storage_class="", mount_options=[], labels={}, precreate_claims=False)

LABELS_1 = {
    "app.kubernetes.io/managed-by": "stateful.nfs",
    "stateful.nfs/namespace": "demo",
    "stateful.nfs/statefulset": "web",
    "stateful.nfs/claim": "www",
    "stateful.nfs/ordinal": "1",
}


def spec(**overrides):
    return dict(SPEC, **overrides)


def test_names():
    assert manifests.claim_name(SPEC, 3) == "www-web-3"
    assert manifests.pv_name(SPEC, 3) == "demo-www-web-3"
    assert manifests.nfs_path(SPEC, 3) == "/srv/nfs/www-web-3"
    assert manifests.export(SPEC, 3) == "10.0.1.201:/srv/nfs/www-web-3"


def test_path_pattern_placeholders_and_root_slash():
    custom = spec(nfs_root="/srv/nfs/", path_pattern="{root}/{namespace}/{statefulset}/{claim}/{ordinal:02d}")
    assert manifests.nfs_path(custom, 7) == "/srv/nfs/demo/web/www/07"
    assert manifests.nfs_path(spec(nfs_root="/"), 0) == "/www-web-0"


def test_ordinals_follow_start():
    assert manifests.ordinals(SPEC) == [0, 1]
    assert manifests.ordinals(spec(ordinals_start=3, replicas=3)) == [3, 4, 5]


def test_label_selector_is_sorted_and_scoped_to_namespace_statefulset_and_claim():
    assert manifests.label_selector(SPEC) == (
        "app.kubernetes.io/managed-by=stateful.nfs,stateful.nfs/claim=www,"
        "stateful.nfs/namespace=demo,stateful.nfs/statefulset=web")


def test_prebound_pv_manifest():
    assert manifests.persistent_volume(SPEC, 1) == {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "demo-www-web-1", "labels": LABELS_1},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "volumeMode": "Filesystem",
            "nfs": {"server": "10.0.1.201", "path": "/srv/nfs/www-web-1"},
            "claimRef": {"namespace": "demo", "name": "www-web-1"},
        },
    }


def test_pv_with_options_and_user_labels():
    pv = manifests.persistent_volume(spec(mount_options=["nfsvers=4.1", "hard"], labels={"tier": "db"},
                                          access_modes=["ReadWriteMany"], storage_class="nfs-static",
                                          reclaim_policy="Recycle", size="5Gi"), 1)
    assert pv["metadata"]["labels"] == dict(LABELS_1, tier="db")
    assert pv["spec"]["mountOptions"] == ["nfsvers=4.1", "hard"]
    assert pv["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pv["spec"]["storageClassName"] == "nfs-static"
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Recycle"
    assert pv["spec"]["capacity"] == {"storage": "5Gi"}


def test_user_labels_cannot_override_module_labels():
    pv = manifests.persistent_volume(spec(labels={"stateful.nfs/ordinal": "9"}), 1)
    assert pv["metadata"]["labels"]["stateful.nfs/ordinal"] == "1"


def test_pv_for_precreated_claim_has_no_claim_ref():
    pv = manifests.persistent_volume(spec(precreate_claims=True), 1)
    assert "claimRef" not in pv["spec"]
    assert pv["metadata"]["labels"] == LABELS_1


def test_precreated_claim_manifest_selects_exactly_its_pv():
    assert manifests.persistent_volume_claim(spec(precreate_claims=True, claim_size="512Mi"), 1) == {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "www-web-1", "namespace": "demo", "labels": LABELS_1},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "512Mi"}},
            "storageClassName": "",
            "volumeMode": "Filesystem",
            "selector": {"matchLabels": LABELS_1},
        },
    }


def test_builders_do_not_share_lists_with_the_spec():
    source = spec(mount_options=["hard"])
    pv = manifests.persistent_volume(source, 0)
    pv["spec"]["accessModes"].append("ReadOnlyMany")
    pv["spec"]["mountOptions"].append("soft")
    assert source["access_modes"] == ["ReadWriteOnce"] and source["mount_options"] == ["hard"]
