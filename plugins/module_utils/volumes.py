# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""All PersistentVolumes (and optionally pre-created claims) of one StatefulSet, as one reconcile.

The pieces, in the order a run uses them:
  spec_from_params  validate the module options (SpecError before any API call)
  read_live         one LIST of PVs by label (plus one LIST of claims in the namespace when claims
                    are pre-created or a PV is Released or Failed); a GET only for a PV name the LIST did not return
  plan              pure: desired vs live per ordinal, conflicts on immutable fields, extra PVs, Released PVs
                    whose claim is gone (stale_claim_uid)
  apply_plan        reconcile.reconcile per object that differs (server-side apply, dryRun in check mode)
  rebind            clear the stale claimRef uid of such a PV (JSON patch guarded by a test of that uid), so the
                    claim of the same name binds it again with its data
  wait_ready        poll (one LIST per round) until each PV is Available or Bound; fail at once on a state no
                    waiting ends (blocked: Failed, Released for a claim that is gone, bound to another claim)
  plan_absent / absent   delete unbound PVs; Bound ones only with force; never a claim a pod uses;
                    with delete_claims also every claim <claim>-<statefulset>-<ordinal>, refused as a whole
                    (before any delete) while a pod mounts one of them

The module never touches the NFS data: deleting a PV (or a claim) leaves the directory as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
import re
import time

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile
from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.concurrency import WRITERS
from ansible_collections.stateful.nfs.plugins.module_utils.manifests import volumes as manifests
from ansible_collections.stateful.nfs.plugins.module_utils.quantity import parse_quantity
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.waiter import poll_until

PV = "PersistentVolume"
PVC = "PersistentVolumeClaim"
READY_PHASES = ("Available", "Bound")


# ---------------------------------------------------------------------------------------------
# Validation (pure; before any API call). The rules are validate.py's.
# ---------------------------------------------------------------------------------------------

def check_path(spec):
    """The path pattern, the root it needs, and the path it gives for the first ordinal."""
    field = "path_pattern"
    pattern = spec["path_pattern"]
    problems = rules.path_pattern(field, pattern)
    if problems:
        return problems
    if "root" in naming.pattern_fields(pattern):
        root = spec.get("nfs_root")
        if not root:
            return [SpecError("nfs_root", root, "is required because %s uses {root}" % field,
                              "set it to the exported base directory, e.g. /srv/nfs")]
        if not root.startswith("/"):
            return [SpecError("nfs_root", root, "is not an absolute path", "start it with '/', e.g. /srv/nfs")]
    ordinal = max(spec["ordinals_start"] or 0, 0)
    path = manifests.nfs_path(spec, ordinal)
    if not path.startswith("/"):
        return [SpecError(field, pattern, "gives %r for ordinal %d, which is not an absolute path"
                          % (path, ordinal), "make the result start with '/', e.g. with {root}")]
    if posixpath.normpath(path) != path or any(ord(ch) < 32 for ch in path):
        return [SpecError(field, pattern, "gives %r for ordinal %d, which is not a clean path "
                          "(no '.', '..', '//', trailing '/' or control characters)" % (path, ordinal),
                          "write the path in its normal form, e.g. %r" % posixpath.normpath(path))]
    return []


def _check_sizes(spec):
    problems = rules.quantity("size", spec["size"])
    if spec["claim_size"] != spec["size"]:
        problems += rules.quantity("claim_size", spec["claim_size"])
    if not problems and parse_quantity(spec["claim_size"]) > parse_quantity(spec["size"]):
        problems.append(SpecError("claim_size", spec["claim_size"],
                                  "is larger than the PV capacity size=%s, so no claim would ever bind" % spec["size"],
                                  "make size at least %s, or request less in the volumeClaimTemplate" % spec["claim_size"]))
    return problems


def _check_storage_class(spec):
    value = spec["storage_class"]
    if value and rules.dns1123_subdomain("storage_class", value, "StorageClass"):
        return [SpecError("storage_class", value, "is not a valid StorageClass name",
                          "use \"\" (no class, the usual for static NFS volumes) or the exact storageClassName of "
                          "the volumeClaimTemplate")]
    return []


def _check_mount_options(spec):
    bad = [option for option in spec["mount_options"] if not option or re.search(r"\s", option)]
    if bad:
        return [SpecError("mount_options", spec["mount_options"], "has empty options or options with spaces: %r" % bad,
                          "give one option per item, e.g. [nfsvers=4.1, hard]")]
    return []


def _check_names(spec):
    problems = []
    problems += rules.dns1123_label("statefulset", spec["statefulset"], "StatefulSet")
    problems += rules.dns1123_label("namespace", spec["namespace"], "namespace")
    problems += rules.dns1123_label("claim", spec["claim"], "volumeClaimTemplates")
    return problems


