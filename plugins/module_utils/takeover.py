# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only, before anything changes: claims of a planned app that are already bound to PersistentVolumes the
workflow did not create (a setup made by hand, as the tutorials teach).

Running on over such a claim would create the workflow's own PV next to the one the claim is bound to, pre-bound
to that claim, and Available for ever (a bound claim never binds another PV); the StatefulSet and its Service
would be applied over the hand-made ones. So the run stops, naming each claim, its PV and export, with the steps
that move the app under the workflow and keep its data.

  foreign_claims   pure: the plan's app and the namespace's claims and the cluster's PVs -> the foreign bindings
  migration_steps  pure: the commands that take the app over with its data
  problems_of      pure: one message per app with foreign bindings
  check            one LIST of claims per namespace and one LIST of PVs, then problems_of
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
import re

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure

PV = "PersistentVolume"
PVC = "PersistentVolumeClaim"


def foreign_claims(app, claims, pvs):
    """[{claim, ordinal, pv, export, planned_pv, planned_path, storage_class, reclaim_policy}] for each claim of the
    app bound to a PV other than the one the workflow plans for its ordinal. claims: the namespace's claims;
    pvs: {name: PV}."""
    nfs = app["storage"]["nfs"]
    found = []
    for pvc in sorted(claims, key=lambda item: item["metadata"]["name"]):
        name = pvc["metadata"]["name"]
        ordinal = naming.claim_ordinal(app["claim"], app["name"], name)
        volume = (pvc.get("spec") or {}).get("volumeName")
        if ordinal is None or not volume:
            continue
        planned = naming.pv_name(app["namespace"], app["claim"], app["name"], ordinal)
        if volume == planned:
            continue
        pv = pvs.get(volume) or {}
        source = (pv.get("spec") or {}).get("nfs") or {}
        found.append({
            "claim": name, "ordinal": ordinal, "pv": volume,
            "export": naming.nfs_source(source["server"], source["path"]) if source.get("path") else None,
            "path": source.get("path"),
            "planned_pv": planned,
            "planned_path": naming.nfs_path(nfs["path_pattern"], nfs["root"], app["namespace"], app["name"],
                                            app["claim"], ordinal),
            "storage_class": (pv.get("spec") or {}).get("storageClassName") or (pvc.get("spec") or {}).get(
                "storageClassName") or "",
            "reclaim_policy": (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy"),
        })
    return found


def _pattern_for(app, bindings):
    """A path_pattern that names the PVs' own directories ({root}/<prefix>{ordinal}), or None when they differ."""
    root = app["storage"]["nfs"]["root"].rstrip("/")
    prefixes = set()
    for item in bindings:
        path = (item["path"] or "").rstrip("/")
        head, tail = posixpath.split(path)
        match = re.match(r"^(.*?)%d$" % item["ordinal"], tail)
        if head != root or not match:
            return None
        prefixes.add(match.group(1))
    return "{root}/%s{ordinal}" % prefixes.pop() if len(prefixes) == 1 else None


def migration_steps(app, bindings):
    """The commands, in order, that move the app under the workflow with its data (nothing deleted on NFS)."""
    ns, pvs = app["namespace"], [item["pv"] for item in bindings]
    claims = [item["claim"] for item in bindings]
    steps = [
        "kubectl -n %s delete statefulset %s   (its pods stop; the claims and the data stay)" % (ns, app["name"]),
        "%s   (so deleting the claims keeps the data)" % "; ".join(
            "kubectl patch pv %s -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'" % pv for pv in pvs),
        "kubectl -n %s delete pvc %s" % (ns, " ".join(claims)),
        "kubectl delete pv %s   (the NFS directories and their data stay)" % " ".join(pvs),
    ]
    pattern = _pattern_for(app, bindings)
    if pattern is not None and pattern != app["storage"]["nfs"]["path_pattern"]:
        steps.append("set storage.nfs.path_pattern: \"%s\" in the entry, so the workflow's PVs use the same "
                     "directories (%s)" % (pattern, ", ".join(item["path"] for item in bindings)))
    elif pattern is None:
        steps.append("on the NFS host, move each directory to the one the workflow plans: %s" % "; ".join(
            "mv %s %s" % (item["path"], item["planned_path"]) for item in bindings if item["path"]))
    steps.append("remove the hand-made exports of those directories on the NFS host (the workflow exports them "
                 "in its own file %s), and make none of them world-writable (chmod o-w; set storage.nfs.owner, "
                 "group and mode so the app can write), which the workflow refuses" % app["storage"]["nfs"][
                     "export_name"])
    steps.append("set storage.nfs.server and root to the PVs' server and root, service_name to the headless "
                 "Service's name if it is not %s (a Service of that name that is not headless must go first: "
                 "kubectl -n %s delete service NAME)" % (app["service_name"], ns))
    steps.append("run stateful.nfs.site again: it creates %s pre-bound to %s, and the StatefulSet's pods find "
                 "their files" % (", ".join(item["planned_pv"] for item in bindings), ", ".join(claims)))
    return steps


def problems_of(app, bindings):
    """One message for an app with foreign bindings (None without), naming each claim, its PV and the fix."""
    if not bindings:
        return None
    found = "; ".join("claim %s is bound to PersistentVolume/%s (%s, storageClassName %r, reclaim policy %s)"
                      % (item["claim"], item["pv"], item["export"] or "not an NFS volume", item["storage_class"],
                         item["reclaim_policy"]) for item in bindings)
    steps = migration_steps(app, bindings)
    return ("%s/%s: %s, which the workflow did not create. Running on would create %s next to them, pre-bound to "
            "claims that are already bound, so Available for ever, and apply the StatefulSet over the one there. "
            "Nothing was changed. Fix: take the app over with its data: %s"
            % (app["namespace"], app["name"], found, ", ".join(item["planned_pv"] for item in bindings),
               " ".join("%d. %s;" % (index + 1, step) for index, step in enumerate(steps)).rstrip(";") + "."))


def check(client, apps):
    """The module's run: the foreign bindings of every present app; Failure listing every app's problem."""
    present = [app for app in apps if app.get("state", "present") == "present"]
    claims_by_ns = {}
    for ns in sorted(set(app["namespace"] for app in present)):
        claims_by_ns[ns] = client.list(PVC, namespace=ns)
    pvs = None
    report, problems = [], []
    for app in present:
        ours = [(pvc, naming.claim_ordinal(app["claim"], app["name"], pvc["metadata"]["name"]))
                for pvc in claims_by_ns[app["namespace"]]]
        ours = [(pvc, ordinal) for pvc, ordinal in ours if ordinal is not None]
        if pvs is None and any((pvc.get("spec") or {}).get("volumeName") not in (
                None, naming.pv_name(app["namespace"], app["claim"], app["name"], ordinal)) for pvc, ordinal in ours):
            pvs = dict((pv["metadata"]["name"], pv) for pv in client.list(PV))
        ours = [pvc for pvc, _ordinal in ours]
        bindings = foreign_claims(app, ours, pvs or {})
        report.append({"namespace": app["namespace"], "name": app["name"], "foreign": bindings})
        message = problems_of(app, bindings)
        if message:
            problems.append(message)
    result = {"changed": False, "apps": report}
    if problems:
        raise Failure("%d app(s) run over claims bound to PersistentVolumes the workflow did not create:\n%s"
                      % (len(problems), "\n".join(problems)), **result)
    return result
