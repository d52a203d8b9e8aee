# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that run before anything is touched. Each failure is a SpecError naming field, value and fix.

`validate` checks the request (all problems reported at once); `security_review` finds the risky
exports (world-wide clients, rw with no_root_squash, world-writable directories) that need
allow_insecure, and returns the warnings to give when it was granted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import ipaddress
import os
import posixpath
import pwd
import re

from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError, collect, raise_all

# exports(5) keywords exportfs accepts as flags, and the ones that take a value (key=value).
KERNEL_FLAGS = (
    "rw", "ro", "sync", "async", "secure", "insecure", "wdelay", "no_wdelay", "hide", "nohide",
    "crossmnt", "nocrossmnt", "subtree_check", "no_subtree_check", "secure_locks", "insecure_locks",
    "auth_nlm", "no_auth_nlm", "root_squash", "no_root_squash", "all_squash", "no_all_squash",
    "acl", "no_acl", "pnfs", "no_pnfs", "security_label", "nordirplus", "mountpoint", "mp",
)
KERNEL_VALUE_KEYS = ("fsid", "anonuid", "anongid", "sec", "refer", "replicas", "mountpoint", "mp")

# Paths never removed by purge, whatever else is true.
PROTECTED_PATHS = frozenset((
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media",
    "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
    "/var/lib", "/var/tmp", "/usr/local",
))

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
HOST_BAD_CHARS = re.compile(r"[\s()\"',;{}#\\]")
# Value rules of exportfs (nfs-utils exports.c): anonuid/anongid are strtol numbers; fsid is a strtoul
# number (decimal, 0x hex or 0 octal), "root", or a UUID.
ID_RE = re.compile(r"^-?[0-9]+$")
FSID_NUMBER_RE = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)$")


def known_options():
    return sorted(KERNEL_FLAGS + tuple(key + "=" for key in KERNEL_VALUE_KEYS))


def check_option(option, field):
    name, sep, value = option.partition("=")
    if sep:
        ok = name in KERNEL_VALUE_KEYS and value != ""
    else:
        ok = name in KERNEL_FLAGS
    if not ok:
        raise SpecError(field, option, "unknown export option",
                        "use one of: %s" % ", ".join(known_options()))
    if name in ("anonuid", "anongid") and not ID_RE.match(value):
        raise SpecError(field, option, "%s must be a numeric id" % name, "give a number, e.g. %s=65534" % name)
    if name == "fsid" and not (value == "root" or FSID_NUMBER_RE.match(value) or _is_uuid(value)):
        raise SpecError(field, option, "fsid must be a number, root or a UUID",
                        "use e.g. fsid=1 (unique per export), fsid=root or fsid=<32 hex digits of a UUID>")


def _is_uuid(value):
    # exportfs takes any value with exactly 32 hex digits as a UUID; we also allow only '-' and ':' between them.
    digits = re.sub(r"[-:]", "", value)
    return len(digits) == 32 and re.match(r"^[0-9a-fA-F]+$", digits) is not None


def check_path(path, field):
    raise_all(rules.absolute_path(field, path))


def check_mode(mode, field):
    raise_all(rules.octal_mode(field, mode))


def mode_bits(mode):
    return int(mode, 8) if mode is not None else None


def check_account(value, field, lookup):
    if value is None:
        return
    if str(value).isdigit():
        return
    try:
        lookup(str(value))
    except KeyError:
        raise SpecError(field, value, "no such %s on this host" % ("user" if field.endswith("owner") else "group"),
                        "create it first or give a numeric id")


def check_host(host, field):
    if not host or HOST_BAD_CHARS.search(host):
        raise SpecError(field, host, "a client host must be one word without spaces, quotes, parentheses or commas",
                        "use an address, a network like 10.0.0.0/24, a host name or a wildcard like *.example.com")


def _check_clients(export, ganesha):
    field = export.where("clients")
    if not export.clients:
        raise SpecError(field, [], "an export needs at least one client",
                        "list the hosts or networks allowed to mount it, e.g. [{host: 10.0.0.0/24}]")
    hosts = set()
    for index, client in enumerate(export.clients):
        here = "%s[%d]" % (field, index)
        check_host(client.host, here + ".host")
        if client.host in hosts:
            raise SpecError(here + ".host", client.host, "this client is listed twice",
                            "merge its options into one entry")
        hosts.add(client.host)
        for option in client.options:
            check_option(option, here + ".options")
        if ganesha:
            from ansible_collections.stateful.nfs.plugins.module_utils.exports import ganesha as ganesha_format
            ganesha_format.check_options(client.options, here + ".options")


