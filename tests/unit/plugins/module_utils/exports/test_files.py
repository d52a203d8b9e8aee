# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic replace, restore, the lock, and diff entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.exports import files

TRY_LOCK = """
import errno, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError as exc:
    sys.exit(3 if exc.errno in (errno.EAGAIN, errno.EACCES) else 4)
sys.exit(0)
"""


def test_atomic_write_creates_with_mode_and_leaves_no_temp(tmp_path):
    target = str(tmp_path / "web.exports")
    files.atomic_write(target, "a\n")
    assert files.read_text(target) == "a\n"
    assert os.stat(target).st_mode & 0o777 == 0o644
    assert os.listdir(str(tmp_path)) == ["web.exports"]


def test_atomic_write_keeps_the_mode_of_an_existing_file_and_replaces_the_inode(tmp_path):
    target = tmp_path / "web.exports"
    target.write_text("old\n")
    os.chmod(str(target), 0o600)
    inode = os.stat(str(target)).st_ino
    files.atomic_write(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert os.stat(str(target)).st_mode & 0o777 == 0o600
    assert os.stat(str(target)).st_ino != inode  # renamed into place, never truncated


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "web.exports"
    target.write_text("old\n")

    def broken_rename(src, dst):
        raise OSError(5, "I/O error")
    monkeypatch.setattr(os, "rename", broken_rename)
    with pytest.raises(OSError):
        files.atomic_write(str(target), "new\n")
    assert target.read_text() == "old\n"
    assert os.listdir(str(tmp_path)) == ["web.exports"]


def test_put_none_removes_and_missing_reads_as_none(tmp_path):
    target = str(tmp_path / "x")
    files.put(target, "t")
    files.put(target, None)
    files.put(target, None)  # removing twice is fine
    assert files.read_text(target) is None


def test_lock_excludes_another_process_while_held(tmp_path):
    lock = str(tmp_path / "sub" / ".stateful-nfs.lock")
    with files.locked(lock):
        held = subprocess.call([sys.executable, "-c", TRY_LOCK, lock])
    free = subprocess.call([sys.executable, "-c", TRY_LOCK, lock])
    assert (held, free) == (3, 0)


def test_locked_all_holds_each_lock_once_in_sorted_order(tmp_path):
    b, a = str(tmp_path / "b" / ".lock"), str(tmp_path / "a" / ".lock")
    with files.locked_all([b, a, b, str(tmp_path / "a" / "." / ".lock")]) as taken:
        assert taken == [a, b]
        held = [subprocess.call([sys.executable, "-c", TRY_LOCK, path]) for path in (a, b)]
    free = [subprocess.call([sys.executable, "-c", TRY_LOCK, path]) for path in (a, b)]
    assert (held, free) == ([3, 3], [0, 0])


def test_diff_entry_names_the_file_and_marks_absence():
    entry = files.diff_entry("/etc/exports.d/web.exports", None, "x\n")
    assert entry == {"before_header": "/etc/exports.d/web.exports (absent)",
                     "after_header": "/etc/exports.d/web.exports", "before": "", "after": "x\n"}
