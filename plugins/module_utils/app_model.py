# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model of the apps of `stateful_apps`: defaults, validation and the plan of both planes. Pure.

plan(entries, entry_spec, hosts) takes the whole list as the user wrote it and returns
  problems  every problem of every entry, one line each: `stateful_apps[i] ns/name: field=value: problem. Fix: fix`
  apps      the entries with every default filled in and the names derived from them
  nfs       per NFS host (storage.nfs.host), what the server role exports: file, directories, clients
  cluster   the namespaces, PersistentVolumes, claims, Services and StatefulSets of the apps
  access    what the run asks of the API (verb, resource, namespace), for the cluster check
The types come from the entry spec (the stateful.nfs.app role's argument spec, the only one); the rules
are the modules' own (volumes, statefulset, headless_service, namespace, export, verify_persistence), with
their option names mapped to the entry's fields, so a message names what the user wrote.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import re

from ansible_collections.stateful.nfs.plugins.module_utils import headless_service, namespace, naming, statefulset, volumes
from ansible_collections.stateful.nfs.plugins.module_utils import volume_access
from ansible_collections.stateful.nfs.plugins.module_utils import validate as rules
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError, gather
from ansible_collections.stateful.nfs.plugins.module_utils.exports import validation as export_rules
from ansible_collections.stateful.nfs.plugins.module_utils.verify import plan as verify_plan

# The defaults of an entry, held once. A test checks them against the role's argument spec, which documents them.
DEFAULTS = {
    "state": "present",
    "replicas": 1,
    "pod_management_policy": "OrderedReady",
    "wait_timeout": 300,
    "storage": {
        "access_modes": ["ReadWriteOnce"],
        "reclaim_policy": "Retain",
        "mount_options": [],
        "nfs": {"path_pattern": naming.DEFAULT_PATH_PATTERN, "options": []},
    },
    "port": {"protocol": "TCP"},
    "claim_retention": {"when_deleted": "Retain", "when_scaled": "Retain"},
    "identity": {"arbitrary_uid": False},
    "verify": {"enabled": True, "disruptions": ["delete_pod"], "check_dns": True, "timeout": 300},
}
# Fields of an entry that moved: the entry's field -> where it is now.
MOVED_FIELDS = {"fs_group": "identity.fs_group"}
# Mappings whose defaults apply only when the entry has them (no port means a Service without ports).
OPTIONAL_MAPPINGS = ("port",)

_BOOLEANS = {"yes": True, "on": True, "1": True, "true": True, "y": True,
             "no": False, "off": False, "0": False, "false": False, "n": False}


class EntryProblem(SpecError):
    """A SpecError of one stateful_apps entry: str() names the entry, then field=value, problem and fix."""

    def __init__(self, index, entry, error):
        self.index = index
        self.error = error
        super(EntryProblem, self).__init__(error.field, error.value, error.problem, error.fix)
        self.args = ("%s: %s" % (entry_label(index, entry), error),)


def entry_label(index, entry):
    entry = entry if isinstance(entry, dict) else {}
    return "stateful_apps[%d] %s/%s" % (index, entry.get("namespace") or "?", entry.get("name") or "?")


# ---------------------------------------------------------------- types, from the argument spec

def _type_problem(field, value, kind):
    examples = {"int": "a number without quotes, e.g. %s: 2", "bool": "true or false, e.g. %s: true",
                "str": "a string, e.g. %s: value", "list": "a list, e.g. %s: [a, b]",
                "dict": "a mapping, e.g. %s: {key: value}"}
    fix = examples.get(kind, "a value of type %s for %%s" % kind) % field.rpartition(".")[2]
    return SpecError(field, value, "is not a %s" % {"int": "whole number", "bool": "boolean", "str": "string",
                                                    "list": "list", "dict": "mapping"}.get(kind, kind),
                     "write " + fix)


def _convert(field, value, kind):
    """(value, problems) for one value of an argument-spec type, converting as Ansible does where it is safe."""
    if kind in (None, "raw"):
        return value, []
    if kind == "str":
        if isinstance(value, str):
            return value, []
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value), []
        return value, [_type_problem(field, value, kind)]
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, []
        if isinstance(value, str) and re.match(r"^[+-]?[0-9]+$", value.strip()):
            return int(value), []
        return value, [_type_problem(field, value, kind)]
    if kind == "bool":
        if isinstance(value, bool):
            return value, []
        if isinstance(value, (str, int)) and str(value).lower() in _BOOLEANS:
            return _BOOLEANS[str(value).lower()], []
        return value, [_type_problem(field, value, kind)]
    if kind == "list":
        if isinstance(value, list):
            return list(value), []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",")], []
        return value, [_type_problem(field, value, kind)]
    if kind == "dict":
        if isinstance(value, dict):
            return dict(value), []
        return value, [_type_problem(field, value, kind)]
    return value, []


