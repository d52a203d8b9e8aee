# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-side and setup helper for the namespace integration target: what really is in the cluster.

  kube.py KUBECONFIG get NAME                 -> the Namespace as JSON, or null
  kube.py KUBECONFIG label NAME KEY=VALUE     -> sets a label with another field manager (kubectl's way)
  kube.py KUBECONFIG hold NAME                -> a ConfigMap with a finalizer, which keeps NAME Terminating
  kube.py KUBECONFIG release NAME             -> removes that finalizer
  kube.py KUBECONFIG delete NAME [--wait]     -> deletes the namespace (and waits until it is gone)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

HOLD = "hold"
FINALIZER = "stateful.nfs/integration-hold"


def read(api, name):
    try:
        return api.api_client.sanitize_for_serialization(api.read_namespace(name))
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def main(argv):
    kubeconfig, command, args = argv[1], argv[2], argv[3:]
    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    if command == "get":
        print(json.dumps(read(api, args[0])))
    elif command == "label":
        key, value = args[1].split("=", 1)
        api.patch_namespace(args[0], {"metadata": {"labels": {key: value}}}, field_manager="integration-test")
    elif command == "hold":
        api.create_namespaced_config_map(args[0], {"metadata": {"name": HOLD, "finalizers": [FINALIZER]}})
    elif command == "release":
        try:
            api.patch_namespaced_config_map(HOLD, args[0], {"metadata": {"finalizers": None}})
        except ApiException as exc:
            if exc.status != 404:
                raise
    elif command == "delete":
        try:
            api.delete_namespace(args[0])
        except ApiException as exc:
            if exc.status != 404:
                raise
        deadline = time.time() + 120
        while "--wait" in args and read(api, args[0]) is not None:
            if time.time() > deadline:
                raise SystemExit("namespace %s is still there" % args[0])
            time.sleep(1)
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
