# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The own transport on real sockets: a loopback HTTP server that answers as the script of each test says, so
what is checked is what http.client and the pool do with connections (kept alive, closed by the server, streamed,
silent, behind a proxy)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import threading

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.kubeconfig import Settings
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport import Connections, DirectTransport


class Server(object):
    """Accepts on loopback; `answer(request_line, connection_number)` returns the bytes to send (None: send nothing
    and keep the connection open) and whether to close after them. Records (connection number, request line)."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(conn)
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn, number):
        stream = conn.makefile("rb")
        try:
            while True:
                line = stream.readline()
                if not line:
                    return
                length = 0
                while True:
                    header = stream.readline()
                    if header in (b"\r\n", b""):
                        break
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                stream.read(length)
                self.requests.append((number, line.decode().strip()))
                data, close = self.answer(line.decode().strip(), number)
                if data is None:
                    threading.Event().wait(5)
                    return
                conn.sendall(data)
                if close:
                    return
        except OSError:
            return
        finally:
            conn.close()

    def close(self):
        self.listener.close()
        for conn in self.open:
            conn.close()


def ok(payload, extra=b""):
    body = json.dumps(payload).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


@pytest.fixture
def serve():
    servers = []

    def start(answer):
        servers.append(Server(answer))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def client_on(server, **settings):
    given = dict.fromkeys(k8s_client.AUTH_ARG_SPEC)
    given.update(host="http://127.0.0.1:%d" % server.port, api_key="t")
    given.update(settings)
    made = k8s_client.client_from_params(given)
    assert isinstance(made.transport, DirectTransport)
    return made


def test_calls_share_one_kept_alive_connection(serve):
    server = serve(lambda line, number: (ok({"items": [], "metadata": {"resourceVersion": "1"}}), False))
    client = client_on(server)
    for _round in range(3):
        assert client.list("Pod", "demo") == []
    assert server.connections == 1
    assert [line for _n, line in server.requests] == ["GET /api/v1/namespaces/demo/pods HTTP/1.1"] * 3


def test_a_connection_the_server_closed_is_not_reused(serve):
    # the server closes after each answer without saying so (no Connection: close)
    server = serve(lambda line, number: (ok({"kind": "Pod", "metadata": {"name": "web-0"}}), True))
    client = client_on(server)
    for _round in range(3):
        assert client.get("Pod", "web-0", "demo")["metadata"]["name"] == "web-0"
    assert server.connections == 3


def test_a_read_the_server_drops_is_sent_again_once_on_a_fresh_connection(serve, monkeypatch):
    # the dropped check cannot see a close that races the request: the pool then sends a GET again
    answers = iter([(ok({"kind": "Pod", "metadata": {"name": "web-0"}}), False), (b"", True),
                    (ok({"kind": "Pod", "metadata": {"name": "web-0"}}), False)])
    server = serve(lambda line, number: next(answers))
    client = client_on(server)
    client.get("Pod", "web-0", "demo")
    monkeypatch.setattr("ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport._dropped",
                        lambda connection: False)
    assert client.get("Pod", "web-0", "demo")["metadata"]["name"] == "web-0"
    assert server.connections == 2 and len(server.requests) == 3


def test_a_create_the_server_drops_is_reported_not_sent_again(serve, monkeypatch):
    answers = iter([(ok({"kind": "Pod", "metadata": {"name": "web-0"}}), False), (b"", True)])
    server = serve(lambda line, number: next(answers))
    client = client_on(server)
    client.get("Pod", "web-0", "demo")
    monkeypatch.setattr("ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport._dropped",
                        lambda connection: False)
    with pytest.raises(k8s_client.K8sUnavailable) as caught:
        client.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "demo"}})
    assert "Remote end closed connection without response" in str(caught.value)
    assert len(server.requests) == 2


def test_a_server_that_does_not_answer_is_a_read_timeout(serve, monkeypatch):
    server = serve(lambda line, number: (None, False))
    monkeypatch.setattr(k8s_client, "REQUEST_TIMEOUT", (1, 0.2))
    client = client_on(server)
    with pytest.raises(k8s_client.K8sUnavailable) as caught:
        client.get("Pod", "web-0", "demo")
    assert str(caught.value) == (
        "read Pod/demo/web-0: cannot reach the Kubernetes API server http://127.0.0.1:%d (from the host option): "
        "Read timed out. (read timeout=0.2). Fix: check that the API server is running and that the host option "
        "points at it" % server.port)


def chunked(*chunks):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    return head + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)


def test_a_watch_ends_at_its_first_event_even_split_over_chunks(serve):
    event = json.dumps({"type": "MODIFIED", "object": {"kind": "Pod"}}).encode() + b"\n"
    server = serve(lambda line, number: (chunked(event[:10], event[10:]), False))
    client = client_on(server)
    assert client.wait_for_change("Pod", "demo", "app=web", "7", 2.0) is True
    assert "watch=true" in server.requests[0][1] and "resourceVersion=7" in server.requests[0][1]


def test_a_watch_without_an_event_before_its_timeout_is_no_change(serve):
    server = serve(lambda line, number: (chunked(), False))  # headers only, then silence
    client = client_on(server)
    assert client.wait_for_change("Pod", "demo", None, "7", 0.3) is False
    # the half-read watch's connection is not reused: the next call opens another
    server.answer = lambda line, number: (ok({"items": []}), False)
    assert client.list("Pod", "demo") == []
    assert server.connections == 2


def test_a_proxy_that_wants_other_credentials_is_named_and_not_transient(serve):
    proxy = serve(lambda line, number: (
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", True))
    client = client_on(proxy, host="https://127.0.0.1:6443", validate_certs=False,
                       proxy="http://user:s3cret@127.0.0.1:%d" % proxy.port)
    with pytest.raises(k8s_client.K8sError) as caught:
        client.get("Pod", "web-0", "demo")
    assert not isinstance(caught.value, k8s_client.K8sUnavailable)
    assert proxy.requests == [(1, "CONNECT 127.0.0.1:6443 HTTP/1.0")]
    assert str(caught.value).endswith(
        "the proxy refused the credentials (Tunnel connection failed: 407 Proxy Authentication Required). Fix: "
        "check the user name and password in proxy")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("host, what", [
    ("127.0.0.1:6443", "host 127.0.0.1:6443 is not an http or https URL"),
    ("https://127.0.0.1:notaport", "host https://127.0.0.1:notaport: Port could not be cast to integer value"),
])
def test_a_host_that_is_not_a_url_fails_before_any_call(host, what):
    with pytest.raises(ValueError) as caught:
        Connections(Settings(host), 8)
    assert str(caught.value).startswith(what)
    assert str(caught.value).endswith("Fix: write host as a URL such as https://10.0.0.1:6443")