def check_types(field, value, option):
    """(value, problems): one value against its argument-spec option (type, elements, choices, options)."""
    value, problems = _convert(field, value, option.get("type", "str"))
    if problems:
        return value, problems
    choices = option.get("choices")
    if option.get("type") == "list":
        items = []
        for index, item in enumerate(value):
            where = "%s[%d]" % (field, index)
            item, found = _convert(where, item, option.get("elements"))
            if not found and option.get("options") and isinstance(item, dict):
                item, found = check_mapping(where, item, option["options"])
            if not found and choices and item not in choices:
                found = [SpecError(where, item, "is not one of the choices", "use one of %s" % ", ".join(choices))]
            problems += found
            items.append(item)
        return items, problems
    if choices and value not in choices:
        return value, [SpecError(field, value, "is not one of the choices", "use one of %s" % ", ".join(choices))]
    if option.get("type") == "dict" and option.get("options"):
        return check_mapping(field, value, option["options"])
    return value, []


def check_mapping(field, mapping, options):
    """(mapping, problems): required keys, unknown keys (with the closest known one) and each value's type."""
    prefix = field + "." if field else ""
    problems = []
    result = {}
    for key, value in mapping.items():
        where = prefix + str(key)
        if not field and key in MOVED_FIELDS:
            problems.append(SpecError(where, value, "moved to %s" % MOVED_FIELDS[key],
                                      "write it as %s: %s" % (MOVED_FIELDS[key], value)))
            continue
        if key not in options:
            close = difflib.get_close_matches(str(key), list(options), n=1)
            problems.append(SpecError(where, value, "is not a field of an app entry here",
                                      ("did you mean %s%s?" % (prefix, close[0])) if close else
                                      "use only %s" % ", ".join(sorted(options))))
            continue
        if value is None:
            result[key] = None
            continue
        checked, found = check_types(where, value, options[key])
        # A mapping or list keeps its good parts, so the rules still see them; a bad scalar is left out.
        if not found or (options[key].get("type") in ("dict", "list") and isinstance(checked, (dict, list))):
            result[key] = checked
        problems += found
    for key, option in sorted(options.items()):
        if option.get("required") and mapping.get(key) is None:
            problems.append(SpecError(prefix + key, None, "is required", "add %s%s to the entry" % (prefix, key)))
    return result, problems


# ---------------------------------------------------------------- defaults and derived names

def _merge_defaults(defaults, given):
    merged = copy.deepcopy(given)
    for key, default in defaults.items():
        if isinstance(default, dict):
            if key in OPTIONAL_MAPPINGS and not given.get(key):
                continue
            inner = given.get(key) if isinstance(given.get(key), dict) else {}
            merged[key] = _merge_defaults(default, inner)
        elif given.get(key) is None:
            merged[key] = copy.deepcopy(default)
    return merged


def _fill_unset(mapping, options):
    """Every field of the spec present (None when unset), so the roles read each one without a default."""
    for key, option in options.items():
        if key not in mapping:
            mapping[key] = None
        elif option.get("options") and option.get("type") == "dict" and isinstance(mapping[key], dict):
            _fill_unset(mapping[key], option["options"])
    return mapping


