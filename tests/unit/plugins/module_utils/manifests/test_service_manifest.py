# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.manifests.service import build_service, target_port


def params(**overrides):
    base = dict(name="web", namespace="demo", selector={"app.kubernetes.io/name": "web"},
                ports=[{"name": "web", "port": 80, "protocol": "TCP", "target_port": None, "app_protocol": None}],
                publish_not_ready_addresses=False, labels={}, annotations={})
    base.update(overrides)
    return base


def test_minimal_manifest_is_exact():
    assert build_service(params()) == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/name": "web"},
            "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80}],
        },
    }


def test_full_manifest_is_exact():
    manifest = build_service(params(
        labels={"team": "storage"},
        annotations={"note": "governs web"},
        publish_not_ready_addresses=True,
        ports=[
            {"name": "web", "port": 80, "protocol": "TCP", "target_port": "http", "app_protocol": "http"},
            {"name": "gossip", "port": 7946, "protocol": "UDP", "target_port": "7947", "app_protocol": None},
        ],
    ))
    assert manifest == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "demo", "labels": {"team": "storage"},
                     "annotations": {"note": "governs web"}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/name": "web"},
            "ports": [
                {"name": "web", "port": 80, "protocol": "TCP", "targetPort": "http", "appProtocol": "http"},
                {"name": "gossip", "port": 7946, "protocol": "UDP", "targetPort": 7947},
            ],
            "publishNotReadyAddresses": True,
        },
    }


def test_publish_not_ready_false_is_left_to_the_server_default():
    assert "publishNotReadyAddresses" not in build_service(params(publish_not_ready_addresses=False))["spec"]


def test_target_port_defaults_to_the_port_and_digit_strings_become_numbers():
    assert target_port(None, 80) == 80
    assert target_port("", 80) == 80
    assert target_port(" 8080 ", 80) == 8080
    assert target_port("http", 80) == "http"
    assert target_port(9000, 80) == 9000


def test_protocol_is_always_stated_because_it_is_part_of_the_merge_key():
    manifest = build_service(params(ports=[{"name": "web", "port": 80}]))
    assert manifest["spec"]["ports"][0]["protocol"] == "TCP"
