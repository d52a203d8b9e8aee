# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes access for every stateful.nfs module: auth options, one client, one error format.

The client speaks to a fixed table of API paths instead of running discovery, so a module run
costs exactly the calls it needs, and every answer is a plain dict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

try:
    from kubernetes import client as k8s_api
    from kubernetes import config as k8s_config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()

    class ApiException(Exception):  # keeps except clauses importable without the library
        pass

    class ConfigException(Exception):
        pass


FIELD_MANAGER = "stateful.nfs"

AUTH_ARG_SPEC = dict(
    kubeconfig=dict(type="path", fallback=(env_fallback, ["K8S_AUTH_KUBECONFIG"])),
    context=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_CONTEXT"])),
    host=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_HOST"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_API_KEY"])),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=(env_fallback, ["K8S_AUTH_VERIFY_SSL"])),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=(env_fallback, ["K8S_AUTH_SSL_CA_CERT"])),
    client_cert=dict(type="path", aliases=["cert_file"], fallback=(env_fallback, ["K8S_AUTH_CERT_FILE"])),
    client_key=dict(type="path", aliases=["key_file"], no_log=False, fallback=(env_fallback, ["K8S_AUTH_KEY_FILE"])),
    proxy=dict(type="str", fallback=(env_fallback, ["K8S_AUTH_PROXY"])),
)

# kind -> (API group/version path, plural, namespaced)
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "PersistentVolume": ("/api/v1", "persistentvolumes", False),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "Service": ("/api/v1", "services", True),
    "Pod": ("/api/v1", "pods", True),
    "Event": ("/api/v1", "events", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
}

PATCH_CONTENT_TYPES = {
    "apply": "application/apply-patch+yaml",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}


def api_version_of(kind):
    path = KINDS[kind][0]
    return path[len("/api/"):] if path.startswith("/api/") else path[len("/apis/"):]


def object_ref(kind, name, namespace=None):
    """How every message names an object: Kind/namespace/name (or Kind/name when cluster-scoped)."""
    return "/".join(part for part in (kind, namespace, name) if part)


class K8sError(Exception):
    """An API call failed; the message is one line naming the object and the server's reason."""

    def __init__(self, message, status=None, reason=None):
        super(K8sError, self).__init__(message)
        self.status = status
        self.reason = reason


def describe_api_error(exc, kind, name=None, namespace=None, action=None):
    """One line: what we tried, on which object, and what the server said."""
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    message = None
    body = getattr(exc, "body", None)
    if body:
        try:
            payload = json.loads(body)
            message = payload.get("message")
            reason = payload.get("reason") or reason
        except (ValueError, TypeError, AttributeError):
            message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    message = " ".join((message or str(exc)).split())
    what = "%s %s" % (action, object_ref(kind, name, namespace)) if action else object_ref(kind, name, namespace)
    return "%s: %s (HTTP %s %s)" % (what, message, status, reason)


def build_configuration(params):
    """Turn the auth options into a kubernetes Configuration (kubeconfig first, explicit options over it)."""
    configuration = k8s_api.Configuration()
    explicit_host = params.get("host")
    kubeconfig = params.get("kubeconfig")
    if kubeconfig or params.get("context") or not explicit_host:
        config_file = kubeconfig or os.environ.get("KUBECONFIG", "~/.kube/config").split(os.pathsep)[0]
        config_file = os.path.expanduser(config_file)
        if os.path.exists(config_file):
            k8s_config.load_kube_config(
                config_file=config_file, context=params.get("context"), client_configuration=configuration
            )
        elif kubeconfig:
            raise ConfigException("kubeconfig=%r does not exist; give the path of a readable kubeconfig file" % kubeconfig)
        elif not explicit_host:
            try:
                k8s_config.load_incluster_config(client_configuration=configuration)
            except ConfigException:
                raise ConfigException(
                    "no Kubernetes credentials found: set kubeconfig (or K8S_AUTH_KUBECONFIG / KUBECONFIG), "
                    "or host and api_key (K8S_AUTH_HOST / K8S_AUTH_API_KEY)"
                )
    if explicit_host:
        configuration.host = explicit_host
    if params.get("api_key"):
        # Replace, not add: a token the kubeconfig loader stored (and its hook that stores it again
        # before each request) would win. Older kubernetes releases read "authorization", newer
        # ones "BearerToken".
        token = "Bearer %s" % params["api_key"]
        configuration.api_key = {"authorization": token, "BearerToken": token}
        configuration.refresh_api_key_hook = None
    if params.get("validate_certs") is not None:
        configuration.verify_ssl = params["validate_certs"]
    if params.get("ca_cert"):
        configuration.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        configuration.cert_file = params["client_cert"]
    if params.get("client_key"):
        configuration.key_file = params["client_key"]
    if params.get("proxy"):
        configuration.proxy = params["proxy"]
    return configuration


