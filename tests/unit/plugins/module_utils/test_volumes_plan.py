# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation, planning, reconcile orchestration, waiting and state=absent of the volumes module.

The client boundary is faked (FakeClient has K8sClient's method signatures and counts calls); there
is no fake API server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import volumes
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import K8sError
from ansible_collections.stateful.nfs.plugins.module_utils.manifests import volumes as manifests
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.waiter import WaitTimeout
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock, FakeK8sClient


def _merge(base, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


class FakeClient(FakeK8sClient):
    """K8sClient's interface over an in-memory store; records every call."""

    def __init__(self, objects=()):
        super(FakeClient, self).__init__()
        self.store = {}
        self.version = 100
        self.new_phase = "Available"
        for obj in objects:
            self.put(obj)

    def put(self, obj):
        obj = copy.deepcopy(obj)
        self.version += 1
        obj["metadata"].setdefault("resourceVersion", str(self.version))
        obj["metadata"].setdefault("uid", "uid-%s" % obj["metadata"]["name"])
        self.store[(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])] = obj
        return obj

    @staticmethod
    def _labels_match(obj, selector):
        if not selector:
            return True
        labels = obj["metadata"].get("labels") or {}
        return all(labels.get(k) == v for k, v in (part.split("=", 1) for part in selector.split(",")))

    def get(self, kind, name, namespace=None):
        self.calls.append(("get", kind, name))
        return copy.deepcopy(self.store.get((kind, namespace, name)))

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, namespace, label_selector))
        return [copy.deepcopy(obj) for key, obj in sorted(self.store.items())
                if key[0] == kind and (namespace is None or key[1] == namespace) and self._labels_match(obj, label_selector)]

    def apply(self, body, dry_run=False, force=True):
        self.calls.append(("apply", body["kind"], body["metadata"]["name"], dry_run))
        self.refuse_in_missing_namespace(body)
        key = (body["kind"], body["metadata"].get("namespace"), body["metadata"]["name"])
        live = copy.deepcopy(self.store.get(key))
        after = _merge(live or {"status": {"phase": "Pending"}}, body)
        if dry_run:
            return after
        after["metadata"].pop("resourceVersion", None)
        after = copy.deepcopy(self.put(after))
        if after["kind"] == "PersistentVolume" and after["status"].get("phase") == "Pending":
            self.store[key]["status"]["phase"] = self.new_phase  # what the PV controller does next
        return after

    def patch(self, kind, name, namespace, patch, patch_type="merge", dry_run=False, subresource=None):
        """JSON patch (test, remove, add, replace) or merge patch; a failed test is the server's 422."""
        self.calls.append(("patch", kind, name, dry_run))
        key = (kind, namespace, name)
        obj = copy.deepcopy(self.store[key])
        if patch_type == "merge":
            _merge(obj, patch)
        else:
            for op in patch:
                parts = op["path"].lstrip("/").split("/")
                parent = obj
                for part in parts[:-1]:
                    parent = parent[part]
                if op["op"] == "test" and parent.get(parts[-1]) != op["value"]:
                    raise K8sError("patch %s/%s: the test operation failed (HTTP 422 Unprocessable Entity)"
                                   % (kind, name), 422, "Unprocessable Entity")
                if op["op"] == "remove":
                    del parent[parts[-1]]
                elif op["op"] in ("add", "replace"):
                    parent[parts[-1]] = copy.deepcopy(op["value"])
        if dry_run:
            return obj
        obj["metadata"].pop("resourceVersion", None)
        return copy.deepcopy(self.put(obj))

    def delete(self, kind, name, namespace=None, propagation_policy=None, grace_period_seconds=None,
               dry_run=False, uid=None):
        self.calls.append(("delete", kind, name, dry_run))
        obj = self.store.get((kind, namespace, name))
        assert obj is not None and (uid is None or obj["metadata"]["uid"] == uid)
        if not dry_run:
            del self.store[(kind, namespace, name)]
        return obj

    def events_for(self, kind, name, namespace):
        return []


PARAMS = dict(statefulset="web", namespace="demo", claim="www", replicas=3, nfs_server="10.0.1.201",
              nfs_root="/srv/nfs", size="1Gi")


def make_spec(**overrides):
    return volumes.spec_from_params(dict(PARAMS, **overrides))


