# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one reconcile approach of the collection: read, compare, then server-side apply only what differs.

1. The caller reads the live object (GET, or one LIST for many objects).
2. `needs_apply` compares the desired manifest with it: every desired field must be present with an
   equal value, and no field our field manager owns may have been dropped from the desired manifest.
3. Only then `reconcile` sends a server-side apply (with dryRun=All in check mode).
4. `changed` comes from the server: the resourceVersion moved (or, in check mode, the dry-run answer
   differs from the live object). A needless apply therefore still reports changed=False.

In check mode the server refuses to dry-run an object in a namespace that does not exist yet (a check-mode
run creates nothing, so the namespace step before it does not create one either); such an object is
reported as the create the real run makes, with a warning (namespace_missing).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import FIELD_MANAGER, K8sError, object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.concurrency import WRITERS, parallel
from ansible_collections.stateful.nfs.plugins.module_utils.quantity import parse_quantity

# Metadata the server writes; never part of a comparison or a diff.
SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                   "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def _empty(value):
    return value is None or value == {} or value == [] or value == ""


# Which fields hold resource quantities, by the names on their path (see holds_quantity). Only there
# does "1Gi" equal "1024Mi": the server stores quantities in its own canonical form ("1024Mi" comes back
# as "1Gi", a CPU limit of 1 as "1"), while a label "1.10" or an env value "1k" is plain text.
# Maps from a resource name to a quantity: PV spec.capacity and status.capacity/allocatable, and the
# requests and limits of container, pod and claim `resources` (resources.claims holds names, not quantities,
# so `resources` itself is not in the set).
QUANTITY_MAPS = frozenset(("capacity", "allocatable", "requests", "limits"))
# Fields that are one quantity (emptyDir.sizeLimit).
QUANTITY_FIELDS = frozenset(("sizeLimit",))
# Maps keyed by the user's own names: a label or selector key called "limits" is not a field.
NAMED_MAPS = frozenset(("labels", "annotations", "selector", "matchLabels", "nodeSelector"))


def holds_quantity(path):
    """Whether the field at `path` (the dict keys from the object's root; list positions add nothing,
    so a container's memory limit is ("spec", "template", "spec", "containers", "resources", "limits",
    "memory")) holds a Kubernetes quantity, so that its values compare by amount."""
    for key in path:
        if key in NAMED_MAPS:
            return False
        if key in QUANTITY_MAPS:
            return True
    return bool(path) and path[-1] in QUANTITY_FIELDS


def _equal_scalars(desired, live, path=()):
    """Equal values: quantity fields by amount, every other field exactly (numbers by value; a string is
    never equal to a number: the server keeps the type of an int-or-string such as targetPort)."""
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live  # True == 1 in Python, not in a manifest
    if holds_quantity(path) and isinstance(desired, (str, int, float)) and isinstance(live, (str, int, float)):
        try:
            return parse_quantity(desired) == parse_quantity(live)
        except ValueError:
            return desired == live
    if isinstance(desired, str) != isinstance(live, str):
        return False
    return desired == live


