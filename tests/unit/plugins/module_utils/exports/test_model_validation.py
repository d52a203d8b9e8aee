# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Export model (defaults, list form) and the checks that run before anything is touched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import model, validation
from ansible_collections.stateful.nfs.plugins.module_utils.exports.validation import ValidationError


def export(path, clients=None, **kwargs):
    clients = [{"host": "10.0.0.0/24"}] if clients is None else clients
    return model.Export(path, model._clients(clients, "clients"), **kwargs)


KERNEL = model.Settings(backend="kernel")
GANESHA = model.Settings(backend="ganesha")


# ------------------------------------------------------------------ model

def test_defaults_are_secure():
    assert model.client_options(None, "o") == ["rw", "sync", "no_subtree_check", "root_squash"]


def test_user_option_replaces_its_default_in_place_and_extras_follow():
    assert model.client_options(["ro", "async", "fsid=1"], "o") == ["ro", "async", "no_subtree_check", "root_squash", "fsid=1"]
    assert model.client_options("no_root_squash,insecure", "o") == ["rw", "sync", "no_subtree_check", "no_root_squash", "insecure"]


def test_contradicting_options_fail_naming_both():
    with pytest.raises(SpecError) as exc:
        model.client_options(["rw", "ro"], "clients[0].options")
    assert "clients[0].options" in str(exc.value) and "rw" in str(exc.value) and "ro" in str(exc.value)


def test_list_form_inherits_top_level_values_unless_set():
    params = {"clients": [{"host": "10.0.0.0/24", "options": None}], "mode": "0750", "state": "present",
              "create": True, "owner": None, "group": None, "purge": False, "allow_insecure": False,
              "exports": [{"path": "/srv/a"}, {"path": "/srv/b", "mode": "0700", "clients": [{"host": "h1"}]}]}
    first, second = model.exports_from_params(params)
    assert first.mode == "0750" and first.clients[0].host == "10.0.0.0/24"
    assert second.mode == "0700" and [c.host for c in second.clients] == ["h1"]
    assert second.where("mode") == "exports[1].mode"


def test_settings_default_dir_and_file_follow_backend():
    assert model.Settings(backend="kernel", name="web").exports_file == "/etc/exports.d/web.exports"
    assert model.Settings(backend="ganesha", name="web").exports_file == "/etc/ganesha/exports.d/web.conf"
    assert model.Settings(backend="kernel", exports_dir="/x/").lock_file == "/x/.stateful-nfs.lock"


def test_the_shared_lock_is_keyed_on_what_all_runs_share_not_on_the_exports_dir():
    first = model.Settings(backend="ganesha", exports_dir="/a", ganesha_config="/etc/ganesha/ganesha.conf")
    second = model.Settings(backend="ganesha", exports_dir="/b", ganesha_config="/etc/ganesha/ganesha.conf")
    assert first.shared_lock_file == second.shared_lock_file == "/etc/ganesha/.ganesha.conf.stateful-nfs.lock"
    assert model.Settings(backend="ganesha", ganesha_config="/g/other.conf").shared_lock_file != first.shared_lock_file
    assert model.Settings(backend="kernel").shared_lock_file == "/etc/exports.d/.stateful-nfs.lock"


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize("path, problem", [
    ("srv/a", "not absolute"),
    ("/srv/a/", "not normalized"),
    ("/srv//a", "not normalized"),
    ("/srv/a/../b", "not normalized"),
    ('/srv/"a', "quote"),
    ("", "required"),
])
def test_bad_paths_are_named_with_a_fix(path, problem):
    with pytest.raises(SpecError) as exc:
        validation.check_path(path, "path")
    assert problem in str(exc.value) and str(exc.value).startswith("path=")
    assert "Fix:" in str(exc.value)


def test_normalization_fix_shows_the_normal_form():
    with pytest.raises(SpecError) as exc:
        validation.check_path("/srv/a/../b/", "path")
    assert "/srv/b" in exc.value.fix


def test_unknown_option_fails_with_the_known_list():
    with pytest.raises(SpecError) as exc:
        validation.check_option("no_sync", "clients[0].options")
    message = str(exc.value)
    assert "no_sync" in message and "clients[0].options" in message
    assert "root_squash" in message and "anonuid=" in message


def test_value_options_need_their_key_and_a_value():
    validation.check_option("anonuid=1000", "o")
    validation.check_option("sec=sys:krb5", "o")
    for bad in ("anonuid=", "colour=blue", "rw=1"):
        with pytest.raises(SpecError):
            validation.check_option(bad, "o")


