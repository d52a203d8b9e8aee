# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several stateful.nfs.export runs at once, round after round, and what must hold after each round.

Each round starts RUNS `ansible -m stateful.nfs.export` processes together; run i adds EXPORTS new exports
in a new file of its own.
- ganesha: run i has its own exports_dir (<root>/d<i>), all share one main config (<root>/ganesha.conf,
  a scratch file, reload_command `true`, so no real ganesha is disturbed). After each round: every
  file has its %include line, every Export_Id is unique across all included files, every export is there.
- kernel: every run writes to /etc/exports.d and runs exportfs -ra. After each round: every file has all
  its entries and the kernel export table (etab) has every export of every round.
Prints one line per round; exits 1 at the first round that breaks a rule, naming what broke.
"""

from __future__ import absolute_import, division, print_function

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

ID_RE = re.compile(r"(?im)^[^#\n]*?\bExport_Id\s*=\s*([0-9]+)")
PATH_RE = re.compile(r'(?m)^\s*Path\s*=\s*"([^"]+)"')
INCLUDE_RE = re.compile(r'(?m)^\s*%include\s+"?([^"\s]+)"?\s*$')
KERNEL_PREFIX = "stateful-nfs-it-race"


def module_args(opts, run, round_):
    paths = ["%s/%s%d/r%d/e%d" % (opts.root, opts.backend[0], run, round_, n) for n in range(opts.exports)]
    args = {"backend": opts.backend, "clients": [{"host": "10.88.0.0/24"}], "exports": [{"path": p} for p in paths]}
    if opts.backend == "ganesha":
        args.update(name="r%d" % round_, exports_dir="%s/d%d" % (opts.root, run),
                    ganesha_config="%s/ganesha.conf" % opts.root, reload_command=["true"])
    else:
        args.update(name="%s-%d-r%d" % (KERNEL_PREFIX, run, round_))
    return args, paths


def start(opts, args):
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_NOCOLOR="1")
    command = [opts.ansible, "localhost", "-i", "localhost,", "-c", "local", "-e",
               "ansible_python_interpreter=%s" % sys.executable, "-m", "stateful.nfs.export", "-a", json.dumps(args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, universal_newlines=True)


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except IOError:
        return ""


def check_ganesha(opts, expected):
    """expected: {file: [paths]}. Returns the problems found."""
    problems = []
    main = read("%s/ganesha.conf" % opts.root)
    included = INCLUDE_RE.findall(main)
    missing = sorted(set(expected) - set(included))
    if missing:
        problems.append("%d of %d include lines lost: %s" % (len(missing), len(expected), ", ".join(missing)))
    ids = {}
    for path in sorted(set(included) | set(expected)):
        text = read(path)
        for export_id in ID_RE.findall(text):
            ids.setdefault(int(export_id), []).append(path)
        if path in expected:
            lost = sorted(set(expected[path]) - set(PATH_RE.findall(text)))
            if lost:
                problems.append("%s lost %d exports" % (path, len(lost)))
    duplicated = dict((i, where) for i, where in ids.items() if len(where) > 1)
    if duplicated:
        sample = ", ".join("%d in %s" % (i, " and ".join(w)) for i, w in sorted(duplicated.items())[:3])
        problems.append("%d Export_Ids used more than once (%s ...)" % (len(duplicated), sample))
    return problems, len(ids)


def check_kernel(opts, expected):
    problems = []
    table = set(line.split("\t", 1)[0] for line in read("/var/lib/nfs/etab").splitlines())
    count = 0
    for path, paths in sorted(expected.items()):
        text = read(path)
        entries = set(line.split(" ", 1)[0] for line in text.splitlines() if line.startswith("/"))
        lost = sorted(set(paths) - entries)
        if lost:
            problems.append("%s lost %d entries" % (path, len(lost)))
        unapplied = sorted(set(paths) - table)
        if unapplied:
            problems.append("%d exports of %s are not in the kernel export table" % (len(unapplied), path))
        count += len(paths)
    return problems, count


def cleanup(opts):
    if opts.backend == "kernel":
        for path in glob.glob("/etc/exports.d/%s-*.exports" % KERNEL_PREFIX):
            os.unlink(path)
        if shutil.which("exportfs"):
            subprocess.call(["exportfs", "-ra"])
    shutil.rmtree(opts.root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["ganesha", "kernel"], required=True)
    parser.add_argument("--root", required=True, help="scratch directory (removed before and after)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--exports", type=int, default=50)
    parser.add_argument("--ansible", default=shutil.which("ansible") or "ansible")
    parser.add_argument("--keep", action="store_true", help="leave the files for a look after a failure")
    opts = parser.parse_args()
    cleanup(opts)
    os.makedirs(opts.root)
    if opts.backend == "ganesha":
        with open("%s/ganesha.conf" % opts.root, "w") as handle:
            handle.write("# scratch main config of the concurrency test\nNFS_CORE_PARAM { Protocols = 3, 4; }\n")
    expected = {}
    failed = False
    try:
        for round_ in range(1, opts.rounds + 1):
            began = time.time()
            procs = []
            for run in range(opts.runs):
                args, paths = module_args(opts, run, round_)
                suffix = ".conf" if opts.backend == "ganesha" else ".exports"
                directory = args.get("exports_dir", "/etc/exports.d")
                expected["%s/%s%s" % (directory, args["name"], suffix)] = paths
                procs.append(start(opts, args))
            outputs = [proc.communicate()[0] for proc in procs]
            bad_runs = [out for proc, out in zip(procs, outputs) if proc.returncode != 0]
            if bad_runs:
                print("round %d: %d of %d runs failed:\n%s" % (round_, len(bad_runs), opts.runs, bad_runs[0][-3000:]))
                failed = True
                return 1
            check = check_ganesha if opts.backend == "ganesha" else check_kernel
            problems, count = check(opts, expected)
            print("round %d: %d runs in %.1fs, %d files, %d %s%s" % (
                round_, opts.runs, time.time() - began, len(expected), count,
                "distinct Export_Ids" if opts.backend == "ganesha" else "exports applied",
                "" if not problems else "; BROKEN: " + "; ".join(problems)))
            sys.stdout.flush()
            if problems:
                failed = True
                return 1
        print("%s: %d rounds of %d runs at once, every rule held" % (opts.backend, opts.rounds, opts.runs))
        return 0
    finally:
        if not (failed and opts.keep):
            cleanup(opts)


if __name__ == "__main__":
    sys.exit(main())
