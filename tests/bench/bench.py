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
  empty      an empty ansible-playbook run (the fixed cost every Ansible row includes)
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
GROUPS = ("empty", "pvs", "exports")
# The case each group's ratios are taken against.
REFERENCES = {"empty": "ansible-playbook (no tasks)", "pvs": "kubectl apply -f", "exports": "lineinfile loop + handler"}

# exports: the only directory `exportfs -ra` reads besides /etc/exports, and where the export module looks for
# exportfs first; in the plays' mount namespace both are the benchmark's.
EXPORTS_D = "/etc/exports.d"
EXPORTFS = "/usr/sbin/exportfs"
EXPORT_CLIENT = "10.0.0.0/24"


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


def fit_points(rows, kind, phase):
    """{case: [(N, median)]} over the groups <kind>-<N>, one phase; rows not run (median 0) left out."""
    found = {}
    for r in rows:
        if r["group"].partition("-")[0] == kind and r["phase"] == phase and r["median"]:
            found.setdefault(r["case"], []).append((size_of(r["group"]), r["median"]))
    return found


def fit_lines(rows, kind, phase, item):
    """A line per case: the cost of one more `item` (least squares over the sizes of the groups <kind>-<N>)."""
    lines = []
    for case, points in sorted(fit_points(rows, kind, phase).items()):
        per = slope(points)
        if per is not None:
            lines.append("per %s (%s, least squares over N=%s): %-36s %.2f ms"
                         % (item, phase, ",".join(str(point[0]) for point in points), case, per * 1000))
    return lines


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


# ---------------------------------------------------------------- I/O: the test bed

class Bed(object):
    def __init__(self, args):
        self.args = args
        self.kubeconfig = args.kubeconfig
        self.kubectl_bin = args.kubectl
        self.work = tempfile.mkdtemp(prefix="stateful-nfs-bench-")
        self.env = dict(os.environ, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")

    def kubectl(self, *argv, **kwargs):
        return run([self.kubectl_bin, "--kubeconfig", self.kubeconfig] + list(argv), **kwargs)

    def metrics(self):
        return parse_metrics(self.kubectl("get", "--raw", "/metrics", quiet=True)[1])

    @staticmethod
    def playbook_argv(path, extra=None, python_env=None, vars_files=()):
        argv = [python_env or "ansible-playbook", "-i", "localhost,", "-c", "local", path]
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
            empty = bed.write("empty.yml", EMPTY_PLAY)
            samples = [bed.playbook(empty)[0] for round_ in range(args.rounds)]
            low, mid = summary(samples)
            rows.append({"group": "empty", "case": REFERENCES["empty"], "phase": "run", "min": low, "median": mid})
        for group, bench, option in [("pvs", bench_pvs, args.pvs), ("exports", bench_exports, args.exports)]:
            if group in groups:
                for n in sizes(option):
                    bench(bed, args, rows, n)
    finally:
        shutil.rmtree(bed.work, ignore_errors=True)
    print(table(with_ratios(rows, reference_case)))
    print("")
    for line in fit_lines(rows, "pvs", "create", "PV") + fit_lines(rows, "exports", "create", "export"):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
