# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volume-access preflight: its parser and the likely cause (pure), and its script in real shells."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.verify import access, plan
from ansible_collections.stateful.nfs.plugins.module_utils.verify.pod_exec import ExecResult
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import make_sts

SPEC = plan.spec_from_params(dict(statefulset="web", namespace="ns", disruptions=[], marker={}, timeout=60,
                                  workers=1), lambda: "tok")
TARGET = plan.target_from(make_sts(), SPEC)
ROOT_ON_101 = "uid=0\ngid=0\ngroups=0\ndir=101 101 770\n"


def seen_of(uid=0, gid=0, groups=(0,), owner=101, group=101, mode="770", op="create", message="Permission denied"):
    lines = []
    if uid is not None:
        lines += ["uid=%s" % uid, "gid=%s" % gid, "groups=%s" % " ".join(str(g) for g in groups)]
    if owner is not None:
        lines.append("dir=%s %s %s" % (owner, group, mode))
    lines += ["fail=%s" % op, message] if op else ["ok"]
    return access.parse("\n".join(lines) + "\n")


def test_the_probe_file_is_next_to_the_marker_and_named_by_the_token():
    assert TARGET["probe_file"] == "/data/.stateful-nfs-preflight-tok"
    assert access.command(TARGET, "tok") == ["sh", "-c", access.SCRIPT, "sh", "/data",
                                             "/data/.stateful-nfs-preflight-tok", "tok"]


def test_parse_an_answer_with_stat():
    seen = access.parse(ROOT_ON_101 + "fail=create\nsh: can't create /data/.p.tmp: Permission denied\n")
    assert seen == {"uid": 0, "gid": 0, "groups": [0], "owner": 101, "group": 101, "mode": 0o770, "ok": False,
                    "op": "create", "message": "sh: can't create /data/.p.tmp: Permission denied",
                    "errno": "EACCES", "text": "Permission denied"}


def test_parse_an_answer_with_ls_and_several_groups():
    seen = access.parse("uid=1000\ngid=1000\ngroups=1000 10 101\n"
                        "ls=drwxrws--- 2 101 101 4096 Jan  1 00:00 /data\nok\n")
    assert (seen["groups"], seen["owner"], seen["group"], seen["mode"], seen["ok"], seen["op"]) == (
        [1000, 10, 101], 101, 101, 0o2770, True, None)


def test_parse_an_image_without_the_tools():
    seen = access.parse("ok\n")
    assert seen["ok"] is True and seen["uid"] is None and seen["mode"] is None and seen["groups"] == []


def test_parse_drops_the_statistics_dd_prints_with_its_error():
    seen = access.parse("fail=write\ndd: error writing '/data/.p.tmp': No space left on device\n0+1 records in\n"
                        "0+0 records out\n0 bytes copied, 0.0001 s, 0.0 kB/s\n")
    assert seen["message"] == "dd: error writing '/data/.p.tmp': No space left on device"
    assert (seen["op"], seen["errno"]) == ("write", "ENOSPC")


@pytest.mark.parametrize("message, errno", [
    ("sh: can't create /data/.p.tmp: Permission denied", "EACCES"),                 # busybox
    ("sh: 5: cannot create /data/.p.tmp: Permission denied", "EACCES"),             # dash
    ("sh: line 5: /data/.p.tmp: Permission denied", "EACCES"),                      # bash
    ("mv: cannot move '/data/.p.tmp' to '/data/.p': Operation not permitted", "EPERM"),
    ("sh: can't create /data/.p.tmp: Read-only file system", "EROFS"),
    ("dd: error writing '/data/.p.tmp': No space left on device", "ENOSPC"),
    ("dd: fsync failed for '/data/.p.tmp': Disk quota exceeded", "EDQUOT"),
    ("dd: fsync: Quota exceeded", "EDQUOT"),                                         # musl
    ("cat: can't open '/data/.p': Stale file handle", "ESTALE"),
    ("cat: /data/.p: Stale NFS file handle", "ESTALE"),                             # older glibc
    ("dd: fsync failed for '/data/.p.tmp': Input/output error", "EIO"),
    ("dd: fsync: I/O error", "EIO"),                                                 # musl
    ("sh: 5: cannot create /nope/.p.tmp: Directory nonexistent", "ENOENT"),         # dash
    ("sh: can't create /nope/.p.tmp: nonexistent directory", "ENOENT"),             # busybox
    ("rm: cannot remove '/data/.p': No such file or directory", "ENOENT"),
])
def test_errno_is_read_from_the_shells_message(message, errno):
    name, text = access.errno_of(message)
    assert name == errno and text == dict(access.ERRNO_TEXTS)[errno][0]


