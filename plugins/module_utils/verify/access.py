# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volume-access preflight: can the container's own user create, write, fsync, rename, read and remove a file
in the volume? Pure: the shell script, the parser of its output, the errno of a shell message, the likely cause.

The runner runs the script in every replica (one exec each) before any marker is written or any pod disrupted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.stateful.nfs.plugins.module_utils.verify.checks import result
from ansible_collections.stateful.nfs.plugins.module_utils.verify.observe import shell

CHECK = "volume_access"
OPERATIONS = ("create", "write", "fsync", "rename", "read", "remove")

# $1 the mount path, $2 the probe file, $3 what to write into it. Prints uid=, gid=, groups= (with `id`), dir=<uid>
# <gid> <octal mode> (with `stat`) or ls=<ls -nd line>, then `ok`, or fail=<op> and the shell's message on the
# lines after it. Always exits 0: the output says what happened. Each step's message is caught so that the line
# names the step, and the probe goes also when a later step fails (best effort).
SCRIPT = (
    'd=$1 f=$2 t=$2.tmp\n'
    'fail() { echo "fail=$1"; printf "%s\\n" "$2"; rm -f "$t" "$f" 2>/dev/null; exit 0; }\n'
    'if command -v id >/dev/null 2>&1; then echo "uid=$(id -u)"; echo "gid=$(id -g)"; echo "groups=$(id -G)"; fi\n'
    'if s=$(stat -c "%u %g %a" "$d" 2>/dev/null); then echo "dir=$s"; '
    'elif s=$(ls -nd "$d" 2>/dev/null); then echo "ls=$s"; fi\n'
    'e=$( { : >"$t"; } 2>&1 ) || fail create "$e"\n'
    # dd, not printf: busybox's printf fails a write without a word, dash's says "I/O error" whatever the errno.
    'e=$(printf %s "$3" | dd of="$t" 2>&1) || fail write "$e"\n'
    'e=$(dd if=/dev/null of="$t" conv=notrunc,fsync 2>&1) || fail fsync "$e"\n'
    'e=$(mv -f "$t" "$f" 2>&1) || fail rename "$e"\n'
    'e=$(cat "$f" 2>&1) || fail read "$e"\n'
    '[ "$e" = "$3" ] || fail read "read back \'$e\', not what was written"\n'
    'e=$(rm -f "$f" 2>&1) || fail remove "$e"\n'
    'echo ok\n')

# errno name -> the messages the C libraries (glibc, musl, uClibc) and the shells print for it; the first is
# glibc's strerror, the one shown.
ERRNO_TEXTS = (
    ("EACCES", ("Permission denied",)),
    ("EPERM", ("Operation not permitted",)),
    ("EROFS", ("Read-only file system",)),
    ("ENOSPC", ("No space left on device",)),
    ("EDQUOT", ("Disk quota exceeded", "Quota exceeded")),
    ("ESTALE", ("Stale file handle", "Stale NFS file handle")),
    ("EIO", ("Input/output error", "I/O error")),
    ("ENOENT", ("No such file or directory", "Directory nonexistent", "nonexistent directory")),
)
# dd's transfer statistics, printed also when it fails; not part of the error.
DD_STATISTICS = re.compile(r"^\d+\+\d+ records (in|out)$|^\d+ bytes? .*copied")
WRITE, SEARCH = 0o2, 0o1


def command(target, content):
    return shell(SCRIPT, target["mount_path"], target["probe_file"], content)


def errno_of(message):
    """(errno name, its strerror text) named by a shell's error message; (None, the message) for any other text."""
    lowered = (message or "").lower()
    for name, texts in ERRNO_TEXTS:
        if any(text.lower() in lowered for text in texts):
            return name, texts[0]
    return None, message


def _ints(text):
    return [int(word) for word in text.split() if word.isdigit()]


