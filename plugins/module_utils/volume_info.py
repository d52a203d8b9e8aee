# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only: the PersistentVolumes that use given NFS exports, or that belong to one StatefulSet.

  problems        validate the filters (every bad field at once), before any API call
  label_selector  the stateful.nfs labels of the StatefulSet filter, for one server-side filtered LIST
  matches         pure: is a PV's nfs source on the server, at one of the paths (or, overlapping, at, under or
                  above one of them, compared component by component)?
  describe        pure: one PV as a row of the result
  select          pure: filter and order (natural order of names: ...-web-2 before ...-web-10)
  info            one LIST of PersistentVolumes, then select
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import posixpath
import re

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError, collect, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.volumes import phase_of

PV = "PersistentVolume"


# ---------------------------------------------------------------- validation (pure)

def _raise(field, value, problem, fix):
    raise SpecError(field, value, problem, fix)


def _check_paths(paths):
    for index, path in enumerate(paths or []):
        if not isinstance(path, str) or not path.startswith("/"):
            _raise("paths[%d]" % index, path, "is not an absolute path",
                   "give the export path as the PersistentVolume has it in spec.nfs.path, e.g. /srv/nfs/www-web-0")


def _check_statefulset(params):
    if params.get("statefulset") and not params.get("namespace"):
        _raise("namespace", params.get("namespace"), "is required with statefulset (the PVs are labelled with both)",
               "give the StatefulSet's namespace")
    if params.get("claim") and not params.get("statefulset"):
        _raise("statefulset", params.get("statefulset"), "is required with claim",
               "give the StatefulSet whose volumeClaimTemplates entry is %r" % params["claim"])


def _check_overlapping(params):
    if params.get("overlapping") and not params.get("paths"):
        _raise("overlapping", True, "needs paths (the directories whose users are wanted)",
               "give paths, e.g. the export directories to be removed, or drop overlapping")


def problems(params):
    """Every input problem at once, joined into one message (None when the input is fine)."""
    checks = [lambda: _check_paths(params.get("paths")),
              lambda: _check_overlapping(params),
              lambda: _check_statefulset(params)]
    if params.get("nfs_server") is not None:
        checks.append(lambda: raise_all(rules.server_address("nfs_server", params["nfs_server"])))
    for field in ("namespace", "statefulset", "claim"):
        if params.get(field) is not None:
            checks.append(lambda field=field: raise_all(rules.dns1123_label(field, params[field], field)))
    return collect(checks)


# ---------------------------------------------------------------- filtering (pure)

def label_selector(params):
    """The labelSelector for the namespace/statefulset/claim filters (the labels stateful.nfs.volumes sets), or None."""
    labels = {}
    for field, key in (("namespace", naming.NAMESPACE_LABEL), ("statefulset", naming.STATEFULSET_LABEL),
                       ("claim", naming.CLAIM_LABEL)):
        if params.get(field):
            labels[key] = params[field]
    if not labels:
        return None
    labels[naming.MANAGED_BY_LABEL] = naming.MANAGED_BY
    return ",".join("%s=%s" % item for item in sorted(labels.items()))


def path_parts(path):
    """The components of a path: /srv//nfs/ and /srv/nfs/. both give ('srv', 'nfs')."""
    return tuple(part for part in posixpath.normpath(path).split("/") if part) if path else ()


def normalized_path(path):
    """/srv/nfs/, /srv//nfs and /srv/nfs name the same export."""
    return "/" + "/".join(path_parts(path)) if path else ""


def relation(path, other):
    """How `path` lies to `other`, component by component: 'same', 'below', 'above' or None.

    /srv/nfs/www-web-1 is not above /srv/nfs/www-web-10: they share no whole component there.
    """
    mine, theirs = path_parts(path), path_parts(other)
    if mine == theirs:
        return "same"
    if mine[:len(theirs)] == theirs:
        return "below"
    if theirs[:len(mine)] == mine:
        return "above"
    return None


def normalized_server(server):
    """Host names compare case-insensitively, IP addresses by value (::1 == 0:0::1)."""
    server = (server or "").strip()
    try:
        return str(ipaddress.ip_address(server.strip("[]")))
    except ValueError:
        return server.lower().rstrip(".")


def matched_paths(pv, paths, overlapping=False):
    """The `paths` (normalized) that the PV's nfs path equals or, with `overlapping`, is under or above."""
    path = ((pv.get("spec") or {}).get("nfs") or {}).get("path")
    if not path:
        return []
    found = []
    for given in paths or []:
        how = relation(path, given)
        if (how == "same" or (overlapping and how)) and normalized_path(given) not in found:
            found.append(normalized_path(given))
    return found


def matches(pv, server=None, paths=None, overlapping=False):
    """Whether the PV's nfs source is on `server` (when given) and at one of `paths` (when given).

    With `overlapping`, a path under or above one of `paths` matches too: deleting a directory deletes what a
    PV of a subdirectory serves, and a PV of a parent directory serves the directory itself.
    """
    if server is None and not paths:
        return True
    nfs = (pv.get("spec") or {}).get("nfs")
    if not nfs:
        return False
    if server is not None and normalized_server(nfs.get("server")) != normalized_server(server):
        return False
    if paths and not matched_paths(pv, paths, overlapping):
        return False
    return True


def describe(pv):
    """One PV as a row of the `volumes` result."""
    meta = pv.get("metadata") or {}
    spec = pv.get("spec") or {}
    nfs = spec.get("nfs") or {}
    claim_ref = spec.get("claimRef") or {}
    server, path = nfs.get("server"), nfs.get("path")
    return {
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "phase": phase_of(pv),
        "claim_namespace": claim_ref.get("namespace"),
        "claim_name": claim_ref.get("name"),
        "server": server,
        "path": path,
        "export": naming.nfs_source(server, path) if server and path else None,
        "reclaim_policy": spec.get("persistentVolumeReclaimPolicy"),
        "capacity": (spec.get("capacity") or {}).get("storage"),
        "labels": meta.get("labels") or {},
    }


def natural_key(name):
    """demo-www-web-2 before demo-www-web-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name or "")]


def select(pvs, server=None, paths=None, overlapping=False):
    """The rows of the PVs that match, in natural order of their names, each with the `paths` it matched."""
    rows = [dict(describe(pv), matched_paths=matched_paths(pv, paths, overlapping))
            for pv in pvs if matches(pv, server, paths, overlapping)]
    return sorted(rows, key=lambda item: natural_key(item["name"]))


# ---------------------------------------------------------------- run

def info(client, params):
    """The module result: one LIST of PersistentVolumes (filtered by label on the server when asked), then select."""
    pvs = client.list(PV, label_selector=label_selector(params))
    rows = select(pvs, params.get("nfs_server"), params.get("paths"), bool(params.get("overlapping")))
    return {"changed": False, "volumes": rows}
