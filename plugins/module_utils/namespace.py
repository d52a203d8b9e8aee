# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Namespace that exists, with the labels and annotations asked for; never deleted.

  problems        validate the options (every bad field at once), before any API call
  ensure          GET, then reconcile.reconcile (server-side apply only when something differs);
                  a namespace being deleted is waited out (wait=true) or refused with the fix
  summary         the returned `namespace` dictionary
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile, waiter
from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError, collect, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.namespace import build_namespace

KIND = "Namespace"


# ---------------------------------------------------------------- validation (pure)

def _mapping_checks(params, field, label):
    checks = []
    for key, value in sorted((params.get(field) or {}).items()):
        where = "%s.%s" % (field, key)
        checks.append(lambda where=where, key=key: raise_all(rules.label_key(where, key)))
        if label:
            checks.append(lambda where=where, value=value: raise_all(rules.label_value(where, value)))
        elif not isinstance(value, str):
            checks.append(lambda where=where, value=value: _raise(SpecError(
                where, value, "values must be strings", "quote the value, for example '%s'" % (value,))))
    return checks


def checks(params):
    """The validators of these options (zero-argument callables raising SpecError), for problems() and the plan."""
    found = [lambda: raise_all(rules.dns1123_label("name", params.get("name"), "namespace", "demo"))]
    found += _mapping_checks(params, "labels", True)
    found += _mapping_checks(params, "annotations", False)
    if params.get("wait_timeout") is not None and params["wait_timeout"] <= 0:
        found.append(lambda: _raise(SpecError("wait_timeout", params["wait_timeout"], "must be larger than zero",
                                              "give the seconds to wait, e.g. 120")))
    return found


def problems(params):
    """Every input problem in one message (None when the input is good); checked before anything is touched."""
    return collect(checks(params))


def _raise(error):
    raise error


# ---------------------------------------------------------------- run

def phase_of(live):
    if live is None:
        return None
    if (live.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return (live.get("status") or {}).get("phase") or "Active"


def summary(obj):
    """The returned `namespace`: what the server stored (or would store in check mode)."""
    meta = (obj or {}).get("metadata") or {}
    return {
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "resource_version": meta.get("resourceVersion"),
        "phase": phase_of(obj) if obj else None,
        "labels": meta.get("labels") or {},
        "annotations": meta.get("annotations") or {},
    }


def wait_out_deletion(client, live, timeout, clock=time.monotonic, sleep=time.sleep, interval=1.0):
    """Wait until a Terminating namespace is gone (its content is being deleted by the namespace controller)."""
    name = live["metadata"]["name"]
    waiter.wait_until_gone(client, KIND, name, uid=live["metadata"].get("uid"), timeout=timeout,
                           interval=interval, clock=clock, sleep=sleep)


def ensure(client, params, check_mode=False, diff=False, clock=time.monotonic, sleep=time.sleep, interval=1.0):
    """Create the namespace, or bring its labels and annotations to the ones asked for; returns the module result."""
    desired = build_namespace(params)
    name = params["name"]
    live = client.get(KIND, name)
    warnings = []
    if phase_of(live) == "Terminating":
        since = live["metadata"].get("deletionTimestamp")
        if check_mode:
            # Nothing can be dry-run against a namespace that is going away; report the create the real run makes.
            warnings.append("%s is being deleted (since %s); a real run waits for that (wait=true) and creates it"
                            % (object_ref(KIND, name), since))
            result = {"changed": True, "action": "create", "namespace": summary(desired), "warnings": warnings}
            if diff:
                result["diff"] = {"before": reconcile.comparable(live), "after": desired}
            return result
        if not params.get("wait"):
            raise Failure("%s is being deleted (Terminating since %s), so nothing can be created in it. Fix: set "
                          "wait: true to wait until it is gone and create it again, or run again later"
                          % (object_ref(KIND, name), since), namespace=summary(live))
        wait_out_deletion(client, live, params.get("wait_timeout") or 120, clock=clock, sleep=sleep,
                          interval=interval)
        live = None
    outcome = reconcile.reconcile(client, desired, live, check_mode=check_mode)
    result = {"changed": outcome.changed, "action": outcome.action, "namespace": summary(outcome.after)}
    if diff:
        result["diff"] = outcome.diff
    return result
