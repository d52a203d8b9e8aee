"""stateful-nfs test bed: /sbin/mount.nfs and /sbin/mount.nfs4 shim.

Installed by cluster-up with a "#!/usr/bin/python3" line prepended.

The test bed's kernel has no NFS client, so the kubelet cannot really mount NFS.
This helper keeps the part that matters for the tests honest and fakes the rest:

1. It checks the export over real NFS (libnfs' nfs-ls against nfs://SERVER/PATH,
   NFSv4 for mount.nfs4 or -o vers=4, else NFSv3). A missing export or one that
   denies this client fails exactly like mount.nfs: "access denied by server",
   exit status 32.
2. It bind-mounts the export's backing directory (looked up in the test bed's
   ganesha EXPORT blocks: Path or Pseudo equal to PATH, in ganesha.conf and every
   file it %includes) onto the target.

Limitation: after step 1 the data path is a bind mount, not NFS: squashing and
the server's permission checks do not apply to the pod's I/O.
Usage (as called by mount(8)): mount.nfs SERVER:/PATH TARGET [-sfnvrw] [-o OPTS]
"""
import os
import re
import subprocess
import sys

GANESHA_CONFIG = "@GANESHA_CONFIG@"
PROG = os.path.basename(sys.argv[0])
MNT_EX_FAIL = 32


def fail(msg, code=MNT_EX_FAIL):
    sys.stderr.write(f"{PROG}: {msg}\n")
    sys.exit(code)


def parse_args(argv):
    if len(argv) < 2:
        fail("usage: mount.nfs remotetarget dir [-rvVwfnsh] [-o nfsoptions]", 1)
    source, target, opts, rest = argv[0], argv[1], [], argv[2:]
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "-o" and i + 1 < len(rest):
            opts += rest[i + 1].split(",")
            i += 1
        elif a.startswith("-o"):
            opts += a[2:].split(",")
        elif a == "-r":
            opts.append("ro")
        i += 1
    return source, target, opts


def config_texts(path, seen=None):
    """The text of a ganesha config file and, recursively, of the files it %includes."""
    seen = set() if seen is None else seen
    if path in seen:
        return
    seen.add(path)
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        return
    yield text
    for inc in re.findall(r'^\s*%include\s+"?([^"\s]+)"?', text, re.M):
        yield from config_texts(inc, seen)


def backing_dir(path):
    norm = os.path.normpath(path)
    for text in config_texts(GANESHA_CONFIG):
        for block in re.findall(r"EXPORT\s*\{(.*?)\n\}", text, re.S):
            p = re.search(r'^\s*Path\s*=\s*"?([^";]+)"?\s*;', block, re.M)
            ps = re.search(r'^\s*Pseudo\s*=\s*"?([^";]+)"?\s*;', block, re.M)
            if not p:
                continue
            real = os.path.normpath(p.group(1))
            for cand in (real, os.path.normpath(ps.group(1)) if ps else None):
                if cand is None:
                    continue
                if norm == cand:
                    return real
                if norm.startswith(cand + "/"):  # subdirectory of an export
                    return real + norm[len(cand):]
    return None


def main():
    if PROG.startswith("umount"):  # umount.nfs* are symlinks to mount.nfs in nfs-common
        target = [a for a in sys.argv[1:] if not a.startswith("-")][:1]
        if not target:
            fail("usage: umount.nfs dir [-fvnrlh]", 1)
        return subprocess.run(["umount", "-i", target[0]], check=False).returncode
    source, target, opts = parse_args(sys.argv[1:])
    if ":" not in source:
        fail("remote share not in 'host:dir' format", 1)
    server, path = source.rsplit(":", 1)
    server = server.strip("[]")
    vers4 = PROG.endswith("nfs4") or any(o in ("vers=4", "nfsvers=4") or o.startswith(("vers=4.", "nfsvers=4."))
                                         for o in opts)
    url = f"nfs://{server}{path}" + ("?version=4" if vers4 else "")
    try:
        r = subprocess.run(["nfs-ls", url], capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        fail(f"Connection timed out while checking {source}")
    if r.returncode != 0:
        detail = (r.stderr or r.stdout).strip().replace("\n", " ")
        fail(f"access denied by server while mounting {source} ({detail})")
    real = backing_dir(path)
    if real is None or not os.path.isdir(real):
        fail(f"access denied by server while mounting {source} (no backing directory for {path})")
    if not os.path.isdir(target):
        fail(f"mount point {target} does not exist", 32)
    r = subprocess.run(["mount", "--bind", real, target], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        fail(f"bind mount of {real} failed: {r.stderr.strip()}")
    if "ro" in opts:
        subprocess.run(["mount", "-o", "remount,bind,ro", target], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
