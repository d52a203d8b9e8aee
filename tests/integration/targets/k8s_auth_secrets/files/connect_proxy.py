# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny HTTP CONNECT proxy on loopback that insists on one user and password (407 otherwise).

  connect_proxy.py USER PASSWORD PORT_FILE LOG_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE), tunnels CONNECT requests to loopback
targets only, and logs one line per request without the credentials: "CONNECT host:port authorized".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import select
import socket
import sys
import threading

LOOPBACK = ("127.0.0.1", "localhost")


def pipe(client, upstream):
    sockets = [client, upstream]
    try:
        while True:
            readable, _w, _x = select.select(sockets, [], [], 300)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        client.close()
        upstream.close()


def serve(client, expected, log):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(4096)
        if not chunk:
            client.close()
            return
        head += chunk
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, target = (lines[0].split(" ") + ["", ""])[:2]
    headers = dict((k.strip().lower(), v.strip()) for k, _sep, v in (line.partition(":") for line in lines[1:]))
    host, _sep, port = target.rpartition(":")
    if headers.get("proxy-authorization") != expected:
        log("%s %s refused: no or wrong Proxy-Authorization" % (method, target))
        client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"
                       b"Content-Length: 0\r\n\r\n")
        client.close()
        return
    if method != "CONNECT" or host not in LOOPBACK:
        log("%s %s refused: only CONNECT to loopback" % (method, target))
        client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    try:
        upstream = socket.create_connection((host, int(port)), timeout=10)
    except (OSError, ValueError) as exc:
        log("CONNECT %s failed: %s" % (target, exc))
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        client.close()
        return
    upstream.settimeout(None)
    log("CONNECT %s authorized" % target)
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    pipe(client, upstream)


def main(argv):
    user, password, port_file, log_file = argv[1:5]
    expected = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    lock = threading.Lock()

    def log(line):
        with lock, open(log_file, "a") as handle:
            handle.write(line + "\n")

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    with open(port_file + ".tmp", "w") as handle:
        handle.write(str(server.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    while True:
        client, _addr = server.accept()
        worker = threading.Thread(target=serve, args=(client, expected, log))
        worker.daemon = True
        worker.start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
