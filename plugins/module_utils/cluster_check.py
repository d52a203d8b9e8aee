# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before anything changes: the API answers, the credential is accepted, the user may do what the run needs.

  problems        validate the `access` items (every bad one at once), before any API call
  check           GET /version, SelfSubjectReview (who am I), one SelfSubjectAccessReview per item, a GET of
                  each namespace named; fails once, listing every denied item with the fix. Only reads and
                  reviews, which the server does not store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError, collect, raise_all
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import KINDS, K8sError

# plural -> (API group, namespaced) of the kinds the collection manages, to catch a wrong group or scope early;
# events are served by two groups (core and events.k8s.io), so either is fine.
KNOWN_RESOURCES = dict(
    (plural, ("" if base == "/api/v1" else base[len("/apis/"):].rpartition("/")[0], namespaced))
    for base, plural, namespaced in KINDS.values() if plural != "events")
_RESOURCE = re.compile(r"^(\*|[a-z][a-z0-9.-]*)$")
_VERB = re.compile(r"^(\*|[a-z]+)$")


# ---------------------------------------------------------------- validation (pure)

def normalize(item):
    """An access item as reviewed and returned: group "" is the core group, namespace None is cluster-wide."""
    return {
        "verb": item.get("verb"),
        "resource": item.get("resource"),
        "subresource": item.get("subresource") or None,
        "group": item.get("group") or "",
        "namespace": item.get("namespace") or None,
    }


def _check_item(index, item):
    here = "access[%d]" % index
    verb, resource, group, namespace = item["verb"], item["resource"], item["group"], item["namespace"]
    if not verb or not _VERB.match(verb):
        raise SpecError(here + ".verb", verb, "is not a Kubernetes verb",
                        "use a lowercase verb such as get, list, watch, create, patch, update, delete")
    if not resource or not _RESOURCE.match(resource):
        raise SpecError(here + ".resource", resource, "is not a resource name",
                        "use the lowercase plural, e.g. statefulsets or persistentvolumes (the group goes into group)")
    known = KNOWN_RESOURCES.get(resource) or KNOWN_RESOURCES.get(resource + "s")
    if resource not in KNOWN_RESOURCES and known:
        raise SpecError(here + ".resource", resource, "resources are named in the plural",
                        "use %ss" % resource)
    if known and group != known[0]:
        raise SpecError(here + ".group", group, "%s are in the API group %r" % (resource, known[0]),
                        "set group: %r" % known[0])
    if known and namespace and not known[1]:
        raise SpecError(here + ".namespace", namespace, "%s are cluster-scoped" % resource, "leave namespace out")
    if namespace:
        raise_all(rules.dns1123_label(here + ".namespace", namespace, "namespace", "demo"))


def problems(params):
    """Every input problem at once, joined into one message (None when the input is fine)."""
    items = [normalize(item) for item in params.get("access") or []]
    return collect([lambda index=index, item=item: _check_item(index, item) for index, item in enumerate(items)])


# ---------------------------------------------------------------- run

def resource_name(item):
    """How kubectl names the resource: plural[.group][/subresource]."""
    name = "%s.%s" % (item["resource"], item["group"]) if item["group"] else item["resource"]
    return "%s/%s" % (name, item["subresource"]) if item["subresource"] else name


def describe_item(item):
    where = "in namespace %s" % item["namespace"] if item["namespace"] else "cluster-wide"
    return "%s %s %s" % (item["verb"], resource_name(item), where)


def access_review(item):
    attributes = dict((key, item[key]) for key in ("verb", "resource", "group") if item[key] is not None)
    if item["subresource"]:
        attributes["subresource"] = item["subresource"]
    if item["namespace"]:
        attributes["namespace"] = item["namespace"]
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes}}


