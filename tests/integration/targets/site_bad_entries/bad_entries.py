# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cases of site_bad_entries, and what the target compares before and after each run.

  bad_entries.py CONFIG write DIR            -> writes DIR/<case>.yml (extra vars of the run) and
                                                DIR/<case>.expect.json; prints the case ids, one a line
  bad_entries.py CONFIG snapshot             -> both planes, one sorted line per object: the Namespaces,
                                                PersistentVolumes, claims, Services and StatefulSets of the
                                                cluster; every file and directory under the NFS root and the
                                                ganesha configuration directory (with the configuration's text)
  bad_entries.py CONFIG check EXPECT OUTPUT  -> one line per expected name the run's output does not give
  bad_entries.py CONFIG cleanup              -> removes what bad-<...> apps may have left on both planes

CONFIG is the integration config (tests/bin/write-integration-config).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import time

import yaml
from kubernetes import config as kube_config
from kubernetes.dynamic import DynamicClient

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = (("v1", "Namespace"), ("v1", "PersistentVolume"), ("v1", "PersistentVolumeClaim"), ("v1", "Service"),
         ("apps/v1", "StatefulSet"))
PREFIX = "bad-"
TIMEOUT = 180


def load(path):
    with open(path) as stream:
        return yaml.safe_load(stream)


def merge(base, over):
    """base with the fields of over laid on it (mappings merged, anything else replaced)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def app(settings, namespace, over=None):
    entry = merge(load(os.path.join(HERE, "app.yml")), {"namespace": namespace, "storage": {"nfs": {
        "root": "%s/%s" % (settings["testbed_nfs_root"], namespace)}}})
    return merge(entry, over or {})


def fill(text, **values):
    for key, value in values.items():
        text = text.replace("{%s}" % key, str(value))
    return text


def write_run(directory, case_id, apps, expect, kubeconfig):
    with open(os.path.join(directory, case_id + ".yml"), "w") as stream:
        yaml.safe_dump({"stateful_nfs_kubeconfig": kubeconfig, "stateful_nfs_become": False,
                        "stateful_nfs_verify": False, "stateful_apps": apps}, stream, default_flow_style=False)
    with open(os.path.join(directory, case_id + ".expect.json"), "w") as stream:
        json.dump(expect, stream, indent=1)
    print(case_id)


def write(settings, directory):
    cases = load(os.path.join(HERE, "cases.yml"))
    admin = settings["k8s_kubeconfig"]
    every_app, every_expect = [app(settings, PREFIX + "all-ok")], {"entries": [], "output": []}
    for case in cases["entries"]:
        for prefix, apps, expect in ((PREFIX + case["id"], [app(settings, PREFIX + case["id"] + "-ok")], {
                "entries": [], "output": []}), (PREFIX + "all-" + case["id"], every_app, every_expect)):
            first = len(apps)
            for index, (over, names) in enumerate(zip(case["entries"], case["expect"])):
                apps.append(app(settings, prefix, over))
                if names:
                    expect["entries"].append({"case": case["id"], "index": first + index, "names": [
                        fill(name, namespace=prefix, first=first) for name in names]})
            if apps is not every_app:
                write_run(directory, prefix[len(PREFIX):], apps, expect, admin)
    write_run(directory, "all", every_app, every_expect, admin)

    kubeconfigs = {"missing": os.path.join(directory, "kubeconfig-missing")}
    bogus = load(admin)
    for user in bogus["users"]:
        user["user"] = {"token": "bogus-token-of-site-bad-entries"}
    unreachable = load(admin)
    for cluster in unreachable["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:1"
    for name, kubeconfig in (("bogus-token", bogus), ("unreachable", unreachable)):
        kubeconfigs[name] = os.path.join(directory, "kubeconfig-" + name)
        with os.fdopen(os.open(kubeconfigs[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as stream:
            yaml.safe_dump(kubeconfig, stream)
    for case in cases["connections"]:
        path = kubeconfigs[case["kubeconfig"]]
        write_run(directory, case["id"], [app(settings, PREFIX + case["id"])],
                  {"entries": [], "output": [fill(name, kubeconfig=path) for name in case["expect"]]}, path)


def client(settings):
    return DynamicClient(kube_config.new_client_from_config(config_file=settings["k8s_kubeconfig"]))


def nfs_dirs(settings):
    """The NFS root of the apps, the ganesha configuration directory and its exports directory."""
    exports_dir = settings["testbed_ganesha_exports_dir"]
    return settings["testbed_nfs_root"], os.path.dirname(exports_dir), exports_dir


def snapshot(settings):
    lines = []
    kube = client(settings)
    for api_version, kind in KINDS:
        for item in kube.resources.get(api_version=api_version, kind=kind).get().to_dict()["items"]:
            meta = item["metadata"]
            lines.append("cluster %s %s/%s" % (kind, meta.get("namespace") or "", meta["name"]))
    nfs_root, ganesha_dir = nfs_dirs(settings)[:2]
    for top in (nfs_root, ganesha_dir):
        for parent, dirs, files in os.walk(top):
            # ganesha's own client records come and go with the NFS clients of the cluster
            dirs[:] = sorted(name for name in dirs if not (top == ganesha_dir and name == "recovery"))
            for name in [""] + dirs + sorted(files):
                path = os.path.join(parent, name) if name else parent
                info = os.lstat(path)
                kind = "d" if name in dirs or not name else "f"
                line = "nfs %s %s %o %d:%d" % (path, kind, info.st_mode & 0o7777, info.st_uid, info.st_gid)
                if top == ganesha_dir and name in files:
                    with open(path, "rb") as stream:
                        line += " sha256:" + hashlib.sha256(stream.read()).hexdigest()
                lines.append(line)
    print("\n".join(sorted(set(lines))))


def named(line, name):
    """name appears in line, not as the tail of a longer field path (port.name= is not name=)."""
    start = line.find(name)
    while start >= 0:
        if start == 0 or not re.match(r"[A-Za-z0-9_.\-]", line[start - 1]):
            return True
        start = line.find(name, start + 1)
    return False


def check(expect_path, output_path):
    with open(expect_path) as stream:
        expect = json.load(stream)
    with open(output_path) as stream:
        # the default callback prints a message's new lines as \n inside its JSON
        output = stream.read().replace("\\n", "\n").replace('\\"', '"')
    subjects = {}
    for line in output.splitlines():
        found = re.search(r"stateful_apps\[(\d+)\]", line)
        if found:
            subjects.setdefault(int(found.group(1)), []).append(line)
    for item in expect["entries"]:
        lines = subjects.get(item["index"], [])
        if not any(all(named(line, name) for name in item["names"]) for line in lines):
            print("%s: no line of stateful_apps[%d] names %s" % (item["case"], item["index"], " and ".join(item["names"])))
    for name in expect["output"]:
        if name.startswith("~"):
            if not re.search(name[1:], output, re.IGNORECASE):
                print("the output does not match /%s/" % name[1:])
        elif name not in output:
            print("the output does not name %s" % name)


def ours(item):
    meta = item["metadata"]
    values = [meta["name"], meta.get("namespace") or ""] + list((meta.get("labels") or {}).values())
    return any(str(value).startswith(PREFIX) for value in values)


def cleanup(settings):
    kube = client(settings)
    namespaces = kube.resources.get(api_version="v1", kind="Namespace")
    volumes = kube.resources.get(api_version="v1", kind="PersistentVolume")
    for resource in (namespaces, volumes):
        for item in resource.get().to_dict()["items"]:
            if ours(item) and not item["metadata"].get("deletionTimestamp"):
                resource.delete(name=item["metadata"]["name"])
                print("deleted %s/%s" % (item["kind"], item["metadata"]["name"]))
    deadline = time.time() + TIMEOUT
    while any(ours(item) for resource in (namespaces, volumes) for item in resource.get().to_dict()["items"]):
        if time.time() > deadline:
            raise SystemExit("objects of bad- apps are still there after %ss" % TIMEOUT)
        time.sleep(1)

    nfs_root, ganesha_dir, exports_dir = nfs_dirs(settings)
    main_config = os.path.join(ganesha_dir, "exports.conf")
    removed = [os.path.join(exports_dir, name) for name in sorted(os.listdir(exports_dir)) if name.startswith(PREFIX)]
    with open(main_config) as stream:
        lines = stream.read().splitlines(True)
    kept = [line for line in lines if not any(path in line for path in removed) and
            not re.search(r'%%include\s+"?%s/%s' % (re.escape(exports_dir), PREFIX), line)]
    if kept != lines:
        with open(main_config, "w") as stream:
            stream.write("".join(kept))
    for path in removed:
        os.remove(path)
        print("removed %s" % path)
    if removed or kept != lines:
        with open(os.path.join(os.path.dirname(ganesha_dir), "run", "ganesha.pid")) as stream:
            os.kill(int(stream.read().strip()), signal.SIGHUP)
        print("reloaded ganesha")
    for name in sorted(os.listdir(nfs_root)):
        if name.startswith(PREFIX):
            path = os.path.join(nfs_root, name)
            shutil.rmtree(path)
            print("removed %s" % path)


def main(argv):
    settings = load(argv[1])
    command = argv[2]
    if command == "write":
        write(settings, argv[3])
    elif command == "snapshot":
        snapshot(settings)
    elif command == "check":
        check(argv[3], argv[4])
    elif command == "cleanup":
        cleanup(settings)
    else:
        raise SystemExit("unknown command %s" % command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
