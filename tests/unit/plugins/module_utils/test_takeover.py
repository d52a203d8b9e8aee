# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A setup made by hand (the tutorial's web-pv0/web-pv1) under a description of the same app."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import app_model, takeover
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import FakeK8sClient
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_app_model import ENTRY_SPEC, entry


def planned(**changes):
    return app_model.plan([entry(replicas=2, **changes)], ENTRY_SPEC, hosts={"nfs1"})["apps"][0]


def claim(name, volume=None, namespace="demo"):
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"volumeName": volume} if volume else {}}


def hand_made_pv(name, path):
    return {"metadata": {"name": name, "labels": {"type": name}},
            "spec": {"storageClassName": "my-storage-class", "persistentVolumeReclaimPolicy": "Retain",
                     "nfs": {"server": "10.0.0.1", "path": path}}}


class Cluster(FakeK8sClient):
    def __init__(self, claims, pvs):
        super(Cluster, self).__init__()
        self.claims, self.pvs = claims, pvs

    def list(self, kind, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", kind, namespace))
        return list(self.claims) if kind == "PersistentVolumeClaim" else list(self.pvs)


TUTORIAL_CLAIMS = [claim("www-web-0", "web-pv0"), claim("www-web-1", "web-pv1"), claim("data-other-0", "x")]
TUTORIAL_PVS = [hand_made_pv("web-pv0", "/srv/nfs/web-pv0"), hand_made_pv("web-pv1", "/srv/nfs/web-pv1/")]


def test_the_workflows_own_claims_pass_and_pending_ones_are_not_judged():
    app = planned()
    claims = [claim("www-web-0", "demo-www-web-0"), claim("www-web-1"), claim("www-web-5", "demo-www-web-5")]
    assert takeover.foreign_claims(app, claims, {}) == []


def test_the_hand_made_setup_is_refused_with_its_claims_pvs_and_the_steps_before_anything_changes():
    cluster = Cluster(TUTORIAL_CLAIMS, TUTORIAL_PVS)
    with pytest.raises(Failure) as caught:
        takeover.check(cluster, [planned()])
    message = str(caught.value)
    assert "demo/web: claim www-web-0 is bound to PersistentVolume/web-pv0 (10.0.0.1:/srv/nfs/web-pv0, " \
        "storageClassName 'my-storage-class', reclaim policy Retain); claim www-web-1 is bound to " \
        "PersistentVolume/web-pv1" in message
    assert "Running on would create demo-www-web-0, demo-www-web-1 next to them" in message
    assert "Nothing was changed. Fix: take the app over with its data: 1. kubectl -n demo delete statefulset web" \
        in message
    assert "4. kubectl delete pv web-pv0 web-pv1" in message
    assert "5. set storage.nfs.path_pattern: \"{root}/web-pv{ordinal}\"" in message
    assert "kubectl -n demo delete pvc www-web-0 www-web-1" in message
    assert "2. kubectl patch pv web-pv0 -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'; " \
        "kubectl patch pv web-pv1" in message
    assert [item["pv"] for item in caught.value.result["apps"][0]["foreign"]] == ["web-pv0", "web-pv1"]
    assert cluster.writes() == []
    assert cluster.calls == [("list", "PersistentVolumeClaim", "demo"), ("list", "PersistentVolume", None)]


def test_directories_that_follow_no_pattern_are_moved_by_name():
    pvs = [hand_made_pv("web-pv0", "/srv/nfs/a"), hand_made_pv("web-pv1", "/elsewhere/web-pv1")]
    app = planned()
    bindings = takeover.foreign_claims(app, TUTORIAL_CLAIMS, dict((pv["metadata"]["name"], pv) for pv in pvs))
    steps = takeover.migration_steps(app, bindings)
    assert "mv /srv/nfs/a /srv/nfs/www-web-0; mv /elsewhere/web-pv1 /srv/nfs/www-web-1" in steps[4]


def test_a_description_without_such_claims_passes_with_one_list():
    cluster = Cluster([claim("www-web-0", "demo-www-web-0")], [])
    assert takeover.check(cluster, [planned(), planned(state="absent", name="old")]) == {
        "changed": False, "apps": [{"namespace": "demo", "name": "web", "foreign": []}]}
    assert cluster.calls == [("list", "PersistentVolumeClaim", "demo")]