def is_subset(desired, live, path=()):
    """True when every field of `desired` is in `live` with an equal value.

    Server defaults in `live` are ignored; lists must have the same length (we always state whole
    lists); an empty desired value matches a missing one; quantities compare by value (1Gi == 1024Mi)
    in the fields that hold them (holds_quantity). `path` is where `desired` sits in its object, for
    a caller that compares a part of one (a claim's spec.resources starts at ("spec", "resources")).
    """
    if isinstance(desired, dict):
        if _empty(desired):
            return _empty(live)
        if not isinstance(live, dict):
            return False
        return all(
            _empty(live.get(key)) if _empty(value) else is_subset(value, live.get(key), path + (key,))
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return _empty(desired) and _empty(live)
        return all(is_subset(d, l, path) for d, l in zip(desired, live))
    return _equal_scalars(desired, live, path)


def owned_fields(live, manager=FIELD_MANAGER):
    """The fieldsV1 tree our field manager applied to `live` (empty when we never applied it)."""
    for entry in (live or {}).get("metadata", {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            return entry.get("fieldsV1") or {}
    return {}


def _find_keyed(items, keys):
    # Merge keys (name, containerPort, protocol, mountPath) are never quantities: they compare exactly.
    for item in items or []:
        if isinstance(item, dict) and all(_equal_scalars(v, item.get(k)) for k, v in keys.items()):
            return item
    return None


def dropped_fields(fields, desired, path=""):
    """Paths our manager owns on the server that `desired` no longer states (SSA would remove them)."""
    dropped = []
    for key, sub in (fields or {}).items():
        if key == ".":
            continue
        kind, raw = key.split(":", 1)
        if kind == "f":
            here = "%s.%s" % (path, raw) if path else raw
            if not isinstance(desired, dict) or raw not in desired:
                dropped.append(here)
            else:
                dropped.extend(dropped_fields(sub, desired[raw], here))
        elif kind == "k":
            keys = json.loads(raw)
            here = "%s[%s]" % (path, ",".join("%s=%s" % kv for kv in sorted(keys.items())))
            match = _find_keyed(desired if isinstance(desired, list) else [], keys)
            if match is None:
                dropped.append(here)
            else:
                dropped.extend(dropped_fields(sub, match, here))
        elif kind == "v":
            if not isinstance(desired, list) or json.loads(raw) not in desired:
                dropped.append("%s[%s]" % (path, raw))
        elif kind == "i":
            index = int(raw)
            if not isinstance(desired, list) or index >= len(desired):
                dropped.append("%s[%d]" % (path, index))
            else:
                dropped.extend(dropped_fields(sub, desired[index], "%s[%d]" % (path, index)))
    return dropped


def needs_apply(desired, live, manager=FIELD_MANAGER):
    """Whether a server-side apply of `desired` could change `live`."""
    if live is None:
        return True
    return not is_subset(desired, live) or bool(dropped_fields(owned_fields(live, manager), desired))


def comparable(obj):
    """The object without server bookkeeping and status: what a user compares and a diff shows."""
    if obj is None:
        return None
    clean = copy.deepcopy(obj)
    clean.pop("status", None)
    metadata = clean.get("metadata", {})
    for key in SERVER_METADATA:
        metadata.pop(key, None)
    annotations = metadata.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if not annotations:
        metadata.pop("annotations", None)
    return clean


class Outcome(object):
    """What reconciling one object did. `after` is what the server stored (or would store in check mode)."""

    def __init__(self, changed, before, after, action, warnings=None):
        self.changed = changed
        self.before = before
        self.after = after
        self.action = action  # "create", "update" or "none"
        self.warnings = list(warnings or [])  # for the module's `warnings`

    @property
    def diff(self):
        return {"before": comparable(self.before) or {}, "after": comparable(self.after) or {}}


def namespace_missing(error, namespace):
    """Whether the K8sError is the server refusing an object because its namespace `namespace` does not
    exist: a 404 whose details name that Namespace (kind "namespaces"), not a 404 of anything else."""
    details = getattr(error, "details", None) or {}
    return (bool(namespace) and getattr(error, "status", None) == 404
            and details.get("kind") == "namespaces" and details.get("name") == namespace)


def planned_in_missing_namespace(desired):
    """The check-mode Outcome of an object whose namespace does not exist yet: the create a real run makes."""
    meta = desired["metadata"]
    warning = ("check mode: %s does not exist yet, so the API server could not dry-run %s; reported as the "
               "create a real run makes in that namespace once it exists (server-side defaults and validation "
               "not checked)" % (object_ref("Namespace", meta["namespace"]),
                                 object_ref(desired["kind"], meta["name"], meta["namespace"])))
    return Outcome(True, None, copy.deepcopy(desired), "create", [warning])


def reconcile(client, desired, live, check_mode=False):
    """Bring one object to `desired` (a full manifest) given its `live` state (None if absent)."""
    if not needs_apply(desired, live, client.field_manager):
        return Outcome(False, live, live, "none")
    try:
        after = client.apply(desired, dry_run=check_mode)
    except K8sError as exc:
        if check_mode and live is None and namespace_missing(exc, desired["metadata"].get("namespace")):
            return planned_in_missing_namespace(desired)
        raise
    if live is None:
        return Outcome(True, None, after, "create")
    if check_mode:
        changed = comparable(after) != comparable(live)
    else:
        changed = after["metadata"].get("resourceVersion") != live["metadata"].get("resourceVersion")
    return Outcome(changed, live, after, "update" if changed else "none")


SHOWN_ERRORS = 5  # a refused credential fails every call alike: the message names the first few


def each(call, items, workers=WRITERS):
    """[call(item)] for many objects, up to `workers` at once, in order. Every item is tried; when some calls
    fail, one K8sError naming each failure (the first one's class and status) is raised once all are done."""
    def attempt(item):
        try:
            return call(item), None
        except K8sError as exc:
            return None, exc
    answers = parallel(attempt, items, workers)
    errors = [error for _answer, error in answers if error is not None]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        first = errors[0]
        shown = "; ".join(str(error) for error in errors[:SHOWN_ERRORS])
        more = len(errors) - SHOWN_ERRORS
        raise type(first)("%d calls failed: %s%s" % (len(errors), shown, "; and %d more" % more if more > 0 else ""),
                          first.status, first.reason, first.details)
    return [answer for answer, _error in answers]


def reconcile_all(client, pairs, check_mode=False, workers=WRITERS):
    """reconcile() of each (desired, live), up to `workers` at once; the Outcomes in order (see each)."""
    return each(lambda pair: reconcile(client, pair[0], pair[1], check_mode), pairs, workers)


def merge_diffs(outcomes, key):
    """One Ansible diff for many objects: {before: {key(obj): obj}, after: {...}} over the changed ones."""
    before, after = {}, {}
    for outcome in outcomes:
        if outcome.changed:
            diff = outcome.diff
            name = key(outcome.after or outcome.before)
            before[name] = diff["before"]
            after[name] = diff["after"]
    return {"before": before, "after": after}
