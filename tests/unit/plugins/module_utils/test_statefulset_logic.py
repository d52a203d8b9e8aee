# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure pieces of stateful.nfs.statefulset: validation, immutable-field detection, rollout status."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import statefulset
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.statefulset import build_statefulset


def params(**overrides):
    base = dict(name="web", namespace="demo", state="present", service_name="web", replicas=2, selector=None,
                labels={}, annotations={}, pod_labels={}, pod_annotations={},
                image="localhost/stateful-nfs/busybox:1.36", containers=None, command=["sh", "-c"],
                args=["httpd -f -p 8080 -h /data"], env=None,
                ports=[{"name": "http", "port": 8080, "protocol": "TCP"}], mount_path="/data",
                claim_template={"name": "www", "size": "1Gi", "access_modes": ["ReadWriteOnce"],
                                "storage_class": "", "selector": None, "labels": None},
                pod_management_policy="OrderedReady", update_strategy=None,
                persistent_volume_claim_retention_policy=None, ordinals_start=None,
                termination_grace_period_seconds=None, readiness_probe=None, liveness_probe=None,
                startup_probe=None, security_context=None, fs_group=None, resources=None,
                image_pull_policy="IfNotPresent", spec=None, on_immutable_change="fail", wait=False, wait_timeout=300)
    base.update(overrides)
    return base


# Captured from the test bed's v1.36.3 API server (kubectl get -o json --show-managed-fields) after
# stateful.nfs.statefulset applied params() in a scratch namespace (renamed to "demo" here). The spec
# carries every default the server fills in (pod template, revisionHistoryLimit, claim template
# apiVersion/kind/volumeMode/status); the status is the server's for a StatefulSet with 2 Ready replicas.
LIVE = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {
        "creationTimestamp": "2026-11-22T12:12:45Z",
        "generation": 1,
        "labels": {
            "app.kubernetes.io/name": "web"
        },
        "managedFields": [
            {
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {
                        "f:labels": {
                            "f:app.kubernetes.io/name": {}
                        }
                    },
                    "f:spec": {
                        "f:persistentVolumeClaimRetentionPolicy": {
                            "f:whenDeleted": {},
                            "f:whenScaled": {}
                        },
                        "f:podManagementPolicy": {},
                        "f:replicas": {},
                        "f:selector": {},
                        "f:serviceName": {},
                        "f:template": {
                            "f:metadata": {
                                "f:labels": {
                                    "f:app.kubernetes.io/name": {}
                                }
                            },
                            "f:spec": {
                                "f:containers": {
                                    "k:{\"name\":\"web\"}": {
                                        ".": {},
                                        "f:args": {},
                                        "f:command": {},
                                        "f:image": {},
                                        "f:imagePullPolicy": {},
                                        "f:name": {},
                                        "f:ports": {
                                            "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {
                                                ".": {},
                                                "f:containerPort": {},
                                                "f:name": {},
                                                "f:protocol": {}
                                            }
                                        },
                                        "f:volumeMounts": {
                                            "k:{\"mountPath\":\"/data\"}": {
                                                ".": {},
                                                "f:mountPath": {},
                                                "f:name": {}
                                            }
                                        }
                                    }
                                }
                            }
                        },
                        "f:updateStrategy": {
                            "f:type": {}
                        },
                        "f:volumeClaimTemplates": {}
                    }
                },
                "manager": "stateful.nfs",
                "operation": "Apply",
                "time": "2026-11-22T12:12:45Z"
            },
            {
                "apiVersion": "apps/v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:status": {
                        "f:collisionCount": {},
                        "f:currentReplicas": {},
                        "f:currentRevision": {},
                        "f:observedGeneration": {},
                        "f:replicas": {},
                        "f:updateRevision": {},
                        "f:updatedReplicas": {}
                    }
                },
                "manager": "kube-controller-manager",
                "operation": "Update",
                "subresource": "status",
                "time": "2026-11-22T12:12:45Z"
            }
        ],
        "name": "web",
        "namespace": "demo",
        "resourceVersion": "1873",
        "uid": "ee90878c-d5ba-4160-af6c-ef4885680763"
    },
    "spec": {
        "persistentVolumeClaimRetentionPolicy": {
            "whenDeleted": "Retain",
            "whenScaled": "Retain"
        },
        "podManagementPolicy": "OrderedReady",
        "replicas": 2,
        "revisionHistoryLimit": 10,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "web"
            }
        },
        "serviceName": "web",
        "template": {
            "metadata": {
                "labels": {
                    "app.kubernetes.io/name": "web"
                }
            },
            "spec": {
                "containers": [
                    {
                        "args": [
                            "httpd -f -p 8080 -h /data"
                        ],
                        "command": [
                            "sh",
                            "-c"
                        ],
                        "image": "localhost/stateful-nfs/busybox:1.36",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "web",
                        "ports": [
                            {
                                "containerPort": 8080,
                                "name": "http",
                                "protocol": "TCP"
                            }
                        ],
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
                            {
                                "mountPath": "/data",
                                "name": "www"
                            }
                        ]
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "terminationGracePeriodSeconds": 30
            }
        },
        "updateStrategy": {
            "type": "RollingUpdate"
        },
        "volumeClaimTemplates": [
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": "www"
                },
                "spec": {
                    "accessModes": [
                        "ReadWriteOnce"
                    ],
                    "resources": {
                        "requests": {
                            "storage": "1Gi"
                        }
                    },
                    "storageClassName": "",
                    "volumeMode": "Filesystem"
                },
                "status": {
                    "phase": "Pending"
                }
            }
        ]
    },
    "status": {
        "availableReplicas": 2,
        "collisionCount": 0,
        "currentReplicas": 2,
        "currentRevision": "web-659b99d4c6",
        "observedGeneration": 1,
        "readyReplicas": 2,
        "replicas": 2,
        "updateRevision": "web-659b99d4c6",
        "updatedReplicas": 2
    }
}


