# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cluster_check over a fake client: validation, the checks in order, every denied item at once, namespaces."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import cluster_check
from ansible_collections.stateful.nfs.plugins.module_utils.errors import Failure
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.client import ConnectionOrigin, K8sError
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import FakeK8sClient

ORIGIN = ConnectionOrigin("context admin@t in kubeconfig /k, named by the kubeconfig option",
                          "the server of cluster t in /k", "user admin of context admin@t in kubeconfig /k",
                          "check the credentials of user admin in /k")


class FakeClient(FakeK8sClient):
    """A server: its version, who the credential is, what it allows ((verb, resource, namespace) tuples), the
    namespaces that exist. Any of version/whoami may be an exception to raise."""

    origin = ORIGIN

    def __init__(self, allowed=(), namespaces=("demo",), user="alice", version=None, whoami=None, review_error=None,
                 namespace_error=None):
        super(FakeClient, self).__init__()
        self.allowed = set(allowed)
        self.namespaces = set(namespaces)
        self.user = user
        self.version = version
        self.whoami = whoami
        self.review_error = review_error
        self.namespace_error = namespace_error

    def server_version(self):
        self.calls.append(("server_version",))
        if isinstance(self.version, Exception):
            raise self.version
        return {"major": "1", "minor": "36", "gitVersion": "v1.36.3"}

    def review(self, body):
        self.calls.append(("review", body))
        if body["kind"] == "SelfSubjectReview":
            if isinstance(self.whoami, Exception):
                raise self.whoami
            return {"status": {"userInfo": {"username": self.user, "groups": ["system:authenticated"]}}}
        if self.review_error:
            raise self.review_error
        attributes = body["spec"]["resourceAttributes"]
        key = (attributes["verb"], attributes["resource"], attributes.get("namespace"))
        if key in self.allowed:
            return dict(body, status={"allowed": True})
        return dict(body, status={"allowed": False, "reason": "no RBAC policy matched"})

    def get(self, kind, name, namespace=None):
        self.calls.append(("get", kind, name))
        assert kind == "Namespace"
        if self.namespace_error:
            raise self.namespace_error
        return {"kind": kind, "metadata": {"name": name}} if name in self.namespaces else None


ACCESS = [
    {"verb": "create", "resource": "persistentvolumes"},
    {"verb": "patch", "resource": "statefulsets", "group": "apps", "namespace": "demo"},
    {"verb": "create", "resource": "pods", "subresource": "exec", "namespace": "demo"},
]
ALL_ALLOWED = [("create", "persistentvolumes", None), ("patch", "statefulsets", "demo"), ("create", "pods", "demo")]


def failure(client, access=None):
    with pytest.raises(Failure) as caught:
        cluster_check.check(client, {"access": ACCESS if access is None else access})
    return str(caught.value), caught.value.result


class TestProblems:
    def test_fine_input(self):
        assert cluster_check.problems({"access": ACCESS}) is None
        assert cluster_check.problems({"access": []}) is None

    def test_every_bad_item_at_once(self):
        message = cluster_check.problems({"access": [
            {"verb": "list", "resource": "StatefulSet"},
            {"verb": "patch", "resource": "statefulset", "group": "apps"},
            {"verb": "patch", "resource": "statefulsets", "namespace": "demo"},
            {"verb": "get", "resource": "persistentvolumes", "namespace": "demo"},
            {"verb": "Get", "resource": "pods", "namespace": "Demo"},
        ]})
        assert "access[0].resource='StatefulSet': is not a resource name" in message
        assert "access[1].resource='statefulset': resources are named in the plural. Fix: use statefulsets" in message
        assert "access[2].group='': statefulsets are in the API group 'apps'. Fix: set group: 'apps'" in message
        assert "access[3].namespace='demo': persistentvolumes are cluster-scoped. Fix: leave namespace out" in message
        assert "access[4].verb='Get'" in message
        assert message.count("Fix: ") == 5

    def test_resources_it_does_not_know_are_taken_as_given(self):
        assert cluster_check.problems({"access": [{"verb": "get", "resource": "configmaps", "namespace": "demo"},
                                                  {"verb": "list", "resource": "events", "group": "events.k8s.io"},
                                                  {"verb": "*", "resource": "*", "group": "*"}]}) is None