@pytest.mark.parametrize("option", ["anonuid=65534", "anongid=-2", "fsid=0", "fsid=7", "fsid=0x1f", "fsid=root",
                                    "fsid=6f3a1c2e-9b4d-4c1a-8e2f-0123456789ab"])
def test_id_values_exportfs_accepts(option):
    validation.check_option(option, "o")


@pytest.mark.parametrize("option, fix", [("anonuid=notanumber", "anonuid=65534"), ("anongid=nobody", "anongid=65534"),
                                         ("anonuid=1.5", "anonuid=65534"), ("fsid=bogus", "fsid=root"),
                                         ("fsid=-1", "fsid=root"), ("fsid=6f3a1c2e", "fsid=root")])
def test_id_values_exportfs_rejects_are_refused_naming_field_value_and_fix(option, fix):
    with pytest.raises(SpecError) as exc:
        validation.check_option(option, "clients[0].options")
    assert str(exc.value).startswith("clients[0].options=%r" % option) and fix in exc.value.fix


def test_kernel_exports_dir_must_be_one_exportfs_reads():
    for good in (None, "/etc/exports.d", "/etc/exports.d/"):
        validation.validate([], model.Settings(backend="kernel", exports_dir=good))
    with pytest.raises(ValidationError) as exc:
        validation.validate([], model.Settings(backend="kernel", exports_dir="/srv/exports.d"))
    message = str(exc.value)
    assert message.startswith("exports_dir='/srv/exports.d'") and "/etc/exports.d/*.exports" in message
    assert "Fix: remove exports_dir" in message
    # ganesha reads whatever its main configuration includes: any directory is fine there
    validation.validate([], model.Settings(backend="ganesha", exports_dir="/srv/exports.d"))


@pytest.mark.parametrize("mode, ok", [("0750", True), ("750", True), ("2770", True), ("0750x", False),
                                      ("u+rwx", False), ("08", False), (488, False)])
def test_mode_must_be_a_quoted_octal_string(mode, ok):
    if ok:
        validation.check_mode(mode, "mode")
    else:
        with pytest.raises(SpecError) as exc:
            validation.check_mode(mode, "mode")
        assert "mode" in str(exc.value)


def test_validate_reports_every_problem_at_once(tmp_path):
    exports = [export("relative", mode="777x"), export(str(tmp_path / "b"), clients=[])]
    with pytest.raises(ValidationError) as exc:
        validation.validate(exports, KERNEL)
    message = str(exc.value)
    assert "path='relative'" in message and "mode='777x'" in message and "clients=[]" in message


def test_duplicate_paths_and_hosts_fail(tmp_path):
    path = str(tmp_path / "a")
    with pytest.raises(ValidationError, match="listed twice"):
        validation.validate([export(path, [{"host": "h"}, {"host": "h"}])], KERNEL)
    twice = [export(path, field="exports[0]"), export(path, field="exports[1]")]
    with pytest.raises(ValidationError, match="also given in exports\\[0\\].path"):
        validation.validate(twice, KERNEL)


def test_unknown_owner_fails_before_anything(tmp_path):
    with pytest.raises(ValidationError, match="owner='no-such-user-xyz'"):
        validation.validate([export(str(tmp_path / "a"), owner="no-such-user-xyz")], KERNEL)
    validation.validate([export(str(tmp_path / "a"), owner="0", group="root")], KERNEL)


def test_create_false_needs_an_existing_directory(tmp_path):
    with pytest.raises(ValidationError, match="create=False"):
        validation.validate([export(str(tmp_path / "missing"), create=False)], KERNEL)
    validation.validate([export(str(tmp_path), create=False)], KERNEL)


def test_a_file_cannot_be_exported(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValidationError, match="not a directory"):
        validation.validate([export(str(target))], KERNEL)


def test_purge_only_with_absent(tmp_path):
    with pytest.raises(ValidationError, match="purge is only valid with state: absent"):
        validation.validate([export(str(tmp_path / "a"), purge=True)], KERNEL)


@pytest.mark.parametrize("path", ["/", "/srv", "/etc", "/var/lib", "/home"])
def test_purge_refuses_system_directories(path):
    with pytest.raises(ValidationError, match="refusing to purge"):
        validation.validate([export(path, state="absent", purge=True)], KERNEL)


