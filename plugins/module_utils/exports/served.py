# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is an export served? The check after a ganesha reload, over NFS with libnfs's nfs-ls.

A SIGHUP (or a reload command) only asks ganesha to re-read its configuration; ganesha reports a
rejected EXPORT block in its log alone. So after the reload each export we added or changed is looked
up over NFS from this host with every protocol it has: NFSv3 MOUNT by its path and NFSv4 by its pseudo
path. Both, because a pseudo path alone can be answered by another export that has it (ganesha refuses
the second export with a duplicate pseudo path, and the first still answers).

A directory the probe's (squashed) root may not read is served all the same (see _SERVED_BUT_SHUT).
Ganesha hides an export from a client it does not let in (MNT3ERR_ACCES / NFS4ERR_NOENT, the same
answers as for a missing export), so only exports one of whose clients lets the verifying address in
can be confirmed; the others are reported as not confirmed.

`probes` and `logged_lines` are pure; `wait_served` takes the command runner, the clock and sleep.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from urllib.parse import quote

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import validation

V4 = ("4", "NFS4", "V4", "NFSv4")
V3 = ("3", "NFS3", "V3", "NFSv3")
# Ganesha log lines worth quoting: its configuration parser and anything critical or major.
_LOGGED = re.compile(r":\s*(CONFIG|EXPORT)\s*:|:\s*(FATAL|CRIT|MAJ)\s*:")
POLL_SECONDS = 0.5
# The probe runs as root, whom the export may squash to an id the directory shuts out (root_squash and a
# 0770 directory of the app's uid). A READDIR refused for that reason still proves the export is served: it
# was mounted (v3) or found (v4; ganesha answers NFS4ERR_NOENT for an export it hides) and looked up.
_SERVED_BUT_SHUT = re.compile(r"READDIR(PLUS)? of .* failed with NFS3ERR_ACCES|failed with NFS4ERR_ACCESS")


def check_server(value, field="verify_server"):
    """The verifying address must be an IP address (the probe comes from it, see lets_in)."""
    try:
        ipaddress.ip_address(value.strip("[]"))
    except (ValueError, AttributeError):
        raise SpecError(field, value, "not an IP address",
                        "give the address ganesha listens on that this host reaches, e.g. the NFS server address "
                        "the nodes mount")


def lets_in(client_host, address):
    """Whether a client pattern lets `address` in. Only what can be decided without name lookups
    (addresses, networks, patterns for every host) counts; host names and netgroups do not."""
    if validation.everyone(client_host):
        return True
    try:
        network = ipaddress.ip_network(client_host.strip("[]").replace("]/", "/"), strict=False)
        return ipaddress.ip_address(address.strip("[]")) in network
    except ValueError:
        return False


def _url(server, path, version):
    host = server.strip("[]")
    if ":" in host:
        host = "[%s]" % host
    url = "nfs://%s%s" % (host, quote(path))
    return url + "?version=4" if version == 4 else url


def probes(exports, settings, server):
    """([(path, url)] to check, [(path, why it cannot be checked)]) for the exports to confirm."""
    protocols = set(str(protocol) for protocol in settings.ganesha_protocols)
    to_check, unchecked = [], []
    for export in exports:
        if not any(lets_in(client.host, server) for client in export.clients):
            unchecked.append((export.path, "none of its clients lets %s (the verifying address) in" % server))
            continue
        urls = []
        if protocols & set(V3):
            urls.append(_url(server, export.path, 3))
        if protocols & set(V4):
            urls.append(_url(server, export.pseudo or export.path, 4))
        if not urls:
            unchecked.append((export.path, "it is served neither over NFSv3 nor NFSv4"))
        to_check.extend((export.path, url) for url in urls)
    return to_check, unchecked


def wait_served(checks, run_command, command_prefix, clock, sleep, timeout):
    """{path: its URLs' last errors} of the exports still not served after `timeout` seconds; {} when all are."""
    pending = list(checks)
    errors = {}
    deadline = clock() + timeout
    while pending:
        still = []
        for path, url in pending:
            rc, out, err = run_command(list(command_prefix) + [url])
            if rc != 0 and not _SERVED_BUT_SHUT.search((err or "") + (out or "")):
                errors[(path, url)] = ((err or "") + (out or "")).strip() or "rc=%s" % rc
                still.append((path, url))
        pending = still
        if not pending or clock() >= deadline:
            break
        sleep(POLL_SECONDS)
    missing = {}
    for path, url in pending:
        missing.setdefault(path, []).append("%s: %s" % (url, errors[(path, url)]))
    return dict((path, "; ".join(found)) for path, found in missing.items())


def logged_lines(text, limit=20):
    """The configuration and critical lines of a ganesha log excerpt, the last `limit` of them."""
    lines = [line.strip() for line in (text or "").splitlines() if _LOGGED.search(line)]
    return lines[-limit:]