class TestCheck:
    def test_all_allowed(self):
        client = FakeClient(allowed=ALL_ALLOWED)
        result = cluster_check.check(client, {"access": ACCESS})
        assert result["changed"] is False
        assert result["server_version"] == "v1.36.3"
        assert (result["user"], result["groups"]) == ("alice", ["system:authenticated"])
        assert result["host"] == "https://10.0.0.1:6443"
        assert result["host_source"] == ORIGIN.host_source
        assert result["denied"] == []
        assert result["allowed"] == [
            {"verb": "create", "resource": "persistentvolumes", "subresource": None, "group": "", "namespace": None},
            {"verb": "patch", "resource": "statefulsets", "subresource": None, "group": "apps", "namespace": "demo"},
            {"verb": "create", "resource": "pods", "subresource": "exec", "group": "", "namespace": "demo"}]
        assert result["namespaces"] == {"demo": True}
        assert result["msg"] == (
            "the Kubernetes API server https://10.0.0.1:6443 (from %s) answers (v1.36.3) and accepts user alice; all 3 "
            "access checks are allowed" % ORIGIN.host_source)

    def test_it_only_reads_and_reviews(self):
        client = FakeClient(allowed=ALL_ALLOWED)
        cluster_check.check(client, {"access": ACCESS})
        assert client.writes() == []
        assert [call[0] for call in client.calls] == ["server_version", "review", "review", "review", "review", "get"]
        assert client.calls[2][1] == {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                      "spec": {"resourceAttributes": {"verb": "create", "resource": "persistentvolumes",
                                                                      "group": ""}}}
        assert client.calls[4][1]["spec"]["resourceAttributes"] == {
            "verb": "create", "resource": "pods", "subresource": "exec", "group": "", "namespace": "demo"}

    def test_every_denied_item_is_listed_with_the_fix(self):
        client = FakeClient(allowed=[("patch", "statefulsets", "demo")], user="system:serviceaccount:awx:deployer")
        message, result = failure(client)
        assert [item["resource"] for item in result["denied"]] == ["persistentvolumes", "pods"]
        assert result["denied"][0]["reason"] == "no RBAC policy matched"
        assert [item["resource"] for item in result["allowed"]] == ["statefulsets"]
        assert message.startswith(
            "user system:serviceaccount:awx:deployer may not do 2 of the 3 things the run needs: create "
            "persistentvolumes cluster-wide (no RBAC policy matched); create pods/exec in namespace demo (no RBAC "
            "policy matched). Fix: grant them to system:serviceaccount:awx:deployer with a ClusterRole")
        assert ("kubectl create clusterrole stateful-nfs --verb=create --resource=persistentvolumes && kubectl create "
                "clusterrolebinding stateful-nfs --clusterrole=stateful-nfs --serviceaccount=awx:deployer") in message
        assert ("kubectl -n demo create role stateful-nfs --verb=create --resource=pods/exec && kubectl -n demo "
                "create rolebinding stateful-nfs --role=stateful-nfs --serviceaccount=awx:deployer") in message
        assert result["namespaces"] == {"demo": True}  # known although the task failed

    def test_a_denied_item_of_an_unknown_user_names_the_credential(self):
        client = FakeClient(whoami=K8sError("create SelfSubjectReview: not found (HTTP 404 NotFound)", 404))
        message, result = failure(client, ACCESS[:1])
        assert result["user"] is None
        assert message.startswith("the user of %s may not do 1 of the 1 things" % ORIGIN.credential)
        assert "--user=<the user>" in message

    def test_a_missing_namespace_is_reported_not_failed(self):
        client = FakeClient(allowed=ALL_ALLOWED, namespaces=())
        result = cluster_check.check(client, {"access": ACCESS})
        assert result["namespaces"] == {"demo": False}
        assert result["msg"].endswith(
            "; namespace demo does not exist: the workflow creates it (stateful.nfs.namespace), or create it with "
            "kubectl create namespace demo")

    def test_a_missing_namespace_is_also_named_when_items_are_denied(self):
        message, _result = failure(FakeClient(namespaces=()))
        assert "namespace demo does not exist" in message

    def test_a_namespace_it_may_not_read_is_unknown(self):
        client = FakeClient(allowed=ALL_ALLOWED, namespace_error=K8sError("read Namespace/demo: forbidden", 403))
        result = cluster_check.check(client, {"access": ACCESS})
        assert result["namespaces"] == {"demo": None}
        assert "whether namespace demo exists is unknown: reading it is forbidden" in result["msg"]

    def test_unreachable_api_fails_with_host_and_source(self):
        error = K8sError("read the API version: cannot reach the Kubernetes API server https://10.0.0.1:6443 (from "
                         "the host option): Connection refused. Fix: check that the API server is running")
        message, result = failure(FakeClient(version=error))
        assert message == str(error)
        assert (result["host"], result["host_source"], result["server_version"]) == (
            "https://10.0.0.1:6443", ORIGIN.host_source, None)
        assert result["allowed"] == result["denied"] == []

    def test_a_rejected_credential_fails_at_once(self):
        error = K8sError("create SelfSubjectReview: the Kubernetes API server https://10.0.0.1:6443 rejected user "
                         "admin (HTTP 401 Unauthorized). Fix: check the credentials", 401)
        client = FakeClient(whoami=error)
        message, result = failure(client)
        assert message == str(error)
        assert result["server_version"] == "v1.36.3"
        assert [call[0] for call in client.calls] == ["server_version", "review"]

    def test_no_access_items_checks_only_the_connection(self):
        client = FakeClient(whoami=K8sError("forbidden", 403))
        result = cluster_check.check(client, {"access": []})
        assert result["user"] is None
        assert result["msg"] == ("the Kubernetes API server https://10.0.0.1:6443 (from %s) answers (v1.36.3) and "
                                 "accepts %s" % (ORIGIN.host_source, ORIGIN.credential))

    def test_anonymous_requests_may_not_ask(self):
        client = FakeClient(whoami=K8sError("forbidden", 403), review_error=K8sError(
            "create SelfSubjectAccessReview: User \"system:anonymous\" cannot create resource "
            "\"selfsubjectaccessreviews\" (HTTP 403 Forbidden)", 403))
        message, _result = failure(client)
        assert message.endswith("Fix: the server took the requests as anonymous although %s was sent: %s"
                                % (ORIGIN.credential, ORIGIN.credential_fix))

    def test_a_user_that_may_not_ask_gets_basic_user(self):
        client = FakeClient(review_error=K8sError("create SelfSubjectAccessReview: forbidden (HTTP 403)", 403))
        message, _result = failure(client)
        assert message.endswith("Fix: bind the ClusterRole system:basic-user to alice (it lets every authenticated "
                                "user ask what it may do)")


@pytest.mark.parametrize("user, flag", [
    ("alice", "--user=alice"),
    ("system:serviceaccount:awx:deployer", "--serviceaccount=awx:deployer"),
    (None, "--user=<the user>"),
])
def test_subject_flag(user, flag):
    assert cluster_check.subject_flag(user) == flag