def _check_counts(spec):
    problems = []
    if spec["replicas"] is None or spec["replicas"] < 1:
        problems.append(SpecError("replicas", spec["replicas"], "must be at least 1 with state=present",
                                  "set replicas to the StatefulSet's replicas (PVs of higher ordinals are kept "
                                  "when scaling down; remove them with state=absent)"))
    if spec["ordinals_start"] < 0:
        problems.append(SpecError("ordinals_start", spec["ordinals_start"], "must not be negative",
                                  "use the StatefulSet's spec.ordinals.start (0 unless you set it)"))
    if spec["wait_timeout"] <= 0:
        problems.append(SpecError("wait_timeout", spec["wait_timeout"], "must be larger than zero",
                                  "give the seconds to wait, e.g. 120"))
    return problems


def _check_object_names(spec):
    last = max(spec["ordinals_start"] or 0, 0) + max(spec["replicas"] or 1, 1) - 1
    name = manifests.pv_name(spec, last)
    if rules.dns1123_subdomain("namespace", name, "PersistentVolume"):
        return [SpecError("namespace", spec["namespace"], "makes the PV name %r longer than 253 characters" % name,
                          "use shorter namespace, claim or statefulset names")]
    return []


def _check_delete_claims(spec):
    if spec.get("delete_claims") and spec["state"] != "absent":
        return [SpecError("delete_claims", True, "only applies with state=absent (claims are deleted together with "
                                                 "their PVs)",
                          "set state: absent to remove the PVs and the claims, or drop delete_claims")]
    return []


def problems(spec):
    """Every reason the spec cannot work (a list of SpecError; empty when it can)."""
    found = _check_names(spec) + _check_delete_claims(spec)
    if spec["state"] == "present":
        if not found:  # the next two fill in names and paths from the names above
            found += _check_object_names(spec) + check_path(spec)
        found += _check_counts(spec)
        found += rules.server_address("nfs_server", spec["nfs_server"])
        found += _check_sizes(spec)
        found += rules.access_modes("access_modes", spec["access_modes"])
        found += _check_storage_class(spec)
        found += _check_mount_options(spec)
        found += rules.labels("labels", spec.get("labels"), reserved=True)
    return found


def validate(spec):
    """Raise SpecError (or SpecErrors listing every problem) when the spec cannot work."""
    raise_all(problems(spec))


SPEC_FIELDS = ("statefulset", "namespace", "claim", "replicas", "ordinals_start", "nfs_server", "nfs_root",
               "path_pattern", "size", "claim_size", "access_modes", "reclaim_policy", "storage_class",
               "mount_options", "labels", "precreate_claims", "delete_claims", "rebind_released", "state", "force",
               "wait", "wait_timeout")


def spec_from_params(params):
    """The validated spec (a plain dict) from the module options; raises SpecError."""
    spec = spec_of(params)
    validate(spec)
    return spec


def spec_of(params):
    """The spec from the module options with the module's defaults filled in, not yet validated."""
    spec = dict((key, params.get(key)) for key in SPEC_FIELDS)
    spec["ordinals_start"] = spec["ordinals_start"] or 0
    spec["path_pattern"] = spec["path_pattern"] or manifests.DEFAULT_PATH_PATTERN
    spec["claim_size"] = spec["claim_size"] or spec["size"]
    spec["access_modes"] = ["ReadWriteOnce"] if spec["access_modes"] is None else list(spec["access_modes"])
    spec["reclaim_policy"] = spec["reclaim_policy"] or "Retain"
    spec["storage_class"] = spec["storage_class"] or ""
    spec["mount_options"] = list(spec["mount_options"] or [])
    spec["labels"] = dict((str(k), str(v)) for k, v in (spec["labels"] or {}).items())
    spec["precreate_claims"] = bool(spec["precreate_claims"])
    spec["delete_claims"] = bool(spec["delete_claims"])
    spec["rebind_released"] = spec["rebind_released"] is not False
    spec["state"] = spec["state"] or "present"
    spec["force"] = bool(spec["force"])
    spec["wait"] = bool(spec["wait"])
    spec["wait_timeout"] = 120 if spec["wait_timeout"] is None else spec["wait_timeout"]
    return spec


# ---------------------------------------------------------------------------------------------
# Reading and planning
# ---------------------------------------------------------------------------------------------

def phase_of(obj):
    if obj is None:
        return None
    if obj.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    return (obj.get("status") or {}).get("phase") or "Pending"


def _by_name(items):
    return dict((item["metadata"]["name"], item) for item in items)


def _needs_claims(spec, pvs):
    """Whether the claims must be read: pre-created ones, or a PV of ours that may be held by a claim that is gone."""
    if spec["precreate_claims"]:
        return True
    return any(phase_of(pvs.get(manifests.pv_name(spec, ordinal))) in ("Released", "Failed")
               for ordinal in manifests.ordinals(spec))


# Up to this many desired PVs the labelled LIST missed are read by name, at once; more are looked for in one LIST
# of every PV. A new StatefulSet's 200 PVs then cost one request instead of 200 GETs, and adding a replica does
# not read every PV of a large cluster.
MISSING_READ_BY_NAME = WRITERS


