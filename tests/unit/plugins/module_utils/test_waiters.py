# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import waiter
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError, K8sUnavailable
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock, FakeK8sClient


def test_poll_returns_the_state_once_done():
    clock = Clock()
    answers = iter([(False, "Pending"), (False, "Pending"), (True, "Bound")])
    state = waiter.poll_until(lambda: next(answers), 10, str, interval=1, clock=clock, sleep=clock.sleep)
    assert state == "Bound"
    assert clock.now == pytest.approx(0.3)  # pauses 0.1, 0.2: a wait that ends soon costs little


def test_poll_timeout_describes_the_last_state():
    clock = Clock()
    seen = []

    def probe():
        seen.append(clock.now)
        return False, "phase %s at %ss" % ("Pending", clock.now)

    with pytest.raises(waiter.WaitTimeout) as caught:
        waiter.poll_until(probe, 3, lambda s: "pv-0 is " + s, interval=1, clock=clock, sleep=clock.sleep)
    assert str(caught.value) == "timed out after 3s: pv-0 is phase Pending at 3.0s"
    assert caught.value.last == "phase Pending at 3.0s"
    assert seen == pytest.approx([0, 0.1, 0.3, 0.7, 1.5, 2.5, 3])  # doubling from 0.1 up to interval


REFUSED = K8sUnavailable("read StatefulSet/demo/web: cannot reach the Kubernetes API server https://127.0.0.1:6443: "
                         "Connection refused. Fix: check that the API server is running")


def scripted(clock, answers):
    """A probe answering from a list: an exception is raised, anything else returned; records when it ran."""
    calls = []

    def probe():
        calls.append(clock.now)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return probe, calls


class TestApiServerRestart:
    """A wait outlives an API server that is down for a while: it retries with backoff until its deadline."""

    def test_unavailable_probes_are_retried_with_backoff_until_the_server_is_back(self):
        clock = Clock()
        probe, calls = scripted(clock, [(False, "rolling"), REFUSED, REFUSED, REFUSED, REFUSED, (True, "done")])
        assert waiter.poll_until(probe, 60, str, interval=1, clock=clock, sleep=clock.sleep) == "done"
        assert calls == pytest.approx([0, 0.1, 1.1, 3.1, 7.1, 12.1])  # 0.1, then 1, 2, 4 and 5 (capped) while refused

    def test_backoff_starts_again_after_an_answer(self):
        clock = Clock()
        probe, calls = scripted(clock, [REFUSED, REFUSED, (False, "rolling"), REFUSED, (True, "done")])
        waiter.poll_until(probe, 60, str, interval=1, clock=clock, sleep=clock.sleep)
        assert calls == pytest.approx([0, 1, 3, 3.1, 4.1])

    def test_still_unavailable_at_the_deadline_raises_the_connection_error_with_the_last_state(self):
        clock = Clock()
        probe, _calls = scripted(clock, [(False, "1/2 ready")] + [REFUSED] * 20)
        with pytest.raises(K8sUnavailable) as caught:
            waiter.poll_until(probe, 10, lambda s: "rollout " + s, interval=1, clock=clock, sleep=clock.sleep)
        assert str(caught.value) == str(REFUSED) + "; still unavailable when the wait ended after 10s " \
                                                   "(last seen: rollout 1/2 ready)"
        assert clock.now == 10

    def test_unavailable_from_the_start_names_no_state(self):
        clock = Clock()
        probe, _calls = scripted(clock, [REFUSED] * 20)
        with pytest.raises(K8sUnavailable) as caught:
            waiter.poll_until(probe, 5, lambda s: s["never"], interval=1, clock=clock, sleep=clock.sleep)
        assert str(caught.value).endswith("; still unavailable when the wait ended after 5s")

    def test_a_server_that_answers_but_refuses_is_not_retried(self):
        clock = Clock()
        probe, calls = scripted(clock, [(False, "x"), K8sError("read Pod/demo/web-0: forbidden (HTTP 403 Forbidden)")])
        with pytest.raises(K8sError) as caught:
            waiter.poll_until(probe, 60, str, interval=1, clock=clock, sleep=clock.sleep)
        assert not isinstance(caught.value, K8sUnavailable)
        assert calls == pytest.approx([0, 0.1])

    def test_a_condition_that_never_holds_still_times_out_as_before(self):
        clock = Clock()
        probe, _calls = scripted(clock, [REFUSED, (False, "Pending")] + [(False, "Pending")] * 20)
        with pytest.raises(waiter.WaitTimeout) as caught:
            waiter.poll_until(probe, 5, str, interval=1, clock=clock, sleep=clock.sleep)
        assert caught.value.last == "Pending"

    def test_wait_until_gone_survives_the_restart(self):
        clock = Clock()

        class Client(FakeK8sClient):
            answers = [{"metadata": {"uid": "u-1"}}, REFUSED, REFUSED, None]

            def get(self, kind, name, namespace=None):
                self.calls.append(("get", kind, name, namespace))
                answer = self.answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer

        client = Client()
        waiter.wait_until_gone(client, "Pod", "web-0", "demo", uid="u-1", timeout=30, clock=clock, sleep=clock.sleep)
        assert len(client.calls) == 4


