# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.stateful.nfs.plugins.module_utils import app_model, naming

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")


def role_spec(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]["stateful_apps"]


ENTRY_SPEC = role_spec("app")["options"]

GOOD = {
    "name": "web", "namespace": "demo", "image": "nginx:1.27", "mount_path": "/data", "claim": "www",
    "port": {"name": "web", "port": 80},
    "storage": {"size": "1Gi", "nfs": {"host": "nfs1", "server": "10.0.0.1", "root": "/srv/nfs",
                                       "clients": ["10.0.0.0/24"]}},
}


def entry(**changes):
    app = copy.deepcopy(GOOD)
    for path, value in changes.items():
        target = app
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return app


def spec_defaults(options):
    found = {}
    for key, option in options.items():
        if option.get("options"):
            inner = spec_defaults(option["options"])
            if inner:
                found[key] = inner
        elif "default" in option:
            found[key] = option["default"]
    return found


def test_defaults_are_the_ones_the_role_spec_documents():
    assert spec_defaults(ENTRY_SPEC) == app_model.DEFAULTS


def test_the_entry_spec_exists_once():
    for role in ("server", "verify"):
        assert "options" not in role_spec(role)


def test_a_good_entry_is_normalized_and_planned_on_both_planes():
    result = app_model.plan([entry(replicas=2)], ENTRY_SPEC, hosts={"nfs1"})
    assert result["problems"] == []
    app = result["apps"][0]
    assert app["service_name"] == "web" and app["storage"]["access_modes"] == ["ReadWriteOnce"]
    assert app["storage"]["nfs"]["export_name"] == "demo-web"
    assert app["pv_names"] == ["demo-www-web-0", "demo-www-web-1"]
    item = result["nfs"]["nfs1"][0]
    assert [export["path"] for export in item["exports"]] == ["/srv/nfs/www-web-0", "/srv/nfs/www-web-1"]
    assert item["clients"] == [{"host": "10.0.0.0/24", "options": []}]
    assert result["cluster"]["persistent_volumes"][1] == {
        "name": "demo-www-web-1", "nfs": "10.0.0.1:/srv/nfs/www-web-1", "claim": "demo/www-web-1"}
    assert result["cluster"]["statefulsets"] == ["demo/web"]
    assert {"verb": "create", "resource": "statefulsets", "group": "apps", "namespace": "demo"} in result["access"]
    assert {"verb": "create", "resource": "pods", "subresource": "exec", "group": "", "namespace": "demo"} \
        in result["access"]
    assert len(result["access"]) == len(set(str(sorted(item.items())) for item in result["access"]))


def test_node_access_is_asked_only_for_a_proof_that_moves_pods():
    def node_verbs(result):
        return sorted(item["verb"] for item in result["access"] if item["resource"] == "nodes")
    assert node_verbs(app_model.plan([entry()], ENTRY_SPEC)) == []
    moving = app_model.plan([entry(verify={"disruptions": ["delete_pod", {"type": "move_pod", "ordinal": 0}]})],
                            ENTRY_SPEC)
    assert moving["problems"] == [] and node_verbs(moving) == ["get", "list", "patch"]
    assert node_verbs(app_model.plan([entry(verify={"disruptions": ["move_pod"]})], ENTRY_SPEC, proof=False)) == []


def test_teardown_reads_pvs_only_for_an_app_whose_statefulset_deletes_its_claims():
    def pv_reads(result):
        return [item["verb"] for item in result["access"] if item["resource"] == "persistentvolumes"
                and item["verb"] == "get"]
    assert pv_reads(app_model.plan([entry()], ENTRY_SPEC, teardown=True, workflow="teardown")) == []
    deleting = app_model.plan([entry(claim_retention={"when_deleted": "Delete"})], ENTRY_SPEC, teardown=True,
                              workflow="teardown")
    assert deleting["problems"] == [] and pv_reads(deleting) == ["get"]


def test_a_format_spec_in_the_path_pattern_gives_the_same_path_on_both_planes():
    result = app_model.plan([entry(storage__nfs__path_pattern="{root}/{claim}-{statefulset}-{ordinal:02d}")],
                            ENTRY_SPEC)
    assert result["nfs"]["nfs1"][0]["exports"][0]["path"] == "/srv/nfs/www-web-00"
    assert result["cluster"]["persistent_volumes"][0]["nfs"] == "10.0.0.1:/srv/nfs/www-web-00"


