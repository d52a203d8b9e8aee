# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-side helper for the volumes integration target: what really is in the cluster.

  kube.py KUBECONFIG pvs SELECTOR            -> JSON list of PersistentVolumes
  kube.py KUBECONFIG pvcs NAMESPACE SELECTOR -> JSON list of PersistentVolumeClaims
  kube.py KUBECONFIG ensure-namespace NAME   -> creates it (waits out a previous deletion)
  kube.py KUBECONFIG delete-namespace NAME
  kube.py KUBECONFIG claim NAMESPACE NAME    -> a claim as a StatefulSet's volumeClaimTemplate makes it
  kube.py KUBECONFIG pod NAMESPACE NAME CLAIM IMAGE -> a pod writing a marker into the claim, waited until Running
  kube.py KUBECONFIG delete-pod NAMESPACE NAME      -> deleted at once, waited until gone
  kube.py KUBECONFIG wait-bound NAMESPACE NAME      -> waits until the claim is Bound
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys
import time

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def wait_for(condition, message, timeout=120):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise SystemExit(message)
        time.sleep(1)


def gone_or(read):
    """The object read, or None when it is gone."""
    try:
        return read()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


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
    elif command == "claim":
        api.create_namespaced_persistent_volume_claim(args[0], {
            "metadata": {"name": args[1], "labels": {"app.kubernetes.io/name": "app"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                     "resources": {"requests": {"storage": "1Gi"}}}})
    elif command == "wait-bound":
        wait_for(lambda: api.read_namespaced_persistent_volume_claim(args[1], args[0]).status.phase == "Bound",
                 "claim %s/%s is not Bound" % (args[0], args[1]))
    elif command == "pod":
        api.create_namespaced_pod(args[0], {
            "metadata": {"name": args[1]},
            "spec": {"automountServiceAccountToken": False, "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "app", "image": args[3], "imagePullPolicy": "Never",
                                     "command": ["sh", "-c", "echo kept > /data/marker && exec sleep 3600"],
                                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": args[2]}}]}})
        wait_for(lambda: api.read_namespaced_pod(args[1], args[0]).status.phase == "Running",
                 "pod %s/%s is not Running" % (args[0], args[1]))
    elif command == "delete-pod":
        try:
            api.delete_namespaced_pod(args[1], args[0], grace_period_seconds=0)
        except ApiException as exc:
            if exc.status != 404:
                raise
        wait_for(lambda: not gone_or(lambda: api.read_namespaced_pod(args[1], args[0])),
                 "pod %s/%s is still there" % (args[0], args[1]))
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
