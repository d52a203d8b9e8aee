# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.headless_service: validation, the clusterIP immutability rule, and the reconcile run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.stateful.nfs.plugins.module_utils.k8s import reconcile, waiter
from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError, collect, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.manifests.service import build_service

KIND = "Service"
DELETE_TIMEOUT = 60

RECREATE_FIX = ("set recreate: true, which deletes and recreates the Service; clients see a short gap")


def check_ports(ports):
    """Every port named (SRV records need names), names and port/protocol pairs unique."""
    names, pairs = {}, {}
    for index, port in enumerate(ports or []):
        field = "ports[%d]" % index
        number = port.get("port")
        raise_all(rules.port_number(field + ".port", number))
        name = port.get("name")
        if not name:
            raise SpecError(field + ".name", name,
                            "port %s has no name; a headless Service needs named ports so that DNS publishes "
                            "SRV records (_<name>._<protocol>.<service>)" % number,
                            "give it a name, for example name: tcp-%s" % number)
        raise_all(rules.dns1123_label(field + ".name", name, "port", "web"))
        if name in names:
            raise SpecError(field + ".name", name, "is also the name of ports[%d]" % names[name],
                            "give every port its own name")
        names[name] = index
        pair = (number, port.get("protocol") or "TCP")
        if pair in pairs:
            raise SpecError(field + ".port", number, "ports[%d] already uses %s/%s" % ((pairs[pair],) + pair),
                            "use each port and protocol once")
        pairs[pair] = index
        target = port.get("target_port")
        if target is None or target == "":
            continue
        if isinstance(target, int) and not isinstance(target, bool):
            raise_all(rules.port_number(field + ".target_port", target))
        elif isinstance(target, str) and target.strip().isdigit():
            raise_all(rules.port_number(field + ".target_port", int(target)))
        elif not rules.is_port_name(target):
            raise SpecError(field + ".target_port", target,
                            "is neither a port number nor a container port name",
                            "give the container's port number, or the name of the container port "
                            "(at most 15 lowercase letters, digits and '-')")


def check_selector(selector):
    if not selector:
        raise SpecError("selector", selector, "is empty, so the Service would select no pods",
                        "set selector to the pod labels of the StatefulSet, for example {app.kubernetes.io/name: web}")


def checks(params):
    """The validators of these options (zero-argument callables raising SpecError), for problems() and the plan."""
    found = [lambda: raise_all(rules.dns1035_label("name", params.get("name"))),
             lambda: raise_all(rules.dns1123_label("namespace", params.get("namespace"), "namespace", "demo"))]
    if params.get("state", "present") == "present":
        found.append(lambda: check_ports(params.get("ports")))
        found.append(lambda: check_selector(params.get("selector")))
    return found


def problems(params):
    """Every input problem in one message (None when the input is good); checked before anything is touched."""
    return collect(checks(params))


def cluster_ip_conflict(live):
    """The live clusterIP when it prevents making the Service headless (immutable), else None."""
    if live is None:
        return None
    cluster_ip = (live.get("spec") or {}).get("clusterIP")
    if cluster_ip and cluster_ip != "None":
        return cluster_ip
    return None


def result_of(outcome, diff):
    result = {"changed": outcome.changed, "action": outcome.action, "service": outcome.after or {}}
    if diff:
        result["diff"] = outcome.diff
    if outcome.warnings:
        result["warnings"] = outcome.warnings
    return result


def recreate(client, desired, live, check_mode):
    """Delete the live Service (uid precondition), wait until it is gone, then create `desired`."""
    meta = live["metadata"]
    if check_mode:
        client.delete(KIND, meta["name"], meta.get("namespace"), uid=meta.get("uid"), dry_run=True)
        return reconcile.Outcome(True, live, desired, "recreate")
    client.delete(KIND, meta["name"], meta.get("namespace"), uid=meta.get("uid"))
    waiter.wait_until_gone(client, KIND, meta["name"], meta.get("namespace"), uid=meta.get("uid"),
                           timeout=DELETE_TIMEOUT)
    return reconcile.Outcome(True, live, client.apply(desired), "recreate")


def ensure_present(client, params, check_mode=False, diff=False):
    desired = build_service(params)
    live = client.get(KIND, params["name"], params["namespace"])
    cluster_ip = cluster_ip_conflict(live)
    if cluster_ip:
        if not params.get("recreate"):
            raise Failure(
                "%s has clusterIP %s and clusterIP is immutable, so it cannot be made headless in place. Fix: %s"
                % (object_ref(KIND, params["name"], params["namespace"]), cluster_ip, RECREATE_FIX),
                service=live, changed=False)
        return result_of(recreate(client, desired, live, check_mode), diff)
    return result_of(reconcile.reconcile(client, desired, live, check_mode), diff)


def ensure_absent(client, params, check_mode=False, diff=False):
    live = client.get(KIND, params["name"], params["namespace"])
    if live is None:
        return {"changed": False, "action": "none", "service": {}}
    meta = live["metadata"]
    client.delete(KIND, meta["name"], meta.get("namespace"), uid=meta.get("uid"), dry_run=check_mode)
    result = {"changed": True, "action": "delete", "service": live}
    if diff:
        result["diff"] = {"before": reconcile.comparable(live), "after": {}}
    return result


def ensure(client, params, check_mode=False, diff=False):
    """The module's whole run after validation. Raises K8sError, Failure or WaitTimeout."""
    if params.get("state", "present") == "absent":
        return ensure_absent(client, params, check_mode, diff)
    return ensure_present(client, params, check_mode, diff)
