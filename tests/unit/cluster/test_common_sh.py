# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test bed's shell library as every script sources it (set -euo pipefail), on a machine in the state
a fresh one is in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

COMMON_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cluster", "lib", "common.sh")


def source_common(tmp_path, dpkg_query):
    """(exit status, output) of sourcing common.sh with `dpkg_query` as the body of the dpkg-query on PATH."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    script = fake_bin / "dpkg-query"
    script.write_text("#!/bin/sh\n" + dpkg_query + "\n")
    script.chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (fake_bin, os.environ["PATH"]), STATEFUL_NFS_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run(["bash", "-c", 'set -euo pipefail; source "$1"; echo "$NFS_FUSE_DIR"', "bash", COMMON_SH],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False)
    return proc.returncode, proc.stdout


def test_sources_before_the_nfs_client_libraries_are_installed(tmp_path):
    # cluster-up sources the library before it installs the Debian packages; dpkg-query then exits 1
    status, out = source_common(tmp_path, 'echo "dpkg-query: no packages found matching libnfs-dev" >&2; exit 1')
    assert status == 0, out
    assert out.strip().startswith(str(tmp_path / "cache" / "nfs-fuse-"))


def test_the_nfs_client_key_follows_the_library_versions(tmp_path):
    keys = []
    for name, libnfs in (("a", "5.0.2-1"), ("b", "5.0.3-1")):
        (tmp_path / name).mkdir()
        status, out = source_common(tmp_path / name, "echo 'libnfs-dev %s'; echo 'libfuse3-dev 3.14.0-4'" % libnfs)
        assert status == 0, out
        keys.append(os.path.basename(out.strip()))
    assert keys[0] != keys[1]