def read_live(client, spec):
    """(PVs by name, PVCs by name): one LIST per kind, plus a read of the desired PVs the LIST missed (see
    MISSING_READ_BY_NAME).

    That read finds a PV of the same name created by hand (without our labels), so it is checked for
    conflicts instead of being overwritten; a no-op run makes none. Claims are read only when pre-created or when
    a PV is Released or Failed, and always after the PVs: a claim uid missing then is gone for good, so a stale
    claimRef seen here is really stale.
    """
    pvs = _by_name(client.list(PV, label_selector=manifests.label_selector(spec)))
    missing = [name for name in (manifests.pv_name(spec, ordinal) for ordinal in manifests.ordinals(spec))
               if name not in pvs]
    if len(missing) > MISSING_READ_BY_NAME:
        every = _by_name(client.list(PV))
        found = [every.get(name) for name in missing]
    else:
        found = reconcile.each(lambda name: client.get(PV, name), missing)
    pvs.update((name, pv) for name, pv in zip(missing, found) if pv is not None)
    pvcs = None
    if _needs_claims(spec, pvs):
        pvcs = _by_name(client.list(PVC, namespace=spec["namespace"]))
    return pvs, pvcs


class Step(object):
    """One ordinal: its desired PV (and claim) and what the cluster has."""

    def __init__(self, ordinal, pv, live_pv, pvc=None, live_pvc=None, released=None):
        self.ordinal = ordinal
        self.pv = pv
        self.live_pv = live_pv
        self.pvc = pvc
        self.live_pvc = live_pvc
        # {"claim_uid": the stale uid, "action": "rebind" or "keep"} for a PV held by a claim that is gone
        self.released = released

    @property
    def pv_action(self):
        if self.live_pv is None:
            return "create"
        return "update" if reconcile.needs_apply(self.pv, self.live_pv) else "none"

    @property
    def pvc_action(self):
        if self.pvc is None:
            return None
        if self.live_pvc is None:
            return "create"
        return "update" if reconcile.needs_apply(self.pvc, self.live_pvc) else "none"


def _ref(obj):
    return "%s/%s" % (obj.get("namespace"), obj.get("name"))


def pv_conflicts(spec, desired, live, claim):
    """SpecErrors for changes the cluster would refuse or that would move data to another claim."""
    if live is None:
        return []
    name = desired["metadata"]["name"]
    where = object_ref(PV, name)
    claim_namespace = spec["namespace"]
    problems = []
    fix_source = ("keep nfs_server, nfs_root and path_pattern as the PV has them; or, to move the volume, remove it "
                  "with state=absent (the NFS data is kept) and run again")
    old_nfs = live.get("spec", {}).get("nfs") or {}
    for key, option in (("server", "nfs_server"), ("path", "path_pattern")):
        if old_nfs.get(key) != desired["spec"]["nfs"][key]:
            problems.append(SpecError(
                option, desired["spec"]["nfs"][key],
                "%s has spec.nfs.%s %r -> %r, but the volume source of a PersistentVolume cannot be changed"
                % (where, key, old_nfs.get(key), desired["spec"]["nfs"][key]), fix_source))
    claim_ref = live.get("spec", {}).get("claimRef")
    if claim_ref and (claim_ref.get("namespace") != claim_namespace or claim_ref.get("name") != claim):
        problems.append(SpecError(
            "statefulset", spec["statefulset"],
            "%s spec.claimRef %s -> %s/%s: the PV belongs to another claim and would hand its data to this one"
            % (where, _ref(claim_ref), claim_namespace, claim),
            "pick other namespace/claim/statefulset names, or free the PV first (delete claim %s, then remove the PV "
            "with state=absent)" % _ref(claim_ref)))
    live_mode = live.get("spec", {}).get("volumeMode")
    if live_mode and live_mode != "Filesystem":
        problems.append(SpecError(
            "statefulset", spec["statefulset"],
            "%s spec.volumeMode %r -> 'Filesystem' cannot be changed" % (where, live_mode),
            "remove the PV with state=absent and run again"))
    return problems


def pvc_conflicts(desired, live, pv):
    """SpecErrors for a pre-existing claim whose (immutable) spec differs from the pre-created one."""
    if live is None:
        return []
    where = object_ref(PVC, desired["metadata"]["name"], desired["metadata"]["namespace"])
    live_spec = live.get("spec") or {}
    problems = []
    for key in sorted(desired["spec"]):
        if not reconcile.is_subset(desired["spec"][key], live_spec.get(key)):
            problems.append(SpecError(
                "precreate_claims", True,
                "%s spec.%s %r -> %r: a claim's spec cannot be changed once it exists"
                % (where, key, live_spec.get(key), desired["spec"][key]),
                "make the options match the existing claim, or delete the claim (its data stays on the NFS "
                "server with reclaim policy Retain) and run again"))
    volume = live_spec.get("volumeName")
    if volume and volume != pv:
        problems.append(SpecError(
            "precreate_claims", True,
            "%s is bound to PersistentVolume/%s, not %s" % (where, volume, pv),
            "delete the claim (its data stays on the NFS server) and run again, or set precreate_claims=false"))
    return problems


