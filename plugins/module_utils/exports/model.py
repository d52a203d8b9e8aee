# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the user asked for, as plain objects: exports, their clients, and run-wide settings.

`exports_from_params` turns the module parameters (single form or list form) into Export objects;
`client_options` merges a client's options over the secure defaults. Both are pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError

# Secure defaults, in the order they are rendered. A user option from the same group replaces one.
DEFAULT_OPTIONS = ("rw", "sync", "no_subtree_check", "root_squash")
OPTION_GROUPS = (
    ("rw", "ro"),
    ("sync", "async"),
    ("subtree_check", "no_subtree_check"),
    ("root_squash", "no_root_squash"),
    ("secure", "insecure"),
    ("wdelay", "no_wdelay"),
    ("hide", "nohide"),
    ("crossmnt", "nocrossmnt"),
    ("secure_locks", "insecure_locks"),
    ("auth_nlm", "no_auth_nlm"),
    ("all_squash", "no_all_squash"),
    ("acl", "no_acl"),
    ("pnfs", "no_pnfs"),
)

# Per-export settings an item of `exports` inherits from the top level when it does not set them.
INHERITED = ("clients", "state", "create", "owner", "group", "mode", "purge", "allow_insecure")

# `exportfs -ra` reads /etc/exports and /etc/exports.d/*.exports, nothing else: the kernel backend's
# files must live in EXPORTFS_DIR or they are never applied.
EXPORTFS_FILE = "/etc/exports"
EXPORTFS_DIR = "/etc/exports.d"
DEFAULT_GANESHA_EXPORTS_DIR = "/etc/ganesha/exports.d"


class Client(object):
    """One client entry: a host pattern and its full, normalized option list."""

    def __init__(self, host, options):
        self.host = host
        self.options = tuple(options)

    def option_value(self, key):
        """The value of a `key=value` option, or None."""
        for option in self.options:
            name, sep, value = option.partition("=")
            if sep and name == key:
                return value
        return None

    def __eq__(self, other):
        return isinstance(other, Client) and (self.host, self.options) == (other.host, other.options)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Client(%r, %r)" % (self.host, self.options)


class Export(object):
    """One export as the user described it. `field` is where it came from, for error messages."""

    def __init__(self, path, clients=None, state="present", create=True, owner=None, group=None,
                 mode=None, purge=False, allow_insecure=False, pseudo=None, field="path"):
        self.path = path
        self.clients = list(clients or [])
        self.state = state
        self.create = create
        self.owner = owner
        self.group = group
        self.mode = mode
        self.purge = purge
        self.allow_insecure = allow_insecure
        self.pseudo = pseudo
        self.field = field

    @property
    def present(self):
        return self.state == "present"

    def where(self, name):
        """Field name for messages: `path` in the single form, `exports[3].path` in the list form."""
        if self.field == "path":
            return name
        return "%s.%s" % (self.field, name)


class Settings(object):
    """Run-wide settings: backend, files, reload behaviour."""

    def __init__(self, backend="kernel", name="stateful-nfs", exports_dir=None, reload=True,
                 ganesha_config="/etc/ganesha/ganesha.conf", ganesha_pid_file="/var/run/ganesha/ganesha.pid",
                 reload_command=None, ganesha_protocols=None, ganesha_transports=None, exportfs_dir=None,
                 verify_server=None, verify_timeout=30, ganesha_log_file="/var/log/ganesha/ganesha.log",
                 purge_mode="delete"):
        self.backend = backend
        self.name = name
        # The directory exportfs reads (a parameter so tests can stand a temporary one in for it).
        self.exportfs_dir = exportfs_dir or EXPORTFS_DIR
        self.exports_dir = exports_dir or (self.exportfs_dir if backend == "kernel" else DEFAULT_GANESHA_EXPORTS_DIR)
        self.reload = reload
        self.ganesha_config = ganesha_config
        self.ganesha_pid_file = ganesha_pid_file
        self.reload_command = list(reload_command) if reload_command else None
        self.ganesha_protocols = list(ganesha_protocols or ["3", "4"])
        self.ganesha_transports = list(ganesha_transports or ["UDP", "TCP"])
        self.verify_server = verify_server
        self.verify_timeout = verify_timeout
        self.ganesha_log_file = ganesha_log_file
        # What purge does with a directory: delete it, or rename it to a dated archive name next to it.
        self.purge_mode = purge_mode

    @property
    def file_suffix(self):
        return ".exports" if self.backend == "kernel" else ".conf"

    @property
    def exports_file(self):
        return "%s/%s%s" % (self.exports_dir.rstrip("/") or "", self.name, self.file_suffix)

    @property
    def lock_file(self):
        """The lock of our exports directory (runs on the same file)."""
        return "%s/.stateful-nfs.lock" % self.exports_dir.rstrip("/")

    @property
    def shared_lock_file(self):
        """The lock of what every run of this backend on the host shares, whatever its exports_dir.

        Ganesha: the main config (its include lines) and the Export_Id space of everything it includes,
        so the lock sits next to the main config and is named after it. Kernel: the exportfs directory,
        the table `exportfs -ra` applies from all of its files.
        """
        if self.backend == "ganesha":
            directory, base = self.ganesha_config.rsplit("/", 1)
            return "%s/.%s.stateful-nfs.lock" % (directory, base)
        return "%s/.stateful-nfs.lock" % self.exportfs_dir.rstrip("/")


