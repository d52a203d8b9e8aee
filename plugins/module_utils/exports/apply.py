# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of the export module: validate, lock, read, plan, then (unless check mode) write and apply.

Order of a run:
1. validation and the security review (nothing touched yet; every problem reported at once);
2. exclusive locks, held until the end: the one on what all runs of the backend share (ganesha, the
   main config with its include lines and the Export_Id space of everything it includes; kernel, the
   exportfs directory) and the one on our exports directory;
3. read everything fresh under those locks: our file, the main config, the ids of every other file;
   compute the new texts (merge by path), plan each directory, check purges;
4. create/chown/chmod directories, write the file atomically, apply (kernel: `exportfs -ra`,
   restoring the previous file if exportfs rejects it; ganesha: the include line in the main config,
   then SIGHUP or the reload command), and purge the directories asked for by name (delete them, or with
   purge_mode=archive rename each to <path>.archived-<UTC time> next to it).

The command runner and the signal sender are parameters, so the logic is testable without a host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import signal
import time

from ansible_collections.stateful.nfs.plugins.module_utils.exports import directories, files, ganesha, kernel, model
from ansible_collections.stateful.nfs.plugins.module_utils.exports import served, validation
from ansible_collections.stateful.nfs.plugins.module_utils.exports.validation import ValidationError
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError


class ExportError(Exception):
    """The change could not be applied (and was rolled back). `result` is what the module returns."""

    def __init__(self, message, result=None):
        super(ExportError, self).__init__(message)
        self.result = result or {}


class Host(object):
    """The boundary to the host: running commands, sending signals, the clock."""

    def __init__(self, run_command, kill=os.kill, exportfs=None, nfs_ls=None, timeout=None,
                 clock=time.time, sleep=time.sleep):
        self.run_command = run_command  # args list -> (rc, stdout, stderr)
        self.kill = kill
        self.exportfs = exportfs
        self.nfs_ls = nfs_ls
        self.timeout = timeout  # coreutils timeout(1), so a probe of an unreachable server cannot hang
        self.clock = clock
        self.sleep = sleep

    def probe_command(self):
        """The nfs-ls command line (without the URL) of one served-check."""
        prefix = [self.timeout, "10"] if self.timeout else []
        return prefix + [self.nfs_ls]


def _other_files(settings):
    pattern = os.path.join(settings.exports_dir, "*" + settings.file_suffix)
    return sorted(path for path in glob.glob(pattern) if path != settings.exports_file)


def _list_dir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def ganesha_sources(settings):
    """[(file, text)] of the whole ganesha configuration (main config and everything it includes) plus
    the files of our exports directory; our own file last. Export_Ids must be unique across all of it."""
    sources = ganesha.config_files(settings.ganesha_config, files.read_text, _list_dir)
    known = set(path for path, _text in sources)
    for path in _other_files(settings) + [settings.exports_file]:
        if path not in known:
            text = files.read_text(path)
            if text is not None:
                sources.append((path, text))
    return sources


def exported_elsewhere(settings):
    """{path: file} for exports defined outside our file (other files of the exports dir, main config)."""
    found = {}
    if settings.backend == "kernel":
        sources = [model.EXPORTFS_FILE] + _other_files(settings)
        for source in sources:
            for path in kernel.entry_paths(files.read_text(source)):
                found.setdefault(path, source)
    else:
        for source, text in ganesha_sources(settings):
            if source == settings.exports_file:
                continue
            try:
                pairs = ganesha.exports_in(text)
            except ganesha.ParseError:
                continue
            for path, _export_id in pairs:
                found.setdefault(path, source)
    return found


def _check_purges(exports, settings):
    elsewhere = None
    problems = []
    for export in exports:
        if export.present or not export.purge:
            continue
        if elsewhere is None:
            elsewhere = exported_elsewhere(settings)
        if export.path in elsewhere:
            problems.append(str(SpecError(export.where("purge"), True,
                                          "%s is still exported by %s" % (export.path, elsewhere[export.path]),
                                          "remove that export first; purge never deletes data another export serves")))
    if problems:
        raise ValidationError("; ".join(problems))


