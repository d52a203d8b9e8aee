#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: export
short_description: NFS exports and their directories on an NFS server host (kernel nfsd or nfs-ganesha)
version_added: 0.1.0
description:
  - Creates the exported directories with owner, group and mode, and manages their NFS exports in a file of
    its own, so a hundred exports are one task and one reload.
  - V(kernel) backend. Entries live in C(<exports_dir>/<name>.exports) (never in C(/etc/exports) or another
    file). The file is replaced atomically (temporary file and rename in the same directory) and applied with
    C(exportfs -ra), which keeps existing client mounts (no service restart). When C(exportfs) rejects the
    result, the previous file is restored (or removed when it did not exist), C(exportfs -ra) is run again
    and the task fails with the message of C(exportfs), which names the file and line.
  - V(ganesha) backend. C(EXPORT) blocks live in C(<exports_dir>/<name>.conf); the main ganesha configuration
    O(ganesha_config) gets one C(%include "<that file>") line and is otherwise left untouched. Each export
    keeps its C(Export_Id); a new export takes the lowest free id (never 0, the pseudo root) across the
    whole configuration (the main configuration and every file it includes with C(%include) or C(%dir),
    recursively) and all C(*.conf) files of O(exports_dir). Reload is a SIGHUP to the daemon named by
    O(ganesha_pid_file), or O(reload_command). With O(verify_server), each export added or changed is then
    looked up over NFS (C(nfs-ls)); one ganesha does not serve fails the task with the lines ganesha logged,
    and the previous files are restored. Without it, RV(reloaded) is V(signalled), not V(true).
  - Entries for other paths in the same file are kept (merge by path). When the last entry of the file is
    removed, the file is removed (and, for ganesha, its include line).
  - Runs on one host serialize on lock files held from reading to applying, so runs at once lose no entry,
    no include line and no Export_Id. Ganesha, C(<dir of ganesha_config>/.<its name>.stateful-nfs.lock),
    shared by every run with the same O(ganesha_config) whatever its O(exports_dir) (the main configuration,
    its include lines and the Export_Ids of every included file); kernel, C(/etc/exports.d/.stateful-nfs.lock)
    (the files C(exportfs -ra) applies together). Both backends also lock C(<exports_dir>/.stateful-nfs.lock).
    The locks are always taken in the same order, and everything is read again once they are held.
  - An existing export keeps its C(Export_Id), unless another file ganesha reads uses the same id (ganesha
    would serve only one of them); then it gets a free one and a warning says so.
  - "Secure defaults: client options are merged over V(rw,sync,no_subtree_check,root_squash); an option of the
    same pair replaces its default (V(ro) replaces V(rw), V(no_root_squash) replaces V(root_squash), and so on)."
  - A client matching every host, however it is written (V(*), V(*.*), V(0.0.0.0/0), V(0.0.0.0/00), any
    address with a zero prefix such as V(10.0.0.0/0), V(::/0), V([::]/0), or a zero netmask such as
    V(10.1.2.3/0.0.0.0)), V(rw) with V(no_root_squash), or a world-writable directory is refused unless
    O(allow_insecure=true), and then reported as a warning.
  - Every input problem is reported before anything is touched, naming the field, the value and the fix.
author:
  - stateful.nfs contributors (@stateful-nfs)
attributes:
  check_mode:
    support: full
    description:
      - Can run in check_mode and return changed status prediction without modifying target.
      - Nothing is touched, including directories.
  diff_mode:
    support: full
    description:
      - Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
      - The diff shows the exports file (and the ganesha main configuration) before and after, with headers
        naming them, and each directory whose owner, group or mode changes.
  platform:
    platforms: posix
    description: Target OS/families that can be operated against.
    support: full
