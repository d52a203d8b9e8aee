# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-side helper of the verify_persistence integration target: what really is in the cluster.

  kube.py KUBECONFIG pods NAMESPACE SELECTOR     -> {pod name: uid} as JSON
  kube.py KUBECONFIG get-sts NAMESPACE NAME      -> the StatefulSet as JSON, or {}
  kube.py KUBECONFIG pvcs NAMESPACE              -> {claim name: uid} as JSON
  kube.py KUBECONFIG ensure-namespace NAME       -> creates it (waits out a previous deletion)
  kube.py KUBECONFIG delete-namespace NAME       -> deletes it and waits until it is gone
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def ensure_namespace(core, name):
    deadline = time.time() + 180
    while True:
        try:
            core.create_namespace({"metadata": {"name": name}})
            return
        except ApiException as exc:
            if exc.status != 409:
                raise
            if core.read_namespace(name).status.phase == "Active":
                return
            if time.time() > deadline:
                raise SystemExit("namespace %s is still terminating" % name)
            time.sleep(2)


def delete_namespace(core, name):
    try:
        core.delete_namespace(name)
    except ApiException as exc:
        if exc.status == 404:
            return
        raise
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
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    if command == "pods":
        pods = core.list_namespaced_pod(args[0], label_selector=args[1]).items
        print(json.dumps(dict((pod.metadata.name, pod.metadata.uid) for pod in pods)))
    elif command == "pvcs":
        claims = core.list_namespaced_persistent_volume_claim(args[0]).items
        print(json.dumps(dict((pvc.metadata.name, pvc.metadata.uid) for pvc in claims)))
    elif command == "get-sts":
        try:
            print(json.dumps(api_client.sanitize_for_serialization(apps.read_namespaced_stateful_set(args[1],
                                                                                                     args[0]))))
        except ApiException as exc:
            if exc.status != 404:
                raise
            print("{}")
    elif command == "ensure-namespace":
        ensure_namespace(core, args[0])
    elif command == "delete-namespace":
        delete_namespace(core, args[0])
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
