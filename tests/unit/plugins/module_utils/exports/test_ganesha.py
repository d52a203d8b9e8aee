# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nfs-ganesha EXPORT blocks: parsing, rendering, option mapping, Export_Id allocation, include line."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import ganesha, model

SETTINGS = model.Settings(backend="ganesha", name="web")

HAND_WRITTEN = """# hand-written
EXPORT
{
    Export_Id = 7;   # keep me
    Path = /srv/other;
    Pseudo = "/other";
    CLIENT { Clients = 10.0.0.1, 10.0.0.2; Access_Type = RO; }
    FSAL { Name = VFS; }
}

EXPORT {
    Export_Id = 0x0c;
    Path = "/srv/a";
    FSAL { Name = VFS; }
}
"""


def export(path, hosts=("10.0.0.0/24",), options=None, **kwargs):
    clients = [model.Client(host, model.client_options(options, "o")) for host in hosts]
    return model.Export(path, clients, **kwargs)


def test_parse_round_trips_and_finds_blocks():
    segments = ganesha.parse(HAND_WRITTEN)
    assert "".join(s.text for s in segments) == HAND_WRITTEN
    blocks = [s.block for s in segments if s.block is not None]
    assert [(b.path, b.export_id) for b in blocks] == [("/srv/other", 7), ("/srv/a", 12)]
    assert blocks[0].first("Pseudo") == "/other"
    client = blocks[0].blocks[0]
    assert client.name == "CLIENT" and client.get("Clients") == ["10.0.0.1", "10.0.0.2"]


def test_parse_error_on_unclosed_block():
    with pytest.raises(ganesha.ParseError):
        ganesha.parse("EXPORT { Path = /a;")


def test_rendered_block_parses_back_to_its_values():
    text = ganesha.render_block(export("/srv/a", ("10.0.0.0/24", "node1"), ["ro"], pseudo="/a"), 3, SETTINGS)
    block = ganesha.parse(text)[0].block
    assert (block.path, block.export_id, block.first("Pseudo")) == ("/srv/a", 3, "/a")
    assert block.first("Access_Type") == "None" and block.first("Squash") == "Root_Squash"
    assert block.get("Protocols") == ["3", "4"] and block.get("Transports") == ["UDP", "TCP"]
    assert [b.name for b in block.blocks] == ["CLIENT", "CLIENT", "FSAL"]
    assert block.blocks[0].get("Clients") == ["10.0.0.0/24"] and block.blocks[0].first("Access_Type") == "RO"
    assert block.blocks[2].first("Name") == "VFS"


@pytest.mark.parametrize("options, expected", [
    (None, [("Clients", "h"), ("Access_Type", "RW"), ("Squash", "Root_Squash")]),
    (["ro", "no_root_squash"], [("Clients", "h"), ("Access_Type", "RO"), ("Squash", "No_Root_Squash")]),
    (["all_squash", "anonuid=1000", "anongid=1001"],
     [("Clients", "h"), ("Access_Type", "RW"), ("Squash", "All_Squash"), ("Anonymous_uid", "1000"),
      ("Anonymous_gid", "1001")]),
    (["sec=sys:krb5", "insecure"],
     [("Clients", "h"), ("Access_Type", "RW"), ("Squash", "Root_Squash"), ("SecType", "sys, krb5"),
      ("PrivilegedPort", "false")]),
    (["secure", "async", "subtree_check"],
     [("Clients", "h"), ("Access_Type", "RW"), ("Squash", "Root_Squash"), ("PrivilegedPort", "true")]),
])
def test_kernel_options_map_to_ganesha_terms(options, expected):
    client = model.Client("h", model.client_options(options, "o"))
    assert ganesha.client_params(client) == expected


@pytest.mark.parametrize("option", ["fsid=1", "crossmnt", "sec=krb9", "anonuid=nobody", "mountpoint"])
def test_unmappable_options_fail(option):
    with pytest.raises(SpecError) as exc:
        ganesha.check_options([option], "clients[0].options")
    assert "clients[0].options" in str(exc.value)


def test_an_existing_id_another_file_uses_is_replaced_by_a_free_one():
    exports = [export("/srv/a"), export("/srv/b")]
    ids = ganesha.allocate_ids(exports, {"/srv/a": 1, "/srv/b": 2}, used_ids=set([2, 3]), foreign_ids=set([2, 3]))
    assert ids == {"/srv/a": 1, "/srv/b": 4}


def test_existing_ids_are_kept_and_new_ones_take_the_lowest_free_never_zero():
    exports = [export("/srv/a"), export("/srv/b"), export("/srv/c"), export("/srv/gone", state="absent")]
    ids = ganesha.allocate_ids(exports, {"/srv/b": 5, "/srv/gone": 1}, used_ids=set([0, 2, 5]))
    assert ids == {"/srv/b": 5, "/srv/a": 3, "/srv/c": 4}