def live_pv(spec, ordinal, phase="Bound", **spec_changes):
    """A PV as the server shows it after our apply and the controller's binding."""
    pv = manifests.persistent_volume(spec, ordinal)
    pv["spec"].update(spec_changes)
    if "claimRef" in pv["spec"]:
        pv["spec"]["claimRef"] = dict(pv["spec"]["claimRef"], uid="claim-uid-%d" % ordinal, kind="PersistentVolumeClaim",
                                      apiVersion="v1", resourceVersion="7")
    pv["status"] = {"phase": phase}
    return pv


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

BAD_INPUT = [
    (dict(replicas=0), "replicas", "0", "set replicas"),
    (dict(replicas=-2), "replicas", "-2", "set replicas"),
    (dict(path_pattern="{root}/{claim}-{statefulset}"), "path_pattern", "{root}/{claim}-{statefulset}",
     "put {ordinal} in the pattern"),
    (dict(path_pattern="{root}/{pod}-{ordinal}"), "path_pattern", "{root}/{pod}-{ordinal}", "use placeholders from"),
    (dict(path_pattern="data/{claim}-{ordinal}"), "path_pattern", "data/{claim}-{ordinal}",
     "make the result start with '/'"),
    (dict(path_pattern="{root}/../{ordinal}"), "path_pattern", "{root}/../{ordinal}", "normal form"),
    (dict(path_pattern="{root/{ordinal}"), "path_pattern", "{root/{ordinal}", "balance the braces"),
    (dict(nfs_root=None), "nfs_root", "None", "set it to the exported base directory"),
    (dict(nfs_root="srv/nfs"), "nfs_root", "srv/nfs", "start it with '/'"),
    (dict(nfs_server="nfs://10.0.1.201"), "nfs_server", "nfs://10.0.1.201", "without scheme, port or path"),
    (dict(nfs_server="10.0.1.300"), "nfs_server", "10.0.1.300", "host name or IP address"),
    (dict(nfs_server="nfs1:2049"), "nfs_server", "nfs1:2049", "host name or IP address"),
    (dict(nfs_server=None), "nfs_server", "None", "host name or IP address"),
    (dict(size="lots"), "size", "lots", "Kubernetes quantity"),
    (dict(size="0"), "size", "0", "Kubernetes quantity"),
    (dict(claim_size="2Gi"), "claim_size", "2Gi", "make size at least 2Gi"),
    (dict(access_modes=["RWO"]), "access_modes", "RWO", "ReadWriteOnce, ReadOnlyMany"),
    (dict(access_modes=["ReadWriteOncePod", "ReadOnlyMany"]), "access_modes", "ReadWriteOncePod",
     "use [ReadWriteOncePod] alone"),
    (dict(access_modes=[]), "access_modes", "[]", "use one or more of"),
    (dict(storage_class="Fast_SSD"), "storage_class", "Fast_SSD", "storageClassName of the volumeClaimTemplate"),
    (dict(mount_options=["nfsvers=4.1 hard"]), "mount_options", "nfsvers=4.1 hard", "one option per item"),
    (dict(labels={"stateful.nfs/ordinal": "9"}), "labels.stateful.nfs/ordinal", "9", "remove it"),
    (dict(labels={"tier": "a b"}), "labels.tier", "a b", "at most 63 characters"),
    (dict(statefulset="Web"), "statefulset", "Web", "use a name like"),
    (dict(namespace="x" * 64), "namespace", "x" * 64, "use a name like"),
    (dict(claim="www.data"), "claim", "www.data", "use a name like"),
    (dict(ordinals_start=-1), "ordinals_start", "-1", "spec.ordinals.start"),
    (dict(wait_timeout=0), "wait_timeout", "0", "seconds to wait"),
]


BAD_INPUT_IDS = ["%s-%d" % (case[1], i) for i, case in enumerate(BAD_INPUT)]


@pytest.mark.parametrize("overrides, field, value, fix", BAD_INPUT, ids=BAD_INPUT_IDS)
def test_bad_input_names_field_value_and_fix(overrides, field, value, fix):
    with pytest.raises(SpecError) as caught:
        make_spec(**overrides)
    message = str(caught.value)
    assert message.startswith(field + "=") or (field + "=") in message
    assert value in message
    assert "Fix: " in message and fix in message


