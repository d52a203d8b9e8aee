# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command in a pod's container (the exec subresource over a websocket). The only exec I/O.

Everything else calls `exec_in_pod` through a parameter, so unit tests pass a fake with its signature.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, object_ref, redact

try:
    from kubernetes import client as k8s_api
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    HAS_STREAM = True
    STREAM_IMPORT_ERROR = None
except ImportError:
    HAS_STREAM = False
    STREAM_IMPORT_ERROR = traceback.format_exc()

    class ApiException(Exception):
        pass


class ExecResult(object):
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return "ExecResult(rc=%r, stdout=%r, stderr=%r)" % (self.rc, self.stdout, self.stderr)


def exec_error_reason(exc):
    """The server's words from a failed exec handshake ("Handshake status 500 ... -+-+- {headers} -+-+- body")."""
    text = " ".join(str(getattr(exc, "reason", None) or exc).split())
    parts = [part.strip() for part in text.split("-+-+-")]
    if len(parts) > 1 and parts[-1]:
        return "%s (%s)" % (parts[-1], parts[0])
    return text


def exec_in_pod(client, namespace, pod, container, command, timeout=60):
    """Run `command` (argv list) in the container; ExecResult(rc, stdout, stderr). K8sError when exec fails.

    kubernetes.stream.stream() swaps the transport of the ApiClient it is given for the time of the call,
    so each exec gets its own ApiClient on the K8sClient's library configuration: replicas are handled by
    several threads, and the client's plain REST calls must not go through a websocket.
    """
    api_client = k8s_api.ApiClient(client.library_configuration())
    core = k8s_api.CoreV1Api(api_client)
    try:
        response = stream(core.connect_get_namespaced_pod_exec, pod, namespace, command=command,
                          container=container, stderr=True, stdin=False, stdout=True, tty=False,
                          _preload_content=False)
        try:
            response.run_forever(timeout=timeout)
            if response.is_open():
                raise K8sError("exec in %s (container %s): %s did not finish within %ss"
                               % (object_ref("Pod", pod, namespace), container, " ".join(command[:2]), timeout))
            stdout, stderr = response.read_stdout(), response.read_stderr()
            try:
                rc = response.returncode
            except (TypeError, KeyError, IndexError, ValueError):  # no status on the error channel
                rc = None
            return ExecResult(rc, stdout or "", stderr or "")
        finally:
            response.close()
    except ApiException as exc:
        raise K8sError(redact("exec in %s (container %s): %s" % (object_ref("Pod", pod, namespace), container,
                                                                 exec_error_reason(exc)), client.secrets),
                       getattr(exc, "status", None))
    except OSError as exc:  # no answer at all (refused, reset): one line, as for every other call
        raise client.unreachable_error(exc, "exec in", "Pod", pod, namespace)
    finally:
        try:
            api_client.close()
        except Exception:  # pylint: disable=broad-except
            pass
