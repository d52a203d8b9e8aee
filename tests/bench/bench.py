#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: the collection side by side with what a user would otherwise run, on the local test bed.

Every figure is measured in this run: each case runs --rounds times, the table shows min and median and the
ratio of the medians to the reference of its group. The machine is shared and noisy, so read the ratios.
API requests per run are read from the API server's /metrics (apiserver_request_total, by verb, for the
resources the case touches; status updates of the controllers are left out, those of the StatefulSet
controller and the kubelets on pods are in). Everything created is removed, also when a case fails.

Groups:
  empty      an empty ansible-playbook run (the fixed cost every Ansible row includes), and one with a single
             ansible.builtin.ping task (what a task of any module costs on top)
  pvs-N      N PersistentVolumes of one StatefulSet: create, no-op (the same again), delete
             stateful.nfs.volumes | kubectl apply -f | kubectl apply --server-side | kubernetes.core.k8s with
             a list | kubernetes.core.k8s one task per object | a Python floor (1 LIST + parallel applies).
             The PUTs of a delete are the pv-protection controller removing its finalizer.
  exports-N  N kernel NFS exports (existing directories, one client): create, no-op, delete
             stateful.nfs.export with the list form (one task) | ansible.builtin.lineinfile one task per export
             (a loop) notifying a handler that runs `exportfs -ra` once. The note counts the runs of exportfs.
             No NFS server is involved: the plays run in a mount namespace of their own (unshare) in which a
             temporary directory is /etc/exports.d and a counting script is /usr/sbin/exportfs. The script
             stands in for `exportfs -ra`, which would validate the files and load them into the kernel's
             export table; it only counts its calls. Needs root and exportfs installed (its path is the mount
             point); the test bed is not used.
  proof-R    one disruption of a StatefulSet of R replicas on the collection's NFS volumes (deployed once per R
             with stateful.nfs.site, outside the timing): delete_pod (each pod in turn), rollout_restart
             stateful.nfs.verify_persistence (check_dns false) | kubectl: `delete pod` + `wait --for=create
             --for=condition=Ready` per pod, or `rollout restart` + `rollout status` | the same kubectl with the
             proof's marker I/O through `kubectl exec` (write in every pod, read every pod after each step,
             remove). CONNECT requests are execs.
  site-A     the stateful.nfs.site playbook for A apps of one replica each on the test bed's inventory: create,
             no-op, teardown (purge, purge_mode delete); stateful_nfs_verify false, and for A = 1 also with the
             proof (the apps' default, delete_pod with DNS checks). The note is the median per app (total / A).
"""

from __future__ import absolute_import, division, print_function

import argparse
import contextlib
import importlib
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "stateful-nfs-bench"
METRIC_RE = re.compile(r'^apiserver_request_total\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+]+)$')
LABEL_RE = re.compile(r'(\w+)="([^"]*)"')
GROUPS = ("empty", "pvs", "exports", "proof", "site")
# The cases that run ansible-playbook, whose fixed cost includes an empty playbook's.
ANSIBLE_CASES = ("stateful.nfs.", "kubernetes.core.", "ansible.builtin.")
# The case each group's ratios are taken against.
REFERENCES = {"empty": "ansible-playbook (no tasks)", "pvs": "kubectl apply -f", "exports": "lineinfile loop + handler",
              "proof": "kubectl", "site": "stateful.nfs.site"}

# exports: the only directory `exportfs -ra` reads besides /etc/exports, and where the export module looks for
# exportfs first; in the plays' mount namespace both are the benchmark's.
EXPORTS_D = "/etc/exports.d"
EXPORTFS = "/usr/sbin/exportfs"
EXPORT_CLIENT = "10.0.0.0/24"

# proof and site: the test bed's settings as the integration targets get them, and its inventory.
WRITE_CONFIG = os.path.join(HERE, "..", "bin", "write-integration-config")
SITE_INVENTORY = os.path.join(HERE, "..", "integration", "targets", "site_released", "inventory.yml")
PROOF_NS = "stateful-nfs-bench-proof"
PROOF_APP = "web"
SITE_NS = "stateful-nfs-bench-site"
PURGE = {"purge": True, "purge_mode": "delete"}
PROOF_RESOURCES = {"pods", "statefulsets", "persistentvolumeclaims", "persistentvolumes", "services"}
SITE_RESOURCES = {"namespaces", "pods", "statefulsets", "persistentvolumeclaims", "persistentvolumes", "services",
                  "selfsubjectaccessreviews", "selfsubjectreviews"}


# ---------------------------------------------------------------- pure: figures and the table

def summary(samples):
    """(min, median) of a list of seconds."""
    return min(samples), statistics.median(samples)


def slope(points):
    """Least-squares slope of [(n, seconds)]: the cost of one more object."""
    if len(points) < 2:
        return None
    mean_n = sum(n for n, seconds in points) / len(points)
    mean_t = sum(seconds for n, seconds in points) / len(points)
    den = sum((n - mean_n) ** 2 for n, seconds in points)
    return sum((n - mean_n) * (t - mean_t) for n, t in points) / den if den else None


def intercept(points):
    """Least-squares intercept of [(n, seconds)]: the cost at N = 0, a run's fixed cost."""
    per = slope(points)
    if per is None:
        return None
    return sum(t for n, t in points) / len(points) - per * sum(n for n, t in points) / len(points)


def requests_delta(before, after, resources):
    """{verb: count} of the requests between two /metrics readings, for these resources, status left out."""
    delta = {}
    for key, value in after.items():
        verb, resource, subresource = key
        if resource not in resources or subresource == "status":
            continue
        count = int(value - before.get(key, 0))
        if count:
            delta[verb] = delta.get(verb, 0) + count
    return delta


def parse_metrics(text):
    """{(verb, resource, subresource): count} from the API server's /metrics text."""
    found = {}
    for line in text.splitlines():
        match = METRIC_RE.match(line)
        if not match:
            continue
        labels = dict(LABEL_RE.findall(match.group("labels")))
        key = (labels.get("verb"), labels.get("resource", ""), labels.get("subresource", ""))
        found[key] = found.get(key, 0) + float(match.group("value"))
    return found


def table(rows):
    """rows: dicts with group, case, phase, min, median, ratio, requests, note -> aligned text."""
    header = ["group", "case", "phase", "min s", "median s", "x ref", "API requests", "note"]
    lines = [[r["group"], r["case"], r["phase"], "%.2f" % r["min"], "%.2f" % r["median"],
              "%.2f" % r["ratio"] if r.get("ratio") is not None else "-",
              " ".join("%s=%d" % kv for kv in sorted((r.get("requests") or {}).items())) or "-",
              r.get("note") or ""] for r in rows]
    widths = [max(len(x[i]) for x in [header] + lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()
                     for cells in [header] + lines)


def with_ratios(rows, reference_of):
    """Each row's median over the median of its group's reference case, same phase."""
    medians = dict(((r["group"], r["case"], r["phase"]), r["median"]) for r in rows)
    for r in rows:
        ref = medians.get((r["group"], reference_of(r["group"]), r["phase"]))
        r["ratio"] = r["median"] / ref if ref else None
    return rows


def reference_case(group):
    """The case a group's ratios are taken against: "pvs-10" -> "kubectl apply -f"."""
    return REFERENCES[group.partition("-")[0]]


def size_of(group):
    """N of a group named <kind>-<N>."""
    return int(group.partition("-")[2])


def sizes(text):
    """[N, ...] of a comma-separated option ('' is none)."""
    return [int(x) for x in text.split(",") if x]


def rows_of(group, case, found, counted=None):
    """Table rows of one case from measure()'s figures, a row per phase; `counted` names what `calls` counts."""
    rows = []
    for phase, figures in found.items():
        low, mid = summary(figures["samples"])
        row = {"group": group, "case": case, "phase": phase, "min": low, "median": mid,
               "requests": figures["requests"]}
        if counted:
            row["note"] = "%s runs: %d" % (counted, figures["calls"])
        rows.append(row)
    return rows


def with_per_app(rows):
    """The note of each site row: its median per app (total / A)."""
    for r in rows:
        if r["group"].partition("-")[0] == "site":
            r["note"] = "per app %.2f s" % (r["median"] / size_of(r["group"]))
    return rows


def fit_points(rows, kind, phase):
    """{case: [(N, median)]} over the groups <kind>-<N>, one phase; rows not run (median 0) left out."""
    found = {}
    for r in rows:
        if r["group"].partition("-")[0] == kind and r["phase"] == phase and r["median"]:
            found.setdefault(r["case"], []).append((size_of(r["group"]), r["median"]))
    return found


def fit_lines(rows, kind, phase, item, empty=None, one_task=None):
    """A line per case: the cost of one more `item` and the fixed cost (least squares over the sizes of the groups
    <kind>-<N>); for the Ansible cases also the fixed cost over `empty`, the median of an empty playbook run, and
    over `one_task`, that of a playbook with one ansible.builtin.ping task (what any module's task costs)."""
    lines = []
    for case, points in sorted(fit_points(rows, kind, phase).items()):
        per = slope(points)
        if per is None:
            continue
        fixed = intercept(points)
        over = ""
        if case.startswith(ANSIBLE_CASES):
            over = "".join(", %.2f s over %s" % (fixed - base, what)
                           for base, what in ((empty, "an empty playbook"), (one_task, "one ping task"))
                           if base is not None)
        lines.append("per %s (%s, least squares over N=%s): %-36s %.2f ms; fixed %.2f s%s"
                     % (item, phase, ",".join(str(point[0]) for point in points), case, per * 1000, fixed, over))
    return lines


def summary_lines(rows):
    """The fitted lines under the table. The no-op fit of the PVs is a run that changes nothing: its fixed cost is a
    module's start-up (AnsiballZ, imports, client set-up, one LIST), the figure the fixed-cost target is about."""
    bases = (empty_median(rows), empty_median(rows, ONE_TASK))
    return (fit_lines(rows, "pvs", "create", "PV", *bases) + fit_lines(rows, "pvs", "no-op", "PV", *bases)
            + fit_lines(rows, "exports", "create", "export", *bases) + fit_lines(rows, "site", "create", "app", *bases))


def empty_median(rows, case=None):
    """The median of the empty group's `case` (the empty playbook run), None when the group did not run."""
    case = case or REFERENCES["empty"]
    return next((r["median"] for r in rows if r["group"] == "empty" and r["case"] == case), None)


# ---------------------------------------------------------------- pure: what the cases run

def export_vars(paths):
    """Extra vars of both exports plays: the paths (lineinfile's loop) and the module's list form."""
    return {"paths": paths, "exports": [{"path": path} for path in paths]}


def counting_script(count_file):
    """A stand-in for a command: appends its arguments to count_file, one line per call, and succeeds."""
    return "#!/bin/sh\necho \"$*\" >> %s\n" % shlex.quote(count_file)


def in_mount_namespace(binds, argv):
    """argv run in a mount namespace of its own with each (source, target) of binds bind-mounted over its target;
    the host's mounts stay as they are."""
    mounts = "".join('mount --bind "$%d" "$%d" && ' % (2 * index + 1, 2 * index + 2) for index in range(len(binds)))
    script = '%sshift %d && exec "$@"' % (mounts, 2 * len(binds))
    return (["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
            + [path for bind in binds for path in bind] + list(argv))


def pod_names(statefulset, replicas):
    return ["%s-%d" % (statefulset, ordinal) for ordinal in range(replicas)]


def delete_pod_steps(pods, namespace):
    """The kubectl of delete_pod, a step per pod: delete it, wait until its successor is Ready (--for=create first:
    the successor may not exist yet when the delete returns)."""
    return [[["delete", "pod", pod, "-n", namespace],
             ["wait", "--for=create", "--for=condition=Ready", "pod/" + pod, "-n", namespace, "--timeout=300s"]]
            for pod in pods]


def rollout_restart_steps(statefulset, namespace):
    """The kubectl of rollout_restart, one step."""
    return [[["rollout", "restart", "statefulset/" + statefulset, "-n", namespace],
             ["rollout", "status", "statefulset/" + statefulset, "-n", namespace, "--timeout=300s"]]]


def commands_of(steps):
    return [command for step in steps for command in step]


def with_marker_io(steps, pods, namespace, write, read, remove):
    """The steps' kubectl with the proof's marker I/O through kubectl exec: write in every pod first, read every pod
    after each step, remove at the end. write, read, remove: pod -> the command in its container."""
    def in_every_pod(command_of):
        return [["exec", pod, "-n", namespace, "--"] + command_of(pod) for pod in pods]
    commands = in_every_pod(write)
    for step in steps:
        commands += step + in_every_pod(read)
    return commands + in_every_pod(remove)


def bench_app(name, namespace, replicas, directory):
    """One stateful_apps entry on the test bed (busybox httpd on the collection's NFS volumes, as the integration
    targets have it), its volumes under <the test bed's NFS root>/<directory>."""
    return {
        "name": name, "namespace": namespace, "replicas": replicas,
        "image": "{{ testbed_image }}", "image_pull_policy": "Never",
        "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
        "termination_grace_period_seconds": 2, "mount_path": "/www", "claim": "www", "wait_timeout": 120,
        "storage": {"size": "1Gi", "nfs": {
            "host": "nfs1", "server": "{{ testbed_nfs_server }}", "root": "{{ testbed_nfs_root }}/" + directory,
            "clients": "{{ testbed_nfs_clients }}", "options": ["all_squash", "anonuid=101", "anongid=101"],
            "owner": "101", "group": "101", "mode": "0770"}},
    }


def site_vars(apps, verify):
    """The extra vars of stateful.nfs.site and teardown for these apps, with or without the proof."""
    return {"stateful_nfs_kubeconfig": "{{ k8s_kubeconfig }}", "stateful_nfs_become": False,
            "stateful_nfs_verify": verify, "stateful_apps": apps}


# ---------------------------------------------------------------- I/O: the test bed

class Bed(object):
    def __init__(self, args):
        self.args = args
        self.kubeconfig = args.kubeconfig
        self.kubectl_bin = args.kubectl
        self.work = tempfile.mkdtemp(prefix="stateful-nfs-bench-")
        self.env = dict(os.environ, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
        self.testbed_settings = None

    def kubectl(self, *argv, **kwargs):
        return run([self.kubectl_bin, "--kubeconfig", self.kubeconfig] + list(argv), **kwargs)

    def metrics(self):
        return parse_metrics(self.kubectl("get", "--raw", "/metrics", quiet=True)[1])

    @staticmethod
    def playbook_argv(path, extra=None, python_env=None, inventory=None, vars_files=()):
        argv = [python_env or "ansible-playbook"] + (["-i", inventory] if inventory else ["-i", "localhost,", "-c", "local"])
        argv.append(path)
        for vars_file in vars_files:
            argv += ["-e", "@" + vars_file]
        for key, value in (extra or {}).items():
            argv += ["-e", "%s=%s" % (key, json.dumps(value))]
        return argv

    def playbook(self, path, extra=None, python_env=None, vars_files=()):
        return run(self.playbook_argv(path, extra, python_env, vars_files=vars_files), env=self.env)

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as handle:
            handle.write(text)
        return path

    def wait_no_pvs(self, selector, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            out = self.kubectl("get", "pv", "-l", selector, "-o", "name", quiet=True)[1]
            if not out.strip():
                return
            time.sleep(0.5)
        raise SystemExit("PVs %s still there after %ss" % (selector, timeout))

    def testbed(self):
        """(file, settings): the test bed's settings, written by tests/bin/write-integration-config."""
        if self.testbed_settings is None:
            import yaml
            path = os.path.join(self.work, "testbed.yml")
            run([WRITE_CONFIG, path], quiet=True)
            with open(path) as handle:
                self.testbed_settings = path, yaml.safe_load(handle)
        return self.testbed_settings

    def site(self, playbook, apps_file, extra=None):
        """Seconds of the playbook stateful.nfs.<playbook> for the apps of apps_file on the test bed's inventory."""
        argv = self.playbook_argv("stateful.nfs." + playbook, extra, inventory=SITE_INVENTORY,
                                  vars_files=[self.testbed()[0], apps_file])
        return run(argv, env=self.env)[0]

    def remove_apps(self, apps_file, namespace, directory):
        """The teardown with purge (data deleted), then the namespace and the apps' directory of the NFS root."""
        try:
            self.site("teardown", apps_file, PURGE)
        finally:
            self.remove_namespace_and_root(namespace, directory)

    def remove_namespace_and_root(self, namespace, directory):
        self.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--timeout=300s", quiet=True)
        shutil.rmtree(os.path.join(self.testbed()[1]["testbed_nfs_root"], directory), ignore_errors=True)


def run(argv, env=None, quiet=False, stdin=None):
    """(seconds, stdout) of a command; exits with its output when it fails."""
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("benchmark command failed (%d): %s" % (proc.returncode, " ".join(argv)[:300]))
    return seconds, proc.stdout


def lines_in(path):
    """Lines of a file, 0 when it does not exist."""
    try:
        with open(path) as handle:
            return sum(1 for _line in handle)
    except IOError:
        return 0


@contextlib.contextmanager
def mount_point(path):
    """`path` is a directory during the block: made for it, and removed after, when it was missing."""
    missing = not os.path.isdir(path)
    if missing:
        os.makedirs(path)
    try:
        yield
    finally:
        if missing:
            os.rmdir(path)


def import_collection(args, name):
    """A module of the stateful.nfs under test (in --collections): import_collection(args, "plugins.module_utils.x")."""
    if args.collections not in sys.path:
        sys.path.insert(0, args.collections)
    return importlib.import_module("ansible_collections.stateful.nfs." + name)


def measure(bed, rounds, phases, resources, before_round=None, after_round=None, calls=None):
    """{phase: {"samples": [...], "requests": {...}, "calls": n}}; phases: [(name, callable)] run in order each round.

    requests (none read without resources) and calls (the growth of calls(), a running count) are of the first round.
    """
    found = dict((phase[0], {"samples": [], "requests": {}, "calls": None}) for phase in phases)
    for number in range(rounds):
        if before_round:
            before_round()
        for name, action in phases:
            reading = bed.metrics() if resources else None
            counted = calls() if calls else None
            seconds = action()
            found[name]["samples"].append(seconds)
            if number == 0:
                if resources:
                    found[name]["requests"] = requests_delta(reading, bed.metrics(), resources)
                if calls:
                    found[name]["calls"] = calls() - counted
        if after_round:
            after_round()
    return found


# ---------------------------------------------------------------- the cases

def pv_spec(args, n):
    """(spec, manifests module) of the PVs stateful.nfs.volumes makes for replicas=n (the collection's own rule)."""
    volumes = import_collection(args, "plugins.module_utils.volumes")
    manifests = import_collection(args, "plugins.module_utils.manifests.volumes")
    spec = volumes.spec_of(dict(statefulset="bench", namespace=NS, claim="data", replicas=n, nfs_server=args.nfs_server,
                                nfs_root="/srv/stateful-nfs/bench", size="1Gi"))
    return spec, manifests


def pv_manifests(args, n):
    spec, manifests = pv_spec(args, n)
    return [manifests.persistent_volume(spec, ordinal) for ordinal in manifests.ordinals(spec)]


VOLUMES_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - stateful.nfs.volumes:
        kubeconfig: %(kubeconfig)s
        statefulset: bench
        namespace: %(ns)s
        claim: data
        replicas: "{{ n | int }}"
        nfs_server: %(server)s
        nfs_root: /srv/stateful-nfs/bench
        size: 1Gi
        state: "{{ state }}"
"""

K8S_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - kubernetes.core.k8s:
        kubeconfig: %(kubeconfig)s
        state: "{{ state }}"
        definition: "{{ lookup('ansible.builtin.file', manifest) | from_yaml_all | list }}"
      when: not per_object | bool
    - kubernetes.core.k8s:
        kubeconfig: %(kubeconfig)s
        state: "{{ state }}"
        definition: "{{ item }}"
      loop: "{{ lookup('ansible.builtin.file', manifest) | from_yaml_all | list }}"
      when: per_object | bool
"""

EMPTY_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks: []
"""

EXPORT_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - stateful.nfs.export:
        name: bench
        clients: [{host: %(client)s}]
        exports: "{{ exports }}"
        state: "{{ state }}"
"""

# The hand-written way: a line per export, the reload once at the end (when a line changed).
LINEINFILE_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - ansible.builtin.lineinfile:
        path: %(exports_d)s/bench-lineinfile.exports
        line: "{{ item }} %(client)s(%(options)s)"
        state: "{{ state }}"
        create: true
        mode: "0644"
      loop: "{{ paths }}"
      notify: Reload the NFS exports
  handlers:
    - name: Reload the NFS exports
      ansible.builtin.command: exportfs -ra
"""

# The fixed cost of any module's task (AnsiballZ, a worker, the module's Python), beside the empty run.
ONE_TASK = "ansible.builtin.ping (one task)"
PING_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - ansible.builtin.ping:
"""

VERIFY_PLAY = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - stateful.nfs.verify_persistence:
        kubeconfig: %(kubeconfig)s
        statefulset: %(statefulset)s
        namespace: %(ns)s
        disruptions: ["{{ disruption }}"]
        check_dns: false
        wait_for_ready: true
"""


def pv_cases(bed, args, n):
    import yaml
    manifest = bed.write("pvs-%d.yaml" % n, yaml.safe_dump_all(pv_manifests(args, n)))
    fill = {"kubeconfig": bed.kubeconfig, "ns": NS, "server": args.nfs_server}
    volumes_play = bed.write("volumes.yml", VOLUMES_PLAY % fill)
    k8s_play = bed.write("k8s.yml", K8S_PLAY % fill)
    floor = os.path.join(HERE, "floor.py")

    def volumes(state):
        return lambda: bed.playbook(volumes_play, {"n": n, "state": state})[0]

    def kubectl(*argv):
        return lambda: bed.kubectl(*(list(argv) + ["-f", manifest]), quiet=True)[0]

    def k8s(state, per_object):
        return lambda: bed.playbook(k8s_play, {"manifest": manifest, "state": state, "per_object": per_object},
                                    python_env=args.k8s_playbook)[0]

    def floor_run(verb):
        return lambda: run([sys.executable, floor, bed.kubeconfig, manifest, verb])[0]

    cases = [("stateful.nfs.volumes", volumes("present"), volumes("present"), volumes("absent")),
             ("kubectl apply -f", kubectl("apply"), kubectl("apply"), kubectl("delete")),
             ("kubectl apply --server-side", kubectl("apply", "--server-side"), kubectl("apply", "--server-side"),
              kubectl("delete"))]
    if args.k8s_playbook:
        cases.append(("kubernetes.core.k8s list", k8s("present", False), k8s("present", False), k8s("absent", False)))
        if n <= args.per_object_max:
            cases.append(("kubernetes.core.k8s per object", k8s("present", True), k8s("present", True),
                          k8s("absent", True)))
    cases.append(("floor: 1 LIST + 8 parallel applies", floor_run("apply"), floor_run("apply"), floor_run("delete")))
    return cases


def bench_pvs(bed, args, rows, n):
    spec, manifests = pv_spec(args, n)
    selector = manifests.label_selector(spec)

    def clean():
        bed.kubectl("delete", "pv", "-l", selector, "--wait=false", quiet=True)
        bed.wait_no_pvs(selector)
    clean()
    for case, create, noop, delete in pv_cases(bed, args, n):
        found = measure(bed, args.rounds, [("create", create), ("no-op", noop), ("delete", delete)],
                        {"persistentvolumes"}, after_round=clean)
        rows.extend(rows_of("pvs-%d" % n, case, found))
    if args.k8s_playbook and n > args.per_object_max:
        rows.append({"group": "pvs-%d" % n, "case": "kubernetes.core.k8s per object", "phase": "-", "min": 0,
                     "median": 0, "note": "not run: N > --per-object-max %d" % args.per_object_max})


def bench_exports(bed, args, rows, n):
    model = import_collection(args, "plugins.module_utils.exports.model")
    root = tempfile.mkdtemp(prefix="exports-%d-" % n, dir=bed.work)
    exports_d = os.path.join(root, "exports.d")
    os.mkdir(exports_d)
    count_file = os.path.join(root, "exportfs-calls")
    stand_in = os.path.join(root, "exportfs")
    with open(stand_in, "w") as handle:
        handle.write(counting_script(count_file))
    os.chmod(stand_in, 0o755)
    paths = [os.path.join(root, "srv", "e-%04d" % index) for index in range(n)]
    for path in paths:
        os.makedirs(path)
    exports = bed.write("exports-%d.json" % n, json.dumps(export_vars(paths)))
    fill = {"client": EXPORT_CLIENT, "exports_d": EXPORTS_D, "options": ",".join(model.DEFAULT_OPTIONS)}
    cases = [("stateful.nfs.export list", bed.write("export.yml", EXPORT_PLAY % fill)),
             (REFERENCES["exports"], bed.write("lineinfile.yml", LINEINFILE_PLAY % fill))]

    def play(path, state):
        argv = in_mount_namespace([(exports_d, EXPORTS_D), (stand_in, EXPORTFS)],
                                  bed.playbook_argv(path, {"state": state}, vars_files=[exports]))
        return lambda: run(argv, env=bed.env)[0]

    def clean():
        for name in os.listdir(exports_d):
            os.remove(os.path.join(exports_d, name))
    with mount_point(EXPORTS_D):
        for case, path in cases:
            found = measure(bed, args.rounds, [("create", play(path, "present")), ("no-op", play(path, "present")),
                                               ("delete", play(path, "absent"))],
                            None, after_round=clean, calls=lambda: lines_in(count_file))
            rows.extend(rows_of("exports-%d" % n, case, found, counted="exportfs"))


def proof_cases(bed, args, replicas):
    """[(case, [(disruption, callable)])] on the StatefulSet PROOF_APP of `replicas` replicas."""
    observe = import_collection(args, "plugins.module_utils.verify.observe")
    plan = import_collection(args, "plugins.module_utils.verify.plan")
    marker = "/www/" + plan.DEFAULT_MARKER_NAME
    pods = pod_names(PROOF_APP, replicas)
    disruptions = [("delete_pod", delete_pod_steps(pods, PROOF_NS)),
                   ("rollout_restart", rollout_restart_steps(PROOF_APP, PROOF_NS))]
    fill = {"kubeconfig": bed.kubeconfig, "statefulset": PROOF_APP, "ns": PROOF_NS}
    verify_play = bed.write("verify.yml", VERIFY_PLAY % fill)

    def content(pod):
        return "bench www-%s" % pod

    def write(pod):
        return observe.shell(observe.WRITE_SCRIPT, marker, content(pod))

    def read(_pod):
        return observe.shell(observe.PROBE_SCRIPT, marker)

    def remove(pod):
        return observe.shell(observe.REMOVE_SCRIPT, marker, content(pod))

    def verify(disruption):
        return lambda: bed.playbook(verify_play, {"disruption": disruption})[0]

    def kubectl(commands):
        return lambda: sum(bed.kubectl(*argv, quiet=True)[0] for argv in commands)

    return [("stateful.nfs.verify_persistence", [(name, verify(name)) for name, _steps in disruptions]),
            ("kubectl", [(name, kubectl(commands_of(steps))) for name, steps in disruptions]),
            ("kubectl + marker exec", [(name, kubectl(with_marker_io(steps, pods, PROOF_NS, write, read, remove)))
                                       for name, steps in disruptions])]


def bench_proof(bed, args, rows, replicas):
    apps_file = bed.write("proof-%d.json" % replicas, json.dumps(site_vars(
        [bench_app(PROOF_APP, PROOF_NS, replicas, PROOF_NS)], verify=False)))
    try:
        bed.site("site", apps_file)
        for case, phases in proof_cases(bed, args, replicas):
            rows.extend(rows_of("proof-%d" % replicas, case, measure(bed, args.rounds, phases, PROOF_RESOURCES)))
    finally:
        bed.remove_apps(apps_file, PROOF_NS, PROOF_NS)


def site_phases(bed, apps_file):
    def site():
        return bed.site("site", apps_file)
    return [("create", site), ("no-op", site), ("teardown purge", lambda: bed.site("teardown", apps_file, PURGE))]


def bench_site(bed, args, rows, count):
    apps = [bench_app("app-%d" % index, SITE_NS, 1, SITE_NS) for index in range(count)]
    cases = [("stateful.nfs.site", False)] + ([("stateful.nfs.site + proof", True)] if count == 1 else [])
    for case, verify in cases:
        apps_file = bed.write("site-%d-%s.json" % (count, "proof" if verify else "plain"),
                              json.dumps(site_vars(apps, verify)))
        try:
            found = measure(bed, args.rounds, site_phases(bed, apps_file), SITE_RESOURCES,
                            after_round=lambda: bed.remove_namespace_and_root(SITE_NS, SITE_NS))
        finally:
            bed.remove_apps(apps_file, SITE_NS, SITE_NS)
        rows.extend(rows_of("site-%d" % count, case, found))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--collections", required=True, help="ANSIBLE_COLLECTIONS_PATH holding stateful.nfs")
    parser.add_argument("--nfs-server", default="172.30.0.1")
    parser.add_argument("--k8s-playbook", help="ansible-playbook of a virtualenv with kubernetes.core")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pvs", default="10,50,200,500,1000", help="PV counts, comma-separated ('' skips)")
    parser.add_argument("--per-object-max", type=int, default=200,
                        help="largest N for kubernetes.core.k8s one task per object (it takes minutes beyond)")
    parser.add_argument("--exports", default="100,1000", help="export counts, comma-separated ('' skips)")
    parser.add_argument("--proof-replicas", default="1,4", help="replica counts, comma-separated ('' skips)")
    parser.add_argument("--site-apps", default="1,5,20", help="app counts, comma-separated ('' skips)")
    parser.add_argument("--only", default=",".join(GROUPS), help="groups to run: %s" % ",".join(GROUPS))
    args = parser.parse_args(argv)
    groups = args.only.split(",")
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error("--only: unknown group %s (groups: %s)" % (",".join(unknown), ",".join(GROUPS)))
    bed = Bed(args)
    rows = []
    try:
        if "empty" in groups:
            for case, name, play in ((REFERENCES["empty"], "empty.yml", EMPTY_PLAY), (ONE_TASK, "ping.yml", PING_PLAY)):
                path = bed.write(name, play)
                low, mid = summary([bed.playbook(path)[0] for round_ in range(args.rounds)])
                rows.append({"group": "empty", "case": case, "phase": "run", "min": low, "median": mid})
        for group, bench, option in [("pvs", bench_pvs, args.pvs), ("exports", bench_exports, args.exports),
                                     ("proof", bench_proof, args.proof_replicas), ("site", bench_site, args.site_apps)]:
            if group in groups:
                for n in sizes(option):
                    bench(bed, args, rows, n)
    finally:
        shutil.rmtree(bed.work, ignore_errors=True)
    print(table(with_per_app(with_ratios(rows, reference_case))))
    print("")
    for line in summary_lines(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
