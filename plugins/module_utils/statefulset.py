# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.statefulset: validation, immutable-field detection, reconcile or recreate, rollout wait.

Pure pieces first (problems, immutable_changes, rollout_status, describe_pods), the runs that talk to
the API (through a K8sClient) last.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile, waiter
from ansible_collections.stateful.nfs.plugins.module_utils import naming, validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError, collect, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.statefulset import build_statefulset

KIND = "StatefulSet"
MAX_NAME = 52  # the controller-revision-hash label value is <name>-<10 char hash>, at most 63 characters
UNSET_CLASS = "(unset: the cluster's default class)"
# Options that shape the container built from `image`; with `containers` they belong in the container dicts.
CONTAINER_OPTIONS = ("command", "args", "env", "ports", "mount_path", "readiness_probe", "liveness_probe",
                     "startup_probe", "resources", "image_pull_policy")
RECREATE_FIX = ("set on_immutable_change: recreate, which deletes the StatefulSet with propagationPolicy Orphan "
                "(pods and PVCs keep running and are adopted by the new StatefulSet; no data is touched) and "
                "creates it again")


# ---------------------------------------------------------------- validation (pure)

def _fail(field, value, problem, fix):
    raise SpecError(field, value, problem, fix)


def check_name(name):
    raise_all(rules.dns1123_label("name", name, "StatefulSet"))
    if len(name) > MAX_NAME:
        _fail("name", name, "is %d characters long; the controller labels pods with <name>-<revision hash>, "
              "which must fit in 63 characters" % len(name), "use a name of at most %d characters" % MAX_NAME)


def check_labels(field, labels):
    raise_all(rules.labels(field, labels))


def check_selector(params):
    selector = params.get("selector")
    if selector is not None and not selector:
        _fail("selector", selector, "is empty, so the StatefulSet would own every pod in the namespace",
              "leave selector unset (it defaults to {app.kubernetes.io/name: <name>}) or give at least one label")
    check_labels("selector", selector)
    for field in ("labels", "pod_labels"):
        check_labels(field, params.get(field))
        for key, value in (params.get(field) or {}).items():
            if selector and key in selector and selector[key] != value:
                _fail("%s.%s" % (field, key), value, "contradicts selector.%s=%r, which the pods must carry"
                      % (key, selector[key]), "drop the label or use the selector's value")


def check_container_source(params):
    image, containers = params.get("image"), params.get("containers")
    if bool(image) == bool(containers):
        _fail("image", image, "exactly one of image and containers is needed (got %s)"
              % ("both" if image else "neither"),
              "give image (one container is built) or containers (raw container definitions), not both")
    if containers:
        given = [option for option in CONTAINER_OPTIONS if params.get(option)]
        if given:
            _fail(given[0], params.get(given[0]), "shapes the container built from image, but containers is given",
                  "put %s into the container definitions in containers" % ", ".join(given))
        for index, container in enumerate(containers):
            if not isinstance(container, dict) or not container.get("name") or not container.get("image"):
                _fail("containers[%d]" % index, container, "a container needs at least name and image",
                      "give each container a name and an image")


def check_ports(ports):
    seen = {}
    for index, port in enumerate(ports or []):
        field = "ports[%d]" % index
        raise_all(rules.port_number(field + ".port", port.get("port")))
        name = port.get("name")
        raise_all(rules.port_name(field + ".name", name))
        if name in seen:
            _fail(field + ".name", name, "is also the name of ports[%d]" % seen[name], "give every port its own name")
        seen[name] = index


def check_env(env):
    if env is None or isinstance(env, dict):
        return
    if not isinstance(env, list):
        _fail("env", env, "must be a mapping of names to values or a list of EnvVar definitions",
              "write env: {NAME: value} or env: [{name: NAME, value: value}]")
    for index, item in enumerate(env):
        if not isinstance(item, dict) or not item.get("name"):
            _fail("env[%d]" % index, item, "an EnvVar needs a name", "write {name: NAME, value: value}")


