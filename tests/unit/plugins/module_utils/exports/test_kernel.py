# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""exports(5) parsing, rendering and merging by path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.exports import kernel, model

EXISTING = """# hand-written comment
/srv/other   10.1.0.0/16(ro,sync) \\
             host2(rw)   # trailing comment

"/srv/with space" -rw,sync h(root_squash)
/srv/a old(rw)
"""


def export(path, hosts=("10.0.0.0/24",), **kwargs):
    clients = [model.Client(host, model.client_options(None, "o")) for host in hosts]
    return model.Export(path, clients, **kwargs)


def test_parse_round_trips_byte_for_byte():
    assert kernel.render_segments(kernel.parse(EXISTING)) == EXISTING


def test_parse_reads_paths_clients_continuations_and_quotes():
    entries = [s for s in kernel.parse(EXISTING) if s.is_entry]
    assert [e.path for e in entries] == ["/srv/other", "/srv/with space", "/srv/a"]
    assert entries[0].clients == [("10.1.0.0/16", ["ro", "sync"]), ("host2", ["rw"])]
    assert entries[1].defaults == ["rw", "sync"] and entries[1].clients == [("h", ["root_squash"])]


def test_render_entry_uses_normalized_options_and_quotes_spaces():
    assert kernel.render_entry(export("/srv/a", ("h1", "10.0.0.0/24"))) == \
        "/srv/a h1(rw,sync,no_subtree_check,root_squash) 10.0.0.0/24(rw,sync,no_subtree_check,root_squash)"
    assert kernel.render_entry(export("/srv/x y")).startswith('"/srv/x y" ')


def test_merge_replaces_in_place_keeps_others_and_appends_new():
    text, entries = kernel.desired_text(EXISTING, [export("/srv/a"), export("/srv/new")])
    lines = text.splitlines()
    assert lines[:5] == EXISTING.splitlines()[:5]  # comment, other entry with continuation, quoted entry
    assert lines[5] == entries["/srv/a"]
    assert lines[6] == entries["/srv/new"]
    assert len(lines) == 7


def test_unchanged_input_gives_the_same_text_object():
    text, _entries = kernel.desired_text(EXISTING, [export("/srv/a")])
    again, _entries = kernel.desired_text(text, [export("/srv/a")])
    assert again == text


def test_absent_drops_only_that_path_and_duplicates_collapse():
    text, _entries = kernel.desired_text(EXISTING + "/srv/a dup(rw)\n", [export("/srv/a", state="absent")])
    assert "/srv/a" not in kernel.entry_paths(text)
    assert "/srv/other" in kernel.entry_paths(text) and "# hand-written comment" in text


def test_new_file_gets_a_header_and_removing_the_last_entry_removes_the_file():
    text, _entries = kernel.desired_text(None, [export("/srv/a")])
    assert text.startswith(kernel.HEADER) and kernel.entry_paths(text) == ["/srv/a"]
    gone, _entries = kernel.desired_text(text, [export("/srv/a", state="absent")])
    assert gone is None


def test_absent_on_missing_file_stays_missing():
    assert kernel.desired_text(None, [export("/srv/a", state="absent")])[0] is None


def test_changed_paths_names_only_what_differs():
    after, _entries = kernel.desired_text(EXISTING, [export("/srv/a"), export("/srv/new")])
    assert kernel.changed_paths(EXISTING, after) == set(["/srv/a", "/srv/new"])
    assert kernel.changed_paths(after, after) == set()