def test_an_unknown_message_is_the_text_itself():
    assert access.errno_of("mv: something odd") == (None, "mv: something odd")


@pytest.mark.parametrize("perms, mode", [
    ("drwxrwx---", 0o770), ("drwxr-xr-x", 0o755), ("drwxrws---", 0o2770), ("drwxrwS---", 0o2760),
    ("drwsr-x---", 0o4750), ("drwxrwxrwt", 0o1777), ("drwxrwxrwT", 0o1776), ("dr-xr-xr-x.", 0o555),
    ("drwxrwx---+", 0o770),
])
def test_mode_from_ls(perms, mode):
    assert access.mode_from_ls(perms) == mode


def test_describe_names_the_user_the_directory_and_the_failure():
    assert access.describe(seen_of(), "/data") == \
        "uid 0 gid 0 groups 0; /data is 101:101 0770; create failed: EACCES (Permission denied)"
    assert access.describe(seen_of(uid=None, owner=None, op="rename", message="mv: odd"), "/data") == \
        "rename failed: mv: odd"
    assert access.describe(seen_of(uid=101, groups=(101, 10), op=None), "/data") == \
        "uid 101 gid 0 groups 101,10; /data is 101:101 0770; every step passed"


@pytest.mark.parametrize("seen, words", [
    # root squashed to the anonymous uid on a directory without write for others
    (seen_of(), ["root_squash", "all_squash", "neither the owner nor in the group of /data (101:101 0770)",
                 "runAsUser: 101", "all_squash,anonuid=101,anongid=101"]),
    (seen_of(owner=0, group=0, mode="755"), ["root_squash", "no_root_squash", "/data (0:0 0755)"]),
    # the same without id and stat in the image
    (seen_of(owner=None), ["likely squashed", "root_squash", "anonuid=<owner>,anongid=<group>"]),
    # a non-root uid that is neither the owner nor in the group
    (seen_of(uid=1000, gid=1000, groups=(1000,)), [
        "owner, group and mode", "uid 1000 (groups 1000) is neither the owner (101) nor in the group (101) of /data",
        "mode 0770 gives others no write and no search (x)", "run the container as uid 101", "with group 101"]),
    # the owner, but the owner bits lack write
    (seen_of(uid=101, gid=101, groups=(101,), mode="570"), [
        "the mode: uid 101 owns /data (101:101 0570)", "gives the owner no write", "chmod u+wx /data"]),
    # in the group, but the group bits lack write and search
    (seen_of(uid=1000, gid=1000, groups=(1000, 101), mode="740"), [
        "the mode: uid 1000 is in the group of /data (101:101 0740)", "no write and no search (x)", "chmod g+wx"]),
    (seen_of(message="sh: can't create /data/.p.tmp: Read-only file system"), ["read-only (ro)", "export", "rw"]),
    (seen_of(op="write", message="dd: error writing 'x': No space left on device"), ["is full"]),
    (seen_of(op="fsync", message="dd: fsync: Disk quota exceeded"), ["quota"]),
    (seen_of(op="read", message="cat: x: Stale file handle"), ["no longer has the directory", "delete the pod"]),
    (seen_of(op="read", message="read back 'x', not what was written"), ["did not keep what was written"]),
    # nothing the pod saw explains it: the neutral words
    (seen_of(uid=101, gid=101, groups=(101,), op="rename"), ["the NFS server refused rename"]),
    (seen_of(mode="777"), ["the NFS server refused create"]),
    (seen_of(op="remove", message="rm: cannot remove 'x': Operation not permitted"), ["the NFS server refused remove"]),
    (seen_of(op="fsync", message="dd: fsync failed: Input/output error"), ["the NFS server refused fsync"]),
])
def test_the_likely_cause(seen, words):
    cause = access.likely_cause(seen, "/data")
    for word in words:
        assert word in cause


def test_no_cause_when_every_step_passed():
    assert access.likely_cause(seen_of(op=None), "/data") is None


