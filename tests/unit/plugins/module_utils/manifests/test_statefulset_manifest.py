# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.manifests.statefulset import (
    build_statefulset, deep_merge, env_list)


def params(**overrides):
    """What the module hands over for the smallest useful task (argument spec defaults included)."""
    base = dict(name="web", namespace="demo", state="present", service_name="web", replicas=1, selector=None,
                labels={}, annotations={}, pod_labels={}, pod_annotations={}, image="busybox:1",
                containers=None, command=None, args=None, env=None, ports=[], mount_path=None,
                claim_template=None, pod_management_policy="OrderedReady", update_strategy=None,
                persistent_volume_claim_retention_policy=None, ordinals_start=None,
                termination_grace_period_seconds=None, readiness_probe=None, liveness_probe=None,
                startup_probe=None, security_context=None, fs_group=None, resources=None,
                image_pull_policy=None, spec=None, on_immutable_change="fail", wait=False, wait_timeout=300)
    base.update(overrides)
    return base


def test_minimal_manifest_is_exact():
    assert build_statefulset(params()) == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "demo", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {
            "serviceName": "web",
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
                "spec": {"containers": [{"name": "web", "image": "busybox:1"}]},
            },
        },
    }


FULL = dict(
    replicas=3,
    selector={"app": "web"},
    labels={"team": "storage"},
    annotations={"owner": "ops"},
    pod_labels={"tier": "data"},
    pod_annotations={"scrape": "true"},
    image="localhost/stateful-nfs/busybox:1.36",
    image_pull_policy="IfNotPresent",
    command=["sh", "-c"],
    args=["httpd -f -p 8080 -h /data"],
    env={"MODE": "primary", "DEBUG": True, "WORKERS": 4},
    ports=[{"name": "http", "port": 8080, "protocol": "TCP"}],
    mount_path="/data",
    claim_template={"name": "www", "size": "1Gi", "access_modes": ["ReadWriteOnce"], "storage_class": "",
                    "selector": {"stateful.nfs/statefulset": "web"}, "labels": None},
    pod_management_policy="Parallel",
    update_strategy={"type": "RollingUpdate", "partition": 1, "max_unavailable": 1},
    persistent_volume_claim_retention_policy={"when_deleted": "Retain", "when_scaled": "Delete"},
    ordinals_start=1,
    termination_grace_period_seconds=5,
    readiness_probe={"tcpSocket": {"port": "http"}},
    liveness_probe={"exec": {"command": ["true"]}},
    startup_probe={"exec": {"command": ["test", "-d", "/data"]}},
    security_context={"runAsUser": 65534, "fsGroup": 1},
    fs_group=2000,
    resources={"requests": {"cpu": "10m", "memory": "16Mi"}},
)


def test_full_manifest_is_exact():
    assert build_statefulset(params(**FULL)) == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "demo", "labels": {"team": "storage", "app": "web"},
                     "annotations": {"owner": "ops"}},
        "spec": {
            "serviceName": "web",
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "podManagementPolicy": "Parallel",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1, "maxUnavailable": 1}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"},
            "ordinals": {"start": 1},
            "template": {
                "metadata": {"labels": {"team": "storage", "tier": "data", "app": "web"},
                             "annotations": {"scrape": "true"}},
                "spec": {
                    "containers": [{
                        "name": "web",
                        "image": "localhost/stateful-nfs/busybox:1.36",
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["sh", "-c"],
                        "args": ["httpd -f -p 8080 -h /data"],
                        "env": [{"name": "MODE", "value": "primary"}, {"name": "DEBUG", "value": "true"},
                                {"name": "WORKERS", "value": "4"}],
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "volumeMounts": [{"name": "www", "mountPath": "/data"}],
                        "readinessProbe": {"tcpSocket": {"port": "http"}},
                        "livenessProbe": {"exec": {"command": ["true"]}},
                        "startupProbe": {"exec": {"command": ["test", "-d", "/data"]}},
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                    }],
                    "terminationGracePeriodSeconds": 5,
                    "securityContext": {"runAsUser": 65534, "fsGroup": 2000},
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "www"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "storageClassName": "",
                    "selector": {"matchLabels": {"stateful.nfs/statefulset": "web"}},
                },
            }],
        },
    }


def test_claim_template_storage_class_defaults_to_empty_so_only_precreated_volumes_bind():
    manifest = build_statefulset(params(mount_path="/data", claim_template={"name": "www", "size": "1Gi"}))
    claim = manifest["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["storageClassName"] == ""
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_raw_spec_override_is_deep_merged_last():
    manifest = build_statefulset(params(
        replicas=2,
        spec={"replicas": 5, "minReadySeconds": 10,
              "template": {"spec": {"volumes": [{"name": "scratch", "emptyDir": {}}]},
                           "metadata": {"annotations": {"a": "b"}}},
              "updateStrategy": {"rollingUpdate": {"partition": 2}}}))
    spec = manifest["spec"]
    assert spec["replicas"] == 5                              # override beats the option
    assert spec["minReadySeconds"] == 10                       # new keys are added
    assert spec["template"]["spec"]["volumes"] == [{"name": "scratch", "emptyDir": {}}]
    assert spec["template"]["spec"]["containers"][0]["name"] == "web"   # siblings are kept
    assert spec["template"]["metadata"] == {"labels": {"app.kubernetes.io/name": "web"}, "annotations": {"a": "b"}}
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}


def test_deep_merge_replaces_lists_and_does_not_touch_its_inputs():
    base = {"a": {"b": [1, 2], "c": 1}}
    override = {"a": {"b": [3]}}
    assert deep_merge(base, override) == {"a": {"b": [3], "c": 1}}
    assert base == {"a": {"b": [1, 2], "c": 1}}
    assert deep_merge({"a": {"b": 1}}, {"a": None}) == {"a": None}


def test_env_mapping_keeps_order_and_lists_pass_through():
    assert env_list({"B": 1, "A": False}) == [{"name": "B", "value": "1"}, {"name": "A", "value": "false"}]
    raw = [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    assert env_list(raw) == raw
    assert env_list(None) == []


def test_raw_containers_get_the_protocol_the_server_would_default():
    containers = [{"name": "db", "image": "pg", "ports": [{"name": "pg", "containerPort": 5432}]}]
    manifest = build_statefulset(params(image=None, containers=containers))
    assert manifest["spec"]["template"]["spec"]["containers"] == [
        {"name": "db", "image": "pg", "ports": [{"name": "pg", "containerPort": 5432, "protocol": "TCP"}]}]
    assert "protocol" not in containers[0]["ports"][0]   # the caller's input is not modified


def test_on_delete_strategy_has_no_rolling_update_block():
    manifest = build_statefulset(params(update_strategy={"type": "OnDelete", "partition": None,
                                                         "max_unavailable": None}))
    assert manifest["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_selector_labels_win_over_pod_labels_on_the_pods():
    manifest = build_statefulset(params(selector={"app": "web"}, labels={"app": "other", "x": "1"}))
    assert manifest["spec"]["template"]["metadata"]["labels"] == {"app": "web", "x": "1"}