@pytest.mark.parametrize("changes, field, value", [
    (dict(storage__size="1Gx"), "storage.size", "'1Gx'"),
    (dict(storage__size="0"), "storage.size", "'0'"),
    (dict(name="Web"), "name", "'Web'"),
    (dict(name="a" * 64), "name", "'%s'" % ("a" * 64)),
    (dict(claim="www_data"), "claim", "'www_data'"),
    (dict(image=""), "image", "''"),
    (dict(storage__nfs__server=""), "storage.nfs.server", "''"),
    (dict(port={"name": "Web_Port", "port": 80}), "port.name", "'Web_Port'"),
    (dict(verify={"disruptions": ["explode"]}), "verify.disruptions[0].type", "'explode'"),
    (dict(storage__nfs__mode=0o770), "storage.nfs.mode", "504"),
    (dict(replicas="two"), "replicas", "'two'"),
    (dict(storage__nfs__path_pattern="{root}/{nope}-{ordinal}"), "storage.nfs.path_pattern", None),
    (dict(storage__nfs__root="relative/dir"), "storage.nfs.root", "'relative/dir'"),
    (dict(storage__nfs__host="nfs9"), "storage.nfs.host", "'nfs9'"),
    (dict(storage__access_modes=["ReadWriteSometimes"]), "storage.access_modes[0]", "'ReadWriteSometimes'"),
    (dict(labels={"stateful.nfs/claim": "x"}), "labels.stateful.nfs/claim", "'x'"),
    (dict(storage__nfs__clients=["*"]), "storage.nfs.clients[0]", "'*'"),
    (dict(storge={}), "storge", "{}"),
])
def test_each_bad_field_is_named_as_the_entry_has_it(changes, field, value):
    result = app_model.plan([GOOD, entry(**changes)], ENTRY_SPEC, hosts={"nfs1"})
    prefix = "stateful_apps[1] demo/%s: %s=" % (changes.get("name", "web"), field)
    assert [line for line in result["problems"] if line.startswith(prefix)], result["problems"]
    if value is not None:
        assert any(line.startswith(prefix + value + ": ") for line in result["problems"]), result["problems"]
    assert all(". Fix: " in line for line in result["problems"])
    assert not any(line.startswith("stateful_apps[0]") for line in result["problems"])
    assert result["apps"] == [] and result["nfs"] == {} and result["access"] == []


def test_every_bad_field_of_every_entry_is_listed_at_once():
    bad = entry(name="Web", replicas="two", storage__size="1Gx", storage__nfs__mode=504, image="",
                port={"name": "Web_Port", "port": 80}, claim="www_data")
    result = app_model.plan([bad, entry(namespace="other", storage__nfs__server="")], ENTRY_SPEC)
    fields = [line.split(": ")[1].split("=")[0] for line in result["problems"]]
    for field in ("name", "replicas", "storage.size", "storage.nfs.mode", "image", "port.name", "claim"):
        assert field in fields, result["problems"]
    assert any(line.startswith("stateful_apps[1] other/web: storage.nfs.server=") for line in result["problems"])


def test_the_same_app_twice_is_refused():
    result = app_model.plan([GOOD, GOOD], ENTRY_SPEC)
    assert result["problems"] == [
        "stateful_apps[1] demo/web: name='web': demo/web is also stateful_apps[0]. Fix: give each app its own name "
        "or namespace"]


def test_not_a_list_is_one_problem():
    assert "must be a list of app entries" in app_model.plan("web", ENTRY_SPEC)["problems"][0]


def test_teardown_plans_every_app_absent_and_checks_only_what_absent_needs():
    result = app_model.plan([entry(image="")], ENTRY_SPEC, teardown=True)
    assert result["problems"] == []
    assert result["nfs"]["nfs1"][0]["state"] == "absent"
    assert result["cluster"]["statefulsets"] == []
    assert {"verb": "delete", "resource": "persistentvolumes", "group": ""} in result["access"]
    assert not [item for item in result["access"] if item["verb"] in ("create", "patch")]


@pytest.mark.parametrize("source, expected", [
    ("10.0.0.1:/srv/nfs/a", ("10.0.0.1", "/srv/nfs/a")),
    ("nfs1.example.com:/x", ("nfs1.example.com", "/x")),
    ("[fd00::1]:/srv/nfs/a", ("fd00::1", "/srv/nfs/a")),
    ("fd00::1:/srv/nfs/a", ("fd00::1", "/srv/nfs/a")),
])
def test_nfs_sources_split_for_every_server_form(source, expected):
    assert naming.split_nfs_source(source) == expected