def stale_claim_uid(pv, pvcs):
    """The claimRef uid of `pv` when the claim with that uid is gone (deleted, or deleted and re-created); else None.

    Released means the PV controller found that claim gone; uids are never reused, so that holds for good unless
    `pvcs` (the claims by name; None when not read) shows that very claim. A Bound PV counts only when `pvcs`
    has a claim of that name with another uid: a missing one may just be newer than the list.
    """
    claim_ref = ((pv or {}).get("spec") or {}).get("claimRef") or {}
    uid = claim_ref.get("uid")
    if not uid:
        return None
    claim = (pvcs or {}).get(claim_ref.get("name"))
    claim_uid = claim["metadata"].get("uid") if claim else None
    if phase_of(pv) == "Released" and claim_uid != uid:
        return uid
    if phase_of(pv) == "Bound" and claim_uid not in (None, uid):
        return uid
    return None


def released_state(spec, live_pv, pvcs):
    """What to do with a PV of ours held by a claim that is gone: rebind it, or keep it Released; None otherwise.

    Only with reclaim policy Retain: Recycle scrubs the directory first and Delete means the data was to go.
    """
    uid = stale_claim_uid(live_pv, pvcs)
    if uid is None:
        return None
    rebind = spec["rebind_released"] and spec["reclaim_policy"] == "Retain"
    return {"claim_uid": uid, "action": "rebind" if rebind else "keep"}


def plan(spec, pvs, pvcs):
    """(steps, extra): one Step per ordinal and the managed PVs outside the ordinal range.

    `pvcs` is None when the claims were not read. Raises SpecError(s) for every conflict before anything is written.
    """
    steps, problems = [], []
    for ordinal in manifests.ordinals(spec):
        pv = manifests.persistent_volume(spec, ordinal)
        live_pv = pvs.get(pv["metadata"]["name"])
        pvc = live_pvc = None
        claim = manifests.claim_name(spec, ordinal)
        conflicts = pv_conflicts(spec, pv, live_pv, claim)
        problems += conflicts
        if spec["precreate_claims"]:
            pvc = manifests.persistent_volume_claim(spec, ordinal)
            live_pvc = (pvcs or {}).get(claim)
            problems += pvc_conflicts(pvc, live_pvc, pv["metadata"]["name"])
        released = None if conflicts else released_state(spec, live_pv, pvcs)
        steps.append(Step(ordinal, pv, live_pv, pvc, live_pvc, released))
    raise_all(problems)
    wanted = set(step.pv["metadata"]["name"] for step in steps)
    extra = [pvs[name] for name in sorted(pvs, key=lambda n: _ordinal_of(pvs[n])) if name not in wanted]
    return steps, extra


def _claim_ordinal(spec, pvc):
    """A claim's ordinal: its label when we created it, else the number its name <claim>-<statefulset>-<n> ends in."""
    ordinal = _ordinal_of(pvc)
    if ordinal < 0:
        by_name = naming.claim_ordinal(spec["claim"], spec["statefulset"], pvc["metadata"]["name"])
        ordinal = -1 if by_name is None else by_name
    return ordinal


def _ordinal_of(pv):
    try:
        return int(pv["metadata"].get("labels", {}).get(naming.ORDINAL_LABEL))
    except (TypeError, ValueError):
        return -1


# ---------------------------------------------------------------------------------------------
# Writing and waiting
# ---------------------------------------------------------------------------------------------

def row(spec, ordinal, pv_obj, pv_outcome=None, pvc_obj=None, pvc_outcome=None, released=None):
    """One line of the returned `volumes` table."""
    nfs = (pv_obj or {}).get("spec", {}).get("nfs") or {}
    claim_ref = (pv_obj or {}).get("spec", {}).get("claimRef") or {}
    server = nfs.get("server")
    path = nfs.get("path")
    changed = bool(pv_outcome and pv_outcome.changed) or bool(pvc_outcome and pvc_outcome.changed)
    return {
        "ordinal": ordinal,
        "pv": pv_obj["metadata"]["name"] if pv_obj else None,
        "claim": claim_ref.get("name") or (manifests.claim_name(spec, ordinal) if ordinal is not None else None),
        "server": server,
        "path": path,
        "export": naming.nfs_source(server, path) if server and path else None,
        "phase": phase_of(pv_obj),
        "changed": changed,
        "action": pv_outcome.action if pv_outcome else "none",
        "claim_action": pvc_outcome.action if pvc_outcome else None,
        "claim_phase": phase_of(pvc_obj) if pvc_obj is not None else None,
        "released": dict(released) if released else None,
    }


