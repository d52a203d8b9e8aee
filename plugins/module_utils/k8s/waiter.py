# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline. Each waiter supplies a probe; the timeout message says what was last seen."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, K8sUnavailable


class WaitTimeout(Exception):
    """The condition did not hold in time; `last` is the probe's last observation."""

    def __init__(self, message, last=None):
        super(WaitTimeout, self).__init__(message)
        self.last = last


# The longest pause between tries while the API server is unreachable: it comes back from a restart
# in seconds, and the wait should notice soon after.
MAX_BACKOFF = 5.0
# The first pause of a wait. What a run waits for (a PV turning Available, a pod Ready again) is often there
# a moment after the first look, so the pauses start short and double up to `interval`: a wait that ends
# soon costs little more than the thing itself, a long one polls at `interval`.
FIRST_PAUSE = 0.1


def poll_until(probe, timeout, describe, interval=1.0, clock=time.monotonic, sleep=time.sleep,
               first_pause=FIRST_PAUSE):
    """Call probe() until it returns (True, state); return that state.

    probe() -> (done, state). On timeout raise WaitTimeout("<describe(state)> after <timeout>s").

    The pauses start at first_pause and double up to `interval` (a ChangeWatch's pauses end early, so they can
    start at `interval`).
    A probe that raises K8sUnavailable (the API server refuses connections, resets them, times out,
    or answers 5xx/429, as it does while it restarts) is tried again, the pause doubling from
    `interval` up to MAX_BACKOFF, until the deadline. If the server is still unavailable then, that
    K8sUnavailable is raised, naming the wait's deadline and the last state seen.
    """
    deadline = clock() + timeout
    state, seen, failures, unavailable = None, False, 0, None
    pause = min(first_pause, interval)
    while True:
        try:
            done, state = probe()
        except K8sUnavailable as exc:
            failures, unavailable = failures + 1, exc
        else:
            seen, failures, unavailable = True, 0, None
            if done:
                return state
        remaining = deadline - clock()
        if remaining <= 0:
            if unavailable is not None:
                raise K8sUnavailable("%s; still unavailable when the wait ended after %ss%s" % (
                    unavailable, timeout, " (last seen: %s)" % describe(state) if seen else ""))
            raise WaitTimeout("timed out after %ss: %s" % (timeout, describe(state)), state)
        if failures:
            sleep(min(interval * 2 ** (failures - 1), max(interval, MAX_BACKOFF), remaining))
        else:
            sleep(min(pause, remaining))
            pause = min(pause * 2, interval)


class ChangeWatch(object):
    """A LIST of some objects whose pauses end at their first change: poll_until's probe calls list(), its sleep is
    pause(). Between two LISTs a watch from the first one's resourceVersion waits for an event, so a wait sees a pod
    turn Ready when the server says so, as `kubectl wait` does, instead of at its next poll.

    Where the watch cannot serve (RBAC without the watch verb, a server or proxy that refuses it) the pauses are
    sleeps from then on, starting at FIRST_PAUSE and doubling, as poll_until's own; a watch the server ends early,
    or cannot start from that version (410), ends the pause, and the next LIST starts from a fresh version.
    """

    def __init__(self, client, kind, namespace=None, label_selector=None, sleep=time.sleep):
        self.client = client
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.sleep = sleep
        self.version = None
        self.watching = True
        self.refused = None  # why the watch could not serve (the K8sError's message), once it could not
        self.poll_pause = FIRST_PAUSE

    def list(self):
        items, self.version = self.client.list_with_version(self.kind, self.namespace, self.label_selector)
        return items

    def pause(self, seconds):
        if self.watching and self.version:
            try:
                self.client.wait_for_change(self.kind, self.namespace, self.label_selector, self.version, seconds)
                return
            except K8sUnavailable:
                self.sleep(seconds)  # the server is away: the pause poll_until asked for; the next LIST tells
                return
            except K8sError as exc:
                self.watching, self.refused = False, str(exc)
        pause, self.poll_pause = min(seconds, self.poll_pause), self.poll_pause * 2
        self.sleep(pause)


def last_event_message(events):
    """'Reason: message' of the newest event, or None."""
    if not events:
        return None
    newest = events[-1]
    return "%s: %s" % (newest.get("reason"), " ".join((newest.get("message") or "").split()))


def pod_not_ready_reason(pod):
    """Why a pod is not Ready, from its container states and conditions (None when it is Ready)."""
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return None
    for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        state = container.get("state") or {}
        for phase in ("waiting", "terminated"):
            if phase in state:
                detail = state[phase]
                return "container %s %s: %s %s" % (
                    container.get("name"), phase, detail.get("reason") or "", detail.get("message") or "")
    for condition in status.get("conditions") or []:
        if condition.get("status") != "True":
            return "%s=%s: %s %s" % (condition.get("type"), condition.get("status"),
                                     condition.get("reason") or "", condition.get("message") or "")
    return "phase %s" % status.get("phase", "unknown")


def wait_until_gone(client, kind, name, namespace=None, uid=None, timeout=60, interval=1.0, clock=None, sleep=None):
    """Poll until the object is gone, or replaced by one with another uid when `uid` is given.

    Raises WaitTimeout naming the object and what still holds it (deletionTimestamp, finalizers).
    """
    def probe():
        live = client.get(kind, name, namespace)
        gone = live is None or (uid is not None and live["metadata"].get("uid") != uid)
        return gone, live

    def describe(live):
        meta = (live or {}).get("metadata") or {}
        where = "/".join(part for part in (kind, namespace, name) if part)
        return "%s still exists (deletionTimestamp %s, finalizers %s)" % (
            where, meta.get("deletionTimestamp"), meta.get("finalizers") or [])

    poll_until(probe, timeout, describe, interval=interval, clock=clock or time.monotonic, sleep=sleep or time.sleep)