def _check_directory(export):
    path = export.path
    if export.present:
        if os.path.lexists(path) and not os.path.isdir(path):
            raise SpecError(export.where("path"), path, "exists and is not a directory",
                            "export a directory, or move the file away")
        if not export.create and not os.path.isdir(path):
            raise SpecError(export.where("create"), False, "the directory %s does not exist" % path,
                            "set create: true or create the directory first")
        return
    if export.purge:
        check_purge(path, export.where("purge"))


def check_purge(path, field):
    if path in PROTECTED_PATHS or path.count("/") < 2:
        raise SpecError(field, True, "refusing to purge %s, a system or top-level directory" % path,
                        "purge only a per-export data directory, or remove it by hand")
    if os.path.islink(path):
        raise SpecError(field, True, "%s is a symbolic link, not an exported directory" % path,
                        "remove the link by hand; purge only removes real directories")
    if os.path.lexists(path) and not os.path.isdir(path):
        raise SpecError(field, True, "%s is not a directory" % path, "purge only removes exported directories")


def _check_export(export, settings):
    ganesha = settings.backend == "ganesha"
    checks = [lambda: check_path(export.path, export.where("path"))]
    if export.present:
        checks.append(lambda: _check_clients(export, ganesha))
        if export.purge:
            checks.append(lambda: _raise(SpecError(export.where("purge"), True, "purge is only valid with state: absent",
                                                   "remove purge, or set state: absent to delete the export and its data")))
    checks.append(lambda: check_mode(export.mode, export.where("mode")))
    checks.append(lambda: check_account(export.owner, export.where("owner"), pwd.getpwnam))
    checks.append(lambda: check_account(export.group, export.where("group"), grp.getgrnam))
    if export.pseudo is not None:
        if not ganesha:
            checks.append(lambda: _raise(SpecError(export.where("pseudo"), export.pseudo,
                                                   "pseudo is only used by the ganesha backend",
                                                   "remove it or set backend: ganesha")))
        else:
            checks.append(lambda: check_path(export.pseudo, export.where("pseudo")))
    problems = collect(checks)
    if problems is None and isinstance(export.path, str) and export.path.startswith("/"):
        problems = collect([lambda: _check_directory(export)])
    return problems


def _raise(exc):
    raise exc


def _check_settings(settings):
    checks = []
    if not NAME_RE.match(settings.name or ""):
        checks.append(lambda: _raise(SpecError("name", settings.name, "name must be a plain file name",
                                               "use letters, digits, '.', '_' or '-', e.g. name: web")))
    for field, value in (("exports_dir", settings.exports_dir), ("ganesha_config", settings.ganesha_config),
                         ("ganesha_pid_file", settings.ganesha_pid_file)):
        checks.append(lambda f=field, v=value: _check_abs(f, v))
    if settings.backend == "kernel":
        checks.append(lambda: check_kernel_exports_dir(settings.exports_dir, settings.exportfs_dir))
    if settings.verify_server is not None:
        if settings.backend != "ganesha":
            checks.append(lambda: _raise(SpecError("verify_server", settings.verify_server,
                                                   "the kernel backend is confirmed by exportfs itself",
                                                   "remove verify_server or set backend: ganesha")))
        else:
            from ansible_collections.stateful.nfs.plugins.module_utils.exports import served
            checks.append(lambda: served.check_server(settings.verify_server))
    if not isinstance(settings.verify_timeout, int) or settings.verify_timeout < 1:
        checks.append(lambda: _raise(SpecError("verify_timeout", settings.verify_timeout,
                                               "must be a whole number of seconds, at least 1",
                                               "use e.g. verify_timeout: 30")))
    if settings.reload_command and settings.backend != "ganesha":
        checks.append(lambda: _raise(SpecError("reload_command", settings.reload_command,
                                               "the kernel backend always applies with exportfs -ra",
                                               "remove reload_command or set backend: ganesha")))
    return collect(checks)


