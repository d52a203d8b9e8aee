# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-side helper for the integration target: what really is in the cluster, and raw set-up.

  kube.py KUBECONFIG get KIND NAMESPACE NAME        -> the object as JSON, or {} when absent
  kube.py KUBECONFIG pods NAMESPACE SELECTOR        -> JSON list of Pods
  kube.py KUBECONFIG pvcs NAMESPACE                 -> JSON list of PersistentVolumeClaims
  kube.py KUBECONFIG clusterip-service NAMESPACE NAME PORT  -> creates a plain ClusterIP Service
  kube.py KUBECONFIG ensure-namespace NAME          -> creates it (waits out a previous deletion)
  kube.py KUBECONFIG delete-namespace NAME          -> deletes it and waits until it is gone
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def read(api_client, kind, namespace, name):
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    readers = {"Service": core.read_namespaced_service, "Pod": core.read_namespaced_pod,
               "PersistentVolumeClaim": core.read_namespaced_persistent_volume_claim,
               "StatefulSet": apps.read_namespaced_stateful_set}
    try:
        return api_client.sanitize_for_serialization(readers[kind](name, namespace))
    except ApiException as exc:
        if exc.status == 404:
            return {}
        raise


def ensure_namespace(core, name):
    deadline = time.time() + 180
    while True:
        try:
            core.create_namespace({"metadata": {"name": name}})
            return
        except ApiException as exc:
            if exc.status != 409:
                raise
            phase = core.read_namespace(name).status.phase
            if phase == "Active":
                return
            if time.time() > deadline:
                raise SystemExit("namespace %s is still %s" % (name, phase))
            time.sleep(2)


def delete_namespace(core, name):
    try:
        core.delete_namespace(name)
    except ApiException as exc:
        if exc.status != 404:
            raise
        return
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            core.read_namespace(name)
        except ApiException as exc:
            if exc.status == 404:
                return
            raise
        time.sleep(2)
    raise SystemExit("namespace %s was not deleted in time" % name)


def main(argv):
    kubeconfig, command, args = argv[1], argv[2], argv[3:]
    api_client = config.new_client_from_config(config_file=kubeconfig)
    core = client.CoreV1Api(api_client)
    serialize = api_client.sanitize_for_serialization
    if command == "get":
        print(json.dumps(read(api_client, *args)))
    elif command == "pods":
        print(json.dumps(serialize(core.list_namespaced_pod(args[0], label_selector=args[1]).items)))
    elif command == "pvcs":
        print(json.dumps(serialize(core.list_namespaced_persistent_volume_claim(args[0]).items)))
    elif command == "clusterip-service":
        namespace, name, port = args
        core.create_namespaced_service(namespace, {
            "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"name": "tcp", "port": int(port)}]}})
    elif command == "ensure-namespace":
        ensure_namespace(core, args[0])
    elif command == "delete-namespace":
        delete_namespace(core, args[0])
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
