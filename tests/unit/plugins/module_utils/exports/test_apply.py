# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole run over a temporary directory tree, with the command runner and signal sender faked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import time

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.exports import apply, directories, ganesha, model
from ansible_collections.stateful.nfs.plugins.module_utils.exports.validation import ValidationError


class FakeHost(apply.Host):
    """Records commands; `answers` is a list of (rc, out, err) given in turn (default success)."""

    def __init__(self, answers=None, alive=()):
        super(FakeHost, self).__init__(self._run, kill=self._kill, exportfs="/usr/sbin/exportfs")
        self.answers = list(answers or [])
        self.commands = []
        self.signals = []
        self.alive = set(alive)

    def _run(self, args):
        self.commands.append(list(args))
        return self.answers.pop(0) if self.answers else (0, "", "")

    def _kill(self, pid, sig):
        if pid not in self.alive:
            raise OSError(3, "No such process")
        if sig != 0:
            self.signals.append((pid, sig))


@pytest.fixture
def tree(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    return tmp_path


def export(path, hosts=("10.0.0.0/24",), options=None, **kwargs):
    clients = [model.Client(host, model.client_options(options, "o")) for host in hosts]
    return model.Export(str(path), clients, **kwargs)


def kernel_settings(tree, **kwargs):
    # exportfs_dir stands in for /etc/exports.d, the only directory exportfs -ra reads.
    return model.Settings(backend="kernel", name="web", exports_dir=str(tree / "exports.d"),
                          exportfs_dir=str(tree / "exports.d"), **kwargs)


def ganesha_settings(tree, **kwargs):
    return model.Settings(backend="ganesha", name="web", exports_dir=str(tree / "ganesha" / "exports.d"),
                          ganesha_config=str(tree / "ganesha" / "ganesha.conf"),
                          ganesha_pid_file=str(tree / "ganesha.pid"), **kwargs)


def read(path):
    with open(str(path)) as handle:
        return handle.read()


# ------------------------------------------------------------------ kernel

def test_create_writes_file_makes_directory_and_runs_exportfs(tree):
    host = FakeHost()
    settings = kernel_settings(tree)
    result = apply.run([export(tree / "data" / "a", mode="0750")], settings, host, want_diff=True)
    assert result["changed"] and result["reloaded"] is True
    assert host.commands == [["/usr/sbin/exportfs", "-ra"]]
    text = read(settings.exports_file)
    assert "%s 10.0.0.0/24(rw,sync,no_subtree_check,root_squash)\n" % (tree / "data" / "a") in text
    assert oct(os.stat(str(tree / "data" / "a")).st_mode & 0o777) == "0o750"
    assert result["exports"][0]["created"] and result["exports"][0]["entry_changed"]
    file_diff = result["diff"][0]
    assert file_diff["before"] == "" and file_diff["after"] == text
    assert file_diff["before_header"] == settings.exports_file + " (absent)"
    assert file_diff["after_header"] == settings.exports_file
    assert result["diff"][1]["after_header"].endswith("a (directory)") and "mode=0750" in result["diff"][1]["after"]


def test_second_identical_run_changes_nothing_and_runs_nothing(tree):
    settings = kernel_settings(tree)
    apply.run([export(tree / "data" / "a", mode="0750")], settings, FakeHost())
    before = os.stat(settings.exports_file)
    host = FakeHost()
    result = apply.run([export(tree / "data" / "a", mode="0750")], settings, host)
    assert not result["changed"] and not result["reloaded"] and host.commands == []
    assert os.stat(settings.exports_file).st_ino == before.st_ino  # not even rewritten


def test_mode_drift_is_a_change_without_reload(tree):
    settings = kernel_settings(tree)
    apply.run([export(tree / "data" / "a", mode="0750")], settings, FakeHost())
    os.chmod(str(tree / "data" / "a"), 0o700)
    host = FakeHost()
    result = apply.run([export(tree / "data" / "a", mode="0750")], settings, host)
    assert result["changed"] and result["exports"][0]["changed"] and not result["exports"][0]["entry_changed"]
    assert host.commands == [] and oct(os.stat(str(tree / "data" / "a")).st_mode & 0o777) == "0o750"


def test_check_mode_touches_nothing(tree):
    settings = kernel_settings(tree)
    host = FakeHost()
    result = apply.run([export(tree / "data" / "new" / "a", mode="0750")], settings, host, check_mode=True, want_diff=True)
    assert result["changed"] and result["exports"][0]["created"] and not result["reloaded"]
    assert not os.path.exists(str(tree / "data" / "new"))
    assert not os.path.exists(settings.exports_dir)  # not even the lock file
    assert host.commands == []
    assert "10.0.0.0/24(rw" in result["diff"][0]["after"]


def test_exportfs_rejection_restores_the_previous_file(tree):
    settings = kernel_settings(tree)
    apply.run([export(tree / "data" / "a")], settings, FakeHost())
    previous = read(settings.exports_file)
    err = 'exportfs: %s:2: unknown keyword "bogus"\n' % settings.exports_file
    host = FakeHost(answers=[(1, "", err), (0, "", "")])
    with pytest.raises(apply.ExportError) as exc:
        apply.run([export(tree / "data" / "b", options=["sec=bogus"])], settings, host)
    assert read(settings.exports_file) == previous
    assert 'unknown keyword "bogus"' in str(exc.value) and "previous" in str(exc.value)
    assert exc.value.result["rolled_back"] is True
    assert host.commands == [["/usr/sbin/exportfs", "-ra"]] * 2  # apply, then re-apply the restored file


def test_exportfs_rejection_of_a_new_file_removes_it(tree):
    settings = kernel_settings(tree)
    host = FakeHost(answers=[(1, "", "exportfs: bad\n"), (0, "", "")])
    with pytest.raises(apply.ExportError, match="did not exist before"):
        apply.run([export(tree / "data" / "a")], settings, host)
    assert not os.path.exists(settings.exports_file)


def test_failed_reapply_is_reported_too(tree):
    settings = kernel_settings(tree)
    host = FakeHost(answers=[(1, "", "exportfs: first\n"), (1, "", "exportfs: second\n")])
    with pytest.raises(apply.ExportError, match="also failed: exportfs: second"):
        apply.run([export(tree / "data" / "a")], settings, host)


def test_entries_of_other_paths_survive_and_last_removal_removes_the_file(tree):
    settings = kernel_settings(tree)
    apply.run([export(tree / "data" / "a")], settings, FakeHost())
    apply.run([export(tree / "data" / "b")], settings, FakeHost())
    text = read(settings.exports_file)
    assert str(tree / "data" / "a") in text and str(tree / "data" / "b") in text
    apply.run([export(tree / "data" / "a", state="absent")], settings, FakeHost())
    assert str(tree / "data" / "a ") not in read(settings.exports_file)
    result = apply.run([export(tree / "data" / "b", state="absent")], settings, FakeHost())
    assert not os.path.exists(settings.exports_file) and result["changed"]
    assert os.path.isdir(str(tree / "data" / "a")) and os.path.isdir(str(tree / "data" / "b"))  # data stays


def test_purge_removes_the_directory_only_when_asked(tree):
    settings = kernel_settings(tree)
    apply.run([export(tree / "data" / "a")], settings, FakeHost())
    (tree / "data" / "a" / "file").write_text("data")
    result = apply.run([export(tree / "data" / "a", state="absent", purge=True)], settings, FakeHost(), want_diff=True)
    assert result["exports"][0]["purged"] and not os.path.exists(str(tree / "data" / "a"))
    assert any(d["after"].startswith("absent (purged") for d in result["diff"])


def test_purge_in_archive_mode_renames_each_directory_with_its_data_next_to_it(tree):
    settings = kernel_settings(tree, purge_mode="archive")
    host = FakeHost()
    host.clock = lambda: 1796144400.0  # 2026-12-01T17:00:00Z
    paths = [tree / "data" / "a", tree / "data" / "b"]
    apply.run([export(path) for path in paths], settings, host)
    for path in paths:
        (path / "file").write_text("data of %s" % path.name)
    (tree / "data" / "a.archived-20261201T170000Z").mkdir()  # an earlier archive of the same second stays
    planned = apply.run([export(path, state="absent", purge=True) for path in paths], settings, host,
                        check_mode=True, want_diff=True)
    assert [item["archived_to"] for item in planned["exports"]] == [
        str(tree / "data" / "a.archived-20261201T170000Z-2"), str(tree / "data" / "b.archived-20261201T170000Z")]
    assert all(path.is_dir() for path in paths)  # check mode touched nothing
    assert any(d["after"].startswith("absent (archived with its contents to ") for d in planned["diff"])
    done = apply.run([export(path, state="absent", purge=True) for path in paths], settings, host)
    assert [item["archived_to"] for item in done["exports"]] == [item["archived_to"] for item in planned["exports"]]
    assert all(item["purged"] and item["changed"] for item in done["exports"])
    assert not any(path.exists() for path in paths)
    assert (tree / "data" / "a.archived-20261201T170000Z-2" / "file").read_text() == "data of a"
    assert (tree / "data" / "b.archived-20261201T170000Z" / "file").read_text() == "data of b"
    assert (tree / "data" / "a.archived-20261201T170000Z").is_dir()


def test_archive_names_are_dated_next_to_the_directory_and_never_taken():
    taken = {"/srv/nfs/www-web-0.archived-20261201T170000Z", "/srv/nfs/www-web-0.archived-20261201T170000Z-2"}
    assert directories.archive_name("/srv/nfs/www-web-0/", "20261201T170000Z", taken.__contains__) == \
        "/srv/nfs/www-web-0.archived-20261201T170000Z-3"
    assert directories.archive_name("/srv/nfs/www-web-1", "20261201T170000Z", taken.__contains__) == \
        "/srv/nfs/www-web-1.archived-20261201T170000Z"


def test_purge_is_refused_while_another_file_exports_the_path(tree):
    settings = kernel_settings(tree)
    other = model.Settings(backend="kernel", name="other", exports_dir=settings.exports_dir,
                           exportfs_dir=settings.exports_dir)
    apply.run([export(tree / "data" / "a")], other, FakeHost())
    with pytest.raises(ValidationError, match="still exported by .*other.exports"):
        apply.run([export(tree / "data" / "a", state="absent", purge=True)], settings, FakeHost())
    assert os.path.isdir(str(tree / "data" / "a"))


def test_insecure_export_is_refused_before_anything(tree):
    settings = kernel_settings(tree)
    host = FakeHost()
    with pytest.raises(ValidationError, match="allow_insecure"):
        apply.run([export(tree / "data" / "a", hosts=("*",))], settings, host)
    assert host.commands == [] and not os.path.exists(str(tree / "data" / "a"))
    assert not os.path.exists(settings.exports_dir)
    result = apply.run([export(tree / "data" / "a", hosts=("*",), allow_insecure=True)], settings, host)
    assert len(result["warnings"]) == 1 and str(tree / "data" / "a") in result["warnings"][0]


def test_kernel_exports_dir_exportfs_never_reads_is_refused_before_anything(tree):
    host = FakeHost()
    settings = model.Settings(backend="kernel", name="web", exports_dir=str(tree / "elsewhere"),
                              exportfs_dir=str(tree / "exports.d"))
    with pytest.raises(ValidationError, match="exports_dir=.*elsewhere.*exportfs -ra reads only"):
        apply.run([export(tree / "data" / "a")], settings, host)
    assert host.commands == [] and not os.path.exists(str(tree / "elsewhere"))
    assert not os.path.exists(str(tree / "data" / "a"))


def test_bad_anonuid_is_refused_before_anything(tree):
    host = FakeHost()
    settings = kernel_settings(tree)
    with pytest.raises(ValidationError, match="anonuid=notanumber"):
        apply.run([export(tree / "data" / "a", options=["anonuid=notanumber"])], settings, host)
    assert host.commands == [] and not os.path.exists(settings.exports_dir)
    assert not os.path.exists(str(tree / "data" / "a"))


def test_missing_exportfs_fails_before_anything(tree):
    host = FakeHost()
    host.exportfs = None
    with pytest.raises(ValidationError, match="exportfs was not found"):
        apply.run([export(tree / "data" / "a")], kernel_settings(tree), host)
    assert not os.path.exists(str(tree / "data" / "a"))


def test_reload_false_writes_without_exportfs(tree):
    host = FakeHost()
    host.exportfs = None
    settings = kernel_settings(tree, reload=False)
    result = apply.run([export(tree / "data" / "a")], settings, host)
    assert result["changed"] and not result["reloaded"] and host.commands == []
    assert os.path.exists(settings.exports_file)


def test_list_form_is_one_file_write_and_one_reload(tree):
    host = FakeHost()
    exports = [export(tree / "data" / ("d%03d" % index)) for index in range(100)]
    result = apply.run(exports, kernel_settings(tree), host)
    assert host.commands == [["/usr/sbin/exportfs", "-ra"]]
    assert len(result["entries"]) == 100 and all(item["created"] for item in result["exports"])


# ------------------------------------------------------------------ ganesha

def test_ganesha_writes_blocks_adds_include_and_sighups(tree):
    settings = ganesha_settings(tree)
    os.makedirs(str(tree / "ganesha"))
    (tree / "ganesha" / "ganesha.conf").write_text("NFS_CORE_PARAM { Protocols = 4; }\n")
    (tree / "ganesha.pid").write_text("4242\n")
    host = FakeHost(alive=[4242])
    result = apply.run([export(tree / "data" / "a"), export(tree / "data" / "b")], settings, host, want_diff=True)
    assert result["reloaded"] == "signalled" and host.signals == [(4242, signal.SIGHUP)]
    assert [item["export_id"] for item in result["exports"]] == [1, 2]
    assert read(tree / "ganesha" / "ganesha.conf") == \
        'NFS_CORE_PARAM { Protocols = 4; }\n%%include "%s"\n' % settings.exports_file
    assert result["main_config_changed"] and len(result["diff"]) >= 2
    again = apply.run([export(tree / "data" / "a"), export(tree / "data" / "b")], settings, FakeHost(alive=[4242]))
    assert not again["changed"] and again["reloaded"] is False


def test_ganesha_ids_avoid_other_files_and_the_main_config(tree):
    settings = ganesha_settings(tree)
    os.makedirs(settings.exports_dir)
    (tree / "ganesha" / "ganesha.conf").write_text("EXPORT { Export_Id = 1; Path = /x; FSAL { Name = VFS; } }\n")
    with open(os.path.join(settings.exports_dir, "other.conf"), "w") as handle:
        handle.write("EXPORT { Export_Id = 2; Path = /y; FSAL { Name = VFS; } }\n")
    result = apply.run([export(tree / "data" / "a")], settings, FakeHost())
    assert result["exports"][0]["export_id"] == 3


def test_ganesha_without_a_running_daemon_warns_and_does_not_reload(tree):
    result = apply.run([export(tree / "data" / "a")], ganesha_settings(tree), FakeHost())
    assert not result["reloaded"] and "not reloaded" in result["warnings"][0]


def test_ganesha_reload_command_failure_restores_both_files(tree):
    settings = ganesha_settings(tree, reload_command=["reload-ganesha"])
    os.makedirs(str(tree / "ganesha"))
    (tree / "ganesha" / "ganesha.conf").write_text("# main\n")
    host = FakeHost(answers=[(1, "", "reload failed: boom"), (0, "", "")])
    with pytest.raises(apply.ExportError, match="boom"):
        apply.run([export(tree / "data" / "a")], settings, host)
    assert read(tree / "ganesha" / "ganesha.conf") == "# main\n"
    assert not os.path.exists(settings.exports_file)
    assert host.commands == [["reload-ganesha"], ["reload-ganesha"]]


def test_ganesha_last_removal_drops_file_and_include(tree):
    settings = ganesha_settings(tree)
    apply.run([export(tree / "data" / "a")], settings, FakeHost())
    assert "%include" in read(tree / "ganesha" / "ganesha.conf")
    result = apply.run([export(tree / "data" / "a", state="absent")], settings, FakeHost())
    assert result["changed"] and not os.path.exists(settings.exports_file)
    assert "%include" not in read(tree / "ganesha" / "ganesha.conf")


def test_foreign_bytes_and_crlf_in_a_kept_line_survive_a_rewrite(tree):
    settings = kernel_settings(tree)
    os.makedirs(settings.exports_dir)
    with open(settings.exports_file, "wb") as handle:
        handle.write(b"# caf\xe9 in latin-1\r\n/srv/other h(ro)\r\n")
    apply.run([export(tree / "data" / "a")], settings, FakeHost())
    with open(settings.exports_file, "rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"# caf\xe9 in latin-1\r\n/srv/other h(ro)\r\n")


def test_exportfs_complaints_on_success_become_warnings(tree):
    host = FakeHost(answers=[(0, "", "exportfs: /srv/x requires fsid= for NFS export\n")])
    result = apply.run([export(tree / "data" / "a")], kernel_settings(tree), host)
    assert result["reloaded"] and result["warnings"] == ["/usr/sbin/exportfs -ra: exportfs: /srv/x requires fsid= for NFS export"]


def test_ganesha_ids_avoid_files_included_from_elsewhere(tree):
    settings = ganesha_settings(tree)
    elsewhere = tree / "ganesha" / "other.d"
    os.makedirs(str(elsewhere))
    (elsewhere / "demo.conf").write_text("EXPORT { Export_Id = 1; Path = /d0; FSAL { Name = VFS; } }\n"
                                         "EXPORT { Export_Id = 2; Path = /d1; FSAL { Name = VFS; } }\n")
    (tree / "ganesha" / "exports.conf").write_text('%%include "%s"\n' % (elsewhere / "demo.conf"))
    (tree / "ganesha" / "ganesha.conf").write_text('%include "exports.conf"\n')
    result = apply.run([export(tree / "data" / "a")], settings, FakeHost())
    assert result["exports"][0]["export_id"] == 3


# ------------------------------------------------------------------ runs at once

def _ganesha_runs_at_once(tree, monkeypatch, count=4, per_run=5):
    """`count` runs in separate processes, each with its own exports_dir and one shared main config.

    Reading the main config and writing it back is made slow, so unserialized runs overlap for sure."""
    main = tree / "ganesha" / "ganesha.conf"
    os.makedirs(str(main.parent))
    main.write_text("# main\n")
    slow_include = ganesha.ensure_include

    def ensure_include(text, path):
        time.sleep(0.3)
        return slow_include(text, path)
    monkeypatch.setattr(ganesha, "ensure_include", ensure_include)
    runs = []
    for index in range(count):
        settings = model.Settings(backend="ganesha", name="r%d" % index, exports_dir=str(tree / ("d%d" % index)),
                                  ganesha_config=str(main), ganesha_pid_file=str(tree / "none.pid"))
        exports = [export(tree / "data" / ("r%d-%d" % (index, n))) for n in range(per_run)]
        runs.append((settings, exports))
    children = []
    for settings, exports in runs:
        pid = os.fork()
        if pid == 0:  # child: one module run
            code = 1
            try:
                apply.run(exports, settings, FakeHost())
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    assert [os.waitpid(pid, 0)[1] for pid in children] == [0] * count
    return main, runs


def test_ganesha_runs_with_their_own_exports_dirs_keep_every_include_and_unique_ids(tree, monkeypatch):
    main, runs = _ganesha_runs_at_once(tree, monkeypatch)
    text = read(main)
    assert [settings.exports_file in text for settings, _exports in runs] == [True] * len(runs)
    ids = []
    for settings, exports in runs:
        found = ganesha.exports_in(read(settings.exports_file))
        assert sorted(path for path, _id in found) == sorted(item.path for item in exports)
        ids.extend(export_id for _path, export_id in found)
    assert len(ids) == 20 and len(set(ids)) == 20


def test_check_mode_takes_no_lock(tree, monkeypatch):
    monkeypatch.setattr(apply.files, "locked", lambda path: pytest.fail("check mode took the lock %s" % path))
    result = apply.run([export(tree / "data" / "a")], ganesha_settings(tree), FakeHost(), check_mode=True)
    assert result["changed"] and not os.path.exists(str(tree / "ganesha"))


def test_an_export_id_another_file_also_uses_is_moved_with_a_warning(tree):
    settings = ganesha_settings(tree)
    apply.run([export(tree / "data" / "a"), export(tree / "data" / "b")], settings, FakeHost())
    # another file (written by a run that raced with ours before runs were serialized) took id 2 as well
    other = tree / "ganesha" / "other.conf"
    other.write_text("EXPORT { Export_Id = 2; Path = /x; FSAL { Name = VFS; } }\n")
    with open(str(tree / "ganesha" / "ganesha.conf"), "a") as handle:
        handle.write('%%include "%s"\n' % other)
    result = apply.run([export(tree / "data" / "a"), export(tree / "data" / "b")], settings, FakeHost())
    assert [item["export_id"] for item in result["exports"]] == [1, 3] and result["changed"]
    assert any("Export_Id 2" in warning and str(other) in warning for warning in result["warnings"])
    again = apply.run([export(tree / "data" / "a"), export(tree / "data" / "b")], settings, FakeHost())
    assert not again["changed"] and [item["export_id"] for item in again["exports"]] == [1, 3]


# ------------------------------------------------------------------ is it served?

class ProbingHost(FakeHost):
    """A ganesha host with nfs-ls: `served(url)` answers each probe; SIGHUPs append `on_hup` to the log."""

    def __init__(self, served, log=None, on_hup="", **kwargs):
        super(ProbingHost, self).__init__(alive=[4242], **kwargs)
        self.nfs_ls = "/usr/bin/nfs-ls"
        self.timeout = None
        self.served = served
        self.log, self.on_hup = log, on_hup
        self.now = 0.0
        self.clock = lambda: self.now
        self.sleep = self._sleep

    def _sleep(self, seconds):
        self.now += seconds

    def _run(self, args):
        if args[0] == "/usr/bin/nfs-ls":
            self.commands.append(list(args))
            return (0, "", "") if self.served(args[-1]) else (243, "", "Failed to mount nfs share : NFS4ERR_NOENT")
        return super(ProbingHost, self)._run(args)

    def _kill(self, pid, sig):
        super(ProbingHost, self)._kill(pid, sig)
        if sig and self.log is not None:
            with open(str(self.log), "a") as handle:
                handle.write(self.on_hup)


def _ganesha_host_tree(tree):
    os.makedirs(str(tree / "ganesha"))
    (tree / "ganesha" / "ganesha.conf").write_text("# main\n")
    (tree / "ganesha.pid").write_text("4242\n")


def test_sighup_without_a_check_reports_signalled_not_true(tree):
    _ganesha_host_tree(tree)
    host = FakeHost(alive=[4242])
    result = apply.run([export(tree / "data" / "a")], ganesha_settings(tree), host)
    assert result["reloaded"] == "signalled" and host.signals == [(4242, signal.SIGHUP)]
    command = apply.run([export(tree / "data" / "b")], ganesha_settings(tree, reload_command=["reload-it"]),
                        FakeHost())
    assert command["reloaded"] == "signalled"


def test_verified_reload_is_true_once_every_added_export_is_served(tree):
    _ganesha_host_tree(tree)
    host = ProbingHost(served=lambda url: True)
    settings = ganesha_settings(tree, verify_server="10.0.0.5")
    result = apply.run([export(tree / "data" / "a"), export(tree / "data" / "b", pseudo="/b")], settings, host)
    assert result["reloaded"] is True
    urls = [command[-1] for command in host.commands]
    assert urls == ["nfs://10.0.0.5%s" % (tree / "data" / "a"), "nfs://10.0.0.5%s?version=4" % (tree / "data" / "a"),
                    "nfs://10.0.0.5%s" % (tree / "data" / "b"), "nfs://10.0.0.5/b?version=4"]


def test_export_served_only_after_a_while_is_waited_for(tree):
    _ganesha_host_tree(tree)
    host = ProbingHost(served=lambda url: host.now >= 2)
    result = apply.run([export(tree / "data" / "a")], ganesha_settings(tree, verify_server="10.0.0.5"), host)
    assert result["reloaded"] is True and len(host.commands) == 10  # v3 and v4 at 0, 0.5, 1, 1.5 and 2 seconds


def test_export_ganesha_does_not_serve_fails_with_its_log_lines_and_is_rolled_back(tree):
    _ganesha_host_tree(tree)
    log = tree / "ganesha.log"
    log.write_text("old : nfs-ganesha[main] x :CONFIG :CRIT :an error of an earlier reload\n")
    on_hup = ("t : nfs-ganesha[sigmgr] export_commit_common :CONFIG :CRIT :Pseudo path /a is a duplicate\n"
              "t : nfs-ganesha[svc_8] rpc :TIRPC :EVENT :svc_vc_wait: noise\n")
    host = ProbingHost(served=lambda url: False, log=log, on_hup=on_hup)
    settings = ganesha_settings(tree, verify_server="10.0.0.5", verify_timeout=3, ganesha_log_file=str(log))
    with pytest.raises(apply.ExportError) as exc:
        apply.run([export(tree / "data" / "a")], settings, host)
    message = str(exc.value)
    assert "does not serve %s 3 seconds after the reload" % (tree / "data" / "a") in message
    assert "Pseudo path /a is a duplicate" in message and "earlier reload" not in message and "noise" not in message
    assert "NFS4ERR_NOENT" in message and "did not exist before" in message
    assert exc.value.result["rolled_back"] is True and not os.path.exists(settings.exports_file)
    assert read(tree / "ganesha" / "ganesha.conf") == "# main\n"
    assert host.signals == [(4242, signal.SIGHUP)] * 2  # the change, then the restored configuration


def test_export_this_host_may_not_mount_is_signalled_with_a_warning(tree):
    _ganesha_host_tree(tree)
    host = ProbingHost(served=lambda url: True)
    result = apply.run([export(tree / "data" / "a", hosts=("10.9.0.0/16",)),
                        export(tree / "data" / "b", hosts=("10.0.0.0/24",))],
                       ganesha_settings(tree, verify_server="10.0.0.5"), host)
    assert result["reloaded"] == "signalled" and len(host.commands) == 2  # export b, over NFSv3 and NFSv4
    assert any("%s was not confirmed" % (tree / "data" / "a") in w and "10.0.0.5" in w for w in result["warnings"])


def test_verify_server_is_checked_before_anything(tree):
    host = FakeHost()
    with pytest.raises(ValidationError, match="verify_server='10.0.0.5'.*kernel backend"):
        apply.run([export(tree / "data" / "a")], kernel_settings(tree, verify_server="10.0.0.5"), host)
    with pytest.raises(ValidationError, match="verify_server='nfs1'.*not an IP address"):
        apply.run([export(tree / "data" / "a")], ganesha_settings(tree, verify_server="nfs1"), host)
    with pytest.raises(ValidationError, match="nfs-ls .* was not found.*libnfs-utils"):
        apply.run([export(tree / "data" / "a")], ganesha_settings(tree, verify_server="10.0.0.5"), host)
    assert host.commands == [] and not os.path.exists(str(tree / "data" / "a"))
    assert not os.path.exists(str(tree / "ganesha"))


# ------------------------------------------------------------------ every export of the file (teardown)

def whole_file(purge=True):
    return model.exports_from_params({"state": "absent", "purge": purge, "path": None, "exports": None})


@pytest.mark.parametrize("settings_of", [kernel_settings, ganesha_settings])
def test_whole_file_removes_every_export_it_ever_had_and_purges_their_directories(tree, settings_of):
    settings = settings_of(tree)
    paths = [tree / "data" / ("www-web-%d" % ordinal) for ordinal in range(3)]
    if settings.backend == "ganesha":
        os.makedirs(str(tree / "ganesha"))
        with open(str(tree / "ganesha" / "ganesha.conf"), "w") as handle:
            handle.write("EXPORT_DEFAULTS { Access_Type = None; }\n")
        with open(str(tree / "ganesha.pid"), "w") as handle:
            handle.write("4242\n")
    apply.run([export(path, mode="0750") for path in paths], settings, FakeHost(alive=(4242,)))
    # Today's description names one replica; the file still has three (the app was scaled down).
    planned = apply.run(whole_file(), settings, FakeHost(alive=(4242,)), check_mode=True)
    assert [item["path"] for item in planned["exports"]] == [str(path) for path in paths]
    assert all(path.is_dir() for path in paths)

    done = apply.run(whole_file(), settings, FakeHost(alive=(4242,)))
    assert done["changed"] and all(item["purged"] for item in done["exports"])
    assert not any(path.exists() for path in paths)
    assert not os.path.exists(settings.exports_file)


def test_whole_file_of_a_file_that_is_gone_changes_nothing(tree):
    result = apply.run(whole_file(), kernel_settings(tree), FakeHost())
    assert result["changed"] is False and result["exports"] == []
