# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run: preflight, markers, disruptions with observations and checks after each, restore, clean up, report.

All Kubernetes I/O goes through the K8sClient and `exec_fn` (pod_exec.exec_in_pod), both passed in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.stateful.nfs.plugins.module_utils import statefulset as sts_utils
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import waiter
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.concurrency import parallel
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure, SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, object_ref
from ansible_collections.stateful.nfs.plugins.module_utils.verify import access, checks, dns, disruptions, nodes
from ansible_collections.stateful.nfs.plugins.module_utils.verify import observe, plan
from ansible_collections.stateful.nfs.plugins.module_utils.verify import report as reports

BASELINE, PREFLIGHT = checks.BASELINE, checks.PREFLIGHT


class Run(object):
    """The state of one run, so that the way out (restore, cleanup, report) sees everything done so far."""

    def __init__(self, client, spec, target, steps, exec_fn, clock, sleep, interval):
        self.client = client
        self.spec = spec
        self.target = target
        self.steps = steps
        self.exec_fn = exec_fn
        self.clock = clock
        self.sleep = sleep
        self.interval = interval
        self.results = []
        self.table = []
        self.step_reports = []
        self.markers = {}       # pod -> what happened to its marker (written, removed, kept, ...)
        self.before = {}        # "<pod>:<file>" -> marker content found before the run (None: none)
        self.wrote = False
        self.removed = False
        self.error = None
        self.restored = None

    # ---------------------------------------------------------------- helpers
    def expected_marker(self, ordinal):
        return plan.marker_content(self.spec["marker"]["token"], self.target, ordinal)

    def key(self, ordinal):
        return "%s:%s" % (plan.pod_name(self.target, ordinal), self.target["marker_file"])

    def observe(self, inside=True):
        return observe.observe_all(self.client, self.target, self.exec_fn, workers=self.spec["workers"],
                                   inside=inside, timeout=min(self.spec["timeout"], 60))

    def exec_all(self, command_of, ordinals):
        def one(ordinal):
            name = plan.pod_name(self.target, ordinal)
            try:
                return ordinal, self.exec_fn(self.client, self.target["namespace"], name, self.target["container"],
                                             command_of(ordinal), min(self.spec["timeout"], 60)), None
            except K8sError as exc:
                return ordinal, None, str(exc)
        return parallel(one, ordinals, self.spec["workers"])

    def record(self, step, records, results):
        self.results.extend(results)
        for ordinal in sorted(records):
            if not records[ordinal].get("extra"):
                self.table.append(checks.summarize_row(step, records[ordinal], results))

    # ---------------------------------------------------------------- preflight
    def check_volume_access(self, records):
        """Each replica creates, writes, fsyncs, renames, reads back and removes a probe file in its volume, as the
        container's user; the results are the step `preflight`. Whether every replica could."""
        content = self.spec["marker"]["token"]
        results = [access.check(PREFLIGHT, plan.pod_name(self.target, ordinal), self.target, answer, error)
                   for ordinal, answer, error in self.exec_all(lambda o: access.command(self.target, content),
                                                               self.target["ordinals"])]
        self.record(PREFLIGHT, records, results)
        self.step_reports.append({"name": PREFLIGHT, "type": access.CHECK,
                                  "pods": [plan.pod_name(self.target, o) for o in self.target["ordinals"]],
                                  "started": None, "duration_seconds": None, "error": None,
                                  "notes": ["probe file %s" % self.target["probe_file"]]})
        return all(item["passed"] for item in results)

    # ---------------------------------------------------------------- markers
    def write_markers(self):
        """Write each replica's marker (fsync, rename, sync) and read it back; (results of the write, {ordinal:
        marker} of the writes that read back what they wrote)."""
        results, written = [], {}
        for ordinal, answer, error in self.exec_all(
                lambda o: observe.write_command(self.target, self.expected_marker(o)), self.target["ordinals"]):
            name = plan.pod_name(self.target, ordinal)
            expected = self.expected_marker(ordinal)
            if answer is not None and answer.rc in (0, None):
                self.wrote = True
                self.markers[name] = "written"
            seen = error or ("exit %s: %s" % (answer.rc, " ".join(answer.stderr.split()))
                             if answer.rc not in (0, None) else repr(answer.stdout))
            passed = error is None and answer.rc in (0, None) and answer.stdout == expected
            if passed:
                written[ordinal] = expected
            results.append(checks.result(BASELINE, name, "marker_write", passed,
                                         "%r written with fsync to %s and read back" % (expected,
                                                                                        self.target["marker_file"]),
                                         seen))
        return results, written

    def remove_markers(self):
        written = sorted(ordinal for ordinal in self.target["ordinals"]
                         if self.markers.get(plan.pod_name(self.target, ordinal)) == "written")
        for ordinal, answer, error in self.exec_all(
                lambda o: observe.remove_command(self.target, self.expected_marker(o)), written):
            name = plan.pod_name(self.target, ordinal)
            if error or answer.rc not in (0, None):
                self.markers[name] = "left in place: %s" % (error or answer.stderr.strip() or "exit %s" % answer.rc)
                continue
            state = answer.stdout.strip()
            self.markers[name] = {"removed": "removed", "kept": "kept: it holds other content now",
                                  "absent": "already gone"}.get(state, state)
            if state == "removed":
                self.removed = True

    # ---------------------------------------------------------------- DNS
    def dns_results(self, step, records):
        target, spec = self.target, self.spec
        ref = object_ref("Service", target["service"], target["namespace"])
        service = self.client.get("Service", target["service"], target["namespace"]) if target["service"] else None
        if service is None:
            return [checks.result(step, ref, "dns", False, "the governing Service %s exists" % ref, "no such Service")]
        ready = [records[o] for o in target["ordinals"] if o in records and records[o].get("ready")]
        if not ready:
            return []
        port, protocol = dns.srv_port_of(service)
        srv = dns.srv_name(port, protocol, target["service"], target["namespace"], spec["cluster_domain"]) if port \
            else None
        expected_targets = [dns.pod_fqdn(r["pod"], target["service"], target["namespace"], spec["cluster_domain"])
                            for r in ready]

        def resolver_for(index):
            return ready[(index + 1) % len(ready)]["pod"]

        def lookup(job):
            resolver, command = job
            try:
                answer = self.exec_fn(self.client, target["namespace"], resolver, target["container"], command, 30)
            except K8sError as exc:
                return None, str(exc)
            return answer.stdout, None

        def probe():
            jobs = [(resolver_for(i), dns.a_command(fqdn)) for i, fqdn in enumerate(expected_targets)]
            if srv:
                jobs.append((ready[0]["pod"], dns.srv_command(srv)))
            answers = parallel(lookup, jobs, spec["workers"])
            results = []
            for index, record in enumerate(ready):
                output, error = answers[index]
                results.append(checks.check_dns(step, record, expected_targets[index], resolver_for(index),
                                                (dns.parse_addresses(output), error)))
            if srv:
                output, error = answers[-1]
                results.append(checks.check_srv(step, ref, srv, expected_targets,
                                                (dns.parse_srv_targets(output), error)))
            return all(item["passed"] for item in results), results

        try:  # DNS answers may lag a recreated pod by a cache period: ask again until they agree or time runs out
            return waiter.poll_until(probe, min(spec["timeout"], 60), lambda r: "", interval=2 * self.interval,
                                     clock=self.clock, sleep=self.sleep)
        except waiter.WaitTimeout as exc:
            return exc.last

    # ---------------------------------------------------------------- one step's checks
    def check_step(self, step, records, baseline, old_uids, outcome=None):
        results = checks.check_ordinals(step, self.target, records)
        renewed = (outcome or {}).get("claims_renewed") or {}
        for ordinal in self.target["ordinals"]:
            record = records.get(ordinal) or observe.identity(self.target, ordinal, None)
            results.extend(checks.check_replica(step, self.target, record, baseline=baseline.get(ordinal),
                                                expected_marker=self.expected_marker(ordinal),
                                                old_uid=old_uids.get(record["pod"]),
                                                renewed=plan.claim_name(self.target, ordinal) in renewed))
            if plan.claim_name(self.target, ordinal) in renewed and baseline.get(ordinal) and record.get("pvc_uid"):
                # Later steps compare with the claim made again (the PV and the export stay the baseline's).
                baseline[ordinal] = dict(baseline[ordinal], pvc_uid=record["pvc_uid"])
        if outcome is not None:
            results.extend(checks.check_outcome(step, outcome, records))
        if self.spec["check_dns"]:
            results.extend(self.dns_results(step, records))
        self.record(step, records, results)
        return results

    # ---------------------------------------------------------------- the way out
    def restore_replicas(self):
        live = self.client.get("StatefulSet", self.target["statefulset"], self.target["namespace"]) or {}
        now = (live.get("spec") or {}).get("replicas")
        state = {"original": self.target["replicas"], "found_at_end": now, "restored": False}
        self.restored = state
        if live and now != self.target["replicas"]:
            disruptions.set_replicas(self.client, self.target, self.target["replicas"])
            state["restored"] = True
            timer = disruptions.Clock(self.spec["timeout"], clock=self.clock, sleep=self.sleep, interval=self.interval)
            try:
                disruptions.wait_for(self.client, self.target, timer, "every replica is back and Ready",
                                     lambda pods: disruptions.recreation_problems(self.target, pods, {}),
                                     {"step": "restoring %d replicas" % self.target["replicas"]})
                state["ready_again"] = True
            except disruptions.DisruptionFailed as exc:
                state["ready_again"] = False
                state["error"] = str(exc)
        return state