def _preflight(exports, settings, host, check_mode):
    validation.validate(exports, settings)
    warnings = validation.enforce_security(exports, directories.mode_of)
    if settings.backend == "kernel" and settings.reload and not check_mode and not host.exportfs:
        raise ValidationError(str(SpecError(
            "reload", True, "exportfs was not found on this host",
            "install nfs-kernel-server (Debian/Ubuntu) or nfs-utils (RHEL), or set reload: false")))
    if settings.verify_server and settings.reload and not check_mode and not host.nfs_ls:
        raise ValidationError(str(SpecError(
            "verify_server", settings.verify_server, "nfs-ls (libnfs) was not found on this host",
            "install libnfs-utils (Debian/Ubuntu, EPEL), or remove verify_server")))
    return warnings


def run(exports, settings, host, check_mode=False, want_diff=False):
    """Bring the host's exports to `exports`. Returns the module result (without `warnings`' module calls).

    Raises ValidationError before touching anything, ExportError when applying failed (rolled back).
    `exports` may be a model.WholeFile: every export of the file, read under the locks.
    """
    whole = exports if isinstance(exports, model.WholeFile) else None
    warnings = [] if whole else _preflight(exports, settings, host, check_mode)
    if check_mode:
        # Check mode reads without the locks: it writes nothing, so it cannot lose another run's change,
        # and it must not create lock files (or directories for them) nor wait behind a long run. Its
        # prediction is as of its read.
        if whole:
            exports, warnings = _whole_file(whole, settings, host, True)
        result = _run_locked(exports, settings, host, True, want_diff)
    else:
        with files.locked_all([settings.shared_lock_file, settings.lock_file]):
            if whole:
                exports, warnings = _whole_file(whole, settings, host, False)
            result = _run_locked(exports, settings, host, False, want_diff)
    result["warnings"] = warnings + result.get("warnings", [])
    return result


def _whole_file(whole, settings, host, check_mode):
    """The exports of our file as absent Export objects, and the preflight's warnings about them."""
    text = files.read_text(settings.exports_file) or ""
    if settings.backend == "kernel":
        paths = kernel.entry_paths(text)
    else:
        try:
            paths = [path for path, _export_id in ganesha.exports_in(text)]
        except ganesha.ParseError as exc:
            raise ValidationError("%s cannot be parsed (%s); fix or move it, then run again"
                                  % (settings.exports_file, exc))
    exports = whole.expand(paths)
    return exports, _preflight(exports, settings, host, check_mode)


def _run_locked(exports, settings, host, check_mode, want_diff):
    _check_purges(exports, settings)  # reads the other exports files: under the locks, like everything else
    plans = {}
    for export in exports:
        if export.present:
            plans[export.path] = directories.plan(export)
    purges = [export.path for export in exports if not export.present and export.purge and os.path.isdir(export.path)]
    purged_states = dict((path, directories.current(path)) for path in purges)
    archives = {}
    if settings.purge_mode == "archive":
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(host.clock()))
        for path in purges:
            archives[path] = directories.archive_name(path, stamp, lambda name: os.path.lexists(name) or name in
                                                      archives.values())

    state = _FileState(settings)
    state.compute(exports)

    result = {
        "file": settings.exports_file,
        "backend": settings.backend,
        "entries": [state.entries[export.path] for export in exports if export.present],
        "reloaded": False,
        "warnings": list(state.warnings),
    }
    if settings.backend == "ganesha":
        result["main_config"] = settings.ganesha_config
        result["main_config_changed"] = state.main_changed

    if not check_mode:
        created = []
        try:
            for path, plan_ in plans.items():
                if plan_.changed:
                    directories.apply(plan_)
                    if plan_.create:
                        created.append(path)
        except OSError as exc:
            raise ExportError("could not prepare directory %s: %s" % (exc.filename or "", exc.strerror or exc),
                              dict(result, changed=bool(created)))
        if state.changed:
            result["reloaded"] = _write_and_apply(state, exports, settings, host, result)
        for path in purges:
            if path in archives:
                directories.archive(path, archives[path])
            else:
                directories.purge(path)

    changed_entries = state.changed_paths()
    report = []
    for export in exports:
        plan_ = plans.get(export.path)
        purged = export.path in purges
        entry_changed = export.path in changed_entries
        report.append({
            "path": export.path,
            "state": export.state,
            "changed": bool(entry_changed or (plan_ and plan_.changed) or purged),
            "entry_changed": entry_changed,
            "created": bool(plan_ and plan_.create),
            "purged": purged,
            "archived_to": archives.get(export.path),
            "export_id": state.ids.get(export.path) if export.present else None,
        })
    result["exports"] = report
    result["changed"] = state.changed or any(item["changed"] for item in report)
    if want_diff:
        result["diff"] = _diff(state, plans, purged_states, archives)
    return result