class K8sClient(object):
    """Plain-dict access to the kinds in KINDS. The only place that performs Kubernetes I/O."""

    def __init__(self, api_client, field_manager=FIELD_MANAGER):
        self.api_client = api_client
        self.field_manager = field_manager

    @staticmethod
    def path(kind, name=None, namespace=None, subresource=None):
        base, plural, namespaced = KINDS[kind]
        parts = [base]
        if namespaced and namespace:
            parts += ["namespaces", namespace]
        parts.append(plural)
        if name:
            parts.append(name)
        if subresource:
            parts.append(subresource)
        return "/".join(parts)

    def _call(self, method, path, query=None, body=None, content_type="application/json"):
        headers = {"Accept": "application/json", "Content-Type": content_type}
        query_params = [(k, v) for k, v in (query or {}).items() if v is not None]
        if hasattr(self.api_client, "param_serialize"):
            # kubernetes >= 35 (the newer generated client): serialize, send, and raise for non-2xx ourselves.
            request = self.api_client.param_serialize(method, path, query_params=query_params, header_params=headers,
                                                      body=body, auth_settings=["BearerToken"])
            response = self.api_client.call_api(*request)
            data = response.read()
            if not 200 <= response.status <= 299:
                raise ApiException(http_resp=response)
        else:
            response = self.api_client.call_api(
                path,
                method,
                query_params=query_params,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _return_http_data_only=True,
            )
            data = response.data
        return json.loads(data) if data else None

    def _checked(self, action, kind, name, namespace, method, path, **kwargs):
        try:
            return self._call(method, path, **kwargs)
        except ApiException as exc:
            raise K8sError(describe_api_error(exc, kind, name, namespace, action), exc.status, exc.reason)

    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        try:
            return self._call("GET", self.path(kind, name, namespace))
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise K8sError(describe_api_error(exc, kind, name, namespace, "read"), exc.status, exc.reason)

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        """All objects of a kind in one LIST call (namespace None = all namespaces / cluster-scoped).

        The server leaves kind and apiVersion out of list items; they are filled in, so an item
        compares with a manifest (reconcile.needs_apply) like the answer of a GET.
        """
        answer = self._checked(
            "list",
            kind,
            None,
            namespace,
            "GET",
            self.path(kind, namespace=namespace),
            query={"labelSelector": label_selector, "fieldSelector": field_selector},
        )
        items = answer.get("items") or []
        for item in items:
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", api_version_of(kind))
        return items

    def apply(self, body, dry_run=False, force=True):
        """Server-side apply with our field manager; returns what the server stored (or would store)."""
        kind = body["kind"]
        meta = body["metadata"]
        query = {"fieldManager": self.field_manager, "force": "true" if force else None}
        if dry_run:
            query["dryRun"] = "All"
        return self._checked(
            "apply",
            kind,
            meta["name"],
            meta.get("namespace"),
            "PATCH",
            self.path(kind, meta["name"], meta.get("namespace")),
            query=query,
            body=body,
            content_type=PATCH_CONTENT_TYPES["apply"],
        )

    def patch(self, kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        query = {"fieldManager": self.field_manager, "dryRun": "All" if dry_run else None}
        return self._checked(
            "patch",
            kind,
            name,
            namespace,
            "PATCH",
            self.path(kind, name, namespace, subresource),
            query=query,
            body=patch,
            content_type=PATCH_CONTENT_TYPES[patch_type],
        )

    def create(self, body, dry_run=False):
        kind = body["kind"]
        meta = body["metadata"]
        query = {"fieldManager": self.field_manager, "dryRun": "All" if dry_run else None}
        return self._checked(
            "create",
            kind,
            meta.get("name"),
            meta.get("namespace"),
            "POST",
            self.path(kind, namespace=meta.get("namespace")),
            query=query,
            body=body,
        )

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        """Delete one object; returns None when it was already gone. uid guards against deleting a successor."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if uid:
            body["preconditions"] = {"uid": uid}
        if dry_run:
            body["dryRun"] = ["All"]
        try:
            return self._call("DELETE", self.path(kind, name, namespace), body=body)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise K8sError(describe_api_error(exc, kind, name, namespace, "delete"), exc.status, exc.reason)

    def events_for(self, kind, name, namespace):
        """Events about one object, oldest first."""
        selector = "involvedObject.kind=%s,involvedObject.name=%s" % (kind, name)
        events = self.list("Event", namespace=namespace, field_selector=selector)
        return sorted(events, key=event_time)


def event_time(event):
    return event.get("lastTimestamp") or event.get("eventTime") or event["metadata"].get("creationTimestamp") or ""


def client_from_params(params):
    """Build a K8sClient from the module's auth options; raises ConfigException with a fix."""
    configuration = build_configuration(params)
    return K8sClient(k8s_api.ApiClient(configuration))


def connect(module):
    """The K8sClient for a module, or fail_json with Ansible's missing-library or a one-line auth error."""
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=KUBERNETES_IMPORT_ERROR)
    try:
        return client_from_params(module.params)
    except (ConfigException, OSError, ValueError) as exc:
        module.fail_json(msg="Kubernetes connection settings: %s" % exc)