def preflight(client, sts, target, spec, clock, sleep, interval):
    """Refuse (Failure naming each pod and why) unless the StatefulSet is fully ready; or wait when told to."""
    status = sts_utils.rollout_status(sts)
    if status["done"]:
        return sts
    ref = object_ref("StatefulSet", target["statefulset"], target["namespace"])
    if spec["wait_for_ready"]:
        return sts_utils.wait_for_rollout(client, target["statefulset"], target["namespace"], spec["timeout"],
                                          interval=interval, clock=clock, sleep=sleep)
    pods = client.list("Pod", target["namespace"], label_selector=sts_utils.label_selector(target["selector"]))
    lines = sts_utils.describe_pods(sts, pods, lambda name: client.events_for("Pod", name, target["namespace"]))
    raise Failure("%s is not fully ready (%s)%s; refusing to disrupt it. Fix: wait until it is, or set "
                  "wait_for_ready: true to wait up to timeout=%ss" % (
                      ref, status["message"], ": " + "; ".join(lines) if lines else "", spec["timeout"]),
                  rollout=status)


def _files(report_dir, target):
    base = os.path.join(report_dir, "verify_persistence-%s-%s" % (target["namespace"], target["statefulset"]))
    return {"json": base + ".json", "junit": base + ".junit.xml", "text": base + ".txt"}