def test_all_problems_are_reported_at_once():
    with pytest.raises(SpecError) as caught:
        make_spec(replicas=0, size="big", access_modes=["RWX"], nfs_server="bad host")
    message = str(caught.value)
    for field in ("replicas=0", "size='big'", "access_modes=['RWX']", "nfs_server='bad host'"):
        assert field in message
    assert message.count("Fix: ") == 4


def test_valid_input_gives_defaults():
    spec = make_spec(nfs_root="/srv/nfs/")
    assert spec["claim_size"] == "1Gi"
    assert spec["access_modes"] == ["ReadWriteOnce"]
    assert spec["reclaim_policy"] == "Retain"
    assert spec["storage_class"] == ""
    assert spec["path_pattern"] == "{root}/{claim}-{statefulset}-{ordinal}"
    assert manifests.nfs_path(spec, 2) == "/srv/nfs/www-web-2"


def test_absent_needs_only_names():
    spec = volumes.spec_from_params(dict(statefulset="web", namespace="demo", claim="www", state="absent"))
    assert spec["state"] == "absent"
    with pytest.raises(SpecError) as caught:
        volumes.spec_from_params(dict(statefulset="web", namespace="Demo", claim="www", state="absent"))
    assert "namespace='Demo'" in str(caught.value)


def test_hostname_and_ipv6_servers_are_accepted():
    assert make_spec(nfs_server="nfs1.example.com")["nfs_server"] == "nfs1.example.com"
    assert make_spec(nfs_server="fd00::201")["nfs_server"] == "fd00::201"


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------

def test_plan_actions_per_ordinal():
    spec = make_spec(replicas=4)
    pvs = {
        "demo-www-web-0": live_pv(spec, 0),
        "demo-www-web-1": live_pv(spec, 1, capacity={"storage": "512Mi"}),
        "demo-www-web-2": live_pv(spec, 2, capacity={"storage": "1024Mi"}),  # same quantity, other spelling
    }
    steps, extra = volumes.plan(spec, pvs, {})
    assert [(s.ordinal, s.pv_action, s.pvc_action) for s in steps] == [
        (0, "none", None), (1, "update", None), (2, "none", None), (3, "create", None)]
    assert extra == []


def test_plan_reports_scaled_down_ordinals_as_extra():
    spec = make_spec(replicas=2)
    big = make_spec(replicas=4)
    pvs = dict((manifests.pv_name(big, n), live_pv(big, n)) for n in range(4))
    steps, extra = volumes.plan(spec, pvs, {})
    assert [s.ordinal for s in steps] == [0, 1]
    assert [pv["metadata"]["name"] for pv in extra] == ["demo-www-web-2", "demo-www-web-3"]


def test_plan_honours_ordinals_start():
    spec = make_spec(replicas=2, ordinals_start=5)
    steps = volumes.plan(spec, {}, {})[0]
    assert [s.pv["metadata"]["name"] for s in steps] == ["demo-www-web-5", "demo-www-web-6"]


def test_claim_ref_uid_from_the_controller_is_not_fought():
    spec = make_spec(replicas=1)
    steps = volumes.plan(spec, {"demo-www-web-0": live_pv(spec, 0)}, {})[0]
    assert steps[0].pv_action == "none"


def test_pv_with_other_nfs_path_is_not_rewritten():
    spec = make_spec(replicas=1)
    old = live_pv(spec, 0, nfs={"server": "10.0.1.201", "path": "/export/old"})
    with pytest.raises(SpecError) as caught:
        volumes.plan(spec, {"demo-www-web-0": old}, {})
    message = str(caught.value)
    assert "PersistentVolume/demo-www-web-0" in message
    assert "spec.nfs.path '/export/old' -> '/srv/nfs/www-web-0'" in message
    assert message.startswith("path_pattern=")
    assert "Fix: keep nfs_server, nfs_root and path_pattern" in message


def test_pv_with_other_nfs_server_is_not_rewritten():
    spec = make_spec(replicas=1, nfs_server="10.0.1.202")
    old = live_pv(make_spec(replicas=1), 0)
    with pytest.raises(SpecError) as caught:
        volumes.plan(spec, {"demo-www-web-0": old}, {})
    assert "spec.nfs.server '10.0.1.201' -> '10.0.1.202'" in str(caught.value)
    assert str(caught.value).startswith("nfs_server=")