def check_claim(params):
    claim = params.get("claim_template")
    if not claim:
        if params.get("mount_path"):
            _fail("mount_path", params["mount_path"], "there is no claim_template to mount",
                  "add claim_template, or drop mount_path")
        return
    raise_all(rules.dns1123_label("claim_template.name", claim.get("name"), "volumeClaimTemplates", "data"))
    raise_all(rules.quantity("claim_template.size", claim.get("size")))
    if claim.get("access_modes") is not None:
        raise_all(rules.access_modes("claim_template.access_modes", claim["access_modes"]))
    check_labels("claim_template.selector", claim.get("selector"))
    if params.get("image"):
        path = params.get("mount_path")
        if not path:
            _fail("mount_path", path, "the claim %r would not be mounted in the container" % claim.get("name"),
                  "set mount_path to the directory that holds the data, for example /data")
        if not str(path).startswith("/"):
            _fail("mount_path", path, "is not an absolute path", "start it with /")


def check_update_strategy(strategy):
    strategy = strategy or {}
    if strategy.get("type") == "OnDelete":
        for option in ("partition", "max_unavailable"):
            if strategy.get(option) is not None:
                _fail("update_strategy.%s" % option, strategy[option], "applies only to type RollingUpdate",
                      "drop it, or use type: RollingUpdate")
    if strategy.get("partition") is not None and strategy["partition"] < 0:
        _fail("update_strategy.partition", strategy["partition"], "is negative", "use 0 or more")
    unavailable = strategy.get("max_unavailable")
    if unavailable is not None:
        text = str(unavailable)
        if not (re.match(r"^[1-9][0-9]*%?$", text) and text != "0%"):
            _fail("update_strategy.max_unavailable", unavailable, "is not a positive number or percentage",
                  "use a number like 1 or a percentage like '25%'")


def check_numbers(params):
    for field in ("replicas", "ordinals_start", "termination_grace_period_seconds", "fs_group"):
        value = params.get(field)
        if value is not None and value < 0:
            _fail(field, value, "is negative", "use 0 or more")
    if params.get("wait_timeout") is not None and params["wait_timeout"] <= 0:
        _fail("wait_timeout", params["wait_timeout"], "must be positive", "give the seconds to wait, for example 300")


def check_service_name(service_name):
    if not service_name:
        _fail("service_name", service_name, "is required with state=present",
              "set it to the name of the governing headless Service (stateful.nfs.headless_service)")
    raise_all(rules.dns1035_label("service_name", service_name))


def checks(params):
    """The validators of these options (zero-argument callables raising SpecError), for problems() and the plan."""
    found = [lambda: check_name(params.get("name") or ""),
             lambda: raise_all(rules.dns1123_label("namespace", params.get("namespace"), "namespace", "demo")),
             lambda: check_numbers(params)]
    if params.get("state", "present") == "present":
        found += [lambda: check_service_name(params.get("service_name")),
                  lambda: check_selector(params),
                  lambda: check_container_source(params),
                  lambda: check_ports(params.get("ports")),
                  lambda: check_env(params.get("env")),
                  lambda: check_claim(params),
                  lambda: check_update_strategy(params.get("update_strategy"))]
    return found


def problems(params):
    """Every input problem in one message (None when the input is good); checked before anything is touched."""
    return collect(checks(params))


# ---------------------------------------------------------------- immutable fields (pure)

def _blank(value):
    return value is None or value == {} or value == [] or value == ""


def same(first, second):
    """Semantic equality: both ways a subset (quantities by value, 1Gi == 1024Mi; empty == missing)."""
    if _blank(first) and _blank(second):
        return True
    return reconcile.is_subset(first, second) and reconcile.is_subset(second, first)


def _ref(source):
    source = source or {}
    return (source.get("apiGroup") or "", source.get("kind"), source.get("name"))


def claim_template_view(template):
    """What a claim template means, flattened: the server's defaults (volumeMode Filesystem, status,
    creationTimestamp, dataSourceRef mirroring dataSource) are folded away so they never look like a change."""
    metadata = template.get("metadata") or {}
    spec = dict(template.get("spec") or {})
    spec.setdefault("volumeMode", "Filesystem")
    # "" (no class: pre-created volumes only) and unset (the cluster's default class) mean different things
    spec.setdefault("storageClassName", UNSET_CLASS)
    if spec.get("dataSourceRef") and _ref(spec.get("dataSourceRef")) == _ref(spec.get("dataSource")):
        spec.pop("dataSourceRef")
    view = {"metadata.labels": metadata.get("labels"), "metadata.annotations": metadata.get("annotations")}
    view.update(("spec.%s" % key, value) for key, value in spec.items())
    return view


