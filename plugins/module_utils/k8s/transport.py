# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP to the API server: the collection's own (http.client, a small pool of kept-alive connections) or the
library's ApiClient, behind one call. Both answer bytes or raise ApiError.

The own transport is there for start-up time: importing the library costs about 0.4 s per module run, and
urllib3 alone (what the library sends with) about 17 ms. The library's stays for what only it does: credential
plugins, in-cluster service accounts, proxies from the environment, HTTPS and SOCKS proxies
(client.direct_settings decides).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import os
import select
import ssl
import sys
import tempfile
import threading
from urllib.parse import urlencode, urlsplit


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


def first_line(response, timeouts):
    """The first line a streamed response sends (a watch's first event), or None when it sends none before its
    read timeout (one of `timeouts`, the exceptions its transport raises for one) or its end. The response is
    closed either way: the rest of a watch is not wanted, and its connection cannot serve another call with the
    stream half read."""
    data = b""
    try:
        for chunk in response.stream(4096, decode_content=True):
            data += chunk
            if b"\n" in data:
                break
    except timeouts:
        pass
    finally:
        response.close()
    line = data.split(b"\n", 1)[0].strip()
    return line or None


def urllib3_errors(*names):
    """urllib3's exception classes of these names once urllib3 is loaded (the library's transport sends with it),
    else none: nothing can have raised one, and importing urllib3 to find out would cost what the own transport
    saves."""
    module = sys.modules.get("urllib3.exceptions")
    return tuple(getattr(module, name) for name in names) if module else ()


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


class ProxyError(OSError):
    """The proxy could not be reached, or refused the tunnel (407 when it wants other credentials)."""


class ConnectTimeout(TimeoutError):
    """No connection within the connect timeout (a read timeout is a plain TimeoutError)."""


class _Connection(http.client.HTTPConnection):
    """One connection to the API server, or through a CONNECT proxy to it; TLS when tls_context is set, with
    the certificate checked against server_hostname (the kubeconfig's tls-server-name, else the host)."""

    tls_context = None
    server_hostname = None
    through_proxy = False

    def connect(self):
        try:
            http.client.HTTPConnection.connect(self)  # TCP, then the CONNECT tunnel when there is a proxy
        except OSError as exc:
            if self.through_proxy:
                raise ProxyError("Unable to connect to proxy") from exc
            raise
        if self.tls_context is not None:
            self.sock = self.tls_context.wrap_socket(self.sock, server_hostname=self.server_hostname)


def _address(url, what):
    """(scheme, host, port, path) of an http(s) URL; ValueError naming `what` and the fix otherwise."""
    fix = "Fix: write %s as a URL such as https://10.0.0.1:6443" % what
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError("%s %s: %s. %s" % (what, url, exc, fix))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("%s %s is not an http or https URL. %s" % (what, url, fix))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), parts.path.rstrip("/")


def _dropped(connection):
    """Whether a kept-alive connection can no longer carry a request: an idle one has nothing to read unless the
    server closed it (EOF, or a TLS close)."""
    if connection.sock is None:
        return True
    try:
        readable, _w, _x = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Answer(object):
    """A whole response: status, reason, headers (a dict), data (bytes)."""

    def __init__(self, status, reason, headers, data):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.data = data


class Stream(object):
    """A response whose body is read as it comes (a watch): stream() yields its chunks; close() ends it and its
    connection, which cannot carry another request with the body half read."""

    def __init__(self, response, connection):
        self.status = response.status
        self.reason = response.reason
        self.headers = dict(response.getheaders())
        self._response = response
        self._connection = connection

    def stream(self, amount, decode_content=True):  # pylint: disable=unused-argument  # nothing is encoded
        while True:
            chunk = self._response.read1(amount)
            if not chunk:
                return
            yield chunk

    @property
    def data(self):
        return self._response.read()

    def close(self):
        self._response.close()
        self._connection.close()

    release_conn = close


# Methods sent again, once, on a fresh connection when a kept-alive one turns out closed by the server: they do
# the same when done twice. A POST (a create) or a JSON patch may not, so its failure is reported.
_IDEMPOTENT = ("GET", "HEAD", "PUT", "DELETE")


