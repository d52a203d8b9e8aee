#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor for writing N objects from Python: one LIST, then the writes over 8 connections in parallel.

  floor.py KUBECONFIG MANIFEST.yaml apply|delete

apply: server-side apply of every object (the LIST is what a tool that compares first would read); delete: each one.
"""

from __future__ import absolute_import, division, print_function

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import urllib3
import yaml
from kubernetes import client, config

CONNECTIONS = 8


def main(kubeconfig, manifest, verb):
    cfg = client.Configuration()
    config.load_kube_config(config_file=kubeconfig, client_configuration=cfg)
    pool = urllib3.PoolManager(maxsize=CONNECTIONS, cert_file=cfg.cert_file, key_file=cfg.key_file,
                               ca_certs=cfg.ssl_ca_cert, cert_reqs="CERT_REQUIRED")
    base = cfg.host + "/api/v1/persistentvolumes"
    objects = list(yaml.safe_load_all(open(manifest)))
    json.loads(pool.request("GET", base).data)

    def write(obj):
        name = obj["metadata"]["name"]
        if verb == "delete":
            response = pool.request("DELETE", "%s/%s" % (base, name))
        else:
            response = pool.request("PATCH", "%s/%s?fieldManager=floor&force=true" % (base, name),
                                    body=json.dumps(obj), headers={"Content-Type": "application/apply-patch+yaml"})
        if response.status >= 300:
            raise SystemExit("%s %s: HTTP %s %s" % (verb, name, response.status, response.data[:200]))
        return response.status

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as workers:
        list(workers.map(write, objects))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
