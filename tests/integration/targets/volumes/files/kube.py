# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-side helper for the volumes integration target: what really is in the cluster.

  kube.py KUBECONFIG pvs SELECTOR            -> JSON list of PersistentVolumes
  kube.py KUBECONFIG pvcs NAMESPACE SELECTOR -> JSON list of PersistentVolumeClaims
  kube.py KUBECONFIG ensure-namespace NAME   -> creates it (waits out a previous deletion)
  kube.py KUBECONFIG delete-namespace NAME
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def main(argv):
    kubeconfig, command, args = argv[1], argv[2], argv[3:]
    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    serialize = api.api_client.sanitize_for_serialization
    if command == "pvs":
        print(json.dumps(serialize(api.list_persistent_volume(label_selector=args[0]).items)))
    elif command == "pvcs":
        print(json.dumps(serialize(api.list_namespaced_persistent_volume_claim(args[0], label_selector=args[1]).items)))
    elif command == "ensure-namespace":
        deadline = time.time() + 120
        while True:
            try:
                api.create_namespace({"metadata": {"name": args[0]}})
                return 0
            except ApiException as exc:
                if exc.status != 409:
                    raise
                phase = api.read_namespace(args[0]).status.phase
                if phase == "Active":
                    return 0
                if time.time() > deadline:
                    raise SystemExit("namespace %s is still %s" % (args[0], phase))
                time.sleep(2)
    elif command == "delete-namespace":
        try:
            api.delete_namespace(args[0])
        except ApiException as exc:
            if exc.status != 404:
                raise
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