class Connections(object):
    """Kept-alive connections to one API server, made as needed and kept up to `size` idle: the module's
    parallel writers each take one, so the server sees at most as many as there are writers."""

    def __init__(self, settings, size):
        self.size = size
        self.scheme, host, port, _path = _address(settings.host, "host")
        self.tls_context = ssl_context(settings) if self.scheme == "https" else None
        self.server_hostname = settings.tls_server_name or host
        self.proxy_headers = dict(settings.proxy_headers or {})
        if settings.proxy:
            proxy_scheme, proxy_host, proxy_port, _proxy_path = _address(settings.proxy, "proxy")
            if proxy_scheme != "http":
                raise ValueError("proxy %s: only http:// proxies are supported here" % settings.proxy)
            self.address, self.tunnel = (proxy_host, proxy_port), (host, port)
        else:
            self.address, self.tunnel = (host, port), None
        self._idle = []
        self._lock = threading.Lock()

    def _new(self, connect_timeout):
        connection = _Connection(self.address[0], self.address[1], timeout=connect_timeout)
        connection.tls_context = self.tls_context
        connection.server_hostname = self.server_hostname
        if self.tunnel and self.scheme == "https":
            connection.set_tunnel(self.tunnel[0], self.tunnel[1], headers=self.proxy_headers)
        connection.through_proxy = bool(self.tunnel)
        return connection

    def _take(self):
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if not _dropped(connection):
                    return connection
                connection.close()
        return None

    def _give_back(self, connection):
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(connection)
                return
        connection.close()

    def _target(self, url):
        """What the request line names: the path and query, or the whole URL to a plain-HTTP proxy."""
        if self.tunnel and self.scheme == "http":
            return url
        parts = urlsplit(url)
        return parts.path + ("?" + parts.query if parts.query else "")

    def _send(self, connection, method, url, body, headers, timeout):
        if connection.sock is None:
            try:
                connection.connect()
            except TimeoutError:
                timed_out = True  # raised below, outside this handler: the message is the whole story
            else:
                timed_out = False
            if timed_out:
                raise ConnectTimeout("Connect timed out. (connect timeout=%s)" % timeout[0])
        connection.sock.settimeout(timeout[1])
        if self.tunnel and self.scheme == "http":
            headers = dict(headers, **self.proxy_headers)
        connection.request(method, self._target(url), body=body, headers=headers)
        return connection.getresponse()

    def request(self, method, url, body=None, headers=None, timeout=(10, 60), preload_content=True):
        """The Answer to one request (a Stream when not preload_content); OSError or http.client.HTTPException
        when none came, TimeoutError for a server that does not connect or answer in timeout (connect, read)
        seconds."""
        headers = headers or {}
        connection = self._take()
        reused = connection is not None
        try:
            while True:
                connection = connection or self._new(timeout[0])
                try:
                    response = self._send(connection, method, url, body, headers, timeout)
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    connection.close()
                    if not (reused and method in _IDEMPOTENT):
                        raise
                    connection, reused = None, False
            if not preload_content:
                return Stream(response, connection)
            data = response.read()
        except ConnectTimeout:
            connection.close()
            raise
        except TimeoutError:
            connection.close()
            data = None  # raised below, outside this handler: "timed out" alone does not say which
        except BaseException:
            connection.close()
            raise
        if data is None:
            raise TimeoutError("Read timed out. (read timeout=%s)" % timeout[1])
        if response.will_close:
            connection.close()
        else:
            self._give_back(connection)
        return Answer(response.status, response.reason, dict(response.getheaders()), data)


class DirectTransport(object):
    """Calls on kubeconfig.Settings over Connections: `connections` kept-alive connections (the module's
    parallel writers each use one)."""

    # what a call raises when no answer came (see K8sClient._checked)
    errors = (OSError, http.client.HTTPException)

    def __init__(self, settings, connections):
        self.configuration = settings
        self.pool = Connections(settings, connections)

    def _url(self, path, query_params):
        url = self.configuration.host.rstrip("/") + path
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
        response = self.pool.request(method, self._url(path, query_params), body=request_body(body),
                                     headers=self._headers(headers), timeout=timeout)
        if not 200 <= response.status <= 299:
            raise ApiError(response.status, response.reason, response.data, response.headers)
        return response.data

    def first_event(self, path, query_params, headers, timeout):
        """GET `path` as a stream and return its first line (see first_line); ApiError for an answer outside 2xx."""
        response = self.pool.request("GET", self._url(path, query_params), headers=self._headers(headers),
                                     timeout=timeout, preload_content=False)
        if not 200 <= response.status <= 299:
            data = response.data
            response.release_conn()
            raise ApiError(response.status, response.reason, data, dict(response.headers))
        return first_line(response, (TimeoutError,))


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

    @property
    def errors(self):
        """What a call raises when no answer came: urllib3's errors, which the library sends with, and OSError."""
        return (OSError,) + urllib3_errors("HTTPError")

    def call(self, method, path, query_params, headers, body, timeout):
        return self._send(method, path, query_params, headers, body, timeout).data

    def first_event(self, path, query_params, headers, timeout):
        """GET `path` as a stream and return its first line (see first_line)."""
        from urllib3.exceptions import ReadTimeoutError  # pylint: disable=import-outside-toplevel  # loaded with the library

        return first_line(self._send("GET", path, query_params, headers, None, timeout), (ReadTimeoutError,))