def live(**spec_changes):
    obj = copy.deepcopy(LIVE)
    obj["spec"].update(spec_changes)
    return obj


# ---------------------------------------------------------------- validation

def test_good_input_has_no_problems():
    assert statefulset.problems(params()) is None


@pytest.mark.parametrize("overrides, field, fix", [
    (dict(name="Web"), "name='Web'", "use a name like 'web'"),
    (dict(name="w" * 53), "name='%s'" % ("w" * 53), "at most 52 characters"),
    (dict(service_name=None), "service_name=None", "governing headless Service"),
    (dict(image=None), "image=None", "give image (one container is built) or containers"),
    (dict(containers=[{"name": "c", "image": "i"}], command=None, args=None, ports=[], mount_path=None,
          image_pull_policy=None), "image='localhost/stateful-nfs/busybox:1.36'", "not both"),
    (dict(image=None, containers=[{"name": "c", "image": "i"}]), "command=['sh', '-c']",
     "put command, args, ports, mount_path, image_pull_policy into the container definitions"),
    (dict(image=None, containers=[{"image": "i"}], command=None, args=None, ports=[], mount_path=None,
          image_pull_policy=None), "containers[0]=", "give each container a name and an image"),
    (dict(ports=[{"name": None, "port": 8080}]), "ports[0].name=None", "name it like 'web'"),
    (dict(ports=[{"name": "a-very-long-port-name", "port": 1}]), "ports[0].name='a-very-long-port-name'", "name it"),
    (dict(ports=[{"name": "a", "port": 1}, {"name": "a", "port": 2}]), "ports[1].name='a'", "own name"),
    (dict(mount_path=None), "mount_path=None", "set mount_path"),
    (dict(mount_path="data"), "mount_path='data'", "start it with /"),
    (dict(claim_template=None), "mount_path='/data'", "add claim_template, or drop mount_path"),
    (dict(claim_template={"name": "www", "size": "lots"}), "claim_template.size='lots'", "such as 1Gi"),
    (dict(claim_template={"name": "www", "size": "1Gi", "access_modes": ["RWO"]}),
     "claim_template.access_modes=['RWO']", "ReadWriteOncePod"),
    (dict(selector={}), "selector={}", "leave selector unset"),
    (dict(selector={"app": "web"}, pod_labels={"app": "db"}), "pod_labels.app='db'", "use the selector's value"),
    (dict(labels={"version": 2}), "labels.version=2", "quote the value"),
    (dict(update_strategy={"type": "OnDelete", "partition": 1}), "update_strategy.partition=1",
     "use type: RollingUpdate"),
    (dict(update_strategy={"type": "RollingUpdate", "max_unavailable": "0%"}),
     "update_strategy.max_unavailable='0%'", "a percentage like '25%'"),
    (dict(replicas=-1), "replicas=-1", "use 0 or more"),
    (dict(wait_timeout=0), "wait_timeout=0", "give the seconds to wait"),
    (dict(env=[{"value": "x"}]), "env[0]=", "{name: NAME, value: value}"),
])
def test_problems_name_field_value_and_fix(overrides, field, fix):
    message = statefulset.problems(params(**overrides))
    assert message is not None
    assert field in message
    assert "Fix: " in message and fix in message