def test_ids_stay_stable_when_an_earlier_export_is_removed():
    text, _blocks, first = ganesha.desired_text(None, [export("/srv/a"), export("/srv/b")], SETTINGS, set())
    assert first == {"/srv/a": 1, "/srv/b": 2}
    step = [export("/srv/a", state="absent"), export("/srv/b")]
    text2, _blocks, second = ganesha.desired_text(text, step, SETTINGS, ganesha.ids_in(text))
    assert second == {"/srv/b": 2}
    _text, _blocks, third = ganesha.desired_text(text2, [export("/srv/c")], SETTINGS, ganesha.ids_in(text2))
    assert third == {"/srv/c": 1}


def test_ids_in_ignores_comments():
    assert ganesha.ids_in("# Export_Id = 9;\nEXPORT { Export_Id = 4; }\n") == set([4])


def test_merge_keeps_unrelated_blocks_and_comments_and_keeps_the_id():
    text, blocks, ids = ganesha.desired_text(HAND_WRITTEN, [export("/srv/a"), export("/srv/new")], SETTINGS,
                                             ganesha.ids_in(HAND_WRITTEN))
    assert ids == {"/srv/a": 12, "/srv/new": 1}
    assert text.startswith(HAND_WRITTEN.split("\nEXPORT {", maxsplit=1)[0])  # comment + other block verbatim
    assert "# keep me" in text and blocks["/srv/a"] in text and blocks["/srv/new"] in text
    again, _blocks, _ids = ganesha.desired_text(text, [export("/srv/a"), export("/srv/new")], SETTINGS, ganesha.ids_in(text))
    assert again == text


def test_removing_a_block_leaves_the_rest_and_the_last_removal_removes_the_file():
    text, _blocks, _ids = ganesha.desired_text(None, [export("/srv/a"), export("/srv/b")], SETTINGS, set())
    less, _blocks, _ids = ganesha.desired_text(text, [export("/srv/a", state="absent")], SETTINGS, set())
    assert [pair[0] for pair in ganesha.exports_in(less)] == ["/srv/b"]
    assert "\n\n" not in less
    assert ganesha.desired_text(less, [export("/srv/b", state="absent")], SETTINGS, set())[0] is None


def test_changed_paths():
    text, _blocks, _ids = ganesha.desired_text(None, [export("/srv/a")], SETTINGS, set())
    changed, _blocks, _ids = ganesha.desired_text(text, [export("/srv/a", options=["ro"])], SETTINGS, set())
    assert ganesha.changed_paths(text, changed) == set(["/srv/a"])
    assert ganesha.changed_paths(text, text) == set()


def test_include_is_added_once_and_nothing_else_changes():
    main = "NFS_CORE_PARAM { Protocols = 4; }"
    added = ganesha.ensure_include(main, "/etc/ganesha/exports.d/web.conf")
    assert added == main + '\n%include "/etc/ganesha/exports.d/web.conf"\n'
    assert ganesha.ensure_include(added, "/etc/ganesha/exports.d/web.conf") == added
    unquoted = "%include /etc/ganesha/exports.d/web.conf\n"
    assert ganesha.ensure_include(unquoted, "/etc/ganesha/exports.d/web.conf") == unquoted
    assert ganesha.drop_include(added, "/etc/ganesha/exports.d/web.conf") == main + "\n"
    commented = '#%include "/etc/ganesha/exports.d/web.conf"\n'
    assert ganesha.ensure_include(commented, "/etc/ganesha/exports.d/web.conf").count("\n%include") == 1


def test_config_files_follow_include_and_dir_once_each():
    texts = {
        "/etc/ganesha/ganesha.conf": '%include "exports.conf"\n%dir /etc/ganesha/more\n%include /etc/ganesha/ganesha.conf\n',
        "/etc/ganesha/exports.conf": '%include "/x/a.conf"\n# %include "/x/commented.conf"\n',
        "/x/a.conf": "EXPORT { Export_Id = 4; Path = /a; }\n",
        "/etc/ganesha/more/b.conf": "EXPORT { Export_Id = 9; Path = /b; }\n",
        "/x/commented.conf": "EXPORT { Export_Id = 77; Path = /c; }\n",
    }
    dirs = {"/etc/ganesha/more": ["b.conf", "notes.txt"]}
    found = ganesha.config_files("/etc/ganesha/ganesha.conf", texts.get, lambda path: dirs.get(path, []))
    assert [path for path, _text in found] == ["/etc/ganesha/ganesha.conf", "/etc/ganesha/exports.conf",
                                               "/x/a.conf", "/etc/ganesha/more/b.conf"]
    ids = set()
    for _path, text in found:
        ids |= ganesha.ids_in(text)
    assert ids == set([4, 9])