def check_kernel_exports_dir(exports_dir, exportfs_dir):
    """Refuse a kernel exports_dir that `exportfs -ra` never reads: its entries would never be applied."""
    if not isinstance(exports_dir, str) or not exports_dir.startswith("/"):
        return  # _check_abs reports it
    same = posixpath.normpath(exports_dir) == posixpath.normpath(exportfs_dir) or \
        os.path.realpath(exports_dir) == os.path.realpath(exportfs_dir)
    if not same:
        raise SpecError("exports_dir", exports_dir,
                        "exportfs -ra reads only /etc/exports and %s/*.exports, so exports written here would "
                        "never be applied" % exportfs_dir,
                        "remove exports_dir (the kernel backend uses %s) or set it to %s" % (exportfs_dir, exportfs_dir))


def _check_abs(field, value):
    if not isinstance(value, str) or not value.startswith("/"):
        raise SpecError(field, value, "must be an absolute path", "give a path starting with /")


def validate(exports, settings):
    """Raise one SpecError-like ValueError listing every problem; return None when all is well."""
    problems = []
    settings_problem = _check_settings(settings)
    if settings_problem:
        problems.append(settings_problem)
    seen = {}
    for export in exports:
        problem = _check_export(export, settings)
        if problem:
            problems.append(problem)
        if export.path in seen:
            problems.append(str(SpecError(export.where("path"), export.path,
                                          "the same path is also given in %s" % seen[export.path],
                                          "list each path once")))
        seen.setdefault(export.path, export.where("path"))
    if problems:
        raise ValidationError("; ".join(problems))


class ValidationError(ValueError):
    """All input problems of one run, joined; raised before anything is touched."""


def everyone(host):
    """True when a client pattern matches every host, however it is written.

    A wildcard of only `*`, `?` and dots; or any address with a zero-length prefix: `/0`, `/00`,
    a netmask of zeros (`/0.0.0.0`, `/::`), IPv4 or IPv6, with or without brackets (`[::]/0`).
    The address part does not matter once the prefix is empty: `10.1.2.3/0` lets everyone in too.
    """
    host = host.strip()
    if host.strip("*?.") == "":
        return True
    _address, sep, prefix = host.partition("/")
    if not sep:
        return False
    if re.match(r"^[0-9]+$", prefix):
        return int(prefix) == 0
    try:
        return int(ipaddress.ip_address(prefix)) == 0
    except ValueError:
        return False


def security_review(exports, mode_of_existing=None):
    """Risks per export: [(export, field, value, risk, fix)]. Only exports with state present are reviewed."""
    risks = []
    for export in exports:
        if not export.present:
            continue
        for index, client in enumerate(export.clients):
            here = "%s[%d]" % (export.where("clients"), index)
            if everyone(client.host):
                risks.append((export, here + ".host", client.host,
                              "client %s lets every host on the network mount %s" % (client.host, export.path),
                              "list only the hosts or networks that mount it, e.g. 10.0.1.0/24"))
            if "rw" in client.options and "no_root_squash" in client.options:
                risks.append((export, here + ".options", ",".join(client.options),
                              "rw with no_root_squash gives root on %s root on %s" % (client.host, export.path),
                              "drop no_root_squash (root_squash is the default) or export it ro"))
        mode = export.mode
        if mode is None and mode_of_existing is not None:
            mode = mode_of_existing(export.path)
        if mode is not None and mode_bits(mode) & 0o002:
            risks.append((export, export.where("mode"), mode,
                          "directory %s is world-writable" % export.path,
                          "use a mode without write for others, e.g. \"0770\" or \"0750\""))
    return risks


def enforce_security(exports, mode_of_existing=None):
    """Raise ValidationError for risks without allow_insecure; return warnings for the allowed ones."""
    problems, warnings = [], []
    for export, field, value, risk, fix in security_review(exports, mode_of_existing):
        if export.allow_insecure:
            warnings.append("export %s is insecure: %s (allowed by allow_insecure)" % (export.path, risk))
        else:
            problems.append(str(SpecError(field, value, risk, "%s, or set %s: true to accept the risk"
                                          % (fix, export.where("allow_insecure")))))
    if problems:
        raise ValidationError("; ".join(problems))
    return warnings