def write_report(report_dir, target, data):
    """The JSON report, the JUnit XML and the text table in report_dir; their paths."""
    paths = _files(report_dir, target)
    if not os.path.isdir(report_dir):
        os.makedirs(report_dir)
    for key, text in (("json", reports.to_json(data)), ("junit", reports.to_junit(data)),
                      ("text", reports.to_table(data))):
        tmp = paths[key] + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(text)
        os.rename(tmp, paths[key])
    return paths


def _planned(steps):
    return [{"name": step["name"], "type": step["type"], "pods": step["pods"], "timeout": step["timeout"],
             "started": None, "duration_seconds": None, "notes": [], "error": None, "passed": None}
            for step in steps]


def check_mode_result(run_, plan_lines, records):
    spec, target = run_.spec, run_.target
    table = [checks.summarize_row("current", records[o], []) for o in sorted(records)]
    result = {
        "changed": bool(spec["marker"]["write"]),
        "passed": None,
        "msg": "check mode: nothing touched; the plan: " + "; ".join(plan_lines),
        "token": spec["marker"]["token"],
        "plan": plan_lines,
        "target": reports.target_summary(target),
        "steps": _planned(run_.steps),
        "table": table,
        "findings": [],
        "markers": {},
        "replicas": {"original": target["replicas"], "found_at_end": target["replicas"], "restored": False},
        "report": None,
        "report_text": "\n".join(plan_lines),
    }
    return result


