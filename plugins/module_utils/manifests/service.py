# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The headless Service that governs a StatefulSet, as a manifest built from the module's options.

Pure: options in (the snake_case names of stateful.nfs.headless_service), dict out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def target_port(value, port):
    """The Service's targetPort: the port itself by default, a number for digit strings, else a name."""
    if value is None or value == "":
        return port
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def service_port(port):
    """One ServicePort, stated fully (protocol and targetPort are what the server would default to).

    The protocol is part of the list's merge key, so leaving it to the server would make every run
    look like a change.
    """
    built = {
        "name": port.get("name"),
        "port": int(port["port"]),
        "protocol": port.get("protocol") or "TCP",
        "targetPort": target_port(port.get("target_port"), int(port["port"])),
    }
    if port.get("app_protocol"):
        built["appProtocol"] = port["app_protocol"]
    return built


def build_service(params):
    """A headless Service manifest: clusterIP None, the selector, named ports."""
    metadata = {"name": params["name"], "namespace": params["namespace"]}
    if params.get("labels"):
        metadata["labels"] = dict(params["labels"])
    if params.get("annotations"):
        metadata["annotations"] = dict(params["annotations"])
    spec = {
        "type": "ClusterIP",
        "clusterIP": "None",
        "selector": dict(params.get("selector") or {}),
        "ports": [service_port(port) for port in params.get("ports") or []],
    }
    # false is the server's default and is not stored; stating it would make every run look like a change
    if params.get("publish_not_ready_addresses"):
        spec["publishNotReadyAddresses"] = True
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}
