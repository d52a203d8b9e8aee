# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who a replica's process is on the NFS server, and whether it can write its directory. Pure.

The pod's identity (an app's `identity`: run_as_user, run_as_group, supplemental_groups, fs_group) is what the
process sends over AUTH_SYS: its uid, gid and groups (fs_group and supplemental_groups are among the groups).
The export's squash options turn that into the credentials the server acts with, and the directory's owner,
group and mode decide. Kubernetes neither chowns nor chmods an NFS volume for fsGroup, so the directory is as
the server role leaves it.

  stated           whether the entry says who the process is
  pod_security_context  the pod's securityContext from the identity
  identity_problems     ids out of range, arbitrary_uid with run_as_user
  squashing        the squash options of an export's option list (root_squash is the default)
  on_server        the process's (uid, gid, groups) -> the credentials the server acts with
  permits          whether credentials may create, rename and remove in a directory of owner:group mode
  derive           the directories' owner, group and mode that let the app in, for what is not given
  problems         SpecErrors, named by the entry's fields, when the combination cannot work
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError

NOBODY = 65534  # anonuid and anongid when the export does not set them
WRITE_AND_SEARCH = 0o3  # create, rename and remove need w and x on the directory
ASSIGNED_UID = -1  # a uid the platform assigns: not root, not the directories' owner


class Squashing(object):
    """The squash options of an export: mode "all", "root" or "none", and the anonymous uid and gid."""

    def __init__(self, mode, anonuid=NOBODY, anongid=NOBODY):
        self.mode = mode
        self.anonuid = anonuid
        self.anongid = anongid

    def describe(self):
        anon = "uid %d gid %d" % (self.anonuid, self.anongid)
        if self.mode == "all":
            return "all_squash maps every process to %s on the server" % anon
        return "root_squash (the export's default) maps root to %s on the server" % anon


MAX_ID = 2147483647  # uids and gids in a pod's securityContext are int64 >= 0; NFS AUTH_SYS carries 32 bits
IDS = ("run_as_user", "run_as_group", "fs_group")


def stated(identity):
    """Whether the identity says anything about the process (else the image's user, unknown to the plan)."""
    identity = identity or {}
    return bool(identity.get("arbitrary_uid")) or any(identity.get(key) is not None for key in IDS) or bool(
        identity.get("supplemental_groups"))


def pod_security_context(identity):
    """The pod's securityContext: runAsUser, runAsGroup, supplementalGroups, fsGroup as given; with an assigned
    uid, no runAsUser (the platform sets it) and runAsNonRoot."""
    identity = identity or {}
    context = {}
    for key, field in (("run_as_user", "runAsUser"), ("run_as_group", "runAsGroup"), ("fs_group", "fsGroup")):
        if identity.get(key) is not None and not (key == "run_as_user" and identity.get("arbitrary_uid")):
            context[field] = identity[key]
    if identity.get("supplemental_groups"):
        context["supplementalGroups"] = list(identity["supplemental_groups"])
    if identity.get("arbitrary_uid"):
        context["runAsNonRoot"] = True
    return context


def identity_problems(identity):
    """SpecErrors for ids out of range, and for arbitrary_uid given with a run_as_user."""
    identity = identity or {}
    found = []
    for key in IDS:
        value = identity.get(key)
        if value is not None and not 0 <= value <= MAX_ID:
            found.append(SpecError("identity.%s" % key, value, "is not a uid/gid (0 to %d)" % MAX_ID,
                                   "give the number, e.g. identity.%s: 101" % key))
    for index, value in enumerate(identity.get("supplemental_groups") or []):
        if value is None or not 0 <= value <= MAX_ID:
            found.append(SpecError("identity.supplemental_groups[%d]" % index, value, "is not a gid (0 to %d)"
                                   % MAX_ID, "give the number, e.g. identity.supplemental_groups: [5555]"))
    if identity.get("arbitrary_uid") and identity.get("run_as_user") is not None:
        found.append(SpecError("identity.run_as_user", identity["run_as_user"], "is set, but arbitrary_uid says the "
                               "platform assigns the uid", "drop one of identity.run_as_user and "
                               "identity.arbitrary_uid"))
    return found


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def squashing(options):
    """The Squashing of an export's options (as the user writes them; root_squash unless no_root_squash)."""
    options = list(options or [])
    values = dict(option.split("=", 1) for option in options if "=" in option)
    anonuid = _number(values.get("anonuid"))
    anongid = _number(values.get("anongid"))
    if "all_squash" in options:
        mode = "all"
    elif "no_root_squash" in options:
        mode = "none"
    else:
        mode = "root"
    return Squashing(mode, NOBODY if anonuid is None else anonuid, NOBODY if anongid is None else anongid)