class _FileState(object):
    """Before/after texts of the files a run manages (our exports file; for ganesha also the main config)."""

    def __init__(self, settings):
        self.settings = settings
        self.before = files.read_text(settings.exports_file)
        self.after = self.before
        self.main_before = None
        self.main_after = None
        self.entries = {}
        self.ids = {}
        self.warnings = []

    def compute(self, exports):
        settings = self.settings
        if settings.backend == "kernel":
            self.after, self.entries = kernel.desired_text(self.before, exports)
            return
        self.main_before = files.read_text(settings.ganesha_config)
        ours = os.path.realpath(settings.exports_file)
        foreign = {}  # Export_Id -> a file other than ours that uses it
        for path, text in ganesha_sources(settings):
            if os.path.realpath(path) != ours:
                for export_id in ganesha.ids_in(text):
                    foreign.setdefault(export_id, path)
        try:
            self.after, self.entries, self.ids = ganesha.desired_text(
                self.before, exports, settings, set(foreign), foreign)
        except ganesha.ParseError as exc:
            raise ValidationError("%s cannot be parsed (%s); fix or move it, then run again"
                                  % (settings.exports_file, exc))
        for path, export_id in ganesha.exports_in(self.before or ""):
            if export_id in foreign and path in self.ids and self.ids[path] != export_id:
                self.warnings.append(
                    "Export_Id %d of %s was also used by %s (ganesha serves only one of the two); it now has "
                    "Export_Id %d, so clients that had mounted it must mount it again"
                    % (export_id, path, foreign[export_id], self.ids[path]))
        if self.after is None:
            self.main_after = ganesha.drop_include(self.main_before, settings.exports_file)
        else:
            self.main_after = ganesha.ensure_include(self.main_before, settings.exports_file)

    @property
    def file_changed(self):
        return self.after != self.before

    @property
    def main_changed(self):
        return self.main_after != self.main_before

    @property
    def changed(self):
        return self.file_changed or self.main_changed

    def changed_paths(self):
        if self.settings.backend == "kernel":
            return kernel.changed_paths(self.before, self.after)
        return ganesha.changed_paths(self.before, self.after)

    def write(self):
        """Our file first (the include must point at it), then the main config; reversed on removal."""
        if self.after is None:
            self._put_main(self.main_after)
            files.put(self.settings.exports_file, self.after)
        else:
            if self.file_changed:
                directory = os.path.dirname(self.settings.exports_file)
                if not os.path.isdir(directory):
                    os.makedirs(directory, 0o755)
                files.put(self.settings.exports_file, self.after)
            self._put_main(self.main_after)

    def restore(self):
        self._put_main(self.main_before)
        files.put(self.settings.exports_file, self.before)

    def _put_main(self, text):
        if self.settings.backend == "ganesha" and self.main_changed:
            files.put(self.settings.ganesha_config, text)


def _write_and_apply(state, exports, settings, host, result):
    """Write the files and apply them. Returns `reloaded`: True when applied and confirmed (exportfs -ra;
    ganesha with every changed export seen served), "signalled" when ganesha was only asked to reload,
    False when nothing was reloaded. A rejected or unserved change is rolled back (ExportError)."""
    state.write()
    if not settings.reload:
        return False
    if settings.backend == "kernel":
        command = [host.exportfs, "-ra"]
    elif settings.reload_command:
        command = list(settings.reload_command)
    else:
        command = None  # SIGHUP
    log_offset = files.size(settings.ganesha_log_file) if settings.backend == "ganesha" else 0
    if command is None:
        if not _sighup(settings, host, result):
            return False
    else:
        rc, out, err = host.run_command(command)
        if rc != 0:
            _roll_back(state, settings, host, command, "%s rejected the new exports (rc=%s): %s" % (
                " ".join(command), rc, (err or out).strip()), result)
        if settings.backend == "kernel":
            # exportfs accepts some entries with a complaint (for example an ambiguous option); pass it on.
            result["warnings"].extend("%s: %s" % (" ".join(command), line.strip())
                                      for line in (err or "").splitlines() if line.strip())
            return True
    return _confirm_served(state, exports, settings, host, command, result, log_offset)


