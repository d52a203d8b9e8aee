# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The export module end to end on a temporary tree, with exportfs faked at the command boundary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.module_utils import basic

from ansible_collections.stateful.nfs.plugins.module_utils.exports import model
from ansible_collections.stateful.nfs.plugins.modules import export as module


@pytest.fixture
def run(monkeypatch, run_module):
    """run(args, answers=None, check_mode=False, diff=False) -> (failed, result, commands, warnings)."""
    commands, warnings = [], []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: "/usr/sbin/" + name)

    def runner(args, answers=None, check_mode=False, diff=False):
        queue = list(answers or [])
        del commands[:]
        del warnings[:]

        def run_command(self, argv, **kwargs):
            commands.append(list(argv))
            return queue.pop(0) if queue else (0, "", "")
        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        failed, result = run_module(module.main, args, check_mode=check_mode, diff=diff)
        return failed, result, list(commands), list(warnings)

    return runner


@pytest.fixture
def args(tmp_path, monkeypatch):
    # The kernel backend accepts only the directory exportfs reads; here a temporary one stands in for it.
    monkeypatch.setattr(model, "EXPORTFS_DIR", str(tmp_path / "exports.d"))
    return dict(name="web", exports_dir=str(tmp_path / "exports.d"), path=str(tmp_path / "data" / "a"),
                clients=[dict(host="10.0.0.0/24")], mode="0750")


def test_present_then_idempotent(run, args):
    failed, result, commands, _warns = run(args)
    assert not failed and result["changed"] and result["reloaded"]
    assert commands == [["/usr/sbin/exportfs", "-ra"]]
    assert result["file"] == os.path.join(args["exports_dir"], "web.exports")
    assert result["entries"] == ["%s 10.0.0.0/24(rw,sync,no_subtree_check,root_squash)" % args["path"]]
    assert "diff" not in result
    failed, again, commands, _warns = run(args)
    assert not failed and again["changed"] is False and commands == []


def test_check_mode_with_diff_touches_nothing(run, args):
    failed, result, commands, _warns = run(args, check_mode=True, diff=True)
    assert not failed and result["changed"] and commands == []
    assert not os.path.exists(args["path"]) and not os.path.exists(args["exports_dir"])
    assert result["diff"][0]["after_header"] == result["file"]


def test_argument_spec_rejects_path_with_exports(run, args):
    failed, result, _cmds, _warns = run(dict(args, exports=[dict(path="/srv/x")]))
    assert failed and "mutually exclusive" in result["msg"]


def test_suboptions_are_validated(run, args):
    failed, result, _cmds, _warns = run(dict(args, clients=[dict(options=["rw"])]))
    assert failed and "host" in result["msg"]


def test_bad_input_names_field_value_and_fix_before_touching(run, args):
    failed, result, commands, _warns = run(dict(args, clients=[dict(host="h", options=["rw", "bogus"])], mode=750))
    assert failed and commands == []
    assert "clients[0].options='bogus'" in result["msg"] and "use one of:" in result["msg"]
    assert "mode=750" in result["msg"] and "quote it" in result["msg"]
    assert not os.path.exists(args["path"])


def test_kernel_exports_dir_outside_exports_d_is_refused_before_touching(run, args, tmp_path):
    failed, result, commands, _warns = run(dict(args, exports_dir=str(tmp_path / "nowhere")))
    assert failed and commands == [] and result["msg"].startswith("exports_dir=%r" % str(tmp_path / "nowhere"))
    assert "exportfs -ra reads only" in result["msg"] and "Fix:" in result["msg"]
    assert not os.path.exists(str(tmp_path / "nowhere")) and not os.path.exists(args["path"])


def test_invalid_anonuid_is_refused_before_touching(run, args):
    failed, result, commands, _warns = run(dict(args, clients=[dict(host="10.0.0.0/24", options=["anonuid=notanumber"])]))
    assert failed and commands == [] and "clients[0].options='anonuid=notanumber'" in result["msg"]
    assert not os.path.exists(args["path"]) and not os.path.exists(args["exports_dir"])


def test_exportfs_failure_is_reported_with_its_message(run, args):
    rejection = (1, "", "exportfs: web.exports:2: unknown keyword \"x\"")
    failed, result, commands, _warns = run(args, answers=[rejection, (0, "", "")])
    assert failed and "unknown keyword" in result["msg"] and result["rolled_back"] is True
    assert not os.path.exists(os.path.join(args["exports_dir"], "web.exports"))
    assert len(commands) == 2


def test_insecure_needs_allow_insecure_and_then_warns(run, args):
    star = dict(args, clients=[dict(host="*")])
    failed, result, _cmds, _warns = run(star)
    assert failed and "clients[0].host='*'" in result["msg"] and "allow_insecure" in result["msg"]
    failed, result, _cmds, warnings = run(dict(star, allow_insecure=True))
    assert not failed and len(warnings) == 1 and args["path"] in warnings[0]


def test_list_form_inherits_clients(run, args, tmp_path):
    many = dict(args)
    many.pop("path")
    many["exports"] = [dict(path=str(tmp_path / "data" / str(index))) for index in range(5)]
    failed, result, commands, _warns = run(many)
    assert not failed and len(result["exports"]) == 5 and len(commands) == 1
    assert all("10.0.0.0/24(rw" in entry for entry in result["entries"])


def test_kernel_backend_refuses_reload_command(run, args):
    failed, result, _cmds, _warns = run(dict(args, reload_command=["true"]))
    assert failed and "reload_command" in result["msg"]


def test_ganesha_backend(run, args, tmp_path):
    ganesha = dict(args, backend="ganesha", exports_dir=str(tmp_path / "g" / "exports.d"),
                   ganesha_config=str(tmp_path / "g" / "ganesha.conf"), ganesha_pid_file=str(tmp_path / "none.pid"))
    failed, result, commands, warnings = run(ganesha)
    assert not failed and result["changed"] and result["exports"][0]["export_id"] == 1
    assert result["main_config_changed"] and commands == [] and "not reloaded" in warnings[0]
    assert result["file"].endswith("/g/exports.d/web.conf")
    failed, again, _cmds, _warns = run(ganesha)
    assert not failed and not again["changed"]


def test_ganesha_reload_is_signalled_unless_verified(run, args, tmp_path):
    ganesha = dict(args, backend="ganesha", exports_dir=str(tmp_path / "g" / "exports.d"),
                   ganesha_config=str(tmp_path / "g" / "ganesha.conf"), reload_command=["reload-ganesha"])
    failed, result, commands, _warns = run(ganesha)
    assert not failed and result["reloaded"] == "signalled" and commands == [["reload-ganesha"]]
    verified = dict(ganesha, path=str(tmp_path / "data" / "b"), verify_server="10.0.0.5")
    failed, result, commands, _warns = run(verified)
    assert not failed and result["reloaded"] is True
    probe = ["/usr/sbin/timeout", "10", "/usr/sbin/nfs-ls"]
    assert commands == [["reload-ganesha"], probe + ["nfs://10.0.0.5%s" % verified["path"]],
                        probe + ["nfs://10.0.0.5%s?version=4" % verified["path"]]]