def who_am_i(client):
    """(user name, groups) from a SelfSubjectReview; (None, []) where the server has none (before 1.28: 404) or
    refuses it (403). A rejected credential (401) is raised."""
    try:
        answer = client.review({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    except K8sError as exc:
        if exc.status in (403, 404):
            return None, []
        raise
    info = ((answer or {}).get("status") or {}).get("userInfo") or {}
    return info.get("username"), list(info.get("groups") or [])


def subject_flag(user):
    """The kubectl create (cluster)rolebinding flag that names `user` as the subject."""
    if not user:
        return "--user=<the user>"
    prefix = "system:serviceaccount:"
    if user.startswith(prefix) and user.count(":") == 3:
        return "--serviceaccount=%s" % user[len(prefix):]
    return "--user=%s" % user


def _example(items, user):
    """kubectl commands that grant the denied `items` (each verb on each resource of its scope)."""
    commands = []
    scopes = sorted(set(item["namespace"] or "" for item in items))
    for scope in scopes:
        chosen = [item for item in items if (item["namespace"] or "") == scope]
        verbs = ",".join(sorted(set(item["verb"] for item in chosen)))
        resources = ",".join(sorted(set(resource_name(item) for item in chosen)))
        if scope:
            commands.append("kubectl -n %s create role stateful-nfs --verb=%s --resource=%s && kubectl -n %s create "
                            "rolebinding stateful-nfs --role=stateful-nfs %s" % (scope, verbs, resources, scope,
                                                                                 subject_flag(user)))
        else:
            commands.append("kubectl create clusterrole stateful-nfs --verb=%s --resource=%s && kubectl create "
                            "clusterrolebinding stateful-nfs --clusterrole=stateful-nfs %s"
                            % (verbs, resources, subject_flag(user)))
    return "; ".join(commands)


def denied_message(denied, total, user, credential):
    who = "user %s" % user if user else "the user of %s" % credential
    anonymous = " (system:anonymous: no credential was sent, or the server ignored it)" \
        if user == "system:anonymous" else ""
    listed = "; ".join(describe_item(item) + (" (%s)" % item["reason"] if item.get("reason") else "")
                       for item in denied)
    return ("%s%s may not do %d of the %d things the run needs: %s. Fix: grant them to %s with a ClusterRole and a "
            "ClusterRoleBinding (a Role and a RoleBinding in the namespace for namespaced ones), for example: %s"
            % (who, anonymous, len(denied), total, listed, user or "that user", _example(denied, user)))


def namespace_notes(namespaces):
    notes = []
    for name, exists in namespaces.items():
        if exists is False:
            notes.append("namespace %s does not exist: the workflow creates it (stateful.nfs.namespace), or create it "
                         "with kubectl create namespace %s" % (name, name))
        elif exists is None:
            notes.append("whether namespace %s exists is unknown: reading it is forbidden" % name)
    return notes


def namespace_exists(client, name):
    """True/False, or None when the user may not read namespaces (the access reviews say what it may do)."""
    try:
        return client.get("Namespace", name) is not None
    except K8sError as exc:
        if exc.status == 403:
            return None
        raise


def may_not_ask_fix(client, exc, user):
    """What to do when the user may not even create a SelfSubjectAccessReview."""
    if user == "system:anonymous" or "system:anonymous" in str(exc):
        origin = getattr(client, "origin", None)
        if origin is None:
            return "the requests were anonymous: set api_key, client_cert and client_key, or kubeconfig with a user"
        if origin.credential.startswith("no credential"):
            return "no credential was sent: %s" % origin.credential_fix
        return "the server took the requests as anonymous although %s was sent: %s" % (
            origin.credential, origin.credential_fix)
    return ("bind the ClusterRole system:basic-user to %s (it lets every authenticated user ask what it may do)"
            % (user or "the user"))


def check(client, params):
    """The module result; Failure (with what is known so far) when the API, the credential or an access fails."""
    result = {"changed": False, "host": client.host, "host_source": client.host_source, "server_version": None,
              "user": None, "groups": [], "allowed": [], "denied": [], "namespaces": {}}
    try:
        version = client.server_version() or {}
        result["server_version"] = version.get("gitVersion")
        result["user"], result["groups"] = who_am_i(client)
        items = [normalize(item) for item in params.get("access") or []]
        for item in items:
            try:
                answer = client.review(access_review(item)) or {}
            except K8sError as exc:
                if exc.status == 403:  # anonymous, or a user without system:basic-user: it may not even ask
                    raise Failure("%s. Fix: %s" % (exc, may_not_ask_fix(client, exc, result["user"])), **result)
                raise
            status = answer.get("status") or {}
            if status.get("allowed") is True:
                result["allowed"].append(item)
            else:
                reason = status.get("reason") or status.get("evaluationError") or None
                result["denied"].append(dict(item, reason=reason))
        for name in [item["namespace"] for item in items]:
            if name and name not in result["namespaces"]:
                result["namespaces"][name] = namespace_exists(client, name)
    except K8sError as exc:
        raise Failure(str(exc), **result)
    notes = namespace_notes(result["namespaces"])
    credential = client.origin.credential if getattr(client, "origin", None) else "the credential"
    if result["denied"]:
        raise Failure("; ".join([denied_message(result["denied"], len(items), result["user"], credential)] + notes),
                      **result)
    summary = "the Kubernetes API server %s (from %s) answers (%s) and accepts %s" % (
        client.host, client.host_source or "the connection settings", result["server_version"] or "version unknown",
        "user %s" % result["user"] if result["user"] else credential)
    if items:
        summary += "; all %d access checks are allowed" % len(items)
    result["msg"] = "; ".join([summary] + notes)
    return result