def _template_name(template):
    return (template.get("metadata") or {}).get("name")


def claim_template_changes(desired, live):
    """Changes between two volumeClaimTemplates lists, per template and field."""
    field = "spec.volumeClaimTemplates"
    desired, live = desired or [], live or []
    desired_by = dict((_template_name(t), t) for t in desired)
    live_by = dict((_template_name(t), t) for t in live)
    changes = []
    for name in desired_by:
        if name not in live_by:
            changes.append(change("%s[%s]" % (field, name), None, desired_by[name]))
    for name in live_by:
        if name not in desired_by:
            changes.append(change("%s[%s]" % (field, name), live_by[name], None))
    for name in desired_by:
        if name in live_by:
            before, after = claim_template_view(live_by[name]), claim_template_view(desired_by[name])
            for key in sorted(set(before) | set(after)):
                if not same(after.get(key), before.get(key)):
                    changes.append(change("%s[%s].%s" % (field, name, key), before.get(key), after.get(key)))
    common_desired = [n for n in desired_by if n in live_by]
    common_live = [n for n in live_by if n in desired_by]
    if common_desired != common_live:
        changes.append(change("%s (order)" % field, common_live, common_desired))
    return changes


def change(field, before, after):
    return {"field": field, "before": before, "after": after}


def immutable_changes(desired, live):
    """The fields the API server refuses to update (serviceName, selector, podManagementPolicy,
    volumeClaimTemplates) that differ between `desired` and `live`, as [{field, before, after}].

    Only what `desired` states is compared, with the server's defaults folded away, so a StatefulSet
    created by this module never shows a change on the next run.
    """
    if live is None:
        return []
    want, have = desired.get("spec") or {}, live.get("spec") or {}
    changes = []
    if not same(want.get("serviceName"), have.get("serviceName")):
        changes.append(change("spec.serviceName", have.get("serviceName"), want.get("serviceName")))
    if not same(want.get("selector"), have.get("selector")):
        changes.append(change("spec.selector", have.get("selector"), want.get("selector")))
    policy_want = want.get("podManagementPolicy") or "OrderedReady"
    policy_have = have.get("podManagementPolicy") or "OrderedReady"
    if policy_want != policy_have:
        changes.append(change("spec.podManagementPolicy", policy_have, policy_want))
    changes.extend(claim_template_changes(want.get("volumeClaimTemplates"), have.get("volumeClaimTemplates")))
    return changes


def _show(value):
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def describe_changes(changes):
    return "; ".join("%s: %s -> %s" % (item["field"], _show(item["before"]), _show(item["after"]))
                     for item in changes)


def immutable_message(ref, changes):
    return ("%s: immutable fields differ from the live object: %s. Fix: %s"
            % (ref, describe_changes(changes), RECREATE_FIX))


# ---------------------------------------------------------------- rollout status (pure)

def rollout_status(sts):
    """Whether the StatefulSet has rolled out, and a one-line description of where it stands.

    Done when the controller observed the current generation, exactly spec.replicas pods exist and are
    Ready, and: for RollingUpdate without a partition every replica is updated and currentRevision equals
    updateRevision; with a partition, the pods at or above it are updated; for OnDelete, pods pick up a
    new template only when they are deleted, so revisions are reported but not waited for.
    """
    sts = sts or {}
    spec, status, metadata = sts.get("spec") or {}, sts.get("status") or {}, sts.get("metadata") or {}
    replicas = spec.get("replicas") if spec.get("replicas") is not None else 1
    strategy = spec.get("updateStrategy") or {}
    strategy_type = strategy.get("type") or "RollingUpdate"
    partition = (strategy.get("rollingUpdate") or {}).get("partition") or 0
    start = (spec.get("ordinals") or {}).get("start") or 0
    generation = metadata.get("generation") or 0
    observed = status.get("observedGeneration") or 0
    existing = status.get("replicas") or 0
    ready = status.get("readyReplicas") or 0
    updated = status.get("updatedReplicas") or 0
    current_revision, update_revision = status.get("currentRevision"), status.get("updateRevision")
    report = {"generation": generation, "observed_generation": observed, "replicas": replicas,
              "existing_replicas": existing, "ready_replicas": ready, "updated_replicas": updated,
              "current_revision": current_revision, "update_revision": update_revision,
              "update_strategy": strategy_type}

    def answer(done, message):
        report.update(done=done, message=message)
        return report

    if observed < generation:
        return answer(False, "the controller has not observed generation %s yet (observed %s)" % (generation, observed))
    if existing != replicas:
        return answer(False, "%s pods exist, %s wanted" % (existing, replicas))
    if ready < replicas:
        return answer(False, "%s of %s replicas ready" % (ready, replicas))
    if strategy_type == "RollingUpdate":
        if partition > start:
            wanted = max(0, min(replicas, start + replicas - partition))
            if updated < wanted:
                return answer(False, "%s of %s replicas at or above partition %s updated to %s"
                              % (updated, wanted, partition, update_revision))
            return answer(True, "%s of %s replicas ready; replicas at or above partition %s run %s"
                          % (ready, replicas, partition, update_revision))
        if updated < replicas:
            return answer(False, "%s of %s replicas updated to %s" % (updated, replicas, update_revision))
        if current_revision != update_revision:
            return answer(False, "current revision %s, update revision %s" % (current_revision, update_revision))
        return answer(True, "%s of %s replicas ready at revision %s" % (ready, replicas, update_revision))
    if current_revision != update_revision and updated < replicas:
        return answer(True, "%s of %s replicas ready; update strategy OnDelete: %s pod(s) run the new template "
                      "%s only after they are deleted" % (ready, replicas, replicas - updated, update_revision))
    return answer(True, "%s of %s replicas ready at revision %s" % (ready, replicas, update_revision))