def test_absent_checks_only_identity():
    assert statefulset.problems(params(state="absent", service_name=None, image=None)) is None


# ---------------------------------------------------------------- immutable fields

def test_realistic_live_object_has_no_immutable_change_and_needs_no_apply():
    desired = build_statefulset(params())
    assert statefulset.immutable_changes(desired, LIVE) == []
    assert reconcile.needs_apply(desired, LIVE) is False


def test_scaling_is_not_an_immutable_change():
    desired = build_statefulset(params(replicas=5))
    assert statefulset.immutable_changes(desired, LIVE) == []
    assert reconcile.needs_apply(desired, LIVE) is True


def test_quantities_compare_by_value():
    other = live()
    other["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "1024Mi"
    assert statefulset.immutable_changes(build_statefulset(params()), other) == []


def test_each_immutable_field_is_found():
    desired = build_statefulset(params(
        service_name="web-headless", selector={"app": "web"}, pod_management_policy="Parallel",
        claim_template={"name": "www", "size": "2Gi", "access_modes": ["ReadWriteOnce"], "storage_class": ""}))
    changes = statefulset.immutable_changes(desired, LIVE)
    assert [item["field"] for item in changes] == [
        "spec.serviceName", "spec.selector", "spec.podManagementPolicy",
        "spec.volumeClaimTemplates[www].spec.resources"]
    assert changes[0] == {"field": "spec.serviceName", "before": "web", "after": "web-headless"}
    assert changes[2] == {"field": "spec.podManagementPolicy", "before": "OrderedReady", "after": "Parallel"}
    assert changes[3]["before"] == {"requests": {"storage": "1Gi"}}
    assert changes[3]["after"] == {"requests": {"storage": "2Gi"}}


def test_selector_with_fewer_labels_is_a_change():
    wider = live(selector={"matchLabels": {"app.kubernetes.io/name": "web", "tier": "data"}})
    changes = statefulset.immutable_changes(build_statefulset(params()), wider)
    assert [item["field"] for item in changes] == ["spec.selector"]


def test_claim_template_added_removed_renamed_and_reordered():
    desired = build_statefulset(params(claim_template=None, mount_path=None))
    assert [c["field"] for c in statefulset.immutable_changes(desired, LIVE)] == ["spec.volumeClaimTemplates[www]"]
    renamed = build_statefulset(params(claim_template={"name": "data", "size": "1Gi"}))
    assert sorted(c["field"] for c in statefulset.immutable_changes(renamed, LIVE)) == [
        "spec.volumeClaimTemplates[data]", "spec.volumeClaimTemplates[www]"]
    two = live()
    second = copy.deepcopy(two["spec"]["volumeClaimTemplates"][0])
    second["metadata"]["name"] = "logs"
    two["spec"]["volumeClaimTemplates"].append(second)
    desired = build_statefulset(params())
    desired["spec"]["volumeClaimTemplates"] = [copy.deepcopy(second), desired["spec"]["volumeClaimTemplates"][0]]
    assert [c["field"] for c in statefulset.immutable_changes(desired, two)] == ["spec.volumeClaimTemplates (order)"]


def test_claim_template_fields_we_dropped_are_changes_but_server_defaults_are_not():
    with_selector = live()
    with_selector["spec"]["volumeClaimTemplates"][0]["spec"]["selector"] = {"matchLabels": {"a": "b"}}
    changes = statefulset.immutable_changes(build_statefulset(params()), with_selector)
    assert changes == [{"field": "spec.volumeClaimTemplates[www].spec.selector",
                        "before": {"matchLabels": {"a": "b"}}, "after": None}]
    block = live()
    block["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"] = "Block"
    changes = statefulset.immutable_changes(build_statefulset(params()), block)
    assert changes == [{"field": "spec.volumeClaimTemplates[www].spec.volumeMode", "before": "Block",
                        "after": "Filesystem"}]


def test_storage_class_empty_is_not_the_same_as_unset():
    unset = live()
    del unset["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"]
    changes = statefulset.immutable_changes(build_statefulset(params()), unset)
    assert [c["field"] for c in changes] == ["spec.volumeClaimTemplates[www].spec.storageClassName"]


def test_data_source_ref_mirrored_by_the_server_is_not_a_change():
    source = {"apiGroup": None, "kind": "PersistentVolumeClaim", "name": "seed"}
    desired = build_statefulset(params())
    desired["spec"]["volumeClaimTemplates"][0]["spec"]["dataSource"] = dict(source)
    mirrored = live()
    mirrored["spec"]["volumeClaimTemplates"][0]["spec"].update(
        dataSource={"kind": "PersistentVolumeClaim", "name": "seed"},
        dataSourceRef={"kind": "PersistentVolumeClaim", "name": "seed"})
    assert statefulset.immutable_changes(desired, mirrored) == []


def test_immutable_message_lists_old_and_new_and_names_the_fix():
    changes = [{"field": "spec.serviceName", "before": "web", "after": "web2"},
               {"field": "spec.volumeClaimTemplates[www].spec.resources", "before": {"requests": {"storage": "1Gi"}},
                "after": {"requests": {"storage": "2Gi"}}}]
    message = statefulset.immutable_message("StatefulSet/demo/web", changes)
    assert message.startswith("StatefulSet/demo/web: immutable fields differ from the live object: ")
    assert "spec.serviceName: web -> web2" in message
    assert 'spec.volumeClaimTemplates[www].spec.resources: {"requests":{"storage":"1Gi"}} -> ' \
           '{"requests":{"storage":"2Gi"}}' in message
    assert "Fix: set on_immutable_change: recreate" in message


# ---------------------------------------------------------------- rollout status

def sts_with(status, generation=1, replicas=2, strategy=None, ordinals=None):
    obj = {"metadata": {"name": "web", "namespace": "demo", "generation": generation},
           "spec": {"replicas": replicas, "updateStrategy": strategy or {"type": "RollingUpdate"}},
           "status": status}
    if ordinals is not None:
        obj["spec"]["ordinals"] = {"start": ordinals}
    return obj


DONE = {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
        "currentRevision": "web-a", "updateRevision": "web-a"}


def with_status(**changes):
    status = dict(DONE)
    status.update(changes)
    return status


@pytest.mark.parametrize("status, generation, done, message", [
    (DONE, 1, True, "2 of 2 replicas ready at revision web-a"),
    (with_status(observedGeneration=1), 2, False, "the controller has not observed generation 2 yet (observed 1)"),
    (with_status(replicas=3), 1, False, "3 pods exist, 2 wanted"),
    (with_status(readyReplicas=1), 1, False, "1 of 2 replicas ready"),
    (with_status(updatedReplicas=1, updateRevision="web-b"), 1, False, "1 of 2 replicas updated to web-b"),
    (with_status(updateRevision="web-b"), 1, False, "current revision web-a, update revision web-b"),
    ({}, 1, False, "the controller has not observed generation 1 yet (observed 0)"),
])
def test_rollout_status_rolling_update(status, generation, done, message):
    report = statefulset.rollout_status(sts_with(status, generation))
    assert report["done"] is done
    assert report["message"] == message


def test_rollout_status_with_partition_waits_only_for_pods_at_or_above_it():
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    waiting = sts_with(with_status(updatedReplicas=0, updateRevision="web-b"), replicas=3, strategy=strategy)
    waiting["status"].update(replicas=3, readyReplicas=3)
    report = statefulset.rollout_status(waiting)
    assert report["done"] is False
    assert report["message"] == "0 of 1 replicas at or above partition 2 updated to web-b"
    waiting["status"]["updatedReplicas"] = 1
    assert statefulset.rollout_status(waiting)["done"] is True


def test_rollout_status_on_delete_reports_but_does_not_wait_for_revisions():
    report = statefulset.rollout_status(sts_with(with_status(updatedReplicas=0, updateRevision="web-b"),
                                                 strategy={"type": "OnDelete"}))
    assert report["done"] is True
    assert "OnDelete: 2 pod(s) run the new template web-b only after they are deleted" in report["message"]


def test_rollout_status_scaled_to_zero():
    report = statefulset.rollout_status(sts_with({"observedGeneration": 3, "currentRevision": "web-a",
                                                  "updateRevision": "web-a"}, generation=3, replicas=0))
    assert report["done"] is True


def test_rollout_status_of_the_realistic_live_object():
    report = statefulset.rollout_status(LIVE)
    assert report == {"done": True, "message": "2 of 2 replicas ready at revision web-659b99d4c6", "generation": 1,
                      "observed_generation": 1, "replicas": 2, "existing_replicas": 2, "ready_replicas": 2,
                      "updated_replicas": 2, "current_revision": "web-659b99d4c6",
                      "update_revision": "web-659b99d4c6", "update_strategy": "RollingUpdate"}


# ---------------------------------------------------------------- pods holding a rollout up

def pod(name, ready=True, waiting=None, deleting=False):
    obj = {"metadata": {"name": name, "namespace": "demo"}, "status": {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True" if ready else "False", "reason": None if ready else "ContainersNotReady"}]}}
    if waiting:
        obj["status"]["containerStatuses"] = [{"name": "web", "state": {"waiting": {"reason": waiting,
                                                                                    "message": "details here"}}}]
    if deleting:
        obj["metadata"]["deletionTimestamp"] = "2026-11-22T12:00:00Z"
    return obj


def test_describe_pods_names_each_pod_with_why_and_its_last_event():
    sts = sts_with(DONE, replicas=3, ordinals=1)
    pods = [pod("web-1"), pod("web-2", ready=False, waiting="ErrImageNeverPull"), pod("web-4", deleting=True)]
    events = {"web-2": [{"reason": "Pulled", "message": "old"},
                        {"reason": "ErrImageNeverPull", "message": "Container image   \"x\" is not present"}]}
    lines = statefulset.describe_pods(sts, pods, lambda name: events.get(name, []))
    assert lines == [
        "web-2: container web waiting: ErrImageNeverPull details here; last event: ErrImageNeverPull: "
        "Container image \"x\" is not present",
        "web-3: not created yet",
        "web-4: beyond the wanted replicas, not yet removed",
    ]


def test_label_selector_string():
    assert statefulset.label_selector({"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [
        {"key": "t", "operator": "In", "values": ["x", "y"]}, {"key": "u", "operator": "NotIn", "values": ["z"]},
        {"key": "v", "operator": "Exists"}, {"key": "w", "operator": "DoesNotExist"}]}) == \
        "a=1,b=2,t in (x,y),u notin (z),v,!w"
