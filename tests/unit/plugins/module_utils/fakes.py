# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fakes of the client boundary share: K8sClient's method signatures and a clock for the waits.

Each test's fake client subclasses FakeK8sClient and overrides the methods its code under test calls,
recording each call in `calls`; a call to any other method fails the test. There is no fake API server.

A fake's writes start with refuse_in_missing_namespace(body): a namespace in `missing_namespaces` is
refused as the API server refuses it, real run or dry-run, with the K8sError K8sClient raises for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket

from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import FIELD_MANAGER, api_error_of
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport import ApiError


def namespace_not_found(namespace):
    """The Status the API server answers (HTTP 404) to a write, dry-run or not, in a namespace that does not exist."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": 'namespaces "%s" not found' % namespace, "reason": "NotFound",
            "details": {"name": namespace, "kind": "namespaces"}, "code": 404}


def api_error(status, reason, payload, action, kind, name=None, namespace=None, write=True):
    """The K8sError K8sClient raises for this answer to a write (or a read, write=False)."""
    exc = ApiError(status, reason, json.dumps(payload).encode())
    return api_error_of(exc, kind, name, namespace, action, write)


class FakeK8sClient(object):
    field_manager = FIELD_MANAGER
    host = "https://10.0.0.1:6443"
    origin = None  # a k8s_client.ConnectionOrigin where a test needs the messages that name it

    def __init__(self):
        self.calls = []
        self.missing_namespaces = set()

    def refuse_in_missing_namespace(self, body, action="apply"):
        meta = body.get("metadata") or {}
        if meta.get("namespace") in self.missing_namespaces:
            raise api_error(404, "Not Found", namespace_not_found(meta["namespace"]), action, body.get("kind"),
                            meta.get("name"), meta["namespace"])

    @property
    def host_source(self):
        return self.origin.host_source if self.origin else None

    def writes(self):
        """The recorded calls that change something, in order."""
        return [call for call in self.calls if call[0] in ("apply", "patch", "create", "delete")]

    def unexpected(self, method, *args):
        raise AssertionError("%s called %s%r, which the code under test must not call"
                             % (type(self).__name__, method, args))

    def get(self, kind, name, namespace=None):
        self.unexpected("get", kind, name, namespace)

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.unexpected("list", kind, namespace, label_selector, field_selector)

    def list_with_version(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.unexpected("list_with_version", kind, namespace, label_selector, field_selector)

    def wait_for_change(self, kind, namespace, label_selector, resource_version, timeout):
        self.unexpected("wait_for_change", kind, namespace, label_selector, resource_version, timeout)

    def apply(self, body, dry_run=False, force=True):
        self.unexpected("apply", body.get("kind"), body.get("metadata", {}).get("name"))

    def patch(self, kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        self.unexpected("patch", kind, name, namespace)

    def create(self, body, dry_run=False):
        self.unexpected("create", body.get("kind"), body.get("metadata", {}).get("name"))

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        self.unexpected("delete", kind, name, namespace)

    def events_for(self, kind, name, namespace):
        self.unexpected("events_for", kind, name, namespace)

    def server_version(self):
        self.unexpected("server_version")

    def review(self, body):
        self.unexpected("review", body.get("kind"))


class Clock(object):
    """A monotonic clock that only sleeping moves: pass clock=clock, sleep=clock.sleep."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def closed_port():
    """A loopback port nothing listens on: connecting to it is refused at once."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port
