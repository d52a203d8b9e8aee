# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import waiters
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock


def test_poll_returns_the_state_once_done():
    clock = Clock()
    answers = iter([(False, "Pending"), (False, "Pending"), (True, "Bound")])
    state = waiters.poll_until(lambda: next(answers), 10, str, interval=1, clock=clock, sleep=clock.sleep)
    assert state == "Bound"
    assert clock.now == 2


def test_poll_timeout_describes_the_last_state():
    clock = Clock()
    seen = []

    def probe():
        seen.append(clock.now)
        return False, "phase %s at %ss" % ("Pending", clock.now)

    with pytest.raises(waiters.WaitTimeout) as caught:
        waiters.poll_until(probe, 3, lambda s: "pv-0 is " + s, interval=1, clock=clock, sleep=clock.sleep)
    assert str(caught.value) == "timed out after 3s: pv-0 is phase Pending at 3.0s"
    assert caught.value.last == "phase Pending at 3.0s"
    assert seen == [0, 1, 2, 3]


def test_last_event_message():
    assert waiters.last_event_message([]) is None
    events = [{"reason": "Scheduled", "message": "ok"}, {"reason": "FailedMount", "message": "access  denied\n"}]
    assert waiters.last_event_message(events) == "FailedMount: access denied"


@pytest.mark.parametrize("status, reason", [
    ({"conditions": [{"type": "Ready", "status": "True"}]}, None),
    ({"containerStatuses": [{"name": "web", "state": {"waiting": {"reason": "ErrImageNeverPull", "message": "no"}}}]},
     "container web waiting: ErrImageNeverPull no"),
    ({"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1"}]},
     "PodScheduled=False: Unschedulable 0/1"),
    ({"phase": "Pending"}, "phase Pending"),
])
def test_pod_not_ready_reason(status, reason):
    assert waiters.pod_not_ready_reason({"status": status}) == reason