def apply_plan(client, steps, check_mode=False):
    """reconcile.reconcile every PV, then every pre-created claim (a claim is pre-bound to its PV), each group
    concurrently; returns [(step, pv_outcome, pvc_outcome)]."""
    pv_outcomes = reconcile.reconcile_all(client, [(step.pv, step.live_pv) for step in steps], check_mode)
    claimed = [step for step in steps if step.pvc is not None]
    pvc_outcomes = dict(zip([id(step) for step in claimed], reconcile.reconcile_all(
        client, [(step.pvc, step.live_pvc) for step in claimed], check_mode)))
    return [(step, pv_outcome, pvc_outcomes.get(id(step))) for step, pv_outcome in zip(steps, pv_outcomes)]


def rebind_patch(pv, uid):
    """The JSON patch that frees `pv` for the claim its claimRef names: the stale uid (and resourceVersion) go.

    The test op makes it a no-op error when the PV changed since it was read (bound to a newer claim meanwhile).
    """
    claim_ref = pv["spec"]["claimRef"]
    ops = [{"op": "test", "path": "/spec/claimRef/uid", "value": uid},
           {"op": "remove", "path": "/spec/claimRef/uid"}]
    if "resourceVersion" in claim_ref:
        ops.append({"op": "remove", "path": "/spec/claimRef/resourceVersion"})
    return ops


def rebind(client, done, check_mode=False):
    """Clear the stale claimRef uid of each PV planned for `rebind`; the NFS source and the data stay as they are."""
    for entry in done:
        step, outcome = entry[0], entry[1]
        if not step.released or step.released["action"] != "rebind":
            continue
        current = outcome.after or step.live_pv
        name = step.pv["metadata"]["name"]
        try:
            patched = client.patch(PV, name, None, rebind_patch(current, step.released["claim_uid"]),
                                   patch_type="json", dry_run=check_mode)
        except K8sError as exc:
            if exc.status not in (409, 422):
                raise
            raise Failure("%s changed while it was being freed for its claim (spec.claimRef.uid is no longer %s), so "
                          "it was left as it is: %s. Fix: run again"
                          % (object_ref(PV, name), step.released["claim_uid"], exc))
        outcome.after = patched
        outcome.changed = True


def readiness(spec, pv_names, pvs, pvcs):
    """The objects still not ready: [(ref, phase, want)] (PV Available/Bound; pre-created claim Bound to its PV)."""
    waiting = []
    for ordinal, name in pv_names:
        phase = phase_of(pvs.get(name))
        if phase not in READY_PHASES:
            waiting.append((object_ref(PV, name), phase or "missing", " or ".join(READY_PHASES)))
        if spec["precreate_claims"]:
            claim = manifests.claim_name(spec, ordinal)
            pvc = (pvcs or {}).get(claim)
            bound = phase_of(pvc) == "Bound" and (pvc.get("spec") or {}).get("volumeName") == name
            if not bound:
                waiting.append((object_ref(PVC, claim, spec["namespace"]), phase_of(pvc) or "missing",
                                "Bound to %s" % name))
    return waiting


def _held_by_gone_claim(spec, name, pv, pvcs, uid):
    claim_ref = pv["spec"]["claimRef"]
    claim = (pvcs or {}).get(claim_ref.get("name"))
    now = "the claim of that name now has uid %s" % claim["metadata"].get("uid") if claim else \
        "no claim of that name exists"
    if not spec["rebind_released"]:
        why, fix = "rebind_released=false keeps it so", "set rebind_released: true (the default) to let it bind again"
    elif spec["reclaim_policy"] != "Retain":
        why, fix = ("reclaim policy %s: Kubernetes reclaims it, the module does not rebind it" % spec["reclaim_policy"],
                    "use reclaim_policy: Retain to keep and rebind it")
    else:
        why, fix = "the claim went while this run waited", "run again: the next run frees it for its claim"
    return ("%s is %s for claim %s with uid %s, which is gone (%s); no claim can bind it while spec.claimRef.uid "
            "names the old one, and %s. Fix: %s with its data; or clear the uid yourself (kubectl patch pv %s --type "
            "json -p '[{\"op\": \"remove\", \"path\": \"/spec/claimRef/uid\"}]'); or remove the PV with "
            "state=absent (the NFS data is kept)"
            % (object_ref(PV, name), phase_of(pv), _ref(claim_ref), uid, now, why, fix, name))


