# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PV whose claim is gone (Released, claimRef holding the old uid): rebound for the claim of the same name, or
kept with an immediate, named failure of the wait; and the other states no wait ends (Failed, another claim).

The fake client keeps state; the tests assert on what is stored and returned, not on the order of calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import volumes
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
from ansible_collections.stateful.nfs.plugins.module_utils.manifests import volumes as manifests
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_volumes_plan import (
    FakeClient, live_pv, make_spec)

PV0 = ("PersistentVolume", None, "demo-www-web-0")


class ControllerClient(FakeClient):
    """Also does what the PV controller does next: a Released PV whose claimRef lost its uid is Available."""

    def patch(self, kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        after = super(ControllerClient, self).patch(kind, name, namespace, patch, patch_type, dry_run, subresource)
        stored = self.store[(kind, namespace, name)]
        if not dry_run and "uid" not in (stored["spec"].get("claimRef") or {}):
            stored["status"]["phase"] = "Available"
        return after


def claim(name, uid, phase="Pending"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "demo", "uid": uid}, "status": {"phase": phase}}


def released(spec, ordinal=0, uid="old-uid"):
    """The PV after its claim was deleted: Released, claimRef still naming the old claim's uid."""
    pv = live_pv(spec, ordinal, phase="Released")
    pv["spec"]["claimRef"]["uid"] = uid
    return pv


def bound_with_claim(spec, ordinal):
    pv = live_pv(spec, ordinal, phase="Bound")
    return [pv, claim(pv["spec"]["claimRef"]["name"], pv["spec"]["claimRef"]["uid"], phase="Bound")]


# ---------------------------------------------------------------------------------------------
# pure
# ---------------------------------------------------------------------------------------------

def test_stale_claim_uid():
    spec = make_spec(replicas=1)
    pv = released(spec)
    assert volumes.stale_claim_uid(pv, {}) == "old-uid"  # no claim of that name
    assert volumes.stale_claim_uid(pv, None) == "old-uid"  # Released: the controller found the claim gone
    assert volumes.stale_claim_uid(pv, {"www-web-0": claim("www-web-0", "new-uid")}) == "old-uid"
    assert volumes.stale_claim_uid(pv, {"www-web-0": claim("www-web-0", "old-uid")}) is None
    bound = live_pv(spec, 0, phase="Bound")
    assert volumes.stale_claim_uid(bound, {"www-web-0": claim("www-web-0", "other")}) == "claim-uid-0"
    assert volumes.stale_claim_uid(bound, {}) is None  # the claim may be newer than the list
    assert volumes.stale_claim_uid(live_pv(spec, 0, phase="Available"), {}) is None


def test_rebind_patch_tests_the_old_uid_then_removes_it_and_the_resource_version():
    pv = released(make_spec(replicas=1))
    assert volumes.rebind_patch(pv, "old-uid") == [
        {"op": "test", "path": "/spec/claimRef/uid", "value": "old-uid"},
        {"op": "remove", "path": "/spec/claimRef/uid"},
        {"op": "remove", "path": "/spec/claimRef/resourceVersion"}]


# ---------------------------------------------------------------------------------------------
# rebind
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("claims", [[], [claim("www-web-0", "new-uid")]], ids=["claim-gone", "claim-recreated"])
def test_released_pv_is_freed_for_its_claim_and_the_wait_ends_quickly(claims):
    spec = make_spec(replicas=2, wait=True, wait_timeout=300)
    client = ControllerClient([released(spec)] + bound_with_claim(spec, 1) + claims)
    clock = Clock()
    result = volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    stored = client.store[PV0]
    assert stored["spec"]["claimRef"] == {"namespace": "demo", "name": "www-web-0", "kind": "PersistentVolumeClaim",
                                          "apiVersion": "v1"}
    assert stored["spec"]["nfs"] == {"server": "10.0.1.201", "path": "/srv/nfs/www-web-0"}
    assert stored["status"]["phase"] == "Available"
    assert clock.now < 5
    assert result["changed"] is True
    assert [(v["pv"], v["phase"], v["changed"], v["released"]) for v in result["volumes"]] == [
        ("demo-www-web-0", "Available", True, {"claim_uid": "old-uid", "action": "rebind"}),
        ("demo-www-web-1", "Bound", False, None)]
    again = volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    assert again["changed"] is False
    assert [v["released"] for v in again["volumes"]] == [None, None]


def test_rebind_shows_in_the_diff():
    spec = make_spec(replicas=1)
    client = ControllerClient([released(spec)])
    result = volumes.present(client, spec, want_diff=True)
    before = result["diff"]["before"]["PersistentVolume/demo-www-web-0"]["spec"]["claimRef"]
    after = result["diff"]["after"]["PersistentVolume/demo-www-web-0"]["spec"]["claimRef"]
    assert before["uid"] == "old-uid" and "uid" not in after


def test_check_mode_reports_the_rebind_and_changes_nothing():
    spec = make_spec(replicas=1, wait=True)
    pv = released(spec)
    client = ControllerClient([pv])
    stored = dict(client.store[PV0])
    result = volumes.present(client, spec, check_mode=True)
    assert client.store[PV0] == stored
    assert result["changed"] is True
    assert result["volumes"][0]["released"] == {"claim_uid": "old-uid", "action": "rebind"}
    assert "warnings" not in result


def test_the_very_claim_still_existing_is_never_unbound():
    spec = make_spec(replicas=1)
    pv = released(spec)
    client = ControllerClient([pv, claim("www-web-0", "old-uid")])
    result = volumes.present(client, spec)
    assert client.store[PV0]["spec"]["claimRef"]["uid"] == "old-uid"
    assert result["volumes"][0]["released"] is None and result["changed"] is False


