# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The StatefulSet manifest, built from the options of stateful.nfs.statefulset.

Pure: options in (snake_case, as the module receives them), dict out. Precedence, lowest first:
built-in defaults, the individual options, then the raw `spec` option deep-merged over the built
spec (mappings merge key by key, any other value - lists included - replaces what was built).

Lists are stated whole and the way the server stores them (ports carry their protocol, because
it is part of the list's merge key), so a second run compares equal and sends nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

NAME_LABEL = "app.kubernetes.io/name"


def default_selector(name):
    """The selector when none is given: {app.kubernetes.io/name: <name>}."""
    return {NAME_LABEL: name}


def deep_merge(base, override):
    """`override` over `base`: mappings merge recursively; lists and scalars from `override` replace."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override)
    merged = copy.deepcopy(base)
    for key, value in override.items():
        merged[key] = deep_merge(merged[key], value) if key in merged else copy.deepcopy(value)
    return merged


def env_value(value):
    """Environment values are strings; YAML booleans become true/false, not True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def env_list(env):
    """`env` as a list of EnvVar: a mapping becomes [{name, value}] in its order; a list passes through."""
    if not env:
        return []
    if isinstance(env, dict):
        return [{"name": str(key), "value": env_value(value)} for key, value in env.items()]
    return [dict(item) for item in env]


def container_port(port):
    return {"name": port["name"], "containerPort": int(port["port"]), "protocol": port.get("protocol") or "TCP"}


def normalize_container(container):
    """A raw container with its ports' protocol stated (the server's default, part of the merge key)."""
    container = copy.deepcopy(container)
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    return container


def build_container(params):
    """The one container built from `image`: named after the StatefulSet, mounting the claim at mount_path."""
    container = {"name": params["name"], "image": params["image"]}
    if params.get("image_pull_policy"):
        container["imagePullPolicy"] = params["image_pull_policy"]
    if params.get("command"):
        container["command"] = list(params["command"])
    if params.get("args"):
        container["args"] = list(params["args"])
    env = env_list(params.get("env"))
    if env:
        container["env"] = env
    if params.get("ports"):
        container["ports"] = [container_port(port) for port in params["ports"]]
    claim = params.get("claim_template")
    if claim and params.get("mount_path"):
        container["volumeMounts"] = [{"name": claim["name"], "mountPath": params["mount_path"]}]
    for option, field in (("readiness_probe", "readinessProbe"), ("liveness_probe", "livenessProbe"),
                          ("startup_probe", "startupProbe"), ("resources", "resources")):
        if params.get(option):
            container[field] = copy.deepcopy(params[option])
    return container


def selector_labels(params):
    return dict(params.get("selector") or default_selector(params["name"]))


def pod_labels(params):
    """Pod labels: labels, then pod_labels, then the selector (which the pods must always carry)."""
    labels = dict(params.get("labels") or {})
    labels.update(params.get("pod_labels") or {})
    labels.update(selector_labels(params))
    return labels


def pod_security_context(params):
    context = copy.deepcopy(params.get("security_context") or {})
    if params.get("fs_group") is not None:
        context["fsGroup"] = params["fs_group"]
    return context


def build_pod_template(params):
    metadata = {"labels": pod_labels(params)}
    if params.get("pod_annotations"):
        metadata["annotations"] = dict(params["pod_annotations"])
    if params.get("containers"):
        containers = [normalize_container(container) for container in params["containers"]]
    else:
        containers = [build_container(params)]
    spec = {"containers": containers}
    if params.get("termination_grace_period_seconds") is not None:
        spec["terminationGracePeriodSeconds"] = params["termination_grace_period_seconds"]
    security_context = pod_security_context(params)
    if security_context:
        spec["securityContext"] = security_context
    return {"metadata": metadata, "spec": spec}


def build_claim_template(claim):
    """One volumeClaimTemplate. storageClassName "" (the default) binds to pre-created PVs only."""
    metadata = {"name": claim["name"]}
    if claim.get("labels"):
        metadata["labels"] = dict(claim["labels"])
    spec = {
        "accessModes": list(claim.get("access_modes") or ["ReadWriteOnce"]),
        "resources": {"requests": {"storage": str(claim["size"])}},
        "storageClassName": claim.get("storage_class") if claim.get("storage_class") is not None else "",
    }
    if claim.get("selector"):
        spec["selector"] = {"matchLabels": dict(claim["selector"])}
    return {"metadata": metadata, "spec": spec}


def build_update_strategy(strategy):
    strategy = strategy or {}
    kind = strategy.get("type") or "RollingUpdate"
    built = {"type": kind}
    if kind == "RollingUpdate":
        rolling = {}
        if strategy.get("partition") is not None:
            rolling["partition"] = strategy["partition"]
        if strategy.get("max_unavailable") is not None:
            rolling["maxUnavailable"] = strategy["max_unavailable"]
        if rolling:
            built["rollingUpdate"] = rolling
    return built


def build_retention_policy(policy):
    policy = policy or {}
    return {"whenDeleted": policy.get("when_deleted") or "Retain",
            "whenScaled": policy.get("when_scaled") or "Retain"}


def build_spec(params):
    spec = {
        "serviceName": params["service_name"],
        "replicas": params["replicas"] if params.get("replicas") is not None else 1,
        "selector": {"matchLabels": selector_labels(params)},
        "podManagementPolicy": params.get("pod_management_policy") or "OrderedReady",
        "updateStrategy": build_update_strategy(params.get("update_strategy")),
        "persistentVolumeClaimRetentionPolicy": build_retention_policy(
            params.get("persistent_volume_claim_retention_policy")),
        "template": build_pod_template(params),
    }
    if params.get("ordinals_start") is not None:
        spec["ordinals"] = {"start": params["ordinals_start"]}
    if params.get("claim_template"):
        spec["volumeClaimTemplates"] = [build_claim_template(params["claim_template"])]
    return spec


def build_statefulset(params):
    """The whole StatefulSet manifest; the raw `spec` option is deep-merged over the built spec last."""
    metadata = {"name": params["name"], "namespace": params["namespace"]}
    labels = dict(params.get("labels") or {})
    labels.update(selector_labels(params))
    metadata["labels"] = labels
    if params.get("annotations"):
        metadata["annotations"] = dict(params["annotations"])
    spec = build_spec(params)
    if params.get("spec"):
        spec = deep_merge(spec, params["spec"])
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": metadata, "spec": spec}
