# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exported directories: read their owner/group/mode, plan the change, apply it, purge on request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import shutil
import stat

# Mode of a directory created without an explicit mode (not left to the umask, so runs are repeatable).
CREATE_MODE = 0o755


def uid_of(owner):
    return int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid


def gid_of(group):
    return int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def current(path):
    """{'owner', 'group', 'uid', 'gid', 'mode'} of a directory, or None when nothing is there."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    return {
        "uid": info.st_uid,
        "gid": info.st_gid,
        "owner": _name(pwd.getpwuid, info.st_uid),
        "group": _name(grp.getgrgid, info.st_gid),
        "mode": "%04o" % stat.S_IMODE(info.st_mode),
    }


def mode_of(path):
    state = current(path)
    return state["mode"] if state else None


class Plan(object):
    """What to do with one export's directory: create it, and/or set uid, gid, mode."""

    def __init__(self, path, before, create=False, uid=None, gid=None, mode=None):
        self.path = path
        self.before = before
        self.create = create
        self.uid = uid
        self.gid = gid
        self.mode = mode

    @property
    def changed(self):
        return self.create or self.uid is not None or self.gid is not None or self.mode is not None

    def after(self):
        state = dict(self.before or {})
        if self.uid is not None:
            state["owner"] = _name(pwd.getpwuid, self.uid)
        if self.gid is not None:
            state["group"] = _name(grp.getgrgid, self.gid)
        if self.mode is not None:
            state["mode"] = "%04o" % self.mode
        if self.create:
            state.setdefault("owner", _name(pwd.getpwuid, os.geteuid()))
            state.setdefault("group", _name(grp.getgrgid, os.getegid()))
            state.setdefault("mode", "%04o" % CREATE_MODE)
        return state


def plan(export, before=None):
    """The Plan bringing export.path to the requested owner/group/mode (creating it if asked)."""
    if before is None:
        before = current(export.path)
    want_uid = uid_of(export.owner) if export.owner is not None else None
    want_gid = gid_of(export.group) if export.group is not None else None
    want_mode = int(export.mode, 8) if export.mode is not None else None
    if before is None:
        return Plan(export.path, None, create=True, uid=want_uid, gid=want_gid, mode=want_mode)
    return Plan(
        export.path, before,
        uid=want_uid if want_uid is not None and want_uid != before["uid"] else None,
        gid=want_gid if want_gid is not None and want_gid != before["gid"] else None,
        mode=want_mode if want_mode is not None and "%04o" % want_mode != before["mode"] else None,
    )


def apply(plan_):
    """Carry out a Plan. Parents are created 0755; chmod comes after chown (chown may clear setgid)."""
    if plan_.create:
        parent = os.path.dirname(plan_.path)
        if parent and not os.path.isdir(parent):
            os.makedirs(parent, 0o755)
        os.mkdir(plan_.path, 0o700)
        if plan_.mode is None:
            os.chmod(plan_.path, CREATE_MODE)
    if plan_.uid is not None or plan_.gid is not None:
        os.chown(plan_.path, -1 if plan_.uid is None else plan_.uid, -1 if plan_.gid is None else plan_.gid)
    if plan_.mode is not None:
        os.chmod(plan_.path, plan_.mode)


def describe(state):
    """Text for a diff: the directory's owner, group and mode, or 'absent'."""
    if state is None:
        return "absent\n"
    return "directory owner=%s group=%s mode=%s\n" % (state.get("owner"), state.get("group"), state.get("mode"))


def purge(path):
    """Remove an exported directory and everything in it. The caller has validated the path."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
        return True
    return False


# The suffix of an archived directory: <path>.archived-<UTC time>, next to it, so it is found (and restored) by name.
ARCHIVE_SUFFIX = ".archived-"


def archive_name(path, stamp, exists):
    """The free archive name of `path` next to it: <path>.archived-<stamp>, then -2, -3, ... when taken. Pure but
    for `exists` (os.path.lexists on the host)."""
    base = "%s%s%s" % (path.rstrip("/"), ARCHIVE_SUFFIX, stamp)
    name, number = base, 1
    while exists(name):
        number += 1
        name = "%s-%d" % (base, number)
    return name


def archive(path, name):
    """Rename an exported directory to its archive name (same file system: one rename, the data untouched)."""
    if os.path.isdir(path) and not os.path.islink(path):
        os.rename(path, name)
        return True
    return False
