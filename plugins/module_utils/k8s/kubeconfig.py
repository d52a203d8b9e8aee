# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection settings of a kubeconfig context, read by the collection itself.

Importing the kubernetes library's loader costs about 0.4 s per module run, more than the rest of a small run.
This reads what a kubeconfig says with the library's rules (the context, its cluster and user; paths relative to
the file; tokenFile over token; the first credential in the library's order; -data
over a file, token over tokenFile) and leaves to the library only the
users it is needed for: credential plugins (auth-provider, exec).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os


class KubeconfigError(ValueError):
    """The kubeconfig cannot be used; the message names the file, the entry and what to change."""


class Settings(object):
    """What one call needs to reach the API server; the names are those of the library's Configuration, so the
    explicit options are laid over either in the same way.

    ssl_ca_cert, cert_file, key_file  paths; ca_data, cert_data, key_data  PEM bytes from the -data fields
    api_key  {"authorization": "Bearer ..."} or {"authorization": "Basic ..."}; {} for no credential
    """

    def __init__(self, host=None):
        self.host = host
        self.verify_ssl = True
        self.ssl_ca_cert = None
        self.ca_data = None
        self.cert_file = None
        self.cert_data = None
        self.key_file = None
        self.key_data = None
        self.api_key = {}
        self.refresh_api_key_hook = None
        self.tls_server_name = None
        self.proxy = None
        self.proxy_headers = None


def read(path):
    """The parsed kubeconfig at path (a dict)."""
    # PyYAML is imported here, not with the module: a run whose settings all come from options or K8S_AUTH_*
    # (an AWX credential) reads no file and so need not pay its import (about 8 ms of every module's start).
    try:
        import yaml  # pylint: disable=import-outside-toplevel  # see above; a requirement of the kubernetes library
    except ImportError as exc:
        raise KubeconfigError("reading kubeconfig %s needs PyYAML; install the kubernetes library's requirements"
                              % path) from exc
    # libyaml's loader when PyYAML was built with it: the same safe subset, parsed in a fraction of the time
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as stream:
        try:
            config = yaml.load(stream, Loader=loader)  # nosec: a safe loader
        except yaml.YAMLError as exc:
            raise KubeconfigError("kubeconfig %s is not YAML: %s" % (path, " ".join(str(exc).split())))
    if not isinstance(config, dict):
        raise KubeconfigError("kubeconfig %s holds no kubeconfig (apiVersion: v1, kind: Config)" % path)
    return config


def _named(config, section, name):
    for entry in config.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None


def _names(config, section):
    return ", ".join(str(entry.get("name")) for entry in config.get(section) or [] if isinstance(entry, dict)) \
        or "none"


def names_of(config, context=None):
    """(context name, its user's name, its cluster's name) as far as the file names them (None where it does not):
    for messages, which must not fail on a file the connection would refuse."""
    name = context or config.get("current-context")
    entry = _named(config, "contexts", name) if name else None
    settings = (entry or {}).get("context") or {}
    if not isinstance(settings, dict):
        settings = {}
    return name, settings.get("user"), settings.get("cluster")


def context_of(config, path, context=None):
    """(context name, cluster, user) of the chosen context (the current-context without one); cluster and user
    are the entries' settings ({} for a user the context does not name)."""
    name = context or config.get("current-context")
    if not name:
        raise KubeconfigError("kubeconfig %s has no current-context; set context to one of: %s"
                              % (path, _names(config, "contexts")))
    entry = _named(config, "contexts", name)
    if entry is None:
        raise KubeconfigError("context %s is not in kubeconfig %s (it has: %s); set context to one of them"
                              % (name, path, _names(config, "contexts")))
    settings = entry.get("context") or {}
    cluster = _named(config, "clusters", settings.get("cluster"))
    if cluster is None:
        raise KubeconfigError("context %s in kubeconfig %s names cluster %s, which is not in the file (it has: %s)"
                              % (name, path, settings.get("cluster"), _names(config, "clusters")))
    user = _named(config, "users", settings.get("user")) if settings.get("user") else {}
    if user is None:
        raise KubeconfigError("context %s in kubeconfig %s names user %s, which is not in the file (it has: %s)"
                              % (name, path, settings.get("user"), _names(config, "users")))
    return name, cluster.get("cluster") or {}, (user or {}).get("user") or {}


def plugin_of(user):
    """The credential plugin the library would run for this user ("auth-provider gcp", "exec"), or None.

    The library's order: an auth-provider with a name first, then a token, then exec, then user and password.
    """
    provider = user.get("auth-provider")
    if isinstance(provider, dict) and provider.get("name"):
        return "auth-provider %s" % provider["name"]
    if user.get("exec") and not (user.get("token") or user.get("tokenFile")):
        return "exec"
    return None


def _existing(value, base, field, path):
    """A file a kubeconfig names, relative to the kubeconfig's directory; it must exist."""
    named = os.path.normpath(os.path.join(base, value))
    if not os.path.isfile(named):
        raise KubeconfigError("%s %s in kubeconfig %s does not exist; correct the path or use %s-data"
                              % (field, named, path, field))
    return named


def _data(value, field, path):
    try:
        return base64.b64decode(value)
    except (TypeError, ValueError):
        raise KubeconfigError("%s in kubeconfig %s is not base64" % (field, path))


def _file_or_data(entry, field, base, path):
    """(path, None) or (None, bytes) for a field and its -data twin; the data wins, as in the library."""
    if entry.get(field + "-data"):
        return None, _data(entry[field + "-data"], field + "-data", path)
    if entry.get(field):
        return _existing(entry[field], base, field, path), None
    return None, None


def settings_of(cluster, user, path):
    """Settings from a context's cluster and user (without a credential plugin: see plugin_of)."""
    base = os.path.abspath(os.path.dirname(path))
    settings = Settings((cluster.get("server") or "").rstrip("/") or None)
    if settings.host and settings.host.startswith("https"):
        settings.ssl_ca_cert, settings.ca_data = _file_or_data(cluster, "certificate-authority", base, path)
        settings.cert_file, settings.cert_data = _file_or_data(user, "client-certificate", base, path)
        settings.key_file, settings.key_data = _file_or_data(user, "client-key", base, path)
    if "insecure-skip-tls-verify" in cluster:
        settings.verify_ssl = not cluster["insecure-skip-tls-verify"]
    settings.tls_server_name = cluster.get("tls-server-name")
    settings.proxy = cluster.get("proxy-url")
    token = user.get("token")
    if not token and user.get("tokenFile"):
        with open(_existing(user["tokenFile"], base, "tokenFile", path)) as stream:
            token = stream.read().strip()
    if token:
        settings.api_key = {"authorization": "Bearer %s" % token}
    elif "username" in user and "password" in user:
        basic = base64.b64encode(("%s:%s" % (user["username"], user["password"])).encode("utf-8")).decode("ascii")
        settings.api_key = {"authorization": "Basic %s" % basic}
    return settings