def not_deployed_result(spec):
    message = ("check mode: StatefulSet %s/%s does not exist yet, so there is nothing to prove; the proof runs "
               "once it is deployed" % (spec["namespace"], spec["statefulset"]))
    return {"changed": False, "passed": None, "msg": message, "token": spec["marker"]["token"], "plan": [],
            "target": None, "steps": [], "table": [], "findings": [], "markers": {}, "replicas": None, "report": None,
            "report_text": message}


def run(client, spec, exec_fn, check_mode=False, want_diff=False, clock=time.monotonic, sleep=time.sleep,
        interval=1.0, now=disruptions.utc_now):
    """The module's work for a validated spec; returns the result, or raises Failure with it."""
    sts = client.get("StatefulSet", spec["statefulset"], spec["namespace"])
    if sts is None and check_mode:
        # A check run of the whole workflow comes here before the StatefulSet exists: nothing can be proven yet.
        return not_deployed_result(spec)
    if sts is None:
        raise SpecError("statefulset", spec["statefulset"], "there is no StatefulSet of that name in namespace %s"
                        % spec["namespace"], "give the name of an existing StatefulSet (and its namespace)")
    target = plan.target_from(sts, spec)
    steps = plan.build_plan(spec, target)
    plan_lines = plan.describe_plan(spec, target, steps)
    run_ = Run(client, spec, target, steps, exec_fn, clock, sleep, interval)
    if any(step["type"] == "move_pod" for step in steps):
        nodes.check_moves(steps, client.list("Node"))
    preflight(client, sts, target, spec, clock, sleep, interval)
    if check_mode:
        result = check_mode_result(run_, plan_lines, run_.observe(inside=False))
        if want_diff:
            result["diff"] = {"before": {}, "after": {} if spec["cleanup"] else dict(
                (run_.key(o), run_.expected_marker(o)) for o in target["ordinals"])}
        return result

    started, start_clock = now(), clock()
    try:
        execute(run_, steps)
    except (K8sError, Failure) as exc:
        run_.error = str(exc)
    finally:
        try:
            run_.restore_replicas()
        except K8sError as exc:
            run_.restored = {"original": target["replicas"], "restored": False, "error": str(exc)}
            run_.error = run_.error or str(exc)
        if spec["cleanup"] and spec["marker"]["write"]:
            try:
                run_.remove_markers()
            except K8sError as exc:
                run_.error = run_.error or str(exc)
    return finish(run_, plan_lines, started, now(), round(clock() - start_clock, 2), want_diff)


def cordoned_by(spec):
    """The cordon annotation's value: which run to ask about a node it left cordoned."""
    return "%s token %s" % (reports.TOOL, spec["marker"]["token"])