def mode_from_ls(perms):
    """The octal mode of `ls -l` permissions such as drwxrws--- (s/t: the special bit with x, S/T: without)."""
    mode = 0
    for index, char in enumerate(perms[1:10]):
        if char not in "-ST":
            mode |= 1 << (8 - index)
        if char in "sS":
            mode |= 0o4000 if index == 2 else 0o2000
        if char in "tT":
            mode |= 0o1000
    return mode


def parse(stdout):
    """What the script saw: uid, gid, groups, the directory's owner, group and mode (None when the image lacks the
    tools), whether every step passed (ok) or the step that failed (op) with its message and errno."""
    seen = {"uid": None, "gid": None, "groups": [], "owner": None, "group": None, "mode": None, "ok": False,
            "op": None, "message": None, "errno": None, "text": None}
    lines = (stdout or "").splitlines()
    for index, line in enumerate(lines):
        key, _sep, value = line.partition("=")
        fields = value.split()
        if key == "fail":
            seen["op"] = value.strip()
            seen["message"] = " ".join(" ".join(rest.split()) for rest in lines[index + 1:]
                                       if rest.strip() and not DD_STATISTICS.match(rest.strip()))
            seen["errno"], seen["text"] = errno_of(seen["message"])
            break
        if key in ("uid", "gid") and value.strip().isdigit():
            seen[key] = int(value)
        elif key == "groups":
            seen["groups"] = _ints(value)
        elif key == "dir" and len(fields) == 3 and fields[0].isdigit() and fields[1].isdigit():
            seen["owner"], seen["group"] = int(fields[0]), int(fields[1])
            seen["mode"] = int(fields[2], 8) if re.match(r"^[0-7]+$", fields[2]) else None
        elif key == "ls" and len(fields) > 3 and fields[2].isdigit() and fields[3].isdigit():
            seen["owner"], seen["group"], seen["mode"] = int(fields[2]), int(fields[3]), mode_from_ls(fields[0])
        elif line.strip() == "ok":
            seen["ok"] = True
    return seen


def mode_text(mode):
    return "%04o" % mode


def describe(seen, mount_path):
    """'uid 0 gid 0 groups 0; /data is 101:101 0770; create failed: EACCES (Permission denied)'."""
    parts = []
    if seen["uid"] is not None:
        parts.append("uid %s gid %s groups %s" % (seen["uid"], seen["gid"],
                                                  ",".join(str(g) for g in seen["groups"]) or "none"))
    if seen["mode"] is not None:
        parts.append("%s is %s:%s %s" % (mount_path, seen["owner"], seen["group"], mode_text(seen["mode"])))
    if seen["op"]:
        parts.append("%s failed: %s" % (seen["op"], "%s (%s)" % (seen["errno"], seen["text"]) if seen["errno"]
                                        else seen["message"] or "no message"))
    elif seen["ok"]:
        parts.append("every step passed")
    return "; ".join(parts)


def _lacks(bits):
    """What a permission triplet lacks to create a file in a directory, to follow "no": 'write', 'search (x)' or
    'write and no search (x)'; empty when it lacks nothing."""
    missing = [word for bit, word in ((WRITE, "write"), (SEARCH, "search (x)")) if not bits & bit]
    return " and no ".join(missing)


