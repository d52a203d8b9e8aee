# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""File I/O for exports files: read, atomic replace (temp file + rename in the same directory),
remove, restore, an fcntl lock held across read-modify-write-apply, and Ansible diff entries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import io
import os
import tempfile


def read_text(path):
    """The file's text, or None when it does not exist."""
    try:
        with io.open(path, "r", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            return handle.read()
    except IOError as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def size(path):
    """Bytes in the file, 0 when it does not exist (where a log excerpt starts)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def read_from(path, offset):
    """The file's text from byte `offset` on ('' when missing; all of it when it was truncated since)."""
    try:
        with io.open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size >= offset:
                handle.seek(offset)
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


def atomic_write(path, text, mode=0o644):
    """Replace `path` with `text` atomically; an existing file keeps its mode and ownership."""
    directory = os.path.dirname(path) or "."
    # The temporary name ends in .tmp so that neither exportfs (*.exports) nor a %dir include picks it up.
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path), suffix=".tmp")
    try:
        with io.open(handle, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            current = os.stat(path)
            os.chmod(temp, current.st_mode & 0o7777)
            os.chown(temp, current.st_uid, current.st_gid)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise
            os.chmod(temp, mode)
        os.rename(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    _fsync_dir(directory)


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove(path):
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise


def put(path, text):
    """Make `path` hold `text`, or not exist when text is None."""
    if text is None:
        remove(path)
    else:
        atomic_write(path, text)


@contextlib.contextmanager
def locked(lock_path):
    """Exclusive fcntl lock on `lock_path` (created if needed) for the duration of the block."""
    directory = os.path.dirname(lock_path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        try:
            fcntl.lockf(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked_all(lock_paths):
    """Hold every lock of `lock_paths`, taken in sorted order of their real paths.

    One global order makes runs that need overlapping sets of locks deadlock-free. Duplicates are taken
    once: fcntl locks belong to the process, so closing a second descriptor would drop the first lock.
    """
    unique = sorted(set(os.path.join(os.path.realpath(os.path.dirname(path) or "."), os.path.basename(path))
                        for path in lock_paths))
    with contextlib.ExitStack() as stack:
        for path in unique:
            stack.enter_context(locked(path))
        yield unique


def diff_entry(header, before, after):
    """One Ansible diff entry for a file; a missing file is shown as empty text."""
    return {
        "before_header": "%s%s" % (header, "" if before is not None else " (absent)"),
        "after_header": "%s%s" % (header, "" if after is not None else " (absent)"),
        "before": before or "",
        "after": after or "",
    }
