# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes access for every stateful.nfs module: auth options, one client, one error format.

The client speaks to a fixed table of API paths instead of running discovery, so a module run
costs exactly the calls it needs, and every answer is a plain dict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import http.client
import importlib.util
import json
import math
import os
import re
import ssl
import sys
import threading
from urllib.parse import unquote, urlsplit, urlunsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import kubeconfig
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.concurrency import WRITERS
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport import (
    ApiError, DirectTransport, LibraryTransport, ProxyError, urllib3_errors)

# Whether the library is installed, without importing it (see transport): only credential plugins, in-cluster
# service accounts, environment proxies and exec in pods load it.
try:
    HAS_KUBERNETES = importlib.util.find_spec("kubernetes") is not None
except (ImportError, ValueError):
    HAS_KUBERNETES = False


class ConfigException(ValueError):
    """Connection settings that cannot work; the message says what to set."""


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
    # a proxy URL may carry user:password@
    proxy=dict(type="str", no_log=True, fallback=(env_fallback, ["K8S_AUTH_PROXY"])),
)

# (connect, read) seconds for one API call, so a server that accepts but never answers is an error
# (and, in a wait, retried) rather than a hang.
REQUEST_TIMEOUT = (10, 60)

# kind -> (API group/version path, plural, namespaced)
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "PersistentVolume": ("/api/v1", "persistentvolumes", False),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "Service": ("/api/v1", "services", True),
    "Pod": ("/api/v1", "pods", True),
    "Event": ("/api/v1", "events", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
    # Reviews: a POST that the server answers in `status` and does not store.
    "SelfSubjectAccessReview": ("/apis/authorization.k8s.io/v1", "selfsubjectaccessreviews", False),
    "SelfSubjectReview": ("/apis/authentication.k8s.io/v1", "selfsubjectreviews", False),
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


def _tried(action, kind, name, namespace):
    """What a call tried, for the start of its message; a call on no kind (GET /version) is on the API itself."""
    ref = object_ref(kind, name, namespace) if kind else "the API version"
    return "%s %s" % (action, ref) if action else ref


class K8sError(Exception):
    """An API call failed; the message is one line naming the object and the server's reason."""

    def __init__(self, message, status=None, reason=None, details=None):
        super(K8sError, self).__init__(message)
        self.status = status
        self.reason = reason
        # the answer's Status details ({kind, name, ...}): what a 404 did not find, the object or its namespace
        self.details = details or {}


class K8sUnavailable(K8sError):
    """The API server could not be reached, or answered that it cannot serve now (5xx, 429).

    Transient: a wait (waiter.poll_until) tries again until its deadline; any other call fails.
    """


def transient_status(status):
    """HTTP answers of a server that is starting, overloaded or behind a failing proxy."""
    return status == 429 or (status or 0) >= 500


# The userinfo (user:password@) of any URL in a message.
_USERINFO = re.compile(r"(?<=://)[^/\s'\"]*@")


def url_secrets(*urls):
    """The passwords in URLs (as written and percent-decoded), for redact()."""
    secrets = set()
    for url in urls:
        userinfo = _USERINFO.search(url or "")
        if userinfo:
            password = userinfo.group(0)[:-1].partition(":")[2]
            secrets.update(secret for secret in (password, unquote(password)) if secret)
    return sorted(secrets, key=len, reverse=True)


def split_proxy(url):
    """(the proxy URL without user:password@, the Proxy-Authorization headers for them or None).

    The kubernetes library's transports (urllib3 for calls, websocket-client for exec) ignore
    credentials in the proxy URL and send the header instead; and so the password is not in the URL
    that messages name.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _sep, netloc = parts.netloc.rpartition("@")
    user, _sep, password = userinfo.partition(":")
    token = base64.b64encode(("%s:%s" % (unquote(user), unquote(password))).encode("utf-8")).decode("ascii")
    return urlunsplit(parts._replace(netloc=netloc)), {"proxy-authorization": "Basic " + token}


def configuration_secrets(configuration):
    """What of a Configuration no message may show: passwords in its URLs and the proxy credentials."""
    secrets = set(url_secrets(getattr(configuration, "host", None), getattr(configuration, "proxy", None)))
    for name, value in (getattr(configuration, "proxy_headers", None) or {}).items():
        scheme, _sep, token = str(value).partition(" ")
        if name.lower() == "proxy-authorization" and token:
            secrets.add(token)
            if scheme.lower() == "basic":
                try:
                    secrets.add(base64.b64decode(token).decode("utf-8").partition(":")[2])
                except (ValueError, UnicodeDecodeError):
                    pass
    return sorted((secret for secret in secrets if secret), key=len, reverse=True)


def redact(text, secrets=()):
    """`text` with the userinfo of every URL, and each of `secrets`, replaced by ***."""
    text = _USERINFO.sub("***@", text)
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


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
    return redact("%s: %s (HTTP %s %s)" % (_tried(action, kind, name, namespace), message, status, reason))


def status_details(exc):
    """The details of the Status the server answered with ({} when the body is not one)."""
    try:
        return json.loads(exc.body).get("details") or {}
    except (ValueError, TypeError, AttributeError):
        return {}


def _causes(exc):
    """exc and the errors under it: urllib3 wraps them (MaxRetryError -> ProxyError -> NewConnectionError ->
    ConnectionRefusedError) in .reason, in args and as the cause or context; the own transport as the cause."""
    chain = []
    while isinstance(exc, BaseException) and not any(exc is seen for seen in chain):
        chain.append(exc)
        inner = [getattr(exc, "reason", None)] + list(exc.args) + [exc.__cause__, exc.__context__]
        exc = next((e for e in inner if isinstance(e, BaseException)), None)
    return chain


# "HTTPSConnectionPool(host='127.0.0.1', port=6443): " and "<urllib3...HTTPSConnection object at 0x..>: "
_TRANSPORT_NOISE = re.compile(r"^(?:\w+\(host=[^)]*\)|<[^>]*>): ")


SERVER_CHECK = "check that the API server is running and that host (or the kubeconfig's server) points at it"


def connection_problem(exc):
    """(transient, what happened, what to check) for an error below HTTP: refused, reset, timed out, TLS, bad URL."""
    chain = _causes(exc)
    root = chain[-1]
    if isinstance(root, OSError) and getattr(root, "strerror", None):
        what = root.strerror
    else:
        what = " ".join(_TRANSPORT_NOISE.sub("", str(root) or type(root).__name__).split())
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in text:
        return False, "TLS certificate verification failed (%s)" % what, (
            "check ca_cert (or the kubeconfig's certificate-authority), or set validate_certs=false")
    bad_url = (http.client.InvalidURL,) + urllib3_errors("LocationValueError", "ProxySchemeUnknown", "URLSchemeUnknown")
    if any(isinstance(e, bad_url) for e in chain):
        return False, what, "check that host and proxy are URLs such as https://10.0.0.1:6443"
    if isinstance(root, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        # a certificate or key file the connection needs: a setting to fix, not an outage to wait out
        return False, "%s: %s" % (what, root.filename) if root.filename else what, (
            "check the ca_cert, client_cert and client_key files")
    if any(isinstance(e, (ProxyError,) + urllib3_errors("ProxyError")) for e in chain):
        if " 407 " in " %s " % what:  # the proxy refused our credentials: trying again cannot help
            return False, "the proxy refused the credentials (%s)" % what, "check the user name and password in proxy"
        return True, "unable to connect through the proxy: %s" % what, (
            "check that the proxy is running and that proxy points at it")
    return True, what, SERVER_CHECK


def describe_unreachable(what, check, host, proxy=None, kind=None, name=None, namespace=None, action=None,
                         origin=None):
    """One line: what we tried, the server (and proxy) we tried it on and where that server was set, what
    happened, what to check."""
    through = " through proxy %s" % proxy if proxy else ""
    source = " (from %s)" % origin.host_source if origin else ""
    if origin and check == SERVER_CHECK:
        check = "check that the API server is running and that %s points at it" % origin.host_setting
    return redact("%s: cannot reach the Kubernetes API server %s%s%s: %s. Fix: %s"
                  % (_tried(action, kind, name, namespace), host, source, through, what, check))


def describe_rejected(exc, host, origin, kind=None, name=None, namespace=None, action=None):
    """One line for a 401: which credential the server rejected, where it was set, and what to check (no secret)."""
    credential = origin.credential if origin else "the credential"
    fix = origin.credential_fix if origin else "check the api_key, client_cert or the kubeconfig's user"
    return redact("%s: the Kubernetes API server %s rejected %s (HTTP %s %s). Fix: %s"
                  % (_tried(action, kind, name, namespace), host, credential, getattr(exc, "status", None),
                     getattr(exc, "reason", None), fix))


def missing_namespace(exc, namespace):
    """Whether a 404 says that `namespace` itself does not exist (not the object asked for)."""
    details = status_details(exc)
    return bool(namespace) and details.get("kind") == "namespaces" and details.get("name") == namespace


def api_error_of(exc, kind, name, namespace, action, write, secrets=()):
    """The K8sError for an answer of the server: a write into a missing namespace says how to create it."""
    if exc.status == 404 and write and missing_namespace(exc, namespace):
        return K8sError(describe_missing_namespace(kind, name, namespace, action), exc.status, exc.reason,
                        status_details(exc))
    error = K8sUnavailable if transient_status(exc.status) else K8sError
    return error(redact(describe_api_error(exc, kind, name, namespace, action), secrets), exc.status, exc.reason,
                 status_details(exc))


def describe_missing_namespace(kind, name, namespace, action):
    return ("%s: namespace %s does not exist (HTTP 404 NotFound). Fix: create it first, with stateful.nfs.namespace "
            "(name: %s) or kubectl create namespace %s" % (_tried(action, kind, name, namespace), namespace,
                                                           namespace, namespace))


# ---------------------------------------------------------------- where the connection settings came from

def _option_source(params, option, variable, environ):
    """Which setting holds an option's value: env_fallback fills the option from `variable` when a task does not
    set it, so a value equal to the variable's is taken to come from there."""
    value = environ.get(variable)
    if value and AUTH_ARG_SPEC[option]["type"] == "path":  # type path expands ~ and $VARS of the fallback too
        value = os.path.expanduser(os.path.expandvars(value))
    if params.get(option) and value == params.get(option):
        return "the %s environment variable" % variable
    return "the %s option" % option


def kubeconfig_file(params, environ=None):
    """(path, the setting that named it) of the kubeconfig build_configuration reads; (None, None) when it reads
    none because host is set without kubeconfig or context."""
    environ = os.environ if environ is None else environ
    if not (params.get("kubeconfig") or params.get("context") or not params.get("host")):
        return None, None
    if params.get("kubeconfig"):
        return (os.path.expanduser(params["kubeconfig"]),
                _option_source(params, "kubeconfig", "K8S_AUTH_KUBECONFIG", environ))
    if "KUBECONFIG" in environ:
        return os.path.expanduser(environ["KUBECONFIG"].split(os.pathsep)[0]), "the KUBECONFIG environment variable"
    return os.path.expanduser("~/.kube/config"), "the default ~/.kube/config"


def read_kubeconfig(params, environ=None):
    """(path, the setting that named it, the parsed file) of the kubeconfig a connection reads; the parsed file is
    None when none is read (host without kubeconfig or context) or the file does not exist. A connection parses it
    once, here; raises kubeconfig.KubeconfigError (a ValueError) for a file that holds no kubeconfig."""
    config_file, named_by = kubeconfig_file(params, environ)
    config = kubeconfig.read(config_file) if config_file is not None and os.path.exists(config_file) else None
    return config_file, named_by, config


class ConnectionOrigin(object):
    """Where a client's host and credential were set, so a failure names the setting to fix (never a secret).

    host_source   where the host came from: the host option, K8S_AUTH_HOST, a kubeconfig context, in-cluster
    host_setting  what to correct when the host is wrong
    credential    the credential sent, and where it was set; credential_fix what to check when it is rejected
    """

    def __init__(self, host_source, host_setting, credential, credential_fix):
        self.host_source = host_source
        self.host_setting = host_setting
        self.credential = credential
        self.credential_fix = credential_fix


def connection_origin(params, environ=None, read=None):
    """The ConnectionOrigin of build_configuration(params): the same choice of kubeconfig, host and token.
    read: what read_kubeconfig returned for these params (read here when not given; a file that cannot be
    parsed is still named)."""
    environ = os.environ if environ is None else environ
    if read is None:
        try:
            read = read_kubeconfig(params, environ)
        except (OSError, ValueError):
            read = kubeconfig_file(params, environ) + ({},)
    config_file, named_by, config = read
    from_file = config is not None
    in_cluster = not params.get("host") and not from_file
    context = user = cluster = None
    if from_file:
        context, user, cluster = kubeconfig.names_of(config, params.get("context"))
    in_file = "kubeconfig %s, named by %s" % (config_file, named_by)
    if params.get("host"):
        host_source = _option_source(params, "host", "K8S_AUTH_HOST", environ)
        host_setting = host_source
    elif from_file:
        host_source = "context %s in %s" % (context, in_file) if context else in_file
        host_setting = ("the server of cluster %s in %s" % (cluster, config_file) if cluster
                        else "the server in %s" % config_file)
    else:
        host_source = "the in-cluster service account (KUBERNETES_SERVICE_HOST)"
        host_setting = "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT"
    credentials, fixes = [], []
    if params.get("api_key"):
        credentials.append("the token of %s" % _option_source(params, "api_key", "K8S_AUTH_API_KEY", environ))
        fixes.append("check that the token is valid and has not expired (kubectl create token makes a new one)")
    elif from_file:
        credentials.append("user %s of context %s in %s" % (user, context, in_file) if user else "the user in %s"
                           % in_file)
        fixes.append("check the credentials of %s in %s (token, client certificate or exec plugin; they may "
                     "have expired), or choose another context" % ("user %s" % user if user else "the user",
                                                                   config_file))
    elif in_cluster:
        credentials.append("the in-cluster service account token")
        fixes.append("check that the pod's service account token is mounted and valid")
    if params.get("client_cert"):
        credentials.append("the client certificate %s (%s)" % (
            params["client_cert"], _option_source(params, "client_cert", "K8S_AUTH_CERT_FILE", environ)))
        fixes.append("check that the client certificate is signed by the cluster's client CA and has not expired")
    if not credentials:
        credentials.append("no credential (the requests were anonymous)")
        fixes.append("set api_key or client_cert and client_key, or kubeconfig with a user")
    return ConnectionOrigin(host_source, host_setting, " and ".join(credentials), "; ".join(fixes))


def apply_explicit_options(configuration, params):
    """Lay the explicit auth options over a configuration (the library's Configuration or kubeconfig.Settings)."""
    if params.get("host"):
        configuration.host = params["host"]
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
        if hasattr(configuration, "ca_data"):
            configuration.ca_data = None
    if params.get("client_cert"):
        configuration.cert_file = params["client_cert"]
        if hasattr(configuration, "cert_data"):
            configuration.cert_data = None
    if params.get("client_key"):
        configuration.key_file = params["client_key"]
        if hasattr(configuration, "key_data"):
            configuration.key_data = None
    if params.get("proxy"):
        configuration.proxy = params["proxy"]
    if getattr(configuration, "proxy", None):  # from proxy, the kubeconfig's proxy-url or HTTPS_PROXY
        configuration.proxy, headers = split_proxy(configuration.proxy)
        if headers:
            configuration.proxy_headers = dict(getattr(configuration, "proxy_headers", None) or {}, **headers)
    return configuration


def missing_kubeconfig(kubeconfig_option):
    return ConfigException("kubeconfig=%r does not exist; give the path of a readable kubeconfig file"
                           % kubeconfig_option)


NO_CREDENTIALS = ("no Kubernetes credentials found: set kubeconfig (or K8S_AUTH_KUBECONFIG / KUBECONFIG), "
                  "or host and api_key (K8S_AUTH_HOST / K8S_AUTH_API_KEY)")


def environment_names_a_proxy():
    """Whether the environment (on macOS and Windows, also the system settings) names an http or https proxy."""
    if sys.platform not in ("darwin", "win32") and not any(name.lower().endswith("_proxy") for name in os.environ):
        return False  # all getproxies() reads here; importing urllib.request to be told so costs ~1.5 ms a run
    from urllib.request import getproxies  # pylint: disable=import-outside-toplevel  # see above

    return any(scheme in getproxies() for scheme in ("https", "http", "all"))


def direct_settings(params, environ=None, read=None):
    """The kubeconfig.Settings for the collection's own transport, or None when the library must connect:
    a credential plugin (auth-provider, exec), the in-cluster service account, a proxy the environment names, a
    SOCKS or an HTTPS proxy. read: what read_kubeconfig returned (read here when not given).
    Raises ConfigException or KubeconfigError (ValueErrors) with a fix."""
    environ = os.environ if environ is None else environ
    config_file, _named_by, config = read_kubeconfig(params, environ) if read is None else read
    settings = kubeconfig.Settings()
    if config_file is not None:
        if config is not None:
            _name, cluster, user = kubeconfig.context_of(config, config_file, params.get("context"))
            if kubeconfig.plugin_of(user):
                return None
            settings = kubeconfig.settings_of(cluster, user, config_file)
        elif params.get("kubeconfig"):
            raise missing_kubeconfig(params["kubeconfig"])
        elif not params.get("host"):
            return None  # in-cluster
    apply_explicit_options(settings, params)
    if not settings.host:
        raise ConfigException(NO_CREDENTIALS)
    if not settings.proxy and environment_names_a_proxy():
        return None  # the library applies the environment's proxy and no_proxy rules
    if (settings.proxy or "").lower().startswith(("socks", "https:")):
        return None  # the own transport tunnels through plain-HTTP proxies only
    return settings


def build_configuration(params):
    """Turn the auth options into a kubernetes library Configuration (kubeconfig first, explicit options over it)."""
    # pylint: disable=import-outside-toplevel  # the library is loaded only when it is needed, see transport
    from kubernetes import client as k8s_api
    from kubernetes import config as k8s_config
    from kubernetes.config.config_exception import ConfigException as LibraryConfigException

    configuration = k8s_api.Configuration()
    config_file, _named_by = kubeconfig_file(params)
    try:
        if config_file is not None:
            if os.path.exists(config_file):
                k8s_config.load_kube_config(
                    config_file=config_file, context=params.get("context"), client_configuration=configuration
                )
            elif params.get("kubeconfig"):
                raise missing_kubeconfig(params["kubeconfig"])
            elif not params.get("host"):
                try:
                    k8s_config.load_incluster_config(client_configuration=configuration)
                except LibraryConfigException:
                    raise ConfigException(NO_CREDENTIALS)
    except LibraryConfigException as exc:
        raise ConfigException(str(exc))
    return apply_explicit_options(configuration, params)


class K8sClient(object):
    """Plain-dict access to the kinds in KINDS. The only place that performs Kubernetes I/O."""

    def __init__(self, transport, field_manager=FIELD_MANAGER, origin=None, library_configuration=None):
        self.transport = transport  # a transport.DirectTransport or LibraryTransport
        self.field_manager = field_manager
        self.origin = origin  # a ConnectionOrigin, for messages; None: they name the host only
        configuration = transport.configuration
        self.host = getattr(configuration, "host", None)
        self.proxy = getattr(configuration, "proxy", None)
        self.secrets = configuration_secrets(configuration)
        self._library_configuration = library_configuration
        self._library_lock = threading.Lock()

    def library_configuration(self):
        """The kubernetes library's Configuration for these settings, for what only the library does (exec in a
        pod); built once, on first use."""
        with self._library_lock:
            if callable(self._library_configuration):
                self._library_configuration = self._library_configuration()
            return self._library_configuration

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
        data = self.transport.call(method, path, query_params, headers, body, REQUEST_TIMEOUT)
        return json.loads(data) if data else None

    def _checked(self, action, kind, name, namespace, method, path, missing_ok=False, **kwargs):
        """_call, with every failure as one K8sError line (K8sUnavailable when it is worth trying again);
        None for a missing object when missing_ok."""
        try:
            return self._call(method, path, **kwargs)
        except ApiError as exc:
            if missing_ok and exc.status == 404:
                return None
            raise self._api_failure(exc, action, kind, name, namespace, method)
        except self.transport.errors as exc:
            raise self.unreachable_error(exc, action, kind, name, namespace)

    def _api_failure(self, exc, action, kind, name, namespace, method):
        """The K8sError for an ApiError (K8sUnavailable when it is worth trying again)."""
        if not exc.status:  # the library's wrapper of a TLS error: nothing was answered
            return self.unreachable_error(exc, action, kind, name, namespace)
        if exc.status == 401:
            return K8sError(redact(describe_rejected(exc, self.host, self.origin, kind, name, namespace, action),
                                   self.secrets), exc.status, exc.reason)
        return api_error_of(exc, kind, name, namespace, action, method in ("POST", "PATCH"), self.secrets)

    def unreachable_error(self, exc, action, kind, name=None, namespace=None):
        """The K8sError (K8sUnavailable when transient) for a call that got no HTTP answer."""
        transient, what, check = connection_problem(exc)
        message = redact(describe_unreachable(what, check, self.host, self.proxy, kind, name, namespace, action,
                                              self.origin), self.secrets)
        return (K8sUnavailable if transient else K8sError)(message)

    @property
    def host_source(self):
        return self.origin.host_source if self.origin else None

    def server_version(self):
        """The server's GET /version answer (gitVersion, major, minor, ...): the cheapest call that needs a
        reachable server and an accepted credential."""
        return self._checked("read", None, None, None, "GET", "/version")

    def review(self, body):
        """POST a review (SelfSubjectAccessReview, SelfSubjectReview): the answer is in its `status`, nothing is
        stored, so no field manager or dry run applies."""
        kind = body["kind"]
        return self._checked("create", kind, None, None, "POST", self.path(kind), body=body)

    def get(self, kind, name, namespace=None):
        """The object, or None when it does not exist."""
        return self._checked("read", kind, name, namespace, "GET", self.path(kind, name, namespace), missing_ok=True)

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        """All objects of a kind in one LIST call (namespace None = all namespaces / cluster-scoped).

        The server leaves kind and apiVersion out of list items; they are filled in, so an item
        compares with a manifest (reconcile.needs_apply) like the answer of a GET.
        """
        return self.list_with_version(kind, namespace, label_selector, field_selector)[0]

    def list_with_version(self, kind, namespace=None, label_selector=None, field_selector=None):
        """(items, the list's resourceVersion): list(), and the version to watch for changes from."""
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
        return items, (answer.get("metadata") or {}).get("resourceVersion")

    def wait_for_change(self, kind, namespace, label_selector, resource_version, timeout):
        """Whether the objects a list_with_version() saw at `resource_version` change within `timeout` seconds: a
        watch from that version, ended at its first event. True also when the server can no longer watch from that
        version (410 Gone: the caller lists again). K8sError as for any call (403 where RBAC has no watch verb)."""
        query = [("watch", "true"), ("resourceVersion", resource_version), ("labelSelector", label_selector),
                 ("timeoutSeconds", str(max(1, int(math.ceil(timeout)))))]
        headers = {"Accept": "application/json"}
        try:
            line = self.transport.first_event(self.path(kind, namespace=namespace),
                                              [(k, v) for k, v in query if v is not None], headers,
                                              (REQUEST_TIMEOUT[0], timeout))
        except ApiError as exc:
            if exc.status == 410:
                return True
            raise self._api_failure(exc, "watch", kind, None, namespace, "GET")
        except self.transport.errors as exc:
            raise self.unreachable_error(exc, "watch", kind, None, namespace)
        return line is not None

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
        return self._checked("delete", kind, name, namespace, "DELETE", self.path(kind, name, namespace),
                             missing_ok=True, body=body)

    def events_for(self, kind, name, namespace):
        """Events about one object, oldest first."""
        selector = "involvedObject.kind=%s,involvedObject.name=%s" % (kind, name)
        events = self.list("Event", namespace=namespace, field_selector=selector)
        return sorted(events, key=event_time)


def event_time(event):
    return event.get("lastTimestamp") or event.get("eventTime") or event["metadata"].get("creationTimestamp") or ""


def client_from_params(params):
    """Build a K8sClient from the module's auth options; raises ConfigException with a fix."""
    read = read_kubeconfig(params)
    settings = direct_settings(params, read=read)
    origin = connection_origin(params, read=read)
    if settings is None:
        configuration = build_configuration(params)
        return K8sClient(LibraryTransport(configuration), origin=origin, library_configuration=configuration)
    return K8sClient(DirectTransport(settings, connections=WRITERS), origin=origin,
                     library_configuration=lambda: build_configuration(params))


def connect(module):
    """The K8sClient for a module, or fail_json with Ansible's missing-library or a one-line auth error."""
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"))
    try:
        return client_from_params(module.params)
    except (OSError, ValueError) as exc:
        params = module.params
        module.fail_json(msg="Kubernetes connection settings: %s"
                         % redact(str(exc), url_secrets(params.get("host"), params.get("proxy"))))
