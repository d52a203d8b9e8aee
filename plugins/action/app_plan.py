# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.app_plan: the whole stateful_apps validated and planned on the controller.

An action plugin rather than a filter or a module: it runs on the controller without a connection (the
description is data, the plan needs no host), it sees the inventory (storage.nfs.host must name one of its
hosts) and the current host (the server role takes that host's exports), and it returns a task result
that fails listing every problem at once, where a filter could only raise one templating error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.stateful.nfs.plugins.module_utils import app_model

# The entry spec lives once, in the stateful.nfs.app role's argument spec (ansible-doc -t role documents it).
ENTRY_SPEC_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "roles", "app", "meta", "argument_specs.yml")

ARGUMENT_SPEC = {
    "apps": {"type": "raw", "required": True},
    "teardown": {"type": "bool", "default": False},
    "workflow": {"type": "str", "default": "site", "choices": ["site", "teardown", "verify"]},
    "check_hosts": {"type": "bool", "default": True},
    "proof": {"type": "bool", "default": True},
}


def entry_spec():
    with open(ENTRY_SPEC_FILE) as handle:
        specs = yaml.safe_load(handle)
    return specs["argument_specs"]["main"]["options"]["stateful_apps"]["options"]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            raise AnsibleError("stateful.nfs.app_plan: %s" % "; ".join(validation.error_messages))
        args = validation.validated_parameters
        hosts = None
        if args["check_hosts"]:
            hosts = set(task_vars.get("groups", {}).get("all", [])) | {"localhost"}
        planned = app_model.plan(args["apps"], entry_spec(), hosts=hosts, teardown=args["teardown"],
                                 workflow=args["workflow"], proof=args["proof"])
        here = [task_vars.get("inventory_hostname"), task_vars.get("inventory_hostname_short")]
        result.update(planned)
        result["changed"] = False
        result["nfs_exports"] = [item for host in here if host in planned["nfs"] for item in planned["nfs"][host]]
        if planned["problems"]:
            result["failed"] = True
            result["msg"] = "%d problem(s) in stateful_apps; nothing was changed:\n%s" % (
                len(planned["problems"]), "\n".join(planned["problems"]))
        else:
            result["msg"] = "%d app(s) planned" % len(planned["apps"])
        return result