def pod_names(sts):
    spec = sts.get("spec") or {}
    replicas = spec.get("replicas") if spec.get("replicas") is not None else 1
    start = (spec.get("ordinals") or {}).get("start") or 0
    name = sts["metadata"]["name"]
    return ["%s-%d" % (name, ordinal) for ordinal in range(start, start + replicas)]


def _ordinal_key(pod_name):
    tail = pod_name.rsplit("-", 1)[-1]
    return (0, int(tail), pod_name) if tail.isdigit() else (1, 0, pod_name)


def describe_pods(sts, pods, events_of):
    """Each pod that holds the rollout up: not created, not Ready (with why and its last event), or
    still terminating. `events_of(pod_name)` returns that pod's events, oldest first."""
    by_name = dict((pod["metadata"]["name"], pod) for pod in pods)
    wanted = pod_names(sts)
    lines = []
    for name in wanted:
        pod = by_name.get(name)
        if pod is None:
            lines.append("%s: not created yet" % name)
            continue
        reason = "terminating" if pod["metadata"].get("deletionTimestamp") else waiter.pod_not_ready_reason(pod)
        if reason is None:
            continue
        last = waiter.last_event_message(events_of(name))
        lines.append("%s: %s; last event: %s" % (name, " ".join(reason.split()), last or "none"))
    for name in sorted((n for n in by_name if n not in wanted), key=_ordinal_key):
        lines.append("%s: beyond the wanted replicas, not yet removed" % name)
    return lines


def label_selector(selector):
    """A LabelSelector as the labelSelector query string."""
    parts = ["%s=%s" % item for item in sorted(((selector or {}).get("matchLabels") or {}).items())]
    for expression in (selector or {}).get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In":
            parts.append("%s in (%s)" % (key, ",".join(values)))
        elif operator == "NotIn":
            parts.append("%s notin (%s)" % (key, ",".join(values)))
        elif operator == "Exists":
            parts.append(key)
        elif operator == "DoesNotExist":
            parts.append("!" + key)
    return ",".join(parts)


def timeout_message(client, sts, timeout):
    """The rollout did not finish: say where it stands and name every pod holding it up, with why."""
    metadata = sts["metadata"]
    namespace = metadata.get("namespace")
    status = rollout_status(sts)
    pods = [pod for pod in client.list("Pod", namespace, label_selector=label_selector(sts["spec"].get("selector")))
            if re.match(r"^%s-\d+$" % re.escape(metadata["name"]), pod["metadata"]["name"])]
    lines = describe_pods(sts, pods, lambda name: client.events_for("Pod", name, namespace))
    message = "%s rollout not finished after %ss: %s" % (
        object_ref(KIND, metadata["name"], namespace), timeout, status["message"])
    if lines:
        message += ". Pods holding it up: " + "; ".join(lines)
    last = waiter.last_event_message(client.events_for(KIND, metadata["name"], namespace))
    if last:
        message += ". Last StatefulSet event: " + last
    return message


