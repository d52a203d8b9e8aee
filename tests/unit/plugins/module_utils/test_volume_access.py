# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owner, mode, the pod's user and squashing planned together: the pure rules, then through the app plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import app_model, volume_access
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_app_model import ENTRY_SPEC, entry

ALL_SQUASH_101 = ["all_squash", "anonuid=101", "anongid=101"]


@pytest.mark.parametrize("options, mode, anonuid, anongid", [
    ([], "root", 65534, 65534),
    (["rw"], "root", 65534, 65534),
    (["no_root_squash"], "none", 65534, 65534),
    (ALL_SQUASH_101, "all", 101, 101),
    (["all_squash"], "all", 65534, 65534),
    (["anonuid=7"], "root", 7, 65534),
])
def test_squashing_reads_the_export_options(options, mode, anonuid, anongid):
    squash = volume_access.squashing(options)
    assert (squash.mode, squash.anonuid, squash.anongid) == (mode, anonuid, anongid)


@pytest.mark.parametrize("creds, options, expected", [
    ((0, 0, [0, 5]), [], (65534, 65534, [])),                  # root is squashed, its groups too
    ((1000, 0, [0, 5]), [], (1000, 65534, [5])),               # gid 0 of a non-root process is squashed
    ((1000, 1000, [1000]), [], (1000, 1000, [1000])),
    ((0, 0, [0]), ["no_root_squash"], (0, 0, [0])),
    ((1000, 1000, [1000, 5]), ALL_SQUASH_101, (101, 101, [])),
])
def test_on_server(creds, options, expected):
    assert volume_access.on_server(*(creds + (volume_access.squashing(options),))) == expected


@pytest.mark.parametrize("uid, groups, owner, group, mode, expected", [
    (0, [], 101, 101, "0700", True),
    (101, [101], 101, 101, "0770", True),
    (101, [], 101, 101, "0570", False),          # the owner bits decide for the owner, even when group may
    (102, [101], 101, 101, "0770", True),        # in the group
    (102, [7], 101, 101, "0770", False),         # neither owner nor in the group
    (102, [7], 101, 101, "0773", True),          # others may
    (102, [7], None, 101, "0770", None),         # owner unchanged: it may be 102
    (102, [7], 101, None, "0770", None),         # group unchanged: it may be 7
    (102, [7], 101, None, "0700", False),        # ... but neither group nor others may
    (volume_access.ASSIGNED_UID, [5555], None, 5555, "2770", True),
    (volume_access.ASSIGNED_UID, [0], None, 5555, "2770", False),
    (None, [7], 101, 101, "0770", None),         # unknown uid: may be the owner
])
def test_permits(uid, groups, owner, group, mode, expected):
    assert volume_access.permits(uid, groups, owner, group, mode) is expected


@pytest.mark.parametrize("identity, options, derived", [
    ({"run_as_user": 101, "run_as_group": 101}, [], ("101", "101", "0770")),
    ({"run_as_user": 101, "run_as_group": 101, "fs_group": 2000}, [], ("101", "2000", "0770")),
    ({"run_as_user": 0}, ALL_SQUASH_101, ("101", "101", "0770")),
    ({"run_as_user": 0}, [], ("65534", None, "0770")),   # squashed root writes as nobody
    ({"arbitrary_uid": True, "supplemental_groups": [5555]}, [], (None, "5555", "2770")),
    ({"arbitrary_uid": True}, ALL_SQUASH_101, ("101", "101", "0770")),
    (None, [], (None, None, None)),
])
def test_derive_fills_what_is_not_given(identity, options, derived):
    assert volume_access.derive(identity, options, None, None, None) == derived


def test_derive_keeps_what_is_given():
    assert volume_access.derive({"run_as_user": 101}, [], "7", "8", "0750") == ("7", "8", "0750")


def plan_problems(**changes):
    result = app_model.plan([entry(**changes)], ENTRY_SPEC)
    return result, [str(problem) for problem in result["problems"]]


def owned_101(**changes):
    owned = {"storage__nfs__owner": "101", "storage__nfs__group": "101", "storage__nfs__mode": "0770"}
    owned.update(changes)
    return owned


def test_a_non_root_app_gets_directories_it_owns_and_its_security_context():
    result, problems = plan_problems(identity={"run_as_user": 101, "run_as_group": 101})
    assert problems == []
    item = result["nfs"]["nfs1"][0]
    assert (item["owner"], item["group"], item["mode"]) == ("101", "101", "0770")
    assert result["apps"][0]["pod_security_context"] == {"runAsUser": 101, "runAsGroup": 101}


