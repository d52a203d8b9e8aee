# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a module's main() in-process: arguments in, (failed, result) out, the Kubernetes client faked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None


class ModuleExit(Exception):
    """exit_json or fail_json was called."""

    def __init__(self, failed, result):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.failed = failed
        self.result = result


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, args, client=None, check_mode=False, diff=False) -> (failed, result).

    k8s_client.connect returns `client`; with client None the module must not connect at all.
    """
    def exit_json(self, **result):
        raise ModuleExit(False, result)

    def fail_json(self, **result):
        raise ModuleExit(True, result)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(main, args, client=None, check_mode=False, diff=False):
        def connect(_module):
            assert client is not None, "the module connected although it must not"
            return client
        monkeypatch.setattr(k8s_client, "connect", connect)
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with pytest.raises(ModuleExit) as caught:
            if patch_module_args is not None:
                with patch_module_args(args):
                    main()
            else:
                monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
                main()
        return caught.value.failed, caught.value.result

    return run