def _refused_by_mode(seen, mount_path):
    """EACCES explained by the directory's owner, group and mode as the uid sees them; None when they allow it."""
    uid, owner, group, mode = seen["uid"], seen["owner"], seen["group"], seen["mode"]
    where = "%s (%s:%s %s)" % (mount_path, owner, group, mode_text(mode))
    if uid == 0 and _lacks(mode & 0o7):
        # root creates anything locally; over NFS the server maps it to the anonymous uid, which is "other" here.
        if owner == 0:
            fix = ("give the directory to a non-root uid on the NFS server and run the container as that uid, or "
                   "export with no_root_squash")
        else:
            fix = ("run the container as the directory's owner, a non-root uid (securityContext runAsUser: %s, "
                   "runAsGroup: %s), or export with all_squash,anonuid=%s,anongid=%s" % (owner, group, owner, group))
        return ("root is squashed by the NFS server (root_squash, the export's default, or all_squash) to the "
                "anonymous uid, which is neither the owner nor in the group of %s and gets no %s from its mode. "
                "Fix: %s" % (where, _lacks(mode & 0o7), fix))
    if uid == owner:
        missing = _lacks(mode >> 6)
        if missing:
            return ("the mode: uid %s owns %s, but the mode gives the owner no %s. Fix: chmod u+wx %s on the NFS "
                    "server" % (uid, where, missing, mount_path))
        return None
    if group == seen["gid"] or group in seen["groups"]:
        missing = _lacks(mode >> 3)
        if missing:
            return ("the mode: uid %s is in the group of %s, but the mode gives the group no %s. Fix: chmod g+wx %s "
                    "on the NFS server, or run the container as the owner, uid %s"
                    % (uid, where, missing, mount_path, owner))
        return None
    missing = _lacks(mode & 0o7)
    if not missing:
        return None
    give = "give uid %s the directory on the NFS server (chown %s %s)" % (uid, uid, mount_path)
    # root's uid would be squashed again, so a root-owned directory is given away rather than its owner taken on.
    fix = give if owner == 0 else ("run the container as uid %s (runAsUser), or with group %s (supplementalGroups), "
                                   "or %s" % (owner, group, give))
    groups = ",".join(str(g) for g in seen["groups"]) or "none"
    return ("owner, group and mode: uid %s (groups %s) is neither the owner (%s) nor in the group (%s) of %s, whose "
            "mode %s gives others no %s. Fix: %s"
            % (uid, groups, owner, group, mount_path, mode_text(mode), missing, fix))


def likely_cause(seen, mount_path):
    """Why the step failed, from what the pod saw, with the fix; None when nothing failed."""
    if not seen["op"]:
        return None
    errno = seen["errno"]
    if errno == "EACCES" and seen["uid"] is not None and seen["mode"] is not None:
        cause = _refused_by_mode(seen, mount_path)
        if cause:
            return cause
    elif errno == "EACCES" and seen["uid"] == 0:
        return ("root is likely squashed by the NFS server (root_squash, the export's default, or all_squash) to the "
                "anonymous uid, which may not write %s. Fix: run the container as the directory's owner (a non-root "
                "uid), or export with all_squash,anonuid=<owner>,anongid=<group>" % mount_path)
    if errno == "EROFS":
        return ("the export or the mount is read-only (ro). Fix: export the directory rw on the NFS server, and mount "
                "it without ro (the PV's mountOptions, the volumeMount's readOnly)")
    if errno == "ENOSPC":
        return "the file system of the export on the NFS server is full"
    if errno == "EDQUOT":
        return "a quota on the NFS server, the uid's or the export's, is used up"
    if errno == "ESTALE":
        return ("the NFS server no longer has the directory the pod mounted (removed or replaced since). Fix: restore "
                "the export, then delete the pod so that its successor mounts it again")
    if seen["op"] == "read" and not errno:
        return "the volume did not keep what was written"
    return "the NFS server refused %s" % seen["op"]


def check(step, pod, target, answer, error):
    """The volume_access result of one replica: exec answer (ExecResult) or error (the exec's own failure)."""
    expected = ("create, write, fsync, rename, read back and remove %s as the container's user"
                % target["probe_file"])
    if error:
        return result(step, pod, CHECK, False, expected, error)
    seen = parse(answer.stdout)
    text = describe(seen, target["mount_path"])
    if not seen["ok"] and not seen["op"]:  # the script did not get to the end (no sh, killed, ...)
        text = "; ".join(part for part in (text, "the probe stopped: exit %s: %s" % (
            answer.rc, " ".join((answer.stderr or "").split()) or "no message")) if part)
    return result(step, pod, CHECK, seen["ok"] and answer.rc in (0, None), expected, text,
                  cause=likely_cause(seen, target["mount_path"]))