def test_pv_bound_to_another_claim_is_not_rebound():
    spec = make_spec(replicas=2)
    other = live_pv(spec, 1)
    other["spec"]["claimRef"] = {"namespace": "other", "name": "data-db-0", "uid": "u"}
    with pytest.raises(SpecError) as caught:
        volumes.plan(spec, {"demo-www-web-1": other}, {})
    message = str(caught.value)
    assert "PersistentVolume/demo-www-web-1 spec.claimRef other/data-db-0 -> demo/www-web-1" in message
    assert "Fix: " in message and "delete claim other/data-db-0" in message


def test_conflicts_are_raised_before_any_write():
    spec = make_spec(replicas=2)
    other = live_pv(spec, 1, nfs={"server": "10.9.9.9", "path": "/x"})
    client = FakeClient([other])
    with pytest.raises(SpecError):
        volumes.present(client, spec)
    assert client.writes() == []


def test_precreate_plans_claims_and_checks_their_immutable_spec():
    spec = make_spec(replicas=2, precreate_claims=True)
    foreign = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": "www-web-1", "namespace": "demo"},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                        "storageClassName": "standard", "volumeName": "pvc-123"}}
    with pytest.raises(SpecError) as caught:
        volumes.plan(spec, {}, {"www-web-1": foreign})
    message = str(caught.value)
    assert "PersistentVolumeClaim/demo/www-web-1 spec.storageClassName 'standard' -> ''" in message
    assert "spec.selector None -> " in message
    assert "bound to PersistentVolume/pvc-123, not demo-www-web-1" in message
    steps = volumes.plan(spec, {}, {})[0]
    assert [s.pvc_action for s in steps] == ["create", "create"]


# ---------------------------------------------------------------------------------------------
# Reconcile orchestration
# ---------------------------------------------------------------------------------------------

def test_noop_over_200_replicas_makes_one_list_and_no_write():
    spec = make_spec(replicas=200)
    client = FakeClient([live_pv(spec, n) for n in range(200)])
    result = volumes.present(client, dict(spec, wait=True))
    assert client.calls == [("list", "PersistentVolume", None, manifests.label_selector(spec))]
    assert result["changed"] is False
    assert len(result["volumes"]) == 200
    assert set(item["action"] for item in result["volumes"]) == {"none"}


def test_noop_with_precreated_claims_makes_one_list_per_kind():
    spec = make_spec(replicas=200, precreate_claims=True)
    claims = []
    for n in range(200):
        pvc = manifests.persistent_volume_claim(spec, n)
        pvc["spec"]["volumeName"] = manifests.pv_name(spec, n)
        pvc["status"] = {"phase": "Bound"}
        claims.append(pvc)
    client = FakeClient([live_pv(spec, n) for n in range(200)] + claims)
    result = volumes.present(client, dict(spec, wait=True))
    assert [call[:2] for call in client.calls] == [("list", "PersistentVolume"), ("list", "PersistentVolumeClaim")]
    assert result["changed"] is False


def test_create_then_second_run_is_unchanged():
    spec = make_spec(replicas=3)
    client = FakeClient()
    first = volumes.present(client, spec)
    assert first["changed"] is True
    assert [(v["ordinal"], v["pv"], v["claim"], v["export"], v["action"]) for v in first["volumes"]] == [
        (0, "demo-www-web-0", "www-web-0", "10.0.1.201:/srv/nfs/www-web-0", "create"),
        (1, "demo-www-web-1", "www-web-1", "10.0.1.201:/srv/nfs/www-web-1", "create"),
        (2, "demo-www-web-2", "www-web-2", "10.0.1.201:/srv/nfs/www-web-2", "create"),
    ]
    versions = dict((key, obj["metadata"]["resourceVersion"]) for key, obj in client.store.items())
    client.calls = []
    second = volumes.present(client, spec)
    assert second["changed"] is False
    assert client.writes() == []
    assert versions == dict((key, obj["metadata"]["resourceVersion"]) for key, obj in client.store.items())


def test_missing_pv_is_looked_up_by_name_and_adopted_when_compatible():
    spec = make_spec(replicas=1)
    handmade = live_pv(spec, 0, phase="Available")
    handmade["metadata"]["labels"] = {}
    client = FakeClient([handmade])
    result = volumes.present(client, spec)
    assert ("get", "PersistentVolume", "demo-www-web-0") in client.calls
    assert result["volumes"][0]["action"] == "update"
    assert client.store[("PersistentVolume", None, "demo-www-web-0")]["metadata"]["labels"] == \
        manifests.object_labels(spec, 0)