def test_root_with_root_squash_on_a_directory_it_does_not_own_is_refused_with_the_fix():
    _result, problems = plan_problems(**owned_101(identity={"run_as_user": 0}))
    assert len(problems) == 1
    assert "identity.run_as_user=0: runs as root, and root_squash (the export's default) maps root to uid 65534" \
        in problems[0]
    assert "(owner 101, group 101, mode 0770)" in problems[0]
    assert "Fix: run as the directories' owner (identity.run_as_user: 101), or export with all_squash, " \
        "anonuid=101, anongid=101" in problems[0]


def test_a_non_root_uid_outside_owner_and_group_is_refused():
    _result, problems = plan_problems(**owned_101(identity={"run_as_user": 1000, "run_as_group": 1000}))
    assert len(problems) == 1
    assert "identity.run_as_user=1000: uid 1000 with groups 1000 is neither the owner nor in the group" in problems[0]


def test_fs_group_as_the_only_way_in_is_refused_naming_the_fix():
    _result, problems = plan_problems(**owned_101(identity={"run_as_user": 1000, "fs_group": 2000},
                                                  storage__nfs__group="3000"))
    assert len(problems) == 1
    assert "identity.fs_group=2000: is the only way in, and Kubernetes does not apply fsGroup to NFS volumes" \
        in problems[0]
    assert "storage.nfs.group: \"2000\"" in problems[0]


def test_fs_group_matching_the_directories_group_lets_the_pod_in():
    _result, problems = plan_problems(**owned_101(identity={"run_as_user": 1000, "fs_group": 101}))
    assert problems == []


def test_all_squash_without_matching_anonuid_is_refused():
    _result, problems = plan_problems(**owned_101(storage__nfs__options=["all_squash"]))
    assert len(problems) == 1
    assert "all_squash maps every process to uid 65534 gid 65534 on the server" in problems[0]
    assert "add anonuid=101 and anongid=101 to storage.nfs.options" in problems[0]


def test_all_squash_with_anonuid_passes_whoever_the_process_is():
    assert plan_problems(**owned_101(storage__nfs__options=ALL_SQUASH_101))[1] == []
    assert plan_problems(**owned_101(storage__nfs__options=ALL_SQUASH_101, identity={"run_as_user": 0}))[1] == []


def test_an_arbitrary_uid_needs_a_group_or_all_squash():
    _result, problems = plan_problems(**owned_101(identity={"arbitrary_uid": True}))
    assert len(problems) == 1 and "identity.arbitrary_uid=True: the platform assigns the uid" in problems[0]
    result, problems = plan_problems(identity={"arbitrary_uid": True, "supplemental_groups": [5555]})
    assert problems == []
    item = result["nfs"]["nfs1"][0]
    assert (item["owner"], item["group"], item["mode"]) == (None, "5555", "2770")
    assert result["apps"][0]["pod_security_context"] == {"supplementalGroups": [5555], "runAsNonRoot": True}


def test_a_mode_that_shuts_out_the_owner_is_refused():
    _result, problems = plan_problems(**owned_101(identity={"run_as_user": 101}, storage__nfs__mode="0570"))
    assert len(problems) == 1 and "storage.nfs.mode=" in problems[0] and "no write and search" in problems[0]


def test_without_an_identity_only_all_squash_is_judged():
    assert plan_problems(**owned_101())[1] == []
    result, problems = plan_problems()
    assert problems == [] and result["apps"][0]["pod_security_context"] == {}
    assert result["nfs"]["nfs1"][0]["mode"] is None


def test_names_for_owner_or_group_are_not_judged():
    assert plan_problems(**owned_101(identity={"run_as_user": 1000}, storage__nfs__owner="www-data"))[1] == []


@pytest.mark.parametrize("identity, field", [
    ({"run_as_user": -1}, "identity.run_as_user=-1"),
    ({"supplemental_groups": [1, 2 ** 31]}, "identity.supplemental_groups[1]=2147483648"),
    ({"arbitrary_uid": True, "run_as_user": 5}, "identity.run_as_user=5"),
])
def test_identity_values_are_checked(identity, field):
    assert any(field in problem for problem in plan_problems(identity=identity)[1])


def test_the_old_top_level_fs_group_names_its_new_place():
    problems = [str(p) for p in app_model.plan([dict(entry(), fs_group=2000)], ENTRY_SPEC)["problems"]]
    assert any("fs_group=2000: moved to identity.fs_group. Fix: write it as identity.fs_group: 2000" in p
               for p in problems)


def test_no_root_squash_on_a_read_write_export_is_refused_by_the_plan():
    _result, problems = plan_problems(storage__nfs__options=["no_root_squash"])
    assert len(problems) == 1 and "storage.nfs.options=['no_root_squash']: rw with no_root_squash" in problems[0]
    assert plan_problems(storage__nfs__options=["ro", "no_root_squash"])[1] == []