def test_purge_refuses_links_and_files(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    os.symlink(str(real), str(link))
    with pytest.raises(ValidationError, match="symbolic link"):
        validation.validate([export(str(link), state="absent", purge=True)], KERNEL)
    afile = tmp_path / "f"
    afile.write_text("x")
    with pytest.raises(ValidationError, match="not a directory"):
        validation.validate([export(str(afile), state="absent", purge=True)], KERNEL)
    validation.validate([export(str(real), state="absent", purge=True)], KERNEL)


def test_pseudo_is_ganesha_only(tmp_path):
    with pytest.raises(ValidationError, match="pseudo"):
        validation.validate([export(str(tmp_path / "a"), pseudo="/a")], KERNEL)
    validation.validate([export(str(tmp_path / "a"), pseudo="/a")], GANESHA)


def test_ganesha_refuses_options_it_cannot_express(tmp_path):
    with pytest.raises(ValidationError, match="no equivalent") as exc:
        validation.validate([export(str(tmp_path / "a"), [{"host": "h", "options": ["fsid=1"]}])], GANESHA)
    assert "all_squash" in str(exc.value)
    validation.validate([export(str(tmp_path / "a"), [{"host": "h", "options": ["fsid=1"]}])], KERNEL)


def test_settings_checks():
    with pytest.raises(ValidationError, match="name='../x'"):
        validation.validate([], model.Settings(name="../x"))
    with pytest.raises(ValidationError, match="reload_command"):
        validation.validate([], model.Settings(reload_command=["true"]))


# ------------------------------------------------------------------ secure defaults

@pytest.mark.parametrize("host", ["*", "*.*", "?", "0.0.0.0/0", "0.0.0.0/00", "10.0.0.0/0", "192.168.1.7/000",
                                  "0.0.0.0/0.0.0.0", "10.1.2.3/0.0.0.0", "::/0", "::/00", "fd00::/0", "[::]/0",
                                  "[fd00::1]/00", "::/::"])
def test_world_wide_clients_are_everyone(host):
    assert validation.everyone(host)


@pytest.mark.parametrize("host", ["10.0.0.0/24", "*.example.com", "node1", "10.0.0.1", "fd00::/64", "0.0.0.0",
                                  "10.0.0.0/8", "10.0.0.0/255.0.0.0", "::/1", "[fd00::]/64", "@nodes", "10.0.0.0/x"])
def test_restricted_clients_are_not_everyone(host):
    assert not validation.everyone(host)


@pytest.mark.parametrize("host", ["0.0.0.0/00", "::/00", "10.1.2.3/0.0.0.0", "[::]/0"])
def test_every_spelling_of_everyone_needs_allow_insecure(host):
    with pytest.raises(ValidationError, match="allow_insecure"):
        validation.enforce_security([export("/srv/a", [{"host": host}])])
    assert len(validation.enforce_security([export("/srv/a", [{"host": host}], allow_insecure=True)])) == 1


def test_insecure_exports_are_refused_naming_field_and_fix():
    risky = [export("/srv/a", [{"host": "*"}]),
             export("/srv/b", [{"host": "10.0.0.0/24", "options": ["no_root_squash"]}]),
             export("/srv/c", mode="0777")]
    with pytest.raises(ValidationError) as exc:
        validation.enforce_security(risky)
    message = str(exc.value)
    assert "clients[0].host='*'" in message
    assert "no_root_squash" in message and "mode='0777'" in message
    assert message.count("allow_insecure: true") == 3
    assert "list only the hosts" in message and "drop no_root_squash" in message and "without write for others" in message


def test_ro_with_no_root_squash_is_not_a_risk():
    assert validation.enforce_security([export("/srv/a", [{"host": "h", "options": ["ro", "no_root_squash"]}])]) == []


def test_allow_insecure_turns_refusal_into_a_warning_naming_the_export():
    warnings = validation.enforce_security([export("/srv/a", [{"host": "*"}], allow_insecure=True)])
    assert len(warnings) == 1 and "/srv/a" in warnings[0] and "every host" in warnings[0]


def test_existing_world_writable_directory_counts_when_mode_is_not_set():
    with pytest.raises(ValidationError, match="world-writable"):
        validation.enforce_security([export("/srv/a")], mode_of_existing=lambda path: "1777")
    assert validation.enforce_security([export("/srv/a")], mode_of_existing=lambda path: "0755") == []


def test_absent_exports_are_not_reviewed():
    assert validation.enforce_security([export("/srv/a", [{"host": "*"}], state="absent")]) == []