def _confirm_served(state, exports, settings, host, command, result, log_offset):
    """After a ganesha reload: True when every export added or changed is seen served over NFS, else
    "signalled" (nothing to check, or no verify_server); a change ganesha does not serve is rolled back."""
    changed = state.changed_paths()
    wanted = [export for export in exports if export.present and export.path in changed]
    if not settings.verify_server or not wanted:
        return "signalled"
    checks, unchecked = served.probes(wanted, settings, settings.verify_server)
    for path, why in unchecked:
        result["warnings"].append("ganesha was reloaded but export %s was not confirmed: %s" % (path, why))
    missing = served.wait_served(checks, host.run_command, host.probe_command(), host.clock, host.sleep,
                                 settings.verify_timeout)
    if missing:
        logged = served.logged_lines(files.read_from(settings.ganesha_log_file, log_offset))
        log_text = ("; ganesha logged: %s" % " | ".join(logged) if logged else
                    "; ganesha logged no configuration error in %s (set ganesha_log_file to its log)"
                    % settings.ganesha_log_file)
        message = "ganesha does not serve %s %d seconds after the reload (%s)%s" % (
            ", ".join(sorted(missing)), settings.verify_timeout,
            "; ".join(error for _path, error in sorted(missing.items())), log_text)
        _roll_back(state, settings, host, command, message, result)
    return "signalled" if unchecked else True


def _roll_back(state, settings, host, command, message, result):
    """Restore the previous files, apply them again and raise ExportError with `message`."""
    state.restore()
    restored = ("the previous %s was restored" % settings.exports_file if state.before is not None
                else "%s was removed (it did not exist before)" % settings.exports_file)
    again = ""
    if command is None:
        _sighup(settings, host, {"warnings": []})
    else:
        rc2, _out2, err2 = host.run_command(command)
        if rc2 != 0:
            again = "; re-applying the previous configuration also failed: %s" % err2.strip()
    raise ExportError("%s; %s%s" % (message, restored, again), dict(result, changed=False, rolled_back=True))


def _sighup(settings, host, result):
    pid = _read_pid(settings.ganesha_pid_file, host.kill)
    if pid is None:
        result["warnings"].append(
            "ganesha was not reloaded: no running ganesha.nfsd found via %s; the exports apply when it starts "
            "(set ganesha_pid_file or reload_command if it runs elsewhere)" % settings.ganesha_pid_file)
        return False
    host.kill(pid, signal.SIGHUP)
    return True


def _read_pid(pid_file, kill):
    text = files.read_text(pid_file)
    if not text or not text.strip().isdigit():
        return None
    pid = int(text.strip())
    try:
        kill(pid, 0)
    except OSError:
        return None
    return pid


def _diff(state, plans, purged_states, archives=None):
    settings = state.settings
    entries = [files.diff_entry(settings.exports_file, state.before, state.after)]
    if settings.backend == "ganesha" and state.main_changed:
        entries.append(files.diff_entry(settings.ganesha_config, state.main_before, state.main_after))
    for path, plan_ in plans.items():
        if plan_.changed:
            entries.append({
                "before_header": "%s (directory)" % path,
                "after_header": "%s (directory)" % path,
                "before": directories.describe(plan_.before),
                "after": directories.describe(plan_.after()),
            })
    for path, before in sorted(purged_states.items()):
        entries.append({
            "before_header": "%s (directory)" % path,
            "after_header": "%s (directory)" % path,
            "before": directories.describe(before),
            "after": ("absent (archived with its contents to %s)\n" % archives[path]) if path in (archives or {})
            else "absent (purged with its contents)\n",
        })
    return entries