def normalize(entry, entry_spec=None):
    """The entry with every default and derived name filled in (it is assumed to have passed check_mapping)."""
    app = _merge_defaults(DEFAULTS, entry)
    if entry_spec:
        _fill_unset(app, entry_spec)
    app["service_name_given"] = bool(app.get("service_name"))
    app["service_name"] = app.get("service_name") or app["name"]
    nfs = app["storage"]["nfs"]
    identity = app.get("identity") or {}
    nfs["owner"], nfs["group"], nfs["mode"] = volume_access.derive(
        identity, nfs.get("options"),
        None if nfs.get("owner") is None else str(nfs["owner"]),
        None if nfs.get("group") is None else str(nfs["group"]), nfs.get("mode"))
    app["pod_security_context"] = volume_access.pod_security_context(identity)
    nfs["export_name"] = nfs.get("export_name") or naming.export_name(app["namespace"], app["name"])
    nfs["clients"] = list(nfs.get("clients") or [])
    app["labels"] = dict(app.get("labels") or {})
    app["selector"] = naming.app_selector(app["name"])
    app["ports"] = [app["port"]] if app.get("port") else []
    app["ordinals"] = naming.ordinals(app["replicas"]) if isinstance(app["replicas"], int) and app["replicas"] > 0 \
        else []
    if all(isinstance(app.get(key), str) for key in ("namespace", "name", "claim")):
        app["pv_names"] = [naming.pv_name(app["namespace"], app["claim"], app["name"], ordinal)
                           for ordinal in app["ordinals"]]
    return app


def volumes_spec(app):
    """The stateful.nfs.volumes spec of an app, from the options the app role passes (the module's defaults for
    the rest)."""
    storage, nfs = app["storage"], app["storage"]["nfs"]
    return volumes.spec_of({
        "statefulset": app["name"], "namespace": app["namespace"], "claim": app["claim"],
        "replicas": app["replicas"], "nfs_server": nfs["server"], "nfs_root": nfs["root"],
        "path_pattern": nfs["path_pattern"], "size": storage["size"], "access_modes": storage["access_modes"],
        "reclaim_policy": storage["reclaim_policy"], "mount_options": storage["mount_options"],
        "wait": True, "wait_timeout": app["wait_timeout"]})


def statefulset_params(app):
    """The stateful.nfs.statefulset options of an app, as the app role calls the module."""
    storage = app["storage"]
    return {
        "name": app["name"], "namespace": app["namespace"], "service_name": app["service_name"],
        "replicas": app["replicas"], "selector": app["selector"], "labels": app["labels"], "image": app.get("image"),
        "command": app.get("command"), "args": app.get("args"), "env": app.get("env"),
        "ports": app["ports"], "mount_path": app.get("mount_path"),
        "claim_template": {"name": app["claim"], "size": storage["size"], "access_modes": storage["access_modes"],
                           "storage_class": ""},
        "readiness_probe": app.get("readiness_probe"), "security_context": app["pod_security_context"],
        "termination_grace_period_seconds": app.get("termination_grace_period_seconds"),
        "pod_management_policy": app["pod_management_policy"], "wait_timeout": app["wait_timeout"],
        "persistent_volume_claim_retention_policy": dict(app["claim_retention"]),
        "state": "present",
    }


def service_params(app):
    """The stateful.nfs.headless_service options of an app, as the app role calls the module."""
    return {"name": app["service_name"], "namespace": app["namespace"], "selector": app["selector"],
            "ports": app["ports"], "labels": app["labels"], "state": "present"}


def exports_of(app):
    """The replicas' directories of an app, ordinal by ordinal: [{ordinal, path}]."""
    nfs = app["storage"]["nfs"]
    return [{"ordinal": ordinal,
             "path": naming.nfs_path(nfs["path_pattern"], nfs["root"], app["namespace"], app["name"], app["claim"],
                                     ordinal)}
            for ordinal in app["ordinals"]]


# ---------------------------------------------------------------- the modules' rules, named as the entry has them

