"""Build the test bed's container images as docker-archive tarballs, without Docker.

Images (single-layer, reproducible: fixed mtimes/owners, so re-importing is a no-op):
  localhost/stateful-nfs/pause:<tag>      the sandbox image (our static Go pause binary)
  localhost/stateful-nfs/busybox:<ver>    Debian's busybox-static with every applet linked
                                          (sh, httpd, nslookup, dd, sync, ...)
  localhost/stateful-nfs/busybox-assigned-uid:<ver>
                                          the same layer, run as uid 1000650000 gid 0

Usage: python3 build-images.py OUTDIR PAUSE_BINARY PAUSE_TAG
Prints one "name<TAB>tarball" line per image.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MTIME = 946684800  # 2000-01-01, fixed for reproducible digests
ASSIGNED_UID = 1000650000  # the first uid of a typical OpenShift namespace range


def _info(name, kind=tarfile.REGTYPE, mode=0o755, size=0, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.size, ti.linkname = kind, mode, size, linkname
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "root", "root"
    return ti


def layer(entries):
    """entries: list of (path, kind, payload) with kind in dir|file|exe|symlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, kind, payload in entries:
            if kind == "dir":
                tar.addfile(_info(path, tarfile.DIRTYPE, 0o1777 if path == "tmp" else 0o755))
            elif kind == "symlink":
                tar.addfile(_info(path, tarfile.SYMTYPE, 0o777, linkname=payload))
            else:
                tar.addfile(_info(path, mode=0o755 if kind == "exe" else 0o644, size=len(payload)),
                            io.BytesIO(payload))
    return buf.getvalue()


def write_image(outdir, fname, ref, layer_bytes, config):
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = dict(config, architecture="amd64", os="linux", created="2000-01-01T00:00:00Z",
                  rootfs={"type": "layers", "diff_ids": [diff_id]})
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [ref], "Layers": ["layer.tar"]}]).encode()
    path = os.path.join(outdir, fname)
    tmp = path + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in ((cfg_name, cfg), ("layer.tar", layer_bytes), ("manifest.json", manifest)):
            tar.addfile(_info(name, mode=0o644, size=len(data)), io.BytesIO(data))
    os.replace(tmp, path)
    print(f"{ref}\t{path}")


def busybox_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "busybox-static"],
                         check=True, capture_output=True, text=True).stdout
    # "1:1.35.0-4+deb12u1+b1" -> "1.35.0-4-deb12u1-b1" (a valid tag)
    return out.split(":", 1)[-1].replace("+", "-").replace("~", "-")


def main():
    outdir, pause_bin, pause_tag = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    base_cfg = {"config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}

    with open(pause_bin, "rb") as f:
        pause = f.read()
    cfg = {"config": dict(base_cfg["config"], Entrypoint=["/pause"], User="65535:65535")}
    write_image(outdir, "pause.tar", f"localhost/stateful-nfs/pause:{pause_tag}",
                layer([("pause", "exe", pause)]), cfg)

    with open("/bin/busybox", "rb") as f:
        busybox = f.read()
    applets = subprocess.run(["/bin/busybox", "--list-full"], check=True,
                             capture_output=True, text=True).stdout.split()
    dirs = ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "tmp", "root", "data", "var", "var/www")
    entries = [(d, "dir", None) for d in dirs]
    entries.append(("bin/busybox", "exe", busybox))
    for a in sorted(set(applets)):
        if a != "bin/busybox":
            entries.append((a, "symlink", "/bin/busybox"))
    entries += [
        ("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
        ("etc/group", "file", b"root:x:0:\nnogroup:x:65534:\n"),
        ("etc/nsswitch.conf", "file", b"hosts: files dns\n"),
    ]
    busybox_layer = layer(entries)
    cfg = {"config": dict(base_cfg["config"], Cmd=["sh"])}
    write_image(outdir, "busybox.tar", f"localhost/stateful-nfs/busybox:{busybox_version()}", busybox_layer, cfg)
    # The same files run as a uid no entry names, in the root group, as a platform that assigns uids starts them
    # (OpenShift's restricted SCC): the arbitrary-uid recipe is proven with it.
    cfg = {"config": dict(base_cfg["config"], Cmd=["sh"], User=f"{ASSIGNED_UID}:0")}
    write_image(outdir, "busybox-assigned-uid.tar",
                f"localhost/stateful-nfs/busybox-assigned-uid:{busybox_version()}", busybox_layer, cfg)


if __name__ == "__main__":
    main()