def test_pv_rebound_meanwhile_is_left_alone_with_a_named_failure():
    spec = make_spec(replicas=1)
    client = ControllerClient([released(spec)])
    real_patch = client.patch

    def rebound_first(kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        client.store[PV0]["spec"]["claimRef"]["uid"] = "newer-uid"
        return real_patch(kind, name, namespace, patch, patch_type, dry_run, subresource)
    client.patch = rebound_first
    with pytest.raises(Failure) as caught:
        volumes.present(client, spec)
    assert "PersistentVolume/demo-www-web-0 changed while it was being freed" in str(caught.value)
    assert "Fix: run again" in str(caught.value)
    assert client.store[PV0]["spec"]["claimRef"]["uid"] == "newer-uid"


def test_other_api_errors_of_the_rebind_propagate():
    spec = make_spec(replicas=1)
    client = ControllerClient([released(spec)])

    def refuse(*args, **kwargs):
        raise K8sError("patch PersistentVolume/demo-www-web-0: forbidden (HTTP 403 Forbidden)", 403, "Forbidden")
    client.patch = refuse
    with pytest.raises(K8sError):
        volumes.present(client, spec)


# ---------------------------------------------------------------------------------------------
# kept Released, and the other states no wait ends: fail at once
# ---------------------------------------------------------------------------------------------

def test_keep_released_fails_the_wait_at_once_naming_pv_uid_and_fix():
    spec = make_spec(replicas=2, wait=True, wait_timeout=300, rebind_released=False)
    client = ControllerClient([released(spec)] + bound_with_claim(spec, 1) + [claim("www-web-0", "new-uid")])
    stored = dict(client.store[PV0])
    clock = Clock()
    with pytest.raises(Failure) as caught:
        volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    message = str(caught.value)
    assert clock.now == 0
    assert message.startswith("PersistentVolume/demo-www-web-0 is Released for claim demo/www-web-0 with uid old-uid, "
                              "which is gone (the claim of that name now has uid new-uid)")
    assert "rebind_released=false keeps it so" in message
    assert "Fix: set rebind_released: true" in message
    assert "kube-controller-manager" not in message
    assert client.store[PV0] == stored


def test_keep_released_without_wait_warns_and_reports_keep():
    spec = make_spec(replicas=1, rebind_released=False)
    client = ControllerClient([released(spec)])
    result = volumes.present(client, spec)
    assert result["changed"] is False
    assert result["volumes"][0]["released"] == {"claim_uid": "old-uid", "action": "keep"}
    assert len(result["warnings"]) == 1 and "no claim of that name exists" in result["warnings"][0]


def test_released_with_recycle_is_kept_for_kubernetes():
    spec = make_spec(replicas=1, reclaim_policy="Recycle")
    pv = released(spec)
    client = ControllerClient([pv])
    result = volumes.present(client, spec)
    assert result["volumes"][0]["released"] == {"claim_uid": "old-uid", "action": "keep"}
    assert client.store[PV0]["spec"]["claimRef"]["uid"] == "old-uid"


def test_failed_pv_fails_the_wait_at_once():
    spec = make_spec(replicas=1, wait=True, wait_timeout=300)
    pv = live_pv(spec, 0, phase="Failed")
    pv["status"]["message"] = "error getting deleter volume plugin for volume"
    client = ControllerClient([pv])
    clock = Clock()
    with pytest.raises(Failure) as caught:
        volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    assert clock.now == 0
    assert str(caught.value).startswith(
        "PersistentVolume/demo-www-web-0 is Failed (error getting deleter volume plugin for volume). Fix: ")


def test_claim_deleted_during_the_wait_fails_it_at_once():
    spec = make_spec(replicas=1, wait=True, wait_timeout=300)
    client = ControllerClient()
    client.new_phase = "Pending"
    clock = Clock()

    def sleep(seconds):
        clock.sleep(seconds)
        client.store[PV0].update(status={"phase": "Released"})
        client.store[PV0]["spec"]["claimRef"].update(uid="gone-uid")
    with pytest.raises(Failure) as caught:
        volumes.present(client, spec, clock=clock, sleep=sleep)
    assert clock.now <= 1
    assert "is Released for claim demo/www-web-0 with uid gone-uid" in str(caught.value)
    assert "Fix: run again" in str(caught.value)


def test_bound_to_a_replaced_claim_or_another_claim_is_blocked():
    spec = make_spec(replicas=2)
    names = [(0, "demo-www-web-0"), (1, "demo-www-web-1")]
    stale = live_pv(spec, 0, phase="Bound")
    other = live_pv(spec, 1, phase="Bound")
    other["spec"]["claimRef"].update(namespace="other", name="data-db-0")
    problems = volumes.blocked(spec, names, {"demo-www-web-0": stale, "demo-www-web-1": other},
                               {"www-web-0": claim("www-web-0", "new-uid")})
    assert problems[0].startswith("PersistentVolume/demo-www-web-0 is Bound for claim demo/www-web-0 with uid "
                                  "claim-uid-0, which is gone (the claim of that name now has uid new-uid)")
    assert problems[1].startswith("PersistentVolume/demo-www-web-1 is bound to claim other/data-db-0, not "
                                  "demo/www-web-1")
    assert volumes.blocked(spec, names, {"demo-www-web-0": stale}, None) == []


def test_noop_reads_no_claims():
    spec = make_spec(replicas=3, wait=True)
    client = ControllerClient([live_pv(spec, n) for n in range(3)])
    volumes.present(client, spec)
    assert [call for call in client.calls if call[1] == "PersistentVolumeClaim"] == []
    assert manifests.pv_name(spec, 0) == PV0[2]