# ---------------------------------------------------------------- runs (I/O through the client)

def wait_for_rollout(client, name, namespace, timeout, interval=2.0, clock=None, sleep=None):
    """Poll until rollout_status() is done; return the StatefulSet. Raises Failure naming the stuck pods."""
    def probe():
        sts = client.get(KIND, name, namespace)
        return (sts is not None and rollout_status(sts)["done"]), sts

    def describe(sts):
        return rollout_status(sts)["message"] if sts else "%s does not exist" % object_ref(KIND, name, namespace)

    try:
        return waiter.poll_until(probe, timeout, describe, interval=interval, clock=clock or time.monotonic,
                                 sleep=sleep or time.sleep)
    except waiter.WaitTimeout as exc:
        if exc.last is None:
            raise Failure(str(exc), statefulset={}, rollout={})
        raise Failure(timeout_message(client, exc.last, timeout), statefulset=exc.last,
                      rollout=rollout_status(exc.last))


def recreate(client, desired, live, check_mode, timeout):
    """Delete the live StatefulSet with propagationPolicy Orphan (uid precondition), wait until it is gone,
    create `desired`. Pods, PVCs and ControllerRevisions stay and are adopted; check mode touches nothing."""
    metadata = live["metadata"]
    name, namespace, uid = metadata["name"], metadata.get("namespace"), metadata.get("uid")
    if check_mode:
        client.delete(KIND, name, namespace, propagation_policy="Orphan", uid=uid, dry_run=True)
        return reconcile.Outcome(True, live, desired, "recreate")
    client.delete(KIND, name, namespace, propagation_policy="Orphan", uid=uid)
    waiter.wait_until_gone(client, KIND, name, namespace, uid=uid, timeout=timeout)
    return reconcile.Outcome(True, live, client.apply(desired), "recreate")


def plan_after_deletion(live, desired, diff):
    outcome = reconcile.Outcome(True, None, desired, "create")
    result = {"changed": True, "action": "create", "immutable_changes": [], "statefulset": desired,
              "rollout": rollout_status(desired),
              "warnings": ["%s is being deleted; it will be created again once it is gone"
                           % object_ref(KIND, live["metadata"]["name"], live["metadata"].get("namespace"))]}
    if diff:
        result["diff"] = outcome.diff
    return result


def ensure_present(client, params, check_mode=False, diff=False):
    desired = build_statefulset(params)
    name, namespace = params["name"], params["namespace"]
    timeout = params.get("wait_timeout") or 300
    live = client.get(KIND, name, namespace)
    if live is not None and live["metadata"].get("deletionTimestamp"):
        # a deletion is under way (an earlier state=absent); applying now would update the dying object
        if check_mode:
            return plan_after_deletion(live, desired, diff)
        waiter.wait_until_gone(client, KIND, name, namespace, uid=live["metadata"].get("uid"), timeout=timeout)
        live = None
    changes = immutable_changes(desired, live)
    warnings = []
    if changes:
        if params.get("on_immutable_change", "fail") != "recreate":
            raise Failure(immutable_message(object_ref(KIND, name, namespace), changes),
                          changed=False, action="none", immutable_changes=changes, statefulset=live)
        if any(item["field"] == "spec.selector" for item in changes):
            warnings.append("the selector changes: existing pods without the new selector's labels are not "
                            "adopted and keep their names, so the new StatefulSet cannot create those pods "
                            "until they are deleted")
        outcome = recreate(client, desired, live, check_mode, timeout)
    else:
        outcome = reconcile.reconcile(client, desired, live, check_mode)
    warnings.extend(outcome.warnings)
    result = {"changed": outcome.changed, "action": outcome.action, "immutable_changes": changes}
    if diff:
        result["diff"] = outcome.diff
    if warnings:
        result["warnings"] = warnings
    final = outcome.after
    if params.get("wait") and not check_mode:
        try:
            final = wait_for_rollout(client, name, namespace, timeout)
        except Failure as exc:
            exc.result.update((key, value) for key, value in result.items() if key != "warnings")
            raise
    result["statefulset"] = final or {}
    result["rollout"] = rollout_status(final)
    return result