def execute(run_, steps):
    """Preflight, baseline, then each disruption with its checks. Stops after a preflight that failed (before any
    marker is written) and after a disruption that did not finish."""
    spec, target = run_.spec, run_.target
    first = run_.observe()
    for ordinal, record in first.items():
        if not record.get("extra"):
            run_.before[run_.key(ordinal)] = record.get("marker")
    if plan.runs_preflight(spec) and not run_.check_volume_access(first):
        return
    baseline_results = []
    if spec["marker"]["write"]:
        baseline_results, written = run_.write_markers()
        baseline = observe.after_writes(target, first, observe.list_pods(run_.client, target), written) or \
            run_.observe()
    else:
        baseline = first
    run_.results.extend(baseline_results)
    run_.check_step(BASELINE, baseline, {}, {})
    pods = [record["pod"] for record in baseline.values() if not record.get("extra")]
    run_.step_reports.append({"name": BASELINE, "type": "markers", "pods": pods,
                              "started": None, "duration_seconds": None, "error": None,
                              "notes": ["markers %s" % ("written" if spec["marker"]["write"] else "read")]})
    current = baseline
    for step in steps:
        old_uids = dict((current[o]["pod"], current[o].get("uid")) for o in step["ordinals"] if o in current)
        try:
            outcome = disruptions.run(run_.client, target, step, clock=run_.clock, sleep=run_.sleep,
                                      interval=run_.interval, by=cordoned_by(spec))
        except disruptions.DisruptionFailed as exc:
            outcome = dict(exc.outcome, error=str(exc))
        except K8sError as exc:
            outcome = {"step": step["name"], "type": step["type"], "pods": step["pods"], "started": None,
                       "duration_seconds": None, "notes": [], "error": str(exc)}
        run_.step_reports.append({"name": step["name"], "type": step["type"], "pods": step["pods"],
                                  "started": outcome.get("started"), "duration_seconds": outcome.get("duration_seconds"),
                                  "notes": outcome.get("notes") or [], "error": outcome.get("error"),
                                  "old_uids": outcome.get("old_uids"), "new_uids": outcome.get("new_uids"),
                                  "claims_while_down": outcome.get("claims_while_down") or {},
                                  "claims_renewed": outcome.get("claims_renewed") or {},
                                  "freed": outcome.get("freed") or {},
                                  "nodes_before": outcome.get("nodes_before") or {},
                                  "nodes_after": outcome.get("nodes_after") or {}})
        if outcome.get("error"):
            run_.results.append(checks.result(step["name"], ", ".join(step["pods"]), "disruption", False,
                                              "the disruption finishes within %ss" % step["timeout"], outcome["error"]))
            return
        current = run_.observe()
        run_.check_step(step["name"], current, baseline, old_uids, outcome)


def finish(run_, plan_lines, started, finished, duration, want_diff):
    spec, target = run_.spec, run_.target
    for step in run_.step_reports:
        own = [item for item in run_.results if item["step"] == step["name"]]
        step["passed"] = not step.get("error") and all(item["passed"] for item in own)
    data = reports.build(target, spec["marker"]["token"], run_.step_reports, run_.table, run_.results, started,
                         finished, duration, restored=run_.restored, error=run_.error)
    result = {
        "changed": run_.wrote or run_.removed,
        "passed": data["passed"],
        "token": spec["marker"]["token"],
        "plan": plan_lines,
        "target": data["target"],
        "steps": run_.step_reports,
        "table": run_.table,
        "findings": data["findings"],
        "summary": data["summary"],
        "markers": run_.markers,
        "replicas": run_.restored,
        "report": None,
        "report_text": reports.to_table(data),
        "duration_seconds": duration,
    }
    if spec["report_dir"]:
        result["report"] = write_report(spec["report_dir"], target, data)
    if want_diff:
        after = {}
        for ordinal in target["ordinals"]:
            state = run_.markers.get(plan.pod_name(target, ordinal))
            after[run_.key(ordinal)] = run_.expected_marker(ordinal) if state == "written" or (
                state or "").startswith("left") else run_.before.get(run_.key(ordinal))
        result["diff"] = {"before": dict((k, v) for k, v in run_.before.items() if v is not None),
                          "after": dict((k, v) for k, v in after.items() if v is not None)}
    restored = run_.restored or {}
    note = (" The replica count was %s at the end and was restored to %s." % (
        restored.get("found_at_end"), restored.get("original")) if restored.get("restored") else "")
    if data["passed"]:
        result["msg"] = "%s/%s: %d checks passed over %d step(s) and %d replica(s).%s" % (
            target["namespace"], target["statefulset"], len(run_.results), len(run_.step_reports),
            target["replicas"], note)
        return result
    problems = [item["message"] for item in data["findings"]]
    if run_.error and not any(run_.error in p for p in problems):
        problems.append(run_.error)
    raise Failure("%s/%s: %d check(s) failed: %s.%s" % (target["namespace"], target["statefulset"],
                                                        len(data["findings"]), "; ".join(problems), note), **result)