def blocked(spec, pv_names, pvs, pvcs):
    """Messages for the PVs in a state no waiting ends (Failed, bound to another claim, held by a claim that is gone).

    `pvcs` None: the claims were not read, so a stale claim uid is not judged.
    """
    found = []
    for ordinal, name in pv_names:
        pv = pvs.get(name)
        if pv is None:
            continue
        claim_ref = (pv.get("spec") or {}).get("claimRef") or {}
        claim = manifests.claim_name(spec, ordinal)
        uid = stale_claim_uid(pv, pvcs)
        if phase_of(pv) == "Failed":
            found.append("%s is Failed (%s). Fix: see `kubectl describe pv %s`; a Released NFS volume fails with "
                         "reclaim policy Delete or Recycle when Kubernetes cannot clean it: use reclaim_policy: "
                         "Retain, or remove the PV with state=absent and force: true (the NFS data is kept) and run "
                         "again" % (object_ref(PV, name), (pv.get("status") or {}).get("message") or "no message",
                                    name))
        elif claim_ref and (claim_ref.get("namespace"), claim_ref.get("name")) != (spec["namespace"], claim):
            found.append("%s is bound to claim %s, not %s/%s, and hands its data to that claim only. Fix: delete "
                         "claim %s, then remove the PV with state=absent (the NFS data is kept) and run again"
                         % (object_ref(PV, name), _ref(claim_ref), spec["namespace"], claim, _ref(claim_ref)))
        elif uid:
            found.append(_held_by_gone_claim(spec, name, pv, pvcs, uid))
    return found


def describe_waiting(waiting):
    return "; ".join("%s is %s (want %s)" % item for item in waiting) + (
        ". Fix: check that kube-controller-manager runs and `kubectl describe` the objects for events; a "
        "pre-created claim binds only to a PV with the same storage class, access modes and enough capacity")


def wait_ready(client, spec, pv_names, pvs=None, pvcs=None, timeout=120, interval=1.0,
               clock=time.monotonic, sleep=time.sleep):
    """Poll (one LIST per kind per round) until every PV is ready; returns (pvs, pvcs) as last seen.

    `pvs`/`pvcs` are what the caller already knows (pvcs None: not read); when that is ready no call is made.
    Raises errors.Failure at once when a PV is in a state no waiting ends (see `blocked`), and
    waiter.WaitTimeout whose message names every PV/claim still waiting and its phase.
    """
    state = {"pvs": dict(pvs or {}), "pvcs": None if pvcs is None else dict(pvcs), "fresh": False}

    def probe():
        if state["fresh"] or readiness(spec, pv_names, state["pvs"], state["pvcs"]):
            # Claims first: the binder marks the PV Bound before the claim, so a Bound claim is
            # never paired with a stale PV phase.
            if spec["precreate_claims"]:
                state["pvcs"] = _by_name(client.list(PVC, namespace=spec["namespace"],
                                                     label_selector=manifests.label_selector(spec)))
            state["pvs"] = _by_name(client.list(PV, label_selector=manifests.label_selector(spec)))
            # The StatefulSet's claims (no labels of ours), after the PVs and only while a PV is not ready: what
            # blocked() judges a stale claimRef uid by; never a list older than the PVs.
            if not spec["precreate_claims"]:
                state["pvcs"] = None
                if readiness(spec, pv_names, state["pvs"], None):
                    state["pvcs"] = _by_name(client.list(PVC, namespace=spec["namespace"]))
        state["fresh"] = True
        problems = blocked(spec, pv_names, state["pvs"], state["pvcs"])
        if problems:
            raise Failure("; ".join(problems))
        waiting = readiness(spec, pv_names, state["pvs"], state["pvcs"])
        return not waiting, waiting

    poll_until(probe, timeout, describe_waiting, interval=interval, clock=clock, sleep=sleep)
    return state["pvs"], state["pvcs"]


def _diff_key(obj):
    meta = obj["metadata"]
    return object_ref(obj["kind"], meta["name"], meta.get("namespace"))


def present(client, spec, check_mode=False, want_diff=False, interval=1.0, clock=time.monotonic, sleep=time.sleep):
    """Create or update every ordinal's PV (and claim); returns the module result."""
    pvs, pvcs = read_live(client, spec)
    steps, extra = plan(spec, pvs, pvcs)
    done = apply_plan(client, steps, check_mode=check_mode)
    rebind(client, done, check_mode=check_mode)
    if spec["wait"] and not check_mode:
        known_pvs = dict((entry[0].pv["metadata"]["name"], entry[1].after) for entry in done)
        known_pvcs = None
        if spec["precreate_claims"]:
            known_pvcs = dict((entry[0].pvc["metadata"]["name"], entry[2].after) for entry in done)
        pvs, pvcs = wait_ready(client, spec, [(s.ordinal, s.pv["metadata"]["name"]) for s in steps],
                               known_pvs, known_pvcs, timeout=spec["wait_timeout"], interval=interval,
                               clock=clock, sleep=sleep)
        for step, pv_outcome, pvc_outcome in done:
            pv_outcome.after = pvs.get(step.pv["metadata"]["name"], pv_outcome.after)
            if pvc_outcome is not None:
                pvc_outcome.after = (pvcs or {}).get(step.pvc["metadata"]["name"], pvc_outcome.after)
    rows = [row(spec, step.ordinal, pv_outcome.after, pv_outcome,
                pvc_outcome.after if pvc_outcome else None, pvc_outcome, step.released)
            for step, pv_outcome, pvc_outcome in done]
    result = {
        "changed": any(item["changed"] for item in rows),
        "volumes": rows,
        "extra": [row(spec, _ordinal_of(pv) if _ordinal_of(pv) >= 0 else None, pv) for pv in extra],
    }
    if check_mode or not spec["wait"]:
        # A wait fails on these (blocked); without one the run still says so.
        warnings = blocked(spec, [(step.ordinal, step.pv["metadata"]["name"]) for step in steps],
                           dict((entry[0].pv["metadata"]["name"], entry[1].after) for entry in done if entry[1].after),
                           pvcs)
        if warnings:
            result["warnings"] = warnings
    outcomes = [outcome for entry in done for outcome in entry[1:] if outcome is not None]
    if any(outcome.warnings for outcome in outcomes):  # e.g. a claim whose namespace does not exist yet
        result.setdefault("warnings", []).extend(w for outcome in outcomes for w in outcome.warnings)
    if want_diff:
        result["diff"] = reconcile.merge_diffs(outcomes, _diff_key)
    return result


