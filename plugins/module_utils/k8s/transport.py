# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP to the API server: the collection's own (urllib3, which the kubernetes library sends with too) or the
library's ApiClient, behind one call. Both answer bytes or raise ApiError.

The own transport is there for start-up time: importing the library costs about 0.4 s per module run. The
library's stays for what only it does: credential plugins, in-cluster service accounts, proxies from the
environment (client.direct_settings decides).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import ssl
import tempfile

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover
    from urllib import urlencode

try:
    import urllib3
    from urllib3.exceptions import ReadTimeoutError

    HAS_URLLIB3 = True
except ImportError:
    HAS_URLLIB3 = False

    class ReadTimeoutError(Exception):
        pass


class ApiError(Exception):
    """An answer of the API server outside 2xx: status, reason, body (bytes or str), headers.

    Both transports raise it, so everything above reads one shape (the library's ApiException has the same
    attributes).
    """

    def __init__(self, status=None, reason=None, body=None, headers=None):
        super(ApiError, self).__init__("HTTP %s %s" % (status, reason))
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers or {}


def request_body(body):
    """The bytes sent for a body: JSON, which is also valid YAML for an apply patch."""
    if body is None:
        return None
    return json.dumps(body).encode("utf-8")


def first_line(response):
    """The first line a streamed urllib3 response sends (a watch's first event), or None when it sends none before
    its read timeout or its end. The response is closed either way: the rest of a watch is not wanted, and its
    connection cannot serve another call with the stream half read."""
    data = b""
    try:
        for chunk in response.stream(4096, decode_content=True):
            data += chunk
            if b"\n" in data:
                break
    except ReadTimeoutError:
        pass
    finally:
        response.close()
    line = data.split(b"\n", 1)[0].strip()
    return line or None


def _load_cert_chain(context, settings):
    """The client certificate and key into `context`; PEM data goes through a private temporary file that is
    removed at once (ssl reads certificates from files only)."""
    with tempfile.TemporaryDirectory(prefix="stateful-nfs-tls-") as private:
        def as_file(path, data, name):
            if path or data is None:
                return path
            written = os.path.join(private, name)
            with os.fdopen(os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as stream:
                stream.write(data)
            return written

        cert = as_file(settings.cert_file, settings.cert_data, "client.crt")
        key = as_file(settings.key_file, settings.key_data, "client.key")
        if cert:
            context.load_cert_chain(cert, key)


class TLSFileError(ValueError):
    """A CA, certificate or key that cannot be loaded; the message names it and the setting to check."""


def ssl_context(settings):
    """The TLS context of Settings: its CA (else the system's), its client certificate, verification on or off."""
    if settings.verify_ssl:
        try:
            context = ssl.create_default_context(
                cafile=settings.ssl_ca_cert, cadata=settings.ca_data.decode("ascii") if settings.ca_data else None)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise TLSFileError("the certificate authority %s cannot be loaded: %s. Fix: check ca_cert (or the "
                               "kubeconfig's certificate-authority)" % (settings.ssl_ca_cert or "(data)", exc))
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        _load_cert_chain(context, settings)
    except (OSError, ValueError) as exc:
        raise TLSFileError("the client certificate %s and key %s cannot be loaded: %s. Fix: check client_cert and "
                           "client_key (or the kubeconfig's client-certificate and client-key)"
                           % (settings.cert_file or "(data)", settings.key_file or "(data)", exc))
    return context


class DirectTransport(object):
    """Calls with urllib3 on kubeconfig.Settings: a pool of `connections` kept-alive connections (the module's
    parallel writers each use one)."""

    def __init__(self, settings, connections):
        self.configuration = settings
        pool_args = dict(maxsize=connections, cert_reqs="CERT_REQUIRED" if settings.verify_ssl else "CERT_NONE")
        if settings.host and settings.host.startswith("https"):
            pool_args["ssl_context"] = ssl_context(settings)
        if settings.tls_server_name:
            pool_args["server_hostname"] = settings.tls_server_name
        if settings.proxy:
            self.pool = urllib3.ProxyManager(settings.proxy, proxy_headers=settings.proxy_headers, **pool_args)
        else:
            self.pool = urllib3.PoolManager(**pool_args)

    def _url(self, path, query_params):
        url = self.configuration.host + path
        if query_params:
            url += "?" + urlencode(query_params)
        return url

    def _headers(self, headers):
        headers = dict(headers)
        authorization = self.configuration.api_key.get("authorization") or \
            self.configuration.api_key.get("BearerToken")
        if authorization:
            headers["Authorization"] = authorization
        return headers

    def call(self, method, path, query_params, headers, body, timeout):
        url = self._url(path, query_params)
        response = self.pool.request(method, url, body=request_body(body), headers=self._headers(headers),
                                     redirect=False, timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]))
        if not 200 <= response.status <= 299:
            raise ApiError(response.status, response.reason, response.data, dict(response.headers))
        return response.data

    def first_event(self, path, query_params, headers, timeout):
        """GET `path` as a stream and return its first line (see first_line); ApiError for an answer outside 2xx."""
        response = self.pool.request("GET", self._url(path, query_params), headers=self._headers(headers),
                                     redirect=False, preload_content=False,
                                     timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]))
        if not 200 <= response.status <= 299:
            data = response.data
            response.release_conn()
            raise ApiError(response.status, response.reason, data, dict(response.headers))
        return first_line(response)


class LibraryTransport(object):
    """Calls with the kubernetes library's ApiClient on its Configuration."""

    def __init__(self, configuration):
        from kubernetes import client as k8s_api  # pylint: disable=import-outside-toplevel  # see the module doc

        self.configuration = configuration
        self.api_client = k8s_api.ApiClient(configuration)

    def _send(self, method, path, query_params, headers, body, timeout):
        """The urllib3 response, its body not read yet; ApiError for an answer outside 2xx."""
        from kubernetes.client.exceptions import ApiException  # pylint: disable=import-outside-toplevel

        try:
            if hasattr(self.api_client, "param_serialize"):
                # kubernetes >= 35 (the newer generated client): serialize, send, and raise for non-2xx ourselves.
                request = self.api_client.param_serialize(method, path, query_params=query_params,
                                                          header_params=headers, body=body,
                                                          auth_settings=["BearerToken"])
                response = self.api_client.call_api(*request, _request_timeout=timeout)
                if not 200 <= response.status <= 299:
                    response.read()
                    raise ApiException(http_resp=response)
                return response.response
            return self.api_client.call_api(
                path, method, query_params=query_params, header_params=headers, body=body,
                auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True,
                _request_timeout=timeout)
        except ApiException as exc:
            raise ApiError(exc.status, exc.reason, exc.body, getattr(exc, "headers", None)) from exc

    def call(self, method, path, query_params, headers, body, timeout):
        return self._send(method, path, query_params, headers, body, timeout).data

    def first_event(self, path, query_params, headers, timeout):
        """GET `path` as a stream and return its first line (see first_line)."""
        return first_line(self._send("GET", path, query_params, headers, None, timeout))