def test_many_missing_pvs_are_looked_for_in_one_list_of_every_pv():
    spec = make_spec(replicas=volumes.MISSING_READ_BY_NAME + 1)
    handmade = live_pv(spec, 3, phase="Available")
    handmade["metadata"]["labels"] = {}
    client = FakeClient([handmade])
    result = volumes.present(client, spec)
    reads = [call for call in client.calls if call[0] in ("get", "list")]
    assert reads[:2] == [("list", "PersistentVolume", None, manifests.label_selector(spec)),
                         ("list", "PersistentVolume", None, None)]
    assert not [call for call in client.calls if call[0] == "get"]
    assert result["volumes"][3]["action"] == "update"  # the hand-made PV is checked and adopted, not overwritten
    assert [v["action"] for v in result["volumes"]].count("create") == volumes.MISSING_READ_BY_NAME


def test_check_mode_creates_nothing_and_reports_create():
    spec = make_spec(replicas=2)
    client = FakeClient()
    result = volumes.present(client, dict(spec, wait=True), check_mode=True, want_diff=True)
    assert client.store == {}
    assert [call[3] for call in client.writes()] == [True, True]  # every apply was a dry run
    assert result["changed"] is True
    assert [v["action"] for v in result["volumes"]] == ["create", "create"]
    assert sorted(result["diff"]["after"]) == ["PersistentVolume/demo-www-web-0", "PersistentVolume/demo-www-web-1"]
    assert result["diff"]["before"] == {"PersistentVolume/demo-www-web-0": {}, "PersistentVolume/demo-www-web-1": {}}


def test_check_mode_precreated_claims_in_a_namespace_that_does_not_exist_yet():
    spec = make_spec(replicas=2, precreate_claims=True, wait=True)
    client = FakeClient()
    client.missing_namespaces.add("demo")
    clock = Clock()
    result = volumes.present(client, spec, check_mode=True, want_diff=True, clock=clock, sleep=clock.sleep)
    assert client.store == {}
    assert clock.now == 0  # no wait for objects a check-mode run cannot create
    assert [call[3] for call in client.writes()] == [True] * 4
    assert result["changed"] is True
    assert [(v["action"], v["claim_action"]) for v in result["volumes"]] == [("create", "create")] * 2
    claims = [manifests.claim_name(spec, n) for n in (0, 1)]
    assert all(result["diff"]["after"]["PersistentVolumeClaim/demo/%s" % name]["metadata"]["name"] == name
               for name in claims)
    assert [w.split(" does not exist yet")[0] for w in result["warnings"]] == ["check mode: Namespace/demo"] * 2
    assert ["PersistentVolumeClaim/demo/%s" % name in w for name, w in zip(claims, result["warnings"])] == [True] * 2


def test_size_change_updates_and_diff_shows_before_and_after():
    spec = make_spec(replicas=2)
    client = FakeClient([live_pv(spec, 0), live_pv(spec, 1)])
    result = volumes.present(client, make_spec(replicas=2, size="2Gi"), want_diff=True)
    assert [v["action"] for v in result["volumes"]] == ["update", "update"]
    diff = result["diff"]
    assert diff["before"]["PersistentVolume/demo-www-web-0"]["spec"]["capacity"] == {"storage": "1Gi"}
    assert diff["after"]["PersistentVolume/demo-www-web-0"]["spec"]["capacity"] == {"storage": "2Gi"}
    assert "resourceVersion" not in diff["after"]["PersistentVolume/demo-www-web-0"]["metadata"]


def test_scale_up_creates_only_new_ordinals_and_scale_down_keeps_extra():
    spec = make_spec(replicas=3)
    client = FakeClient([live_pv(spec, n) for n in range(3)])
    up = volumes.present(client, make_spec(replicas=4))
    assert [v["action"] for v in up["volumes"]] == ["none", "none", "none", "create"]
    assert [call[2] for call in client.writes()] == ["demo-www-web-3"]
    client.calls = []
    down = volumes.present(client, make_spec(replicas=2))
    assert client.writes() == []
    assert down["changed"] is False
    assert [(e["ordinal"], e["pv"]) for e in down["extra"]] == [(2, "demo-www-web-2"), (3, "demo-www-web-3")]
    assert len([k for k in client.store if k[0] == "PersistentVolume"]) == 4