# Module option (first component) -> entry field. A module's `ports[0].name` is the entry's `port.name`.
VOLUMES_FIELDS = {"statefulset": "name", "nfs_server": "storage.nfs.server", "nfs_root": "storage.nfs.root",
                  "path_pattern": "storage.nfs.path_pattern", "size": "storage.size", "claim_size": "storage.size",
                  "access_modes": "storage.access_modes", "reclaim_policy": "storage.reclaim_policy",
                  "mount_options": "storage.mount_options"}
STATEFULSET_FIELDS = {"ports[0]": "port", "claim_template.name": "claim", "claim_template.size": "storage.size",
                      "claim_template.access_modes": "storage.access_modes", "selector": "name"}
SERVICE_FIELDS = {"name": "service_name", "ports[0]": "port", "selector": "name"}
NAMESPACE_FIELDS = {"name": "namespace"}


def renamed(problems, fields):
    """The problems with each module option replaced by the entry field it comes from."""
    result = []
    for problem in problems:
        field = problem.field
        for option in sorted(fields, key=len, reverse=True):
            if field == option or field.startswith(option + ".") or field.startswith(option + "["):
                # A derived field (the selector, the Service's name) is reported as the field it comes from.
                field = fields[option] if fields[option] == "name" else fields[option] + field[len(option):]
                break
        result.append(SpecError(field, problem.value, problem.problem, problem.fix))
    return result


def _unique(problems):
    """One problem per field: several modules check the same field, and the first message is enough to fix it."""
    seen, result = set(), []
    for problem in problems:
        key = problem.field
        if key not in seen:
            seen.add(key)
            result.append(problem)
    return result


def _export_problems(app):
    nfs = app["storage"]["nfs"]
    found = []
    if not nfs["clients"]:
        found.append(SpecError("storage.nfs.clients", [], "an export needs at least one client",
                               "list the cluster nodes' addresses or network, e.g. [10.0.0.0/24]"))
    for index, host in enumerate(nfs["clients"]):
        where = "storage.nfs.clients[%d]" % index
        found += gather([lambda host=host, where=where: export_rules.check_host(host, where)])
        if export_rules.everyone(host or ""):
            found.append(SpecError(where, host, "lets every host mount the replicas' data",
                                   "list the cluster nodes' addresses or network, e.g. 10.0.0.0/24"))
    for index, option in enumerate(nfs.get("options") or []):
        found += gather([lambda option=option, index=index: export_rules.check_option(
            option, "storage.nfs.options[%d]" % index)])
    options = list(nfs.get("options") or [])
    if "no_root_squash" in options and "ro" not in options:
        # The export module refuses it too (without allow_insecure); the plan says so before the NFS host is touched.
        found.append(SpecError("storage.nfs.options", options, "rw with no_root_squash gives root on every client "
                               "root on the replicas' directories",
                               "drop no_root_squash (root_squash is the default) and run the pod as the "
                               "directories' owner (identity.run_as_user), or use all_squash, anonuid and anongid"))
    mode_problems = rules.octal_mode("storage.nfs.mode", nfs.get("mode"))
    found += mode_problems
    if nfs.get("mode") is not None and not mode_problems and int(nfs["mode"], 8) & 0o002:
        found.append(SpecError("storage.nfs.mode", nfs["mode"], "makes the replicas' directories world-writable",
                               "use a mode without write for others, e.g. \"0770\""))
    elif not mode_problems:
        found += volume_access.problems(app["identity"], nfs.get("options"), nfs["owner"], nfs["group"],
                                        nfs["mode"])
    if not export_rules.NAME_RE.match(nfs["export_name"] or ""):
        found.append(SpecError("storage.nfs.export_name", nfs["export_name"], "is not a plain file name",
                               "use letters, digits, '.', '_' or '-', e.g. demo-web"))
    return found


def _verify_problems(app):
    verify = app["verify"]
    found = rules.whole_number("verify.timeout", verify["timeout"], 1, 300)
    for index, item in enumerate(verify["disruptions"] or []):
        found += renamed(gather([lambda index=index, item=item: verify_plan.normalize_disruption(
            index, item, verify["timeout"])]), {"disruptions": "verify.disruptions"})
    return found