def process_groups(identity):
    """The groups the app's process sends: its gid, then supplemental_groups and fs_group (Kubernetes adds both)."""
    groups = []
    for gid in [identity.get("run_as_group")] + list(identity.get("supplemental_groups") or []) + [
            identity.get("fs_group")]:
        if gid is not None and gid not in groups:
            groups.append(gid)
    return groups


def on_server(uid, gid, groups, squash):
    """(uid, gid, groups) the server acts with for a process with these credentials; uid None: not known."""
    if squash.mode == "all":
        return squash.anonuid, squash.anongid, []
    if squash.mode == "root":
        if uid == 0:
            return squash.anonuid, squash.anongid, []
        return uid, squash.anongid if gid == 0 else gid, [group for group in groups if group != 0]
    return uid, gid, list(groups)


def permits(uid, groups, owner, group, mode):
    """True, False, or None when it depends on what is not known: an unknown uid (None), an owner or group left
    unchanged (None). ASSIGNED_UID is a uid known only not to be root or the owner.

    As the server decides: root may; else the owner bits when the uid owns the directory, else the group bits
    when the directory's group is one of the process's, else the bits for others.
    """
    if uid == 0:
        return True
    bits = int(mode, 8)
    owner_ok, group_ok, others_ok = [bits >> shift & WRITE_AND_SEARCH == WRITE_AND_SEARCH for shift in (6, 3, 0)]
    if owner is not None and uid == owner and uid != ASSIGNED_UID:  # an assigned uid never owns it
        return owner_ok
    possible = set()
    if uid is None or (owner is None and uid != ASSIGNED_UID):
        possible.add(owner_ok)
    if group is None:
        possible.update((group_ok, others_ok))
    else:
        possible.add(group_ok if group in groups else others_ok)
    return possible.pop() if len(possible) == 1 else None


def volume_group(identity):
    """The group the replicas' directories get for this identity: fs_group, else run_as_group, else the first
    supplemental group; None when none is set."""
    for gid in [identity.get("fs_group"), identity.get("run_as_group")] + list(
            identity.get("supplemental_groups") or []):
        if gid is not None:
            return gid
    return None


def derive(identity, options, owner, group, mode):
    """(owner, group, mode) of the replicas' directories: what is given stays; the rest follows the identity.

    The owner is the uid the server acts with (the anonymous uid under all_squash or for squashed root); the
    group is the volume group (the anonymous gid under all_squash); the mode lets owner and group in ("0770"),
    with the setgid bit when the uid is assigned by the platform, so files made in it keep the known group.
    Without an identity nothing is derived.
    """
    if not stated(identity):
        return owner, group, mode
    squash = squashing(options)
    uid = None if identity.get("arbitrary_uid") else identity.get("run_as_user")
    server_uid, _gid, _groups = on_server(uid, identity.get("run_as_group"), process_groups(identity), squash)
    if owner is None and server_uid is not None:
        owner = str(server_uid)
    if group is None:
        gid = squash.anongid if squash.mode == "all" else volume_group(identity)
        if gid is not None:
            group = str(squash.anongid if gid == 0 and squash.mode == "root" else gid)
    if mode is None and (owner is not None or group is not None):
        mode = "2770" if identity.get("arbitrary_uid") and squash.mode != "all" else "0770"
    return owner, group, mode