# ---------------------------------------------------------------------------------------------
# state=absent
# ---------------------------------------------------------------------------------------------

def pods_by_claim(pods):
    """{claim name: [names of the pods (not yet gone) that mount it]}."""
    users = {}
    for pod in pods:
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                users.setdefault(claim, [])
                if pod["metadata"]["name"] not in users[claim]:
                    users[claim].append(pod["metadata"]["name"])
    return users


def claims_in_use(pods):
    """Names of the claims that a pod (not yet gone) mounts."""
    return set(pods_by_claim(pods))


def claims_of_statefulset(spec, pvcs):
    """The claims named <claim>-<statefulset>-<ordinal> (any ordinal), lowest ordinal first."""
    found = []
    for pvc in pvcs:
        ordinal = naming.claim_ordinal(spec["claim"], spec["statefulset"], pvc["metadata"]["name"])
        if ordinal is not None:
            found.append((ordinal, pvc))
    return [pvc for _ordinal, pvc in sorted(found, key=lambda pair: pair[0])]


def refuse_mounted_claims(spec, pvcs, pods):
    """SpecError (delete_claims) naming each claim a pod mounts and its pods; nothing when none is mounted."""
    users = pods_by_claim(pods)
    mounted = [(pvc["metadata"]["name"], users[pvc["metadata"]["name"]]) for pvc in pvcs
               if pvc["metadata"]["name"] in users]
    if mounted:
        raise SpecError(
            "delete_claims", True,
            "refusing to delete claims that pods still mount: %s; nothing was deleted" % ", ".join(
                "%s (mounted by %s)" % (object_ref(PVC, name, spec["namespace"]),
                                        ", ".join("pod %s" % pod for pod in sorted(pods)))
                for name, pods in mounted),
            "remove the StatefulSet %s/%s first and wait until its pods are gone (stateful.nfs.statefulset with "
            "state: absent and wait: true), or stop the pods that mount the claims" % (
                spec["namespace"], spec["statefulset"]))


def plan_absent(spec, pvs, pvcs, pods):
    """(pv_deletes, pvc_deletes, pvc_keeps): what state=absent removes; SpecError refusing Bound PVs.

    A claim is deleted only when we pre-created it (it carries our labels) and no pod mounts it, or,
    with delete_claims, when it is named <claim>-<statefulset>-<ordinal>: then one that a pod mounts
    refuses the whole run.
    A Bound PV is deleted only with force, unless its claim is one of those deleted here.
    """
    if spec.get("delete_claims"):
        refuse_mounted_claims(spec, pvcs, pods)
    used = claims_in_use(pods)
    pvc_deletes = [pvc for pvc in pvcs if pvc["metadata"]["name"] not in used]
    pvc_keeps = [pvc for pvc in pvcs if pvc["metadata"]["name"] in used]
    freed = set(pvc["metadata"]["name"] for pvc in pvc_deletes)
    refused = []
    for pv in pvs:
        claim_ref = pv.get("spec", {}).get("claimRef") or {}
        bound = phase_of(pv) == "Bound"
        if bound and not (claim_ref.get("namespace") == spec["namespace"] and claim_ref.get("name") in freed):
            refused.append("%s (Bound to claim %s)" % (object_ref(PV, pv["metadata"]["name"]), _ref(claim_ref)))
    if refused and not spec["force"]:
        raise SpecError(
            "force", False,
            "refusing to delete Bound PersistentVolume(s) %s: a workload's claim uses them" % ", ".join(refused),
            "delete the StatefulSet and its claims first, or set force: true to delete them anyway (the NFS data is "
            "kept; a PV stays Terminating until its claim is deleted)")
    return list(pvs), pvc_deletes, pvc_keeps


