# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of every Kubernetes module after its AnsibleModule is built: check, connect, act, report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.waiter import WaitTimeout


class InputProblems(ValueError):
    """Several input problems, already joined into one message."""


def without_problems(problems):
    """A `prepare` from a validator problems(params) -> message or None: the params when there is none."""

    def prepare(params):
        message = problems(params)
        if message:
            raise InputProblems(message)
        return params

    return prepare


def run(module, prepare, act):
    """prepare(params) -> spec, before anything is touched (SpecError/InputProblems fail the task without
    connecting); then act(client, spec) -> result. Every failure becomes fail_json with one message."""
    try:
        spec = prepare(module.params)
    except (SpecError, InputProblems) as exc:
        module.fail_json(msg=str(exc))
    client = k8s_client.connect(module)
    try:
        result = act(client, spec)
    except Failure as exc:
        module.fail_json(msg=str(exc), **exc.result)
    except (SpecError, k8s_client.K8sError, WaitTimeout) as exc:
        module.fail_json(msg=str(exc))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