def test_precreate_creates_pv_then_claim():
    spec = make_spec(replicas=1, precreate_claims=True)
    client = FakeClient()
    result = volumes.present(client, spec)
    assert [call[1:3] for call in client.writes()] == [
        ("PersistentVolume", "demo-www-web-0"), ("PersistentVolumeClaim", "www-web-0")]
    assert result["volumes"][0]["claim_action"] == "create"
    assert "claimRef" not in client.store[("PersistentVolume", None, "demo-www-web-0")]["spec"]


def test_api_errors_propagate_as_k8s_error():
    spec = make_spec(replicas=1)
    client = FakeClient()

    def refuse(body, dry_run=False, force=True):
        raise K8sError("apply PersistentVolume/demo-www-web-0: forbidden (HTTP 403 Forbidden)")
    client.apply = refuse
    with pytest.raises(K8sError) as caught:
        volumes.present(client, spec)
    assert "PersistentVolume/demo-www-web-0" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------------------------


def test_wait_polls_until_available():
    spec = make_spec(replicas=2, wait=True)
    client = FakeClient()
    client.new_phase = "Pending"
    clock = Clock()
    rounds = []

    def sleep(seconds):
        clock.sleep(seconds)
        rounds.append(seconds)
        if len(rounds) == 2:
            for key in list(client.store):
                client.store[key]["status"]["phase"] = "Available"

    result = volumes.present(client, spec, clock=clock, sleep=sleep)
    assert [v["phase"] for v in result["volumes"]] == ["Available", "Available"]
    assert len(rounds) == 2


def test_wait_timeout_names_each_pv_and_phase():
    spec = make_spec(replicas=2, wait=True, wait_timeout=5)
    client = FakeClient([live_pv(spec, 0, phase="Bound")])
    client.new_phase = "Pending"
    clock = Clock()
    with pytest.raises(WaitTimeout) as caught:
        volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    message = str(caught.value)
    assert message.startswith("timed out after 5s: ")
    assert "PersistentVolume/demo-www-web-1 is Pending (want Available or Bound)" in message
    assert "demo-www-web-0" not in message


def test_wait_timeout_names_unbound_precreated_claims():
    spec = make_spec(replicas=1, wait=True, wait_timeout=2, precreate_claims=True)
    client = FakeClient()
    clock = Clock()
    with pytest.raises(WaitTimeout) as caught:
        volumes.present(client, spec, clock=clock, sleep=clock.sleep)
    assert "PersistentVolumeClaim/demo/www-web-0 is Pending (want Bound to demo-www-web-0)" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# state=absent
# ---------------------------------------------------------------------------------------------

def absent_spec(**overrides):
    return make_spec(state="absent", **overrides)


def test_absent_refuses_bound_pvs_naming_each_and_force():
    spec = make_spec(replicas=3)
    client = FakeClient([live_pv(spec, 0, phase="Bound"), live_pv(spec, 1, phase="Available"),
                         live_pv(spec, 2, phase="Bound")])
    with pytest.raises(SpecError) as caught:
        volumes.absent(client, absent_spec())
    message = str(caught.value)
    assert message.startswith("force=False")
    assert "PersistentVolume/demo-www-web-0 (Bound to claim demo/www-web-0)" in message
    assert "PersistentVolume/demo-www-web-2 (Bound to claim demo/www-web-2)" in message
    assert "demo-www-web-1" not in message
    assert "force: true" in message
    assert client.writes() == []


def test_absent_deletes_unbound_pvs_with_uid_precondition():
    spec = make_spec(replicas=3)
    client = FakeClient([live_pv(spec, 0, phase="Available"), live_pv(spec, 1, phase="Released"),
                         live_pv(spec, 2, phase="Failed")])
    result = volumes.absent(client, absent_spec(), want_diff=True)
    assert [v["pv"] for v in result["volumes"]] == ["demo-www-web-0", "demo-www-web-1", "demo-www-web-2"]
    assert set(v["action"] for v in result["volumes"]) == {"delete"}
    assert result["changed"] is True
    assert client.store == {}
    assert sorted(result["diff"]["before"]) == ["PersistentVolume/demo-www-web-0", "PersistentVolume/demo-www-web-1",
                                                "PersistentVolume/demo-www-web-2"]
    assert result["diff"]["after"] == {}
    client.calls = []
    again = volumes.absent(client, absent_spec())
    assert again["changed"] is False and again["volumes"] == [] and client.writes() == []


