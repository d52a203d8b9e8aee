# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A proxy password never leaves a module: not in what it prints (-vvv shows its invocation), not in its
log line, not in its error. The module runs for real, against loopback ports nothing listens on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.stateful.nfs.plugins.modules import headless_service
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import closed_port

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

pytest.importorskip("kubernetes")

SECRET = "pr0xy-Secret-77"


def run_for_real(monkeypatch, capsys, args):
    """main() with real exit_json/fail_json: (everything printed, the result, every log line)."""
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append((msg, log_args)))
    with pytest.raises(SystemExit):
        if patch_module_args is not None:
            with patch_module_args(args):
                headless_service.main()
        else:
            monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
            headless_service.main()
    printed = capsys.readouterr().out
    return printed, json.loads(printed), logged


@pytest.mark.parametrize("from_env", [False, True])
def test_proxy_password_is_in_no_output_log_or_error(monkeypatch, capsys, tmp_path, from_env):
    api, proxy_port = closed_port(), closed_port()
    proxy = "http://user:%s@127.0.0.1:%d" % (SECRET, proxy_port)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    args = dict(name="web", namespace="demo", selector={"app": "web"}, ports=[{"name": "web", "port": 80}],
                host="https://127.0.0.1:%d" % api, api_key="token", validate_certs=False)
    if from_env:
        monkeypatch.setenv("K8S_AUTH_PROXY", proxy)
    else:
        args["proxy"] = proxy
    printed, result, logged = run_for_real(monkeypatch, capsys, args)
    assert result["failed"] is True
    assert result["msg"] == (
        "read Service/demo/web: cannot reach the Kubernetes API server https://127.0.0.1:%d (from the host "
        "option) through proxy http://127.0.0.1:%d: unable to connect through the proxy: Connection refused. Fix: check that the "
        "proxy is running and that proxy points at it" % (api, proxy_port))
    assert result["invocation"]["module_args"]["proxy"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert SECRET not in printed
    assert logged and SECRET not in repr(logged)
