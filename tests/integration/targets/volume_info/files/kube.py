# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Setup helper for the volume_info integration target: PersistentVolumes made by hand, as an operator would.

  kube.py KUBECONFIG nfs-pv NAME SERVER PATH   -> creates an NFS PV without stateful.nfs labels
  kube.py KUBECONFIG delete-pv NAME            -> deletes it (gone already is fine)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException


def main(argv):
    kubeconfig, command, args = argv[1], argv[2], argv[3:]
    api = client.CoreV1Api(config.new_client_from_config(config_file=kubeconfig))
    if command == "nfs-pv":
        api.create_persistent_volume({
            "metadata": {"name": args[0], "labels": {"example.com/made-by": "hand"}},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                     "nfs": {"server": args[1], "path": args[2]}}})
    elif command == "delete-pv":
        try:
            api.delete_persistent_volume(args[0])
        except ApiException as exc:
            if exc.status != 404:
                raise
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