def _retention_problems(app):
    """A claim the StatefulSet deletes leaves its PV Released; only reclaim policy Retain keeps the data then."""
    found = []
    retention, policy = app["claim_retention"], app["storage"]["reclaim_policy"]
    for key in ("when_deleted", "when_scaled"):
        if retention.get(key) == "Delete" and policy != "Retain":
            verb = "scrub" if policy == "Recycle" else "delete"
            found.append(SpecError(
                "claim_retention.%s" % key, "Delete", "deletes claims, and storage.reclaim_policy %s then lets "
                "Kubernetes %s the PersistentVolume and its data" % (policy, verb),
                "keep storage.reclaim_policy: Retain (the default), so a deleted claim leaves a Released PV and its "
                "data, which the next run binds again; or set claim_retention.%s: Retain" % key))
    return found


def semantic_problems(app, hosts):
    """Every rule of the modules the workflow runs for this app, named by the entry's fields."""
    found = []
    if app["state"] == "present":
        found += rules.whole_number("replicas", app["replicas"], 1, 2)
        found += rules.labels("labels", app["labels"], reserved=True)
        spec = volumes_spec(app)
        spec["replicas"] = max(app["replicas"], 1) if isinstance(app["replicas"], int) else 1
        found += renamed(volumes.problems(spec), VOLUMES_FIELDS)
        # The Service is named after the app unless service_name is given: then its name problems are the name's.
        given = app.get("service_name_given")
        sts_fields = STATEFULSET_FIELDS if given else dict(STATEFULSET_FIELDS, service_name="name")
        found += renamed(gather(statefulset.checks(statefulset_params(app))), sts_fields)
        service_fields = SERVICE_FIELDS if given else dict(SERVICE_FIELDS, name="name")
        found += renamed(gather(headless_service.checks(service_params(app))), service_fields)
        found += renamed(gather(namespace.checks({"name": app["namespace"]})), NAMESPACE_FIELDS)
        found += volume_access.identity_problems(app["identity"])
        found += _export_problems(app)
        found += _verify_problems(app)
        found += _retention_problems(app)
        if not (app.get("image") or "").strip():
            found.append(SpecError("image", app.get("image"), "is empty", "name the container image, e.g. nginx:1.27"))
    else:
        found += rules.dns1123_label("name", app["name"], "StatefulSet")
        found += rules.dns1123_label("namespace", app["namespace"], "namespace", "demo")
    host = app["storage"]["nfs"]["host"]
    if hosts is not None and host not in hosts:
        found.append(SpecError("storage.nfs.host", host, "is not a host of the inventory",
                               "name the inventory host that serves the exports (the stateful.nfs.server role runs "
                               "there), e.g. one of %s" % ", ".join(sorted(hosts)[:5])))
    return _unique(found)


# ---------------------------------------------------------------- the plan

def _nfs_item(app):
    nfs = app["storage"]["nfs"]
    return {
        "name": app["name"], "namespace": app["namespace"], "state": app["state"],
        "export_name": nfs["export_name"], "server": nfs["server"],
        # What stateful.nfs.export takes (one item per replica's directory, ordinal by ordinal).
        "exports": [{"path": export["path"]} for export in exports_of(app)],
        "ordinals": list(app["ordinals"]),
        "clients": [{"host": host, "options": list(nfs.get("options") or [])} for host in nfs["clients"]],
        "owner": nfs["owner"], "group": nfs["group"], "mode": nfs["mode"],
    }


def _cluster_objects(apps):
    cluster = {"namespaces": [], "persistent_volumes": [], "claims": [], "services": [], "statefulsets": []}
    for app in apps:
        if app["state"] != "present":
            continue
        if app["namespace"] not in cluster["namespaces"]:
            cluster["namespaces"].append(app["namespace"])
        server = app["storage"]["nfs"]["server"]
        for export in exports_of(app):
            claim = naming.claim_name(app["claim"], app["name"], export["ordinal"])
            cluster["persistent_volumes"].append({
                "name": naming.pv_name(app["namespace"], app["claim"], app["name"], export["ordinal"]),
                "nfs": naming.nfs_source(server, export["path"]), "claim": "%s/%s" % (app["namespace"], claim)})
            cluster["claims"].append("%s/%s" % (app["namespace"], claim))
        cluster["services"].append("%s/%s" % (app["namespace"], app["service_name"]))
        cluster["statefulsets"].append("%s/%s" % (app["namespace"], app["name"]))
    return cluster