def test_absent_check_mode_deletes_nothing():
    spec = make_spec(replicas=1)
    client = FakeClient([live_pv(spec, 0, phase="Available")])
    result = volumes.absent(client, absent_spec(), check_mode=True)
    assert result["changed"] is True
    assert client.writes() == [("delete", "PersistentVolume", "demo-www-web-0", True)]
    assert len(client.store) == 1


def test_absent_with_force_deletes_bound_pvs():
    spec = make_spec(replicas=1)
    client = FakeClient([live_pv(spec, 0, phase="Bound")])
    result = volumes.absent(client, absent_spec(force=True))
    assert result["volumes"][0]["action"] == "delete"
    assert client.writes() == [("delete", "PersistentVolume", "demo-www-web-0", False)]


def test_absent_never_touches_other_statefulsets():
    spec = make_spec(replicas=1)
    other = make_spec(replicas=1, statefulset="db")
    client = FakeClient([live_pv(spec, 0, phase="Available"), live_pv(other, 0, phase="Available")])
    volumes.absent(client, absent_spec())
    assert list(client.store) == [("PersistentVolume", None, "demo-www-db-0")]


def test_absent_with_precreated_claims_keeps_a_claim_a_pod_uses():
    spec = make_spec(replicas=2, precreate_claims=True)
    objects = [live_pv(spec, 0, phase="Bound"), live_pv(spec, 1, phase="Bound")]
    for n in range(2):
        objects[n]["spec"]["claimRef"] = {"namespace": "demo", "name": "www-web-%d" % n, "uid": "c%d" % n}
        pvc = manifests.persistent_volume_claim(spec, n)
        pvc["status"] = {"phase": "Bound"}
        objects.append(pvc)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "demo"},
           "spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}}]}}
    client = FakeClient(objects + [pod])
    with pytest.raises(SpecError) as caught:
        volumes.absent(client, absent_spec(precreate_claims=True))
    assert "PersistentVolume/demo-www-web-1 (Bound to claim demo/www-web-1)" in str(caught.value)
    assert "demo-www-web-0" not in str(caught.value)  # its claim is unused and deleted with it
    assert client.writes() == []

    result = volumes.absent(client, absent_spec(precreate_claims=True, force=True))
    assert [(v["pv"], v["claim_action"]) for v in result["volumes"]] == [
        ("demo-www-web-0", "delete"), ("demo-www-web-1", "keep")]
    assert ("PersistentVolumeClaim", "demo", "www-web-1") in client.store
    assert ("PersistentVolumeClaim", "demo", "www-web-0") not in client.store


def test_absent_wait_polls_until_gone_and_skips_pvs_held_by_a_kept_claim():
    spec = make_spec(replicas=2, precreate_claims=True)
    held = live_pv(spec, 1, phase="Bound")
    held["spec"]["claimRef"] = {"namespace": "demo", "name": "www-web-1", "uid": "c1"}
    claim = manifests.persistent_volume_claim(spec, 1)
    claim["status"] = {"phase": "Bound"}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "demo"},
           "spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}}]}}
    client = FakeClient([live_pv(spec, 0, phase="Available"), held, claim, pod])
    real_delete = client.delete

    def delete_keeping_held(kind, name, namespace=None, **kwargs):
        if name == "demo-www-web-1":  # pv-protection keeps a PV whose claim still exists
            client.calls.append(("delete", kind, name, kwargs.get("dry_run", False)))
            client.store[(kind, namespace, name)]["metadata"]["deletionTimestamp"] = "now"
            return None
        return real_delete(kind, name, namespace, **kwargs)
    client.delete = delete_keeping_held
    clock = Clock()
    result = volumes.absent(client, absent_spec(precreate_claims=True, force=True, wait=True, wait_timeout=5),
                            clock=clock, sleep=clock.sleep)
    assert clock.now == 0  # nothing left to wait for on the first look
    assert [(v["pv"], v["action"], v["claim_action"]) for v in result["volumes"]] == [
        ("demo-www-web-0", "delete", None), ("demo-www-web-1", "delete", "keep")]
    assert ("PersistentVolume", None, "demo-www-web-1") in client.store