def _who(uid, groups):
    return "uid %s with groups %s" % (uid, ", ".join(str(g) for g in groups) or "(none)")


def problems(identity, options, owner, group, mode):
    """SpecErrors naming the entry's field when the app's process cannot create files in its directory.

    owner, group and mode are the directories' after derive (strings; a name stays a name and is not judged).
    Only what is known is judged: without an identity, only all_squash (which does not depend on the process).
    """
    identity = identity or {}
    squash = squashing(options)
    owner_id, group_id = _number(owner), _number(group)
    if mode is None or (owner is not None and owner_id is None) or (group is not None and group_id is None):
        return []
    where = "the replicas' directories (owner %s, group %s, mode %s)" % (
        owner if owner is not None else "unchanged", group if group is not None else "unchanged", mode)
    if squash.mode == "all":
        if permits(squash.anonuid, [squash.anongid], owner_id, group_id, mode) is False:
            return [SpecError("storage.nfs.options", list(options or []),
                              "%s, which is neither the owner nor in the group of %s" % (squash.describe(), where),
                              "add anonuid=%s and anongid=%s to storage.nfs.options (the directories' owner and "
                              "group), or leave storage.nfs.owner and group unset so the plan sets them to the "
                              "anonymous ids" % (owner if owner is not None else squash.anonuid,
                                                 group if group is not None else squash.anongid))]
        return []
    if identity.get("arbitrary_uid"):
        groups = process_groups(identity)
        if permits(ASSIGNED_UID, groups, owner_id, group_id, mode) is not True:
            return [SpecError(
                "identity.arbitrary_uid", True, "the platform assigns the uid, so only a group of the pod (%s) or "
                "all_squash can let it into %s, and neither does" % (", ".join(str(g) for g in groups) or "none",
                                                                     where),
                "give the pod a known group (identity.supplemental_groups: [5555]) and leave storage.nfs.group and "
                "mode unset, so the directories get that group and mode 2770; or export with all_squash, "
                "anonuid and anongid (see docs/workflow.md, arbitrary uids)")]
        return []
    if identity.get("run_as_user") is None:
        return []
    uid, gid = identity["run_as_user"], identity.get("run_as_group")
    groups = process_groups(identity)
    server_uid, _server_gid, server_groups = on_server(uid, gid, groups, squash)
    if permits(server_uid, server_groups, owner_id, group_id, mode) is not False:
        return []
    if uid == 0 and squash.mode == "root":
        return [SpecError(
            "identity.run_as_user", 0, "runs as root, and %s, which is neither the owner nor in the group of %s"
            % (squash.describe(), where),
            "run as the directories' owner (identity.run_as_user: %s), or export with all_squash, anonuid=%s, "
            "anongid=%s in storage.nfs.options (no_root_squash would give every client root on the export)"
            % (owner if owner is not None else 101, owner if owner is not None else 101,
               group if group is not None else 101))]
    if owner_id is not None and server_uid == owner_id:
        return [SpecError("storage.nfs.mode", mode, "gives the owner (uid %s, the pod's user) no write and search "
                          "on the replicas' directories" % owner, "use a mode such as \"0770\"")]
    fs_group = identity.get("fs_group")
    with_fs_group = permits(server_uid, server_groups, owner_id, fs_group, mode) if fs_group is not None else False
    if fs_group != group_id and with_fs_group:
        return [SpecError(
            "identity.fs_group", fs_group, "is the only way in, and Kubernetes does not apply fsGroup to NFS "
            "volumes (it neither chowns nor chmods them), so the directories keep group %s" % group,
            "set storage.nfs.group: \"%d\" so the server role gives the directories that group, or leave "
            "storage.nfs.group unset (it follows fs_group)" % fs_group)]
    return [SpecError(
        "identity.run_as_user", uid, "%s is neither the owner nor in the group of %s" % (
            _who(server_uid, server_groups), where),
        "run as the owner (identity.run_as_user: %s), add group %s to identity.supplemental_groups, or leave "
        "storage.nfs.owner and group unset so the plan gives the directories the pod's uid and group"
        % (owner, group))]