options:
  path:
    description:
      - Absolute, normalized path of the directory to export (single form).
      - Mutually exclusive with O(exports).
    type: str
  exports:
    description:
      - List form, for many exports in one task with one reload. Each item takes the per-export options; an
        option an item does not set is taken from the top level (O(clients), O(state), O(create), O(owner),
        O(group), O(mode), O(purge), O(allow_insecure)).
      - Mutually exclusive with O(path).
    type: list
    elements: dict
    suboptions:
      path:
        description: Absolute, normalized path of the directory to export.
        type: str
        required: true
      clients:
        description: Clients of this export; see O(clients).
        type: list
        elements: dict
        suboptions:
          host:
            description: An address, a network (V(10.0.0.0/24)), a host name, a wildcard or a V(@netgroup).
            type: str
            required: true
          options:
            description: Export options for this client, merged over the secure defaults; see O(clients[].options).
            type: list
            elements: str
      state:
        description: V(present) or V(absent); see O(state).
        type: str
        choices: [present, absent]
      create:
        description: Create the directory when missing; see O(create).
        type: bool
      owner:
        description: Owner of the directory; see O(owner).
        type: str
      group:
        description: Group of the directory; see O(group).
        type: str
      mode:
        description: Permissions of the directory as a quoted octal string; see O(mode).
        type: raw
      purge:
        description: With O(exports[].state=absent), also delete the directory and its data; see O(purge).
        type: bool
      allow_insecure:
        description: Accept an insecure export (with a warning); see O(allow_insecure).
        type: bool
      pseudo:
        description: NFSv4 pseudo path (ganesha backend); defaults to the path.
        type: str
  clients:
    description:
      - Hosts allowed to mount the export, each with its options. Required for an export with state V(present).
      - In the list form, the default for items that do not set their own.
    type: list
    elements: dict
    suboptions:
      host:
        description:
          - An address, a network (V(10.0.0.0/24)), a host name, a wildcard (V(*.example.com)) or a V(@netgroup).
          - V(*), V(0.0.0.0/0), V(::/0) and every other spelling of a pattern matching every host (a zero
            prefix or netmask on any address, V([::]/0)) need O(allow_insecure).
        type: str
        required: true
      options:
        description:
          - "Export options (exports(5) keywords), merged over the secure defaults V(rw), V(sync),
            V(no_subtree_check), V(root_squash)."
          - "Accepted flags: V(rw) V(ro) V(sync) V(async) V(secure) V(insecure) V(wdelay) V(no_wdelay) V(hide)
            V(nohide) V(crossmnt) V(nocrossmnt) V(subtree_check) V(no_subtree_check) V(secure_locks)
            V(insecure_locks) V(auth_nlm) V(no_auth_nlm) V(root_squash) V(no_root_squash) V(all_squash)
            V(no_all_squash) V(acl) V(no_acl) V(pnfs) V(no_pnfs) V(security_label) V(nordirplus) V(mountpoint)
            V(mp); with a value: V(fsid=) V(anonuid=) V(anongid=) V(sec=) V(refer=) V(replicas=)
            V(mountpoint=) V(mp=). V(anonuid=) and V(anongid=) must be numbers and V(fsid=) a number, V(root)
            or a UUID, checked before anything is touched; other values are checked by C(exportfs) (kernel
            backend)."
          - "Ganesha backend mapping, into the export's C(CLIENT) block: V(rw)/V(ro) to C(Access_Type = RW/RO);
            V(root_squash)/V(no_root_squash)/V(all_squash) to C(Squash = Root_Squash/No_Root_Squash/All_Squash);
            V(sec=sys:krb5) to C(SecType = sys, krb5); V(secure)/V(insecure) to C(PrivilegedPort = true/false)
            (not set otherwise, so ganesha's default applies); V(anonuid=)/V(anongid=) to
            C(Anonymous_uid)/C(Anonymous_gid). V(sync), V(async), V(subtree_check), V(no_subtree_check),
            V(no_all_squash), V(wdelay), V(no_wdelay), V(secure_locks), V(insecure_locks), V(auth_nlm),
            V(no_auth_nlm), V(hide), V(nohide) have no ganesha counterpart and are ignored; any other option
            fails."
        type: list
        elements: str
  state:
    description:
      - V(present) creates or updates the export (and the directory, see O(create)).
      - V(absent) removes the export. The directory and its data stay unless O(purge=true).
      - V(absent) without O(path) and O(exports) removes every export of the file O(name) (and, with
        O(purge=true), their directories), as read from the file when the run holds its locks. In check mode,
        RV(exports) lists them, which is how a teardown finds everything an app's file ever exported.
    type: str
    choices: [present, absent]
    default: present
  create:
    description:
      - Create the directory (and missing parents, mode 0755) when it does not exist. Without O(mode), a
        created directory gets mode 0755.
      - With V(false), a missing directory is an error.
    type: bool
    default: true
  owner:
    description: User name or numeric uid that should own the directory. Unchanged when not set.
    type: str
  group:
    description: Group name or numeric gid of the directory. Unchanged when not set.
    type: str
  mode:
    description:
      - Permissions of the directory as a quoted octal string, for example V("0750") or V("2770").
      - An unquoted number is refused (YAML reads C(0750) as 488). Unchanged when not set.
      - A world-writable mode needs O(allow_insecure).
    type: raw
  purge:
    description:
      - With O(state=absent), also delete the directory and everything in it.
      - Refused with O(state=present), for C(/) and top-level system directories, for a symbolic link or
        a file, and for a path that another exports file still exports (kernel, C(/etc/exports) and the other
        files of O(exports_dir); ganesha, the whole configuration and the other files of O(exports_dir)).
    type: bool
    default: false
  purge_mode:
    description:
      - What O(purge) does with each directory. V(delete) removes it and everything in it. V(archive) renames it,
        with its data, to C(<path>.archived-<UTC time>) next to it (for example
        C(/srv/nfs/www-web-0.archived-20261201T170000Z); C(-2), C(-3), ... when that name is taken), so nothing is
        deleted and C(mv) brings it back. The same refusals as for a delete apply.
    type: str
    choices: [delete, archive]
    default: delete
  allow_insecure:
    description:
      - Accept a client matching every host, V(rw) with V(no_root_squash), or a world-writable directory.
        Each accepted risk is reported as a warning naming the export.
    type: bool
    default: false
  pseudo:
    description: NFSv4 pseudo path of the export (ganesha backend, single form). Defaults to O(path).
    type: str
  backend:
    description: V(kernel) for the kernel NFS server (C(exportfs)), V(ganesha) for nfs-ganesha.
    type: str
    choices: [kernel, ganesha]
    default: kernel
  name:
    description:
      - Name of the file holding these exports, C(<exports_dir>/<name>.exports) (kernel) or
        C(<exports_dir>/<name>.conf) (ganesha). Letters, digits, C(.), C(_) and C(-).
    type: str
    default: stateful-nfs
  exports_dir:
    description:
      - Directory of the exports file. Defaults to C(/etc/exports.d) (kernel) or C(/etc/ganesha/exports.d)
        (ganesha). Created when missing.
      - Kernel backend, only C(/etc/exports.d) is accepted, because C(exportfs -ra) reads nothing but
        C(/etc/exports) and C(/etc/exports.d/*.exports); any other directory is refused before anything is
        touched (a file there would never be applied).
      - Ganesha backend, any directory; the main configuration O(ganesha_config) includes the file by its path.
    type: path
  reload:
    description:
      - Apply a changed configuration. Kernel backend, C(exportfs -ra) (which also validates it); ganesha
        backend, O(reload_command) or a SIGHUP to the daemon of O(ganesha_pid_file).
      - With V(false) the file is written but neither validated nor applied, and a later run with the same
        input reports no change; run C(exportfs -ra) yourself.
      - Nothing is reloaded when nothing changed.
    type: bool
    default: true
  ganesha_config:
    description:
      - Main nfs-ganesha configuration (ganesha backend). Only one C(%include) line for our file is added
        to it (or removed, when our file is removed).
    type: path
    default: /etc/ganesha/ganesha.conf
  ganesha_pid_file:
    description:
      - Pid file of the running C(ganesha.nfsd) (ganesha backend), sent SIGHUP to reload.
      - When it is missing or stale, nothing is reloaded and a warning says so (the exports apply when
        ganesha starts).
    type: path
    default: /var/run/ganesha/ganesha.pid
  reload_command:
    description:
      - Command (argument list) that reloads ganesha instead of the SIGHUP, for example
        V([systemctl, reload, nfs-ganesha]). Ganesha backend only.
      - When it fails, the previous files are restored, the command is run again and the task fails with
        its output.
    type: list
    elements: str
  verify_server:
    description:
      - IP address of this ganesha (ganesha backend), for example the NFS server address the nodes mount.
        After a reload, each export added or changed is looked up from this host with C(nfs-ls) (Debian
        package C(libnfs-utils)) at that address with each protocol of O(ganesha_protocols), NFSv3 MOUNT by its
        path and NFSv4 by its pseudo path (both, because another export with the same pseudo path would
        answer for a refused one), for up to O(verify_timeout) seconds.
      - When all are served, RV(reloaded) is V(true). When one is not, the previous files are restored,
        ganesha is reloaded again and the task fails naming the export, the answer of C(nfs-ls) and the
        configuration lines ganesha logged (from O(ganesha_log_file)) since the reload.
      - Ganesha hides an export from a host it does not let in, so only an export with a client that lets
        this address in (an address, a network, or a pattern for every host) can be confirmed; any other
        export is reported in a warning, and RV(reloaded) is V(signalled).
      - Unset, nothing is looked up and a reload is reported as V(signalled).
    type: str
  verify_timeout:
    description: Seconds to wait, after a reload, for each export O(verify_server) checks.
    type: int
    default: 30
  ganesha_log_file:
    description:
      - Log file of ganesha (its C(-L) option), quoted when an export is not served after a reload
        (see O(verify_server)).
    type: path
    default: /var/log/ganesha/ganesha.log
  ganesha_protocols:
    description: C(Protocols) of each ganesha EXPORT block.
    type: list
    elements: str
    choices: ['3', '4', NFS3, NFS4, V3, V4, NFSv3, NFSv4, 9P]
    default: ['3', '4']
  ganesha_transports:
    description: C(Transports) of each ganesha EXPORT block.
    type: list
    elements: str
    choices: [UDP, TCP, RDMA]
    default: [UDP, TCP]
notes:
  - Needs root on the NFS server host (C(become=true)).
  - The kernel backend needs C(exportfs) (Debian package C(nfs-kernel-server), RHEL C(nfs-utils)); it works
    without a running kernel nfsd, so the files can be validated on any host.
  - With the ganesha backend, a SIGHUP or reload command only asks ganesha to re-read its configuration, and
    ganesha reports a rejected EXPORT block only in its log. The values the module writes are validated
    beforehand and its Export_Ids never collide with other exports of the configuration; O(verify_server)
    confirms over NFS that the exports are served.
  - "Ganesha EXPORT blocks written: C(Export_Id), C(Path), C(Pseudo), C(Access_Type = None) (access is granted
    only by the C(CLIENT) blocks, one per client), C(Squash = Root_Squash), C(Protocols), C(Transports),
    C(SecType = sys), the C(CLIENT) blocks and C(FSAL { Name = VFS; })."
seealso:
  - name: exports(5)
    description: The kernel NFS server export table format and options.
    link: https://man7.org/linux/man-pages/man5/exports.5.html
  - name: ganesha-export-config(8)
    description: nfs-ganesha EXPORT block options.
    link: https://github.com/nfs-ganesha/nfs-ganesha/blob/next/src/doc/man/ganesha-export-config.rst
"""

EXAMPLES = r"""
- name: Export one directory to the cluster nodes (kernel NFS server)
  stateful.nfs.export:
    path: /srv/nfs/www-web-0
    clients:
      - host: 10.0.1.0/24
    owner: "101"
    group: "101"
    mode: "0750"
    name: web

- name: One export per replica, one task, one exportfs -ra
  stateful.nfs.export:
    name: web
    clients:
      - host: 10.0.1.0/24
        options: [rw, no_subtree_check]
    mode: "0750"
    exports:
      - path: /srv/nfs/www-web-0
      - path: /srv/nfs/www-web-1
      - path: /srv/nfs/www-web-2

- name: Read-only export for one host, all users squashed
  stateful.nfs.export:
    path: /srv/nfs/shared
    clients:
      - host: reports.example.com
        options: [ro, all_squash, anonuid=65534, anongid=65534]

- name: Same exports served by nfs-ganesha
  stateful.nfs.export:
    backend: ganesha
    name: web
    clients:
      - host: 10.0.1.0/24
    exports:
      - path: /srv/nfs/www-web-0
      - path: /srv/nfs/www-web-1
        pseudo: /web/1

- name: Remove an export, keep its data
  stateful.nfs.export:
    path: /srv/nfs/www-web-2
    name: web
    state: absent

- name: Remove an export and delete its directory
  stateful.nfs.export:
    path: /srv/nfs/www-web-2
    name: web
    state: absent
    purge: true
"""

RETURN = r"""
file:
  description: The exports file this task manages.
  returned: always
  type: str
  sample: /etc/exports.d/web.exports
backend:
  description: The backend used.
  returned: always
  type: str
  sample: kernel
entries:
  description: Rendered entries of the exports with state present, in task order (an exports(5) line, or a ganesha EXPORT block).
  returned: always
  type: list
  elements: str
  sample: ["/srv/nfs/www-web-0 10.0.1.0/24(rw,sync,no_subtree_check,root_squash)"]
exports:
  description: Per-export result, in task order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The exported directory.
      type: str
      sample: /srv/nfs/www-web-0
    state:
      description: The requested state.
      type: str
      sample: present
    changed:
      description: Whether anything changed for this export (entry, directory, purge).
      type: bool
    entry_changed:
      description: Whether its entry in the exports file changed.
      type: bool
    created:
      description: Whether the directory was created (or would be, in check mode).
      type: bool
    purged:
      description: Whether the directory and its data were deleted or archived (or would be, in check mode).
      type: bool
    archived_to:
      description: With O(purge_mode=archive), the name the directory was (or would be) renamed to; null otherwise.
      type: str
      sample: /srv/nfs/www-web-0.archived-20261201T170000Z
    export_id:
      description: The ganesha Export_Id; null for the kernel backend and for removed exports.
      type: int
      sample: 1
reloaded:
  description:
    - V(true) when the change was applied and confirmed. Kernel backend, C(exportfs -ra) succeeded (it applies
      the whole table before it returns). Ganesha backend, after the reload every export added or changed was
      seen served over NFS (see O(verify_server)).
    - V(signalled) (ganesha backend) when ganesha was sent SIGHUP or O(reload_command) succeeded, but no check
      confirmed the result (no O(verify_server), an export this host cannot look up, or only removals).
    - V(false) when nothing was reloaded (nothing changed, O(reload=false), no running ganesha, check mode).
  returned: always
  type: raw
  sample: true
main_config:
  description: The main ganesha configuration that includes our file.
  returned: when backend is ganesha
  type: str
  sample: /etc/ganesha/ganesha.conf
main_config_changed:
  description: Whether the include line of the main ganesha configuration was added or removed.
  returned: when backend is ganesha
  type: bool
rolled_back:
  description: True when applying failed and the previous exports file was restored.
  returned: on failure of exportfs or the reload command
  type: bool
diff:
  description: Before and after text of each changed file and directory, with headers naming them.
  returned: in diff mode
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import apply, model
from ansible_collections.stateful.nfs.plugins.module_utils.exports.validation import ValidationError

CLIENT_SPEC = dict(
    host=dict(type="str", required=True),
    options=dict(type="list", elements="str"),
)

EXPORT_ITEM_SPEC = dict(
    path=dict(type="str", required=True),
    clients=dict(type="list", elements="dict", options=CLIENT_SPEC),
    state=dict(type="str", choices=["present", "absent"]),
    create=dict(type="bool"),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
    purge=dict(type="bool"),
    allow_insecure=dict(type="bool"),
    pseudo=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    path=dict(type="str"),
    exports=dict(type="list", elements="dict", options=EXPORT_ITEM_SPEC),
    clients=dict(type="list", elements="dict", options=CLIENT_SPEC),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    create=dict(type="bool", default=True),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="raw"),
    purge=dict(type="bool", default=False),
    purge_mode=dict(type="str", default="delete", choices=["delete", "archive"]),
    allow_insecure=dict(type="bool", default=False),
    pseudo=dict(type="str"),
    backend=dict(type="str", default="kernel", choices=["kernel", "ganesha"]),
    name=dict(type="str", default="stateful-nfs"),
    exports_dir=dict(type="path"),
    reload=dict(type="bool", default=True),
    ganesha_config=dict(type="path", default="/etc/ganesha/ganesha.conf"),
    ganesha_pid_file=dict(type="path", default="/var/run/ganesha/ganesha.pid"),
    reload_command=dict(type="list", elements="str"),
    ganesha_protocols=dict(type="list", elements="str", default=["3", "4"],
                           choices=["3", "4", "NFS3", "NFS4", "V3", "V4", "NFSv3", "NFSv4", "9P"]),
    ganesha_transports=dict(type="list", elements="str", default=["UDP", "TCP"], choices=["UDP", "TCP", "RDMA"]),
    verify_server=dict(type="str"),
    verify_timeout=dict(type="int", default=30),
    ganesha_log_file=dict(type="path", default="/var/log/ganesha/ganesha.log"),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[["path", "exports"], ["pseudo", "exports"]],
        required_if=[["state", "present", ["path", "exports"], True]],
        supports_check_mode=True,
    )
    exportfs = nfs_ls = None
    if module.params["backend"] == "kernel":
        exportfs = module.get_bin_path("exportfs", opt_dirs=["/usr/sbin", "/sbin"])
    elif module.params["verify_server"]:
        nfs_ls = module.get_bin_path("nfs-ls")
    host = apply.Host(module.run_command, exportfs=exportfs, nfs_ls=nfs_ls, timeout=module.get_bin_path("timeout"))
    try:
        exports = model.exports_from_params(module.params)
        settings = model.settings_from_params(module.params)
        result = apply.run(exports, settings, host, check_mode=module.check_mode, want_diff=module._diff)
    except (SpecError, ValidationError) as exc:
        module.fail_json(msg=str(exc))
    except apply.ExportError as exc:
        failed = dict(exc.result)
        for warning in failed.pop("warnings", []):
            module.warn(warning)
        module.fail_json(msg=str(exc), **failed)
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