class WatchedPods(FakeK8sClient):
    """Pods whose phase changes at given times on the clock; a watch ends at the next change, or after its timeout.
    `refuse` is what a watch raises instead (an exception), as a server without the watch verb for us does."""

    def __init__(self, clock, changes, refuse=None):
        super(WatchedPods, self).__init__()
        self.clock = clock
        self.changes = sorted(changes)  # [(time, phase)]
        self.refuse = refuse

    def phase(self, at):
        seen = [phase for when, phase in self.changes if when <= at]
        return seen[-1] if seen else "Pending"

    def list_with_version(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, label_selector, self.clock.now))
        return [{"status": {"phase": self.phase(self.clock.now)}}], str(self.clock.now)

    def wait_for_change(self, kind, namespace, label_selector, resource_version, timeout):
        self.calls.append(("watch", kind, resource_version, timeout))
        if self.refuse:
            raise self.refuse
        listed = float(resource_version)
        later = [when for when, _phase in self.changes if when > listed]
        if later and later[0] <= listed + timeout:
            self.clock.now = max(self.clock.now, later[0])
            return True
        self.clock.now = listed + timeout
        return False


def wait_running(client, clock, timeout=10):
    pods = waiter.ChangeWatch(client, "Pod", "demo", "app=web", sleep=clock.sleep)

    def probe():
        phase = pods.list()[0]["status"]["phase"]
        return phase == "Running", phase

    return pods, waiter.poll_until(probe, timeout, str, interval=1, clock=clock, sleep=pods.pause, first_pause=1)


class TestChangeWatch:
    def test_the_wait_ends_when_the_server_reports_the_change_not_at_the_next_poll(self):
        clock = Clock()
        client = WatchedPods(clock, [(1.5, "ContainerCreating"), (2.35, "Running")])
        pods, state = wait_running(client, clock)
        assert state == "Running" and clock.now == pytest.approx(2.35)
        # a quiet second (0 to 1), then each change (1.5, 2.35) ends a watch at once and is listed
        assert [(call[0], call[3]) for call in client.calls if call[0] == "list"] == [
            ("list", 0), ("list", 1), ("list", 1.5), ("list", pytest.approx(2.35))]
        assert [call[0] for call in client.calls].count("watch") == 3
        assert pods.watching is True

    def test_each_watch_starts_at_the_version_of_the_list_before_it(self):
        clock = Clock()
        client = WatchedPods(clock, [(2.35, "Running")])
        wait_running(client, clock)
        lists = [call[3] for call in client.calls if call[0] == "list"]
        watches = [call[2] for call in client.calls if call[0] == "watch"]
        assert watches == [str(at) for at in lists[:-1]]
        assert lists[-1] == pytest.approx(2.35)

    def test_a_refused_watch_falls_back_to_polling_with_short_pauses(self):
        clock = Clock()
        forbidden = K8sError('watch Pod/demo: pods is forbidden: User "u" cannot watch resource "pods" '
                             '(HTTP 403 Forbidden)', 403, "Forbidden")
        client = WatchedPods(clock, [(0.25, "Running")], refuse=forbidden)
        pods, state = wait_running(client, clock)
        assert state == "Running" and pods.watching is False and pods.refused == str(forbidden)
        assert [call[0] for call in client.calls].count("watch") == 1  # not asked again
        assert [call[3] for call in client.calls if call[0] == "list"] == pytest.approx([0, 0.1, 0.3])

    def test_an_unavailable_server_during_a_watch_is_a_pause_and_the_watch_is_tried_again(self):
        clock = Clock()
        client = WatchedPods(clock, [(1.5, "Running")], refuse=REFUSED)
        pods, state = wait_running(client, clock)
        assert state == "Running" and pods.watching is True and pods.refused is None
        assert [call[3] for call in client.calls if call[0] == "list"] == pytest.approx([0, 1, 2])


def test_last_event_message():
    assert waiter.last_event_message([]) is None
    events = [{"reason": "Scheduled", "message": "ok"}, {"reason": "FailedMount", "message": "access  denied\n"}]
    assert waiter.last_event_message(events) == "FailedMount: access denied"


@pytest.mark.parametrize("status, reason", [
    ({"conditions": [{"type": "Ready", "status": "True"}]}, None),
    ({"containerStatuses": [{"name": "web", "state": {"waiting": {"reason": "ErrImageNeverPull", "message": "no"}}}]},
     "container web waiting: ErrImageNeverPull no"),
    ({"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1"}]},
     "PodScheduled=False: Unschedulable 0/1"),
    ({"phase": "Pending"}, "phase Pending"),
])
def test_pod_not_ready_reason(status, reason):
    assert waiter.pod_not_ready_reason({"status": status}) == reason