def claims_of(statefulset, pvcs):
    """The claims the controller made from the StatefulSet's volumeClaimTemplates (found by name), sorted."""
    name = statefulset["metadata"]["name"]
    templates = [template["metadata"]["name"] for template in statefulset["spec"].get("volumeClaimTemplates") or []]
    return sorted((pvc for pvc in pvcs if any(naming.claim_ordinal(template, name, pvc["metadata"]["name"]) is not None
                                              for template in templates)), key=lambda pvc: pvc["metadata"]["name"])


def refuse_claim_deletion_losing_data(statefulset, claims, volumes):
    """Failure when whenDeleted=Delete would take data with the claims: a claim whose PV is not Retain.

    With whenDeleted=Delete the controller deletes the claims once the StatefulSet is gone. A Retain PV then
    turns Released and keeps its data (the next stateful.nfs.volumes run makes it bindable again); any other
    reclaim policy lets Kubernetes delete or recycle the data. volumes: {PV name: PV or None when gone}.
    """
    losing = []
    for pvc in claims:
        volume = (pvc.get("spec") or {}).get("volumeName")
        pv = volumes.get(volume) if volume else None
        reclaim = ((pv or {}).get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Delete"
        if pv is not None and reclaim != "Retain":
            losing.append((pvc["metadata"]["name"], volume, reclaim))
    if losing:
        ref = object_ref(KIND, statefulset["metadata"]["name"], statefulset["metadata"].get("namespace"))
        raise Failure(
            "%s has persistentVolumeClaimRetentionPolicy.whenDeleted=Delete, so deleting it deletes its claims, and "
            "the PersistentVolume of %s would then take the data with it; nothing was deleted. Fix: keep the data "
            "with kubectl patch pv <name> -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}' for "
            "each PV named, or apply the StatefulSet first with persistent_volume_claim_retention_policy."
            "when_deleted: Retain (state: present) so its claims stay"
            % (ref, ", ".join("claim %s (PV %s, persistentVolumeReclaimPolicy %s)" % item for item in losing)),
            changed=False, action="none", statefulset=statefulset)


def ensure_absent(client, params, check_mode=False, diff=False):
    """Delete the StatefulSet and (propagationPolicy Foreground) its pods; the data stays.

    The claims stay too, unless the StatefulSet says whenDeleted=Delete: then the controller deletes them,
    which is allowed only when each one's PV is Retain, so the data stays on a Released PV.
    """
    name, namespace = params["name"], params["namespace"]
    live = client.get(KIND, name, namespace)
    if live is None:
        return {"changed": False, "action": "none", "immutable_changes": [], "statefulset": {}, "rollout": {}}
    uid = live["metadata"].get("uid")
    if live["metadata"].get("deletionTimestamp"):
        # already being deleted: nothing to change, but honour wait
        if params.get("wait") and not check_mode:
            waiter.wait_until_gone(client, KIND, name, namespace, uid=uid, timeout=params.get("wait_timeout") or 300)
        return {"changed": False, "action": "none", "immutable_changes": [], "statefulset": live, "rollout": {}}
    claims_released = []
    policy = (live.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
    if policy.get("whenDeleted") == "Delete":
        claims = claims_of(live, client.list("PersistentVolumeClaim", namespace=namespace))
        volumes = dict((name_, client.get("PersistentVolume", name_)) for name_ in sorted(set(
            (pvc.get("spec") or {}).get("volumeName") for pvc in claims) - set([None, ""])))
        refuse_claim_deletion_losing_data(live, claims, volumes)
        claims_released = [pvc["metadata"]["name"] for pvc in claims]
    client.delete(KIND, name, namespace, propagation_policy="Foreground", uid=uid, dry_run=check_mode)
    if params.get("wait") and not check_mode:
        waiter.wait_until_gone(client, KIND, name, namespace, uid=uid, timeout=params.get("wait_timeout") or 300)
    result = {"changed": True, "action": "delete", "immutable_changes": [], "statefulset": live, "rollout": {}}
    if claims_released:
        result["claims_deleted_by_controller"] = claims_released
    if diff:
        result["diff"] = {"before": reconcile.comparable(live), "after": {}}
    return result


def ensure(client, params, check_mode=False, diff=False):
    """The module's whole run after validation. Raises K8sError, Failure or WaitTimeout."""
    if params.get("state", "present") == "absent":
        return ensure_absent(client, params, check_mode, diff)
    return ensure_present(client, params, check_mode, diff)