# What each workflow asks of the API: (verb, resource, group, namespaced). Server-side apply of an object that does
# not exist needs create as well as patch.
WORKLOAD_ACCESS = [
    ("get", "namespaces", "", False), ("create", "namespaces", "", False), ("patch", "namespaces", "", False),
    ("list", "persistentvolumes", "", False), ("create", "persistentvolumes", "", False),
    ("patch", "persistentvolumes", "", False),
    ("get", "services", "", True), ("create", "services", "", True), ("patch", "services", "", True),
    ("get", "statefulsets", "apps", True), ("create", "statefulsets", "apps", True),
    ("patch", "statefulsets", "apps", True), ("get", "persistentvolumeclaims", "", True),
    ("list", "persistentvolumeclaims", "", True),
    ("list", "pods", "", True), ("list", "events", "", True)]
# stateful.nfs.verify_persistence: the disruptions delete pods and patch the StatefulSet, the markers use exec (a
# websocket: the API server asks for get on pods/exec, newer ones for create as well), each observation reads the
# replica's claim and PV, and a wait that times out reads the pod's last events.
PROOF_ACCESS = [("get", "statefulsets", "apps", True), ("patch", "statefulsets", "apps", True),
                ("list", "pods", "", True), ("delete", "pods", "", True), ("create", "pods/exec", "", True),
                ("get", "pods/exec", "", True), ("list", "persistentvolumeclaims", "", True),
                ("get", "persistentvolumeclaims", "", True), ("get", "persistentvolumes", "", False),
                ("list", "events", "", True)]
# The proof's DNS checks (check_dns) read the governing Service's ports.
DNS_ACCESS = [("get", "services", "", True)]
# scale_to_zero and scale_down_up change the replica count through the scale subresource (as kubectl scale).
SCALE_ACCESS = [("patch", "statefulsets/scale", "apps", True)]
# A scale step of an app whose StatefulSet deletes the removed replicas' claims (claim_retention.when_scaled: Delete)
# frees their Released PVs for the claims made again, as the app role's next run would.
REBIND_ACCESS = [("list", "persistentvolumeclaims", "", True), ("get", "persistentvolumes", "", False),
                 ("patch", "persistentvolumes", "", False)]
# move_pod cordons the replica's node and uncordons it afterwards.
MOVE_ACCESS = [("list", "nodes", "", False), ("get", "nodes", "", False), ("patch", "nodes", "", False)]
TEARDOWN_ACCESS = [
    ("list", "persistentvolumes", "", False), ("delete", "persistentvolumes", "", False),
    ("get", "services", "", True), ("delete", "services", "", True), ("get", "statefulsets", "apps", True),
    ("delete", "statefulsets", "apps", True), ("list", "persistentvolumeclaims", "", True),
    ("delete", "persistentvolumeclaims", "", True), ("list", "pods", "", True)]
# Removing a StatefulSet whose controller deletes its claims (claim_retention.when_deleted: Delete) first reads each
# claim's PV, to refuse when its reclaim policy would take the data.
CLAIM_DELETION_ACCESS = [("list", "persistentvolumeclaims", "", True), ("get", "persistentvolumes", "", False)]


SCALE_DISRUPTIONS = ("scale_to_zero", "scale_down_up")


def disruption_types(app):
    """The types of the app's proof disruptions (an entry is a type or a mapping with `type`)."""
    return [item if isinstance(item, str) else (item or {}).get("type") for item in app["verify"]["disruptions"] or []]


def moves_pods(app):
    """Whether the app's proof includes a move_pod disruption."""
    return "move_pod" in disruption_types(app)


def scales_in_proof(app):
    """Whether the app's proof changes its replica count."""
    return any(kind in SCALE_DISRUPTIONS for kind in disruption_types(app))


