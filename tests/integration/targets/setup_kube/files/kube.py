# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What really is in the cluster, read independently of the collection's own client; and raw set-up.

The integration targets check the modules' work with this script (it finds the API by discovery, where the
collection uses a fixed table of paths) and make with it what no module makes: objects "made by hand".

  kube.py KUBECONFIG get KIND NAME [-n NS]              -> the object as JSON, or {} when absent
  kube.py KUBECONFIG list KIND [-n NS] [-l SELECTOR]    -> JSON list of the objects
  kube.py KUBECONFIG create [-n NS] [--wait-phase P]    -> creates the JSON/YAML manifest read from stdin
                                                           (and waits until its status.phase is P)
  kube.py KUBECONFIG patch KIND NAME PATCH [-n NS]      -> JSON merge patch, field manager integration-test
  kube.py KUBECONFIG delete KIND NAME [-n NS] [--now] [--wait]
                                                        -> deletes it, gone already is fine (--now: no grace
                                                           period; --wait: until it is gone)
  kube.py KUBECONFIG exec POD [-n NS] [-c CONTAINER] -- COMMAND...
                                                        -> runs COMMAND in the pod: its stdout and stderr,
                                                           and its exit status as ours

KIND is one of API_VERSIONS; every wait gives up after TIMEOUT seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import sys
import time

import yaml
from kubernetes import config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

API_VERSIONS = {"Namespace": "v1", "ConfigMap": "v1", "Service": "v1", "Pod": "v1", "PersistentVolume": "v1",
                "PersistentVolumeClaim": "v1", "StatefulSet": "apps/v1"}
FIELD_MANAGER = "integration-test"
TIMEOUT = 180


def parse(argv):
    parser = argparse.ArgumentParser(prog="kube.py")
    parser.add_argument("kubeconfig")
    parser.set_defaults(name=None)
    commands = parser.add_subparsers(dest="command", required=True)
    for command, positional in (("get", ["kind", "name"]), ("list", ["kind"]), ("create", []),
                                ("patch", ["kind", "name", "patch"]), ("delete", ["kind", "name"]),
                                ("exec", ["name"])):
        sub = commands.add_parser(command)
        for name in positional:
            sub.add_argument(name, choices=sorted(API_VERSIONS) if name == "kind" else None)
        sub.add_argument("-n", "--namespace")
    commands.choices["list"].add_argument("-l", "--selector")
    commands.choices["create"].add_argument("--wait-phase")
    commands.choices["delete"].add_argument("--now", action="store_true")
    commands.choices["delete"].add_argument("--wait", action="store_true")
    commands.choices["exec"].add_argument("-c", "--container")
    # exec: everything after "--" is the command
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[1:split])
    args.exec_command = argv[split + 1:]
    return args


def read(resource, name, namespace):
    """The object as a dict, or {} when it is absent."""
    try:
        return resource.get(name=name, namespace=namespace).to_dict()
    except NotFoundError:
        return {}


def wait_until(condition, message):
    deadline = time.time() + TIMEOUT
    while not condition():
        if time.time() > deadline:
            raise SystemExit("%s after %ss" % (message, TIMEOUT))
        time.sleep(1)


def pod_exec(api_client, args):
    """Run a command in a pod (the exec subresource, as kubectl exec); returns its exit status."""
    from kubernetes.client import CoreV1Api
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    command = args.exec_command
    kwargs = {"container": args.container} if args.container else {}
    try:
        resp = stream(CoreV1Api(api_client).connect_get_namespaced_pod_exec, args.name, args.namespace or "default",
                      command=command, stdin=False, stdout=True, stderr=True, tty=False, _preload_content=False,
                      **kwargs)
    except ApiException as e:
        raise SystemExit("exec in %s failed: %s" % (args.name, e.reason))
    resp.run_forever(timeout=TIMEOUT * 5)
    sys.stdout.write(resp.read_stdout())
    sys.stderr.write(resp.read_stderr())
    if resp.is_open():
        resp.close()
        raise SystemExit("exec in %s did not finish within %ss" % (args.name, TIMEOUT * 5))
    return resp.returncode


def main(argv):
    args = parse(argv)
    api_client = config.new_client_from_config(config_file=args.kubeconfig)
    if args.command == "exec":
        return pod_exec(api_client, args)
    client = DynamicClient(api_client)
    if args.command == "create":
        manifest = yaml.safe_load(sys.stdin)
        args.kind, args.name = manifest["kind"], manifest["metadata"]["name"]
    resource = client.resources.get(api_version=API_VERSIONS[args.kind], kind=args.kind)
    ref = "%s %s/%s" % (args.kind, args.namespace or "", args.name)
    if args.command == "get":
        print(json.dumps(read(resource, args.name, args.namespace)))
    elif args.command == "list":
        print(json.dumps(resource.get(namespace=args.namespace, label_selector=args.selector).to_dict()["items"]))
    elif args.command == "create":
        resource.create(body=manifest, namespace=args.namespace)
        if args.wait_phase:
            wait_until(lambda: read(resource, args.name, args.namespace).get("status", {}).get("phase") == args.wait_phase,
                       "%s is not %s" % (ref, args.wait_phase))
    elif args.command == "patch":
        resource.patch(body=json.loads(args.patch), name=args.name, namespace=args.namespace,
                       content_type="application/merge-patch+json", field_manager=FIELD_MANAGER)
    elif args.command == "delete":
        try:
            resource.delete(name=args.name, namespace=args.namespace, grace_period_seconds=0 if args.now else None)
        except NotFoundError:
            return 0
        if args.wait:
            wait_until(lambda: not read(resource, args.name, args.namespace), "%s is still there" % ref)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