def test_check_of_an_answer_an_exec_error_and_a_probe_that_stopped():
    refused = access.check("preflight", "web-0", TARGET, ExecResult(
        0, ROOT_ON_101 + "fail=create\nsh: can't create /data/.p.tmp: Permission denied\n", ""), None)
    assert refused["passed"] is False and refused["check"] == "volume_access"
    assert refused["expected"] == ("create, write, fsync, rename, read back and remove "
                                   "/data/.stateful-nfs-preflight-tok as the container's user")
    assert refused["seen"] == "uid 0 gid 0 groups 0; /data is 101:101 0770; create failed: EACCES (Permission denied)"
    assert "root_squash" in refused["cause"]
    passed = access.check("preflight", "web-0", TARGET, ExecResult(0, ROOT_ON_101 + "ok\n", ""), None)
    assert passed["passed"] is True and "cause" not in passed
    error = access.check("preflight", "web-0", TARGET, None, "exec in Pod/ns/web-0: connection refused")
    assert (error["passed"], error["seen"]) == (False, "exec in Pod/ns/web-0: connection refused")
    stopped = access.check("preflight", "web-0", TARGET, ExecResult(127, "", "sh: not found\n"), None)
    assert (stopped["passed"], stopped["seen"]) == (False, "the probe stopped: exit 127: sh: not found")


# ---------------------------------------------------------------- the script in real shells

SHELLS = [name for name in ("sh", "dash", "bash", "busybox") if shutil.which(name)]


def run_script(shell_name, target, env=None, user=()):
    command = access.command(target, "tok")
    if shell_name == "busybox":
        command = ["busybox"] + command
    else:
        command[0] = shutil.which(shell_name)
    return subprocess.run(list(user) + command, capture_output=True, text=True, check=True, env=env).stdout


@pytest.mark.parametrize("shell_name", SHELLS)
def test_the_script_passes_in_a_writable_directory_and_leaves_nothing(tmp_path, shell_name):
    target = dict(TARGET, mount_path=str(tmp_path), probe_file=str(tmp_path / ".stateful-nfs-preflight-tok"))
    seen = access.parse(run_script(shell_name, target))
    assert seen["ok"] is True and seen["op"] is None
    assert seen["uid"] == os.getuid() and seen["mode"] == os.stat(str(tmp_path)).st_mode & 0o7777
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("shell_name", SHELLS)
def test_the_script_names_the_step_and_the_errno(tmp_path, shell_name):
    missing = tmp_path / "missing"
    target = dict(TARGET, mount_path=str(missing), probe_file=str(missing / ".stateful-nfs-preflight-tok"))
    seen = access.parse(run_script(shell_name, target))
    assert (seen["ok"], seen["op"], seen["errno"]) == (False, "create", "ENOENT")


def test_the_script_reads_the_directory_with_ls_when_stat_is_missing(tmp_path):
    bash = shutil.which("bash")
    tools = [shutil.which(name) for name in ("id", "ls", "dd", "mv", "cat", "rm")]
    if not bash or not all(tools):
        pytest.skip("needs bash and coreutils")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        os.symlink(tool, str(bin_dir / os.path.basename(tool)))
    volume = tmp_path / "volume"
    volume.mkdir()
    volume.chmod(0o2770)
    target = dict(TARGET, mount_path=str(volume), probe_file=str(volume / ".stateful-nfs-preflight-tok"))
    output = run_script("bash", target, env={"PATH": str(bin_dir)})
    assert "\nls=drwxrws---" in output
    assert access.parse(output)["mode"] == 0o2770 and access.parse(output)["ok"] is True


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
@pytest.mark.parametrize("shell_name", SHELLS)
def test_the_script_as_a_uid_that_may_not_write(shell_name):
    volume = tempfile.mkdtemp()  # outside pytest's own directory, which only root may enter
    try:
        os.chmod(volume, 0o755)
        target = dict(TARGET, mount_path=volume, probe_file=os.path.join(volume, ".stateful-nfs-preflight-tok"))
        as_1000 = ("setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups")
        seen = access.parse(run_script(shell_name, target, user=as_1000))
    finally:
        shutil.rmtree(volume)
    assert (seen["uid"], seen["owner"], seen["mode"], seen["op"], seen["errno"]) == (1000, 0, 0o755, "create",
                                                                                     "EACCES")
    cause = access.likely_cause(seen, volume)
    assert "uid 1000 (groups 1000) is neither the owner (0) nor in the group (0)" in cause
    assert cause.endswith("Fix: give uid 1000 the directory on the NFS server (chown 1000 %s)" % volume)
