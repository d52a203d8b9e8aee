# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The served-check's pure parts: who may mount, which URL, which log lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import model, served


def export(path, hosts=("10.0.0.0/24",), pseudo=None):
    return model.Export(path, [model.Client(host, ["rw"]) for host in hosts], pseudo=pseudo)


@pytest.mark.parametrize("client, address, expected", [
    ("10.0.0.0/24", "10.0.0.5", True), ("10.0.0.5", "10.0.0.5", True), ("10.0.0.5/32", "10.0.0.5", True),
    ("10.0.1.0/24", "10.0.0.5", False), ("*", "10.0.0.5", True), ("0.0.0.0/00", "10.0.0.5", True),
    ("fd00::/64", "fd00::1", True), ("[fd00::]/64", "[fd00::1]", True), ("fd00::/64", "10.0.0.5", False),
    ("node1.example.com", "10.0.0.5", False), ("@nodes", "10.0.0.5", False), ("*.example.com", "10.0.0.5", False),
])
def test_lets_in_decides_only_what_needs_no_name_lookup(client, address, expected):
    assert served.lets_in(client, address) is expected


def test_probes_use_the_v4_pseudo_path_or_v3_mount_and_skip_what_cannot_be_checked():
    exports = [export("/srv/a"), export("/srv/b", pseudo="/b"), export("/srv/c d"), export("/srv/x", hosts=("h1",))]
    checks, unchecked = served.probes(exports, model.Settings(backend="ganesha"), "10.0.0.5")
    assert checks == [("/srv/a", "nfs://10.0.0.5/srv/a"), ("/srv/a", "nfs://10.0.0.5/srv/a?version=4"),
                      ("/srv/b", "nfs://10.0.0.5/srv/b"), ("/srv/b", "nfs://10.0.0.5/b?version=4"),
                      ("/srv/c d", "nfs://10.0.0.5/srv/c%20d"), ("/srv/c d", "nfs://10.0.0.5/srv/c%20d?version=4")]
    assert unchecked == [("/srv/x", "none of its clients lets 10.0.0.5 (the verifying address) in")]
    v3 = model.Settings(backend="ganesha", ganesha_protocols=["3"])
    assert served.probes([export("/srv/a", hosts=("fd00::/64",))], v3, "fd00::5")[0] == \
        [("/srv/a", "nfs://[fd00::5]/srv/a")]
    assert served.probes([export("/srv/a")], model.Settings(backend="ganesha", ganesha_protocols=["9P"]),
                         "10.0.0.5")[1][0][1] == "it is served neither over NFSv3 nor NFSv4"


def test_an_export_is_served_only_when_every_protocol_answers():
    answers = {"nfs://s/b": (243, "", "MNT3ERR_ACCES"), "nfs://s/b?version=4": (0, "", "")}
    now = [0.0]
    missing = served.wait_served([("/srv/b", "nfs://s/b"), ("/srv/b", "nfs://s/b?version=4")],
                                 lambda argv: answers[argv[-1]], ["nfs-ls"], lambda: now[0],
                                 lambda seconds: now.__setitem__(0, now[0] + seconds), 1)
    assert missing == {"/srv/b": "nfs://s/b: MNT3ERR_ACCES"}


def test_server_must_be_an_address():
    served.check_server("10.0.0.5")
    served.check_server("[fd00::1]")
    with pytest.raises(SpecError, match="verify_server='nfs1': not an IP address"):
        served.check_server("nfs1")


def test_logged_lines_keep_configuration_and_critical_ones():
    text = ("a :CONFIG :CRIT :Config File (x.conf:2): 1 validation errors in block EXPORT\n"
            "b :TIRPC :EVENT :svc_vc_wait: noise\n"
            "c :EXPORT :MAJ :export 7 failed\n"
            "d :MAIN :EVENT :SIGHUP_HANDLER: Received SIGHUP\n")
    assert served.logged_lines(text) == ["a :CONFIG :CRIT :Config File (x.conf:2): 1 validation errors in block EXPORT",
                                         "c :EXPORT :MAJ :export 7 failed"]
    assert served.logged_lines("x :CONFIG :CRIT :1\n" * 30, limit=3) == ["x :CONFIG :CRIT :1"] * 3


@pytest.mark.parametrize("answer, served_", [
    # root_squash and a 0770 directory of the app's uid: mounted, looked up, not readable by squashed root
    ('Failed to opendir("") opendir call failed with "NFS: READDIRPLUS of  failed with NFS3ERR_ACCES(-13)"', True),
    ('Failed to opendir("") opendir call failed with "NFS4: (path /) failed with NFS4ERR_ACCESS(-13)"', True),
    # hidden from this client, or not exported: never served
    ("Failed to mount nfs share : nfs_mount_async failed. Mount failed with MNT3ERR_ACCES(-13)", False),
    ('Failed to opendir("") opendir call failed with "NFS4: (path /srv/b) failed with NFS4ERR_NOENT(-2)"', False),
])
def test_a_directory_squashed_root_may_not_read_is_served(answer, served_):
    missing = served.wait_served([("/srv/b", "nfs://s/b")], lambda argv: (1, "", answer), ["nfs-ls"],
                                 lambda: 0, lambda seconds: None, 0)
    assert (missing == {}) is served_