def _split_options(options):
    if options is None:
        return []
    if isinstance(options, str):
        options = options.split(",")
    return [str(option).strip() for option in options if str(option).strip()]


def client_options(options, field):
    """The user's options merged over DEFAULT_OPTIONS; contradictions raise SpecError."""
    given = _split_options(options)
    seen = {}
    for option in given:
        for group in OPTION_GROUPS:
            if option in group:
                other = seen.get(group)
                if other is not None and other != option:
                    raise SpecError(field, ",".join(given), "contradicting options %s and %s" % (other, option),
                                    "keep only one of %s" % " / ".join(group))
                seen[group] = option
    merged = []
    for default in DEFAULT_OPTIONS:
        group = [g for g in OPTION_GROUPS if default in g][0]
        merged.append(seen.get(group, default))
    for option in given:
        if option not in merged:
            merged.append(option)
    return merged


def _clients(raw, field):
    if not isinstance(raw, list):
        raise SpecError(field, raw, "clients must be a list of {host, options}",
                        "write clients: [{host: 10.0.0.0/24, options: [rw]}]")
    clients = []
    for index, item in enumerate(raw):
        here = "%s[%d]" % (field, index)
        if isinstance(item, str):
            item = {"host": item}
        if not isinstance(item, dict) or not item.get("host"):
            raise SpecError(here + ".host", item, "every client needs a host",
                            "set host to an address, network (10.0.0.0/24) or host name")
        clients.append(Client(str(item["host"]).strip(), client_options(item.get("options"), here + ".options")))
    return clients


def _export(values, field):
    state = values.get("state") or "present"
    return Export(
        path=values.get("path"),
        clients=_clients(values.get("clients") or [], field + ".clients" if field != "path" else "clients"),
        state=state,
        create=True if values.get("create") is None else values.get("create"),
        owner=values.get("owner"),
        group=values.get("group"),
        mode=values.get("mode"),
        purge=bool(values.get("purge")),
        allow_insecure=bool(values.get("allow_insecure")),
        pseudo=values.get("pseudo"),
        field=field,
    )


class WholeFile(object):
    """Every export of the named file, removed (state=absent without path or exports).

    The paths are read from the file under the run's locks, so an export added since the caller last
    looked is removed too: teardown finds everything the file ever served, not what today's list says.
    """

    def __init__(self, purge=False):
        self.purge = purge

    def expand(self, paths):
        return [Export(path=path, state="absent", purge=self.purge, field="exports[%d]" % index)
                for index, path in enumerate(paths)]


def exports_from_params(params):
    """Export objects from module parameters: `path` (single form) or `exports` (list form); a WholeFile
    when neither is given with state=absent."""
    items = params.get("exports")
    if items is None and params.get("path") is None and params.get("state") == "absent":
        return WholeFile(purge=bool(params.get("purge")))
    if items is None:
        return [_export(params, "path")]
    exports = []
    for index, item in enumerate(items):
        values = dict(item)
        for key in INHERITED:
            if values.get(key) is None:
                values[key] = params.get(key)
        exports.append(_export(values, "exports[%d]" % index))
    return exports


def settings_from_params(params):
    return Settings(
        backend=params.get("backend") or "kernel",
        name=params.get("name") or "stateful-nfs",
        exports_dir=params.get("exports_dir"),
        reload=params.get("reload", True),
        ganesha_config=params.get("ganesha_config") or "/etc/ganesha/ganesha.conf",
        ganesha_pid_file=params.get("ganesha_pid_file") or "/var/run/ganesha/ganesha.pid",
        reload_command=params.get("reload_command"),
        ganesha_protocols=params.get("ganesha_protocols"),
        ganesha_transports=params.get("ganesha_transports"),
        verify_server=params.get("verify_server"),
        verify_timeout=params.get("verify_timeout", 30),
        ganesha_log_file=params.get("ganesha_log_file") or "/var/log/ganesha/ganesha.log",
        purge_mode=params.get("purge_mode") or "delete",
    )
