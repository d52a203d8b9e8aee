# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The naming contract of an app: pods, claims, PVs, ordinals, NFS paths, labels and selectors. Pure.

Every module, the plan of the roles (app_model) and the proof take names and paths from here, so a name
is computed in one place. For StatefulSet `web` in namespace `demo` with claim template `www`, ordinal 0:
  pod          web-0
  claim (PVC)  www-web-0              (what the StatefulSet controller names it)
  PV           demo-www-web-0         (PVs are cluster-scoped, so the namespace is part of the name)
  NFS path     /srv/nfs/www-web-0     (default pattern {root}/{claim}-{statefulset}-{ordinal})
  exports file demo-web               (one per app on the NFS host)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import string

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "stateful.nfs"
NAMESPACE_LABEL = "stateful.nfs/namespace"
STATEFULSET_LABEL = "stateful.nfs/statefulset"
CLAIM_LABEL = "stateful.nfs/claim"
ORDINAL_LABEL = "stateful.nfs/ordinal"
# The one label that selects an app's pods (the Service and the StatefulSet must agree on it).
APP_NAME_LABEL = "app.kubernetes.io/name"

# Labels the collection owns; user labels may not use these keys.
RESERVED_LABELS = (MANAGED_BY_LABEL, NAMESPACE_LABEL, STATEFULSET_LABEL, CLAIM_LABEL, ORDINAL_LABEL)
RESERVED_PREFIX = "stateful.nfs"

DEFAULT_PATH_PATTERN = "{root}/{claim}-{statefulset}-{ordinal}"
PATH_PLACEHOLDERS = ("root", "namespace", "statefulset", "claim", "ordinal")


def pod_name(statefulset, ordinal):
    return "%s-%d" % (statefulset, ordinal)


def claim_name(claim, statefulset, ordinal):
    """The PVC a StatefulSet pod uses: <claim template>-<statefulset>-<ordinal>."""
    return "%s-%s-%d" % (claim, statefulset, ordinal)


def claim_ordinal(claim, statefulset, name):
    """n of a claim named <claim>-<statefulset>-<n> (n without leading zeros, as the controller writes it), else None.

    Any n: claims beyond the replicas are met after a scale-down, and the controller's claims carry none of
    our labels, so they are found by name.
    """
    prefix = "%s-%s-" % (claim, statefulset)
    rest = name[len(prefix):] if name.startswith(prefix) else ""
    return int(rest) if rest.isdigit() and rest.isascii() and (rest == "0" or rest[0] != "0") else None


def pv_name(namespace, claim, statefulset, ordinal):
    """The PersistentVolume of one ordinal: <namespace>-<claim>-<statefulset>-<ordinal>."""
    return "%s-%s" % (namespace, claim_name(claim, statefulset, ordinal))


def ordinals(replicas, start=0):
    """The ordinals of the replicas, honouring spec.ordinals.start."""
    start = start or 0
    return list(range(start, start + replicas))


def export_name(namespace, statefulset):
    """The default name of an app's exports file on the NFS host."""
    return "%s-%s" % (namespace, statefulset)


def pattern_fields(pattern):
    """The placeholder names a str.format pattern uses; ValueError when it does not parse."""
    return [parsed[1] for parsed in string.Formatter().parse(pattern) if parsed[1] is not None]


def nfs_path(pattern, root, namespace, statefulset, claim, ordinal):
    """The directory of one ordinal. Format specs work ({ordinal:02d} gives 00, 01, ...); root loses its trailing /."""
    return pattern.format(root=(root or "").rstrip("/"), namespace=namespace, statefulset=statefulset,
                          claim=claim, ordinal=ordinal)


def nfs_source(server, path):
    """'server:path' as mount names an NFS source; an IPv6 address is bracketed ([fd00::1]:/srv/x)."""
    host = server.strip("[]") if server else server
    if host and ":" in host:
        host = "[%s]" % host
    return "%s:%s" % (host, path)


def split_nfs_source(source):
    """(server, path) of 'server:path', for IPv4, host names and IPv6 with or without brackets.

    The path starts with '/', and neither an address nor a host name holds ':/', so the first ':/' splits.
    """
    server, sep, rest = (source or "").partition(":/")
    if not sep:
        raise ValueError("%r is not server:/path" % (source,))
    return server.strip("[]"), "/" + rest


def set_labels(namespace, statefulset, claim):
    """The labels every PV (and pre-created claim) of one StatefulSet's claim template carries."""
    return {
        MANAGED_BY_LABEL: MANAGED_BY,
        NAMESPACE_LABEL: namespace,
        STATEFULSET_LABEL: statefulset,
        CLAIM_LABEL: claim,
    }


def ordinal_labels(namespace, statefulset, claim, ordinal):
    """Labels that single out one ordinal's PV (what a pre-created claim selects on)."""
    labels = set_labels(namespace, statefulset, claim)
    labels[ORDINAL_LABEL] = str(ordinal)
    return labels


def selector_string(labels):
    """A label mapping as a labelSelector string (key=value,...), sorted for stable requests."""
    return ",".join("%s=%s" % item for item in sorted(labels.items()))


def app_selector(statefulset):
    """The pod selector of an app, shared by its headless Service and its StatefulSet."""
    return {APP_NAME_LABEL: statefulset}


def is_reserved_label(key):
    return key in RESERVED_LABELS or key.rpartition("/")[0] == RESERVED_PREFIX