def rebinds_in_proof(app):
    """Whether the app's proof scales it down with claims that the StatefulSet deletes (and so rebinds their PVs)."""
    return app["claim_retention"]["when_scaled"] == "Delete" and scales_in_proof(app)


def access_of(apps, workflow, proof=True):
    """[{verb, resource, subresource, group, namespace}] the workflow needs for these apps, each asked once."""
    if workflow == "teardown":
        wanted = [(item, apps) for item in TEARDOWN_ACCESS]
        wanted += [(item, [app for app in apps if app["claim_retention"]["when_deleted"] == "Delete"])
                   for item in CLAIM_DELETION_ACCESS]
    else:
        present = [app for app in apps if app["state"] == "present"]
        proven = [app for app in present if app["verify"]["enabled"]] if proof else []
        wanted = [(item, present) for item in (WORKLOAD_ACCESS if workflow == "site" else [])]
        wanted += [(item, proven) for item in PROOF_ACCESS]
        wanted += [(item, [app for app in proven if app["verify"]["check_dns"]]) for item in DNS_ACCESS]
        wanted += [(item, [app for app in proven if scales_in_proof(app)]) for item in SCALE_ACCESS]
        wanted += [(item, [app for app in proven if moves_pods(app)]) for item in MOVE_ACCESS]
        wanted += [(item, [app for app in proven if rebinds_in_proof(app)]) for item in REBIND_ACCESS]
    access = []
    for (verb, resource, group, namespaced), scope in wanted:
        if not scope:
            continue
        resource_name, _sep, subresource = resource.partition("/")
        for ns in (sorted(set(app["namespace"] for app in scope)) if namespaced else [None]):
            item = {"verb": verb, "resource": resource_name, "group": group}
            if subresource:
                item["subresource"] = subresource
            if ns:
                item["namespace"] = ns
            if item not in access:
                access.append(item)
    return access


def plan(entries, entry_spec, hosts=None, teardown=False, workflow="site", proof=True):
    """The whole description -> {problems, apps, nfs, cluster, access}. `hosts`: the inventory's hosts (None: not
    checked); teardown: every app treated as state=absent; proof: the run includes the proof (access for it)."""
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries or []):
        return {"problems": ["stateful_apps=%r: must be a list of app entries (mappings with name, namespace, image, "
                             "mount_path, claim, storage). Fix: define it in the inventory, see "
                             "inventories/testbed/group_vars/all.yml" % (entries,)],
                "apps": [], "nfs": {}, "cluster": _cluster_objects([]), "access": []}
    problems, apps, seen = [], [], {}
    for index, entry in enumerate(entries):
        typed, found = check_mapping("", entry, entry_spec)
        app = normalize(typed, entry_spec)
        if teardown:
            app["state"] = "absent"
        # Values of the wrong type were reported and left out; the rules still run on the rest, so one run
        # lists every bad field. A rule that trips over a missing field adds nothing: its field is reported.
        bad = tuple(problem.field for problem in found)
        try:
            found += [problem for problem in semantic_problems(app, hosts)
                      if not bad or not (problem.field.startswith(bad) or
                                         any(field.startswith(problem.field + "[") for field in bad))]
        except (TypeError, KeyError, AttributeError, ValueError):
            if not found:
                raise
        key = "%s/%s" % (app.get("namespace"), app.get("name"))
        if key in seen:
            found.append(SpecError("name", app.get("name"), "%s is also stateful_apps[%d]" % (key, seen[key]),
                                   "give each app its own name or namespace"))
        seen.setdefault(key, index)
        apps.append(app)
        problems += [str(EntryProblem(index, entry, error)) for error in found]
    if problems:
        return {"problems": problems, "apps": [], "nfs": {}, "cluster": _cluster_objects([]), "access": []}
    nfs = {}
    for app in apps:
        nfs.setdefault(app["storage"]["nfs"]["host"], []).append(_nfs_item(app))
    return {"problems": [], "apps": apps, "nfs": nfs, "cluster": _cluster_objects(apps),
            "access": access_of(apps, "teardown" if teardown else workflow, proof)}