def test_an_ipv6_server_is_bracketed_in_the_source_and_round_trips():
    source = naming.nfs_source("fd00::1", "/srv/nfs/www-web-0")
    assert source == "[fd00::1]:/srv/nfs/www-web-0"
    assert naming.split_nfs_source(source) == ("fd00::1", "/srv/nfs/www-web-0")
    result = app_model.plan([entry(storage__nfs__server="fd00::1")], ENTRY_SPEC)
    assert result["problems"] == []
    assert result["cluster"]["persistent_volumes"][0]["nfs"] == "[fd00::1]:/srv/nfs/www-web-0"


def test_claim_retention_goes_to_the_statefulset_and_defaults_to_retain():
    app = app_model.plan([entry()], ENTRY_SPEC, hosts={"nfs1"})["apps"][0]
    assert app_model.statefulset_params(app)["persistent_volume_claim_retention_policy"] == {
        "when_deleted": "Retain", "when_scaled": "Retain"}
    app = app_model.plan([entry(claim_retention={"when_scaled": "Delete"})], ENTRY_SPEC, hosts={"nfs1"})["apps"][0]
    assert app_model.statefulset_params(app)["persistent_volume_claim_retention_policy"] == {
        "when_deleted": "Retain", "when_scaled": "Delete"}


@pytest.mark.parametrize("retention, words", [
    ({"when_scaled": "delete"}, "claim_retention.when_scaled='delete': is not one of the choices"),
    ({"when_removed": "Delete"}, "claim_retention.when_removed='Delete': is not a field"),
])
def test_claim_retention_is_validated_by_the_spec(retention, words):
    problems = app_model.plan([entry(claim_retention=retention)], ENTRY_SPEC, hosts={"nfs1"})["problems"]
    assert len(problems) == 1 and words in problems[0], problems


@pytest.mark.parametrize("key", ["when_deleted", "when_scaled"])
def test_claim_retention_delete_needs_pvs_that_keep_the_data(key):
    problems = app_model.plan([entry(claim_retention={key: "Delete"}, storage__reclaim_policy="Delete")],
                              ENTRY_SPEC, hosts={"nfs1"})["problems"]
    assert problems == ["stateful_apps[0] demo/web: claim_retention.%s='Delete': deletes claims, and "
                        "storage.reclaim_policy Delete then lets Kubernetes delete the PersistentVolume and its data. "
                        "Fix: keep storage.reclaim_policy: Retain (the default), so a deleted claim leaves a Released "
                        "PV and its data, which the next run binds again; or set claim_retention.%s: Retain"
                        % (key, key)]


def test_a_proof_that_scales_with_claims_deleted_asks_to_patch_pvs():
    def access(**changes):
        return app_model.plan([entry(**changes)], ENTRY_SPEC, hosts={"nfs1"}, workflow="verify")["access"]
    patch_pv = {"verb": "patch", "resource": "persistentvolumes", "group": ""}
    assert patch_pv not in access(claim_retention={"when_scaled": "Delete"})
    assert patch_pv not in access(verify={"disruptions": ["scale_to_zero"]})
    assert patch_pv in access(claim_retention={"when_scaled": "Delete"}, verify={"disruptions": ["scale_to_zero"]})


def test_the_proof_asks_for_every_call_it_makes():
    """What a service account granted exactly this list was refused on the test bed, before it was in the list: the
    claim read by each observation, the exec websocket's get, the Service of the DNS checks, the scale subresource."""
    def access(**changes):
        return app_model.plan([entry(**changes)], ENTRY_SPEC, hosts={"nfs1"}, workflow="verify")["access"]

    def item(verb, resource, subresource=None, group=""):
        found = {"verb": verb, "resource": resource, "group": group, "namespace": "demo"}
        if subresource:
            found["subresource"] = subresource
        return found

    default = access()
    for wanted in (item("get", "persistentvolumeclaims"), item("get", "pods", "exec"), item("create", "pods", "exec"),
                   item("list", "events"), item("get", "services")):
        assert wanted in default
    scale = item("patch", "statefulsets", "scale", group="apps")
    assert scale not in default
    assert item("get", "services") not in access(verify={"check_dns": False})
    assert scale in access(verify={"disruptions": ["delete_pod", "scale_to_zero"]})
    assert scale in access(verify={"disruptions": [{"type": "scale_down_up", "count": 1}]})