def absent(client, spec, check_mode=False, want_diff=False, interval=1.0, clock=time.monotonic, sleep=time.sleep):
    """Delete this StatefulSet's PVs (and unused pre-created claims); returns the module result."""
    selector = manifests.label_selector(spec)
    pvs = client.list(PV, label_selector=selector)
    pvcs, pods = [], []
    if spec.get("delete_claims"):
        pvcs = claims_of_statefulset(spec, client.list(PVC, namespace=spec["namespace"]))
    elif spec["precreate_claims"]:
        pvcs = client.list(PVC, namespace=spec["namespace"], label_selector=selector)
    if pvcs:
        pods = client.list("Pod", namespace=spec["namespace"])
    pv_deletes, pvc_deletes, pvc_keeps = plan_absent(spec, pvs, pvcs, pods)

    claim_actions = {}
    reconcile.each(lambda pvc: client.delete(PVC, pvc["metadata"]["name"], spec["namespace"],
                                             uid=pvc["metadata"].get("uid"), dry_run=check_mode),
                   [pvc for pvc in pvc_deletes if not pvc["metadata"].get("deletionTimestamp")])
    for pvc in pvc_deletes:
        claim_actions[pvc["metadata"]["name"]] = ("delete", pvc)
    for pvc in pvc_keeps:
        claim_actions[pvc["metadata"]["name"]] = ("keep", pvc)
    reconcile.each(lambda pv: client.delete(PV, pv["metadata"]["name"], uid=pv["metadata"].get("uid"),
                                            dry_run=check_mode),
                   [pv for pv in pv_deletes if not pv["metadata"].get("deletionTimestamp")])

    rows = []
    for pv in sorted(pv_deletes, key=_ordinal_of):
        ordinal = _ordinal_of(pv)
        item = row(spec, ordinal if ordinal >= 0 else None, pv)
        action, pvc = claim_actions.pop(item["claim"], (None, None))
        item.update(action="delete", changed=not pv["metadata"].get("deletionTimestamp"),
                    claim_action=action, claim_phase=phase_of(pvc))
        rows.append(item)
    for name, (action, pvc) in sorted(claim_actions.items(), key=lambda item: _claim_ordinal(spec, item[1][1])):
        # claims whose PV is already gone
        ordinal = _claim_ordinal(spec, pvc)
        rows.append({"ordinal": ordinal if ordinal >= 0 else None, "pv": None, "claim": name, "server": None,
                     "path": None, "export": None, "phase": None,
                     "changed": action == "delete" and not pvc["metadata"].get("deletionTimestamp"),
                     "action": "none", "claim_action": action, "claim_phase": phase_of(pvc), "released": None})

    if spec["wait"] and not check_mode and (pv_deletes or pvc_deletes):
        _wait_gone(client, spec, pv_deletes, pvc_deletes, pvc_keeps, interval, clock, sleep)

    result = {"changed": any(item["changed"] for item in rows), "volumes": rows, "extra": []}
    if want_diff:
        before = dict((_diff_key(dict(obj, kind=kind)), reconcile.comparable(dict(obj, kind=kind)))
                      for kind, objs in ((PV, pv_deletes), (PVC, pvc_deletes)) for obj in objs)
        result["diff"] = {"before": before, "after": {}}
    return result


def _wait_gone(client, spec, pv_deletes, pvc_deletes, pvc_keeps, interval, clock, sleep):
    """Wait until the deleted objects are gone (a PV whose claim is kept stays Terminating: not waited for)."""
    kept = set(pvc["metadata"]["name"] for pvc in pvc_keeps)
    pv_names = set(pv["metadata"]["name"] for pv in pv_deletes
                   if ((pv.get("spec") or {}).get("claimRef") or {}).get("name") not in kept
                   or phase_of(pv) != "Bound")
    pvc_names = set(pvc["metadata"]["name"] for pvc in pvc_deletes)
    selector = manifests.label_selector(spec)
    # The StatefulSet's own claims carry none of our labels: with delete_claims, list them all.
    pvc_selector = None if spec.get("delete_claims") else selector

    def probe():
        left = [object_ref(PV, pv["metadata"]["name"]) for pv in client.list(PV, label_selector=selector)
                if pv["metadata"]["name"] in pv_names]
        if pvc_names:
            left += [object_ref(PVC, pvc["metadata"]["name"], spec["namespace"])
                     for pvc in client.list(PVC, namespace=spec["namespace"], label_selector=pvc_selector)
                     if pvc["metadata"]["name"] in pvc_names]
        return not left, left

    poll_until(probe, spec["wait_timeout"], lambda left: "still present: %s" % ", ".join(left),
               interval=interval, clock=clock, sleep=sleep)


def run(client, spec, check_mode=False, want_diff=False):
    """The module's work for a validated spec."""
    if spec["state"] == "absent":
        return absent(client, spec, check_mode=check_mode, want_diff=want_diff)
    return present(client, spec, check_mode=check_mode, want_diff=want_diff)
