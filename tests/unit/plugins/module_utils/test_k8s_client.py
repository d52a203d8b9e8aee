# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client against the real kubernetes library; only the HTTP transport underneath is faked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import ssl

import pytest
from urllib3.exceptions import ReadTimeoutError

try:
    from urllib.parse import parse_qsl
except ImportError:  # pragma: no cover
    from urlparse import parse_qsl

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.k8s.transport import DirectTransport, LibraryTransport, ProxyError
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import api_error, closed_port, namespace_not_found

kubernetes = pytest.importorskip("kubernetes")

KUBECONFIG = """
apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
- name: two
  cluster: {server: "https://127.0.0.2:6443", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: from-kubeconfig}
contexts:
- {name: one, context: {cluster: one, user: admin}}
- {name: two, context: {cluster: two, user: admin}}
current-context: one
"""


@pytest.fixture
def kubeconfig(tmp_path):
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    return str(path)


def bearer(configuration):
    """The Authorization header the library will send."""
    return configuration.auth_settings()["BearerToken"]["value"]


def params(**given):
    base = dict.fromkeys(k8s_client.AUTH_ARG_SPEC)
    base.update(given)
    return base


class TestConfiguration:
    def test_kubeconfig_and_context(self, kubeconfig):
        configuration = k8s_client.build_configuration(params(kubeconfig=kubeconfig, context="two"))
        assert configuration.host == "https://127.0.0.2:6443"
        assert bearer(configuration) == "Bearer from-kubeconfig"

    def test_explicit_options_override_the_kubeconfig(self, kubeconfig):
        configuration = k8s_client.build_configuration(params(
            kubeconfig=kubeconfig, host="https://10.9.9.9:6443", api_key="tok", validate_certs=False,
            ca_cert="/ca.pem", client_cert="/c.pem", client_key="/k.pem", proxy="http://proxy:3128"))
        assert configuration.host == "https://10.9.9.9:6443"
        assert bearer(configuration) == "Bearer tok"  # over the kubeconfig's own token
        assert (configuration.verify_ssl, configuration.ssl_ca_cert, configuration.cert_file,
                configuration.key_file, configuration.proxy) == (False, "/ca.pem", "/c.pem", "/k.pem",
                                                                 "http://proxy:3128")

    def test_proxy_credentials_become_the_proxy_authorization_header(self, kubeconfig):
        # urllib3 and websocket-client ignore user:password@ in the proxy URL; they send this header
        configuration = k8s_client.build_configuration(params(kubeconfig=kubeconfig,
                                                              proxy="http://us%40er:p%3Ass@proxy:3128"))
        assert configuration.proxy == "http://proxy:3128"
        assert configuration.proxy_headers == {"proxy-authorization": "Basic dXNAZXI6cDpzcw=="}  # us@er:p:ss
        assert k8s_client.configuration_secrets(configuration) == ["dXNAZXI6cDpzcw==", "p:ss"]

    def test_host_and_token_alone_need_no_kubeconfig(self, monkeypatch, tmp_path):
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
        configuration = k8s_client.build_configuration(params(host="https://10.0.0.1:6443", api_key="t"))
        assert configuration.host == "https://10.0.0.1:6443"

    def test_missing_kubeconfig_names_the_option_and_the_fix(self, tmp_path):
        with pytest.raises(k8s_client.ConfigException, match="kubeconfig=.*does not exist; give the path"):
            k8s_client.build_configuration(params(kubeconfig=str(tmp_path / "nope")))

    def test_nothing_at_all_says_where_credentials_come_from(self, monkeypatch, tmp_path):
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
        monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
        with pytest.raises(k8s_client.ConfigException, match="K8S_AUTH_KUBECONFIG"):
            k8s_client.build_configuration(params())

    def test_arg_spec_uses_the_kubernetes_core_environment_names(self):
        fallbacks = {name: spec["fallback"][1][0] for name, spec in k8s_client.AUTH_ARG_SPEC.items()}
        assert fallbacks == {
            "kubeconfig": "K8S_AUTH_KUBECONFIG", "context": "K8S_AUTH_CONTEXT", "host": "K8S_AUTH_HOST",
            "api_key": "K8S_AUTH_API_KEY", "validate_certs": "K8S_AUTH_VERIFY_SSL",
            "ca_cert": "K8S_AUTH_SSL_CA_CERT", "client_cert": "K8S_AUTH_CERT_FILE",
            "client_key": "K8S_AUTH_KEY_FILE", "proxy": "K8S_AUTH_PROXY"}
        assert k8s_client.AUTH_ARG_SPEC["api_key"]["no_log"] is True
        assert k8s_client.AUTH_ARG_SPEC["proxy"]["no_log"] is True  # http://user:password@proxy:3128


class FakeHTTPResponse:
    """What urllib3 hands the kubernetes library's REST layer."""

    def __init__(self, status, payload):
        self.status = status
        self.reason = {200: "OK", 201: "Created", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
                       422: "Unprocessable Entity",
                       429: "Too Many Requests", 500: "Internal Server Error",
                       503: "Service Unavailable"}[status]
        self.data = json.dumps(payload).encode()
        self.headers = {"content-type": "application/json"}

    def getheaders(self):
        return self.headers

    def getheader(self, name, default=None):
        return self.headers.get(name, default)


def library_client(given):
    """The client on the kubernetes library's transport, as for a kubeconfig user with a credential plugin."""
    return k8s_client.K8sClient(LibraryTransport(k8s_client.build_configuration(given)),
                                origin=k8s_client.connection_origin(given))


def kind_of(client):
    return "library" if isinstance(client.transport, LibraryTransport) else "direct"


def pool_of(client):
    """The pool a client sends with: urllib3's on the library's transport, Connections on the own; both take
    request(method, url, body=, headers=, timeout=, preload_content=)."""
    if isinstance(client.transport, LibraryTransport):
        return client.transport.api_client.rest_client.pool_manager
    return client.transport.pool


@pytest.fixture(params=["direct", "library"])
def transport(request, kubeconfig, monkeypatch):
    """A K8sClient on each transport whose pool answers from a script and records requests
    (header names in lower case)."""
    given = params(kubeconfig=kubeconfig)
    client = k8s_client.client_from_params(given) if request.param == "direct" else library_client(given)
    assert isinstance(client.transport, DirectTransport if request.param == "direct" else LibraryTransport)
    sent, answers = [], []

    def send(method, url, **kwargs):
        # Newer library releases put the query in the URL, older ones pass GET queries as fields.
        path, _sep, query = url.partition("?")
        sent.append({"method": method, "url": path, "query": parse_qsl(query) + list(kwargs.get("fields") or []),
                     "headers": {k.lower(): v for k, v in (kwargs.get("headers") or {}).items()},
                     "body": kwargs.get("body")})
        return answers.pop(0)

    monkeypatch.setattr(pool_of(client), "request", send)
    return client, sent, answers


class TestRequests:
    def test_get_returns_a_dict_with_the_token_sent(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(200, {"kind": "Service", "metadata": {"name": "web"}}))
        assert client.get("Service", "web", "demo") == {"kind": "Service", "metadata": {"name": "web"}}
        assert sent[0]["method"] == "GET"
        assert sent[0]["url"] == "https://127.0.0.1:6443/api/v1/namespaces/demo/services/web"
        assert sent[0]["headers"]["authorization"] == "Bearer from-kubeconfig"

    def test_get_of_a_missing_object_is_none(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(404, {"kind": "Status", "reason": "NotFound", "message": "not found"}))
        assert client.get("PersistentVolume", "pv-0") is None

    def test_list_fills_in_kind_and_api_version_of_items(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(200, {"items": [{"metadata": {"name": "web"}}]}))
        items = client.list("StatefulSet", "demo", label_selector="app=web")
        assert items == [{"kind": "StatefulSet", "apiVersion": "apps/v1", "metadata": {"name": "web"}}]
        assert sent[0]["url"] == "https://127.0.0.1:6443/apis/apps/v1/namespaces/demo/statefulsets"
        assert sent[0]["query"] == [("labelSelector", "app=web")]

    def test_apply_is_a_server_side_apply_with_our_field_manager(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(200, {"metadata": {"name": "pv-0", "resourceVersion": "2"}}))
        body = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-0"}}
        client.apply(body, dry_run=True)
        assert sent[0]["method"] == "PATCH"
        assert sent[0]["url"] == "https://127.0.0.1:6443/api/v1/persistentvolumes/pv-0"
        assert sorted(sent[0]["query"]) == [("dryRun", "All"), ("fieldManager", "stateful.nfs"), ("force", "true")]
        assert sent[0]["headers"]["content-type"] == "application/apply-patch+yaml"
        assert json.loads(sent[0]["body"]) == body

    def test_api_error_is_one_line_naming_the_object_and_the_reason(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(422, {
            "kind": "Status", "reason": "Invalid",
            "message": "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to\n statefulset spec"}))
        with pytest.raises(k8s_client.K8sError) as caught:
            client.apply({"apiVersion": "apps/v1", "kind": "StatefulSet",
                          "metadata": {"name": "web", "namespace": "demo"}})
        message = str(caught.value)
        assert message.startswith("apply StatefulSet/demo/web: StatefulSet.apps \"web\" is invalid")
        assert "\n" not in message
        assert message.endswith("(HTTP 422 Invalid)")
        assert caught.value.status == 422

    def test_an_error_keeps_the_status_details_as_the_shared_fake_raises_them(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(404, namespace_not_found("cm-new")))
        body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "cm-new"}}
        with pytest.raises(k8s_client.K8sError) as caught:
            client.apply(body, dry_run=True)
        error = caught.value
        assert error.details == {"name": "cm-new", "kind": "namespaces"}
        assert str(error).startswith("apply Service/cm-new/web: namespace cm-new does not exist (HTTP 404 NotFound). "
                                     "Fix: create it first")
        fake = api_error(404, "Not Found", namespace_not_found("cm-new"), "apply", "Service", "web", "cm-new")
        assert (str(fake), fake.status, fake.reason, fake.details) == (
            str(error), error.status, error.reason, error.details)

    def test_delete_sends_uid_precondition_and_tolerates_gone_objects(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(404, {"kind": "Status", "reason": "NotFound"}))
        assert client.delete("Pod", "web-0", "demo", grace_period_seconds=0, uid="u-1") is None
        assert json.loads(sent[0]["body"]) == {"kind": "DeleteOptions", "apiVersion": "v1",
                                               "gracePeriodSeconds": 0, "preconditions": {"uid": "u-1"}}


SECRET = "s3cret-Pa55"


def failure_of(call):
    with pytest.raises(k8s_client.K8sError) as caught:
        call()
    return caught.value


class TestUnavailable:
    """No answer, or an answer that says "not now": K8sUnavailable (a wait tries again), one line that names
    the server and the fix, never a urllib3 traceback."""

    def test_refused_connection(self):
        port = closed_port()
        client = k8s_client.client_from_params(params(host="https://127.0.0.1:%d" % port, api_key="t"))
        error = failure_of(lambda: client.get("StatefulSet", "web", "demo"))
        assert isinstance(error, k8s_client.K8sUnavailable)
        assert str(error) == (
            "read StatefulSet/demo/web: cannot reach the Kubernetes API server https://127.0.0.1:%d (from the host "
            "option): Connection refused. Fix: check that the API server is running and that the host option "
            "points at it" % port)

    def test_unreachable_proxy_is_named_without_its_password(self):
        api, proxy = closed_port(), closed_port()
        client = k8s_client.client_from_params(params(
            host="https://127.0.0.1:%d" % api, api_key="t", proxy="http://user:%s@127.0.0.1:%d" % (SECRET, proxy)))
        error = failure_of(lambda: client.list("Pod", "demo"))
        assert isinstance(error, k8s_client.K8sUnavailable)
        message = str(error)
        assert SECRET not in message
        assert "https://127.0.0.1:%d (from the host option) through proxy http://127.0.0.1:%d: unable to connect through the " \
               "proxy: Connection refused. Fix: check that the proxy is running" % (api, proxy) in message

    @pytest.mark.parametrize("raised, what", [
        ({"direct": lambda: ConnectionResetError(104, "Connection reset by peer"),
          "library": lambda: __import__("urllib3").exceptions.ProtocolError(
              "Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))},
         "Connection reset by peer"),
        ({"direct": lambda: TimeoutError("Read timed out. (read timeout=60)"),
          "library": lambda: __import__("urllib3").exceptions.ReadTimeoutError(
              __import__("urllib3").HTTPSConnectionPool("127.0.0.1", 6443), "/api", "Read timed out. (read timeout=60)")},
         "Read timed out. (read timeout=60)"),
    ])
    def test_reset_and_timeout(self, transport, kubeconfig, monkeypatch, raised, what):
        client, _sent, _answers = transport

        def request(*_args, **_kwargs):
            raise raised[kind_of(client)]()
        monkeypatch.setattr(pool_of(client), "request", request)
        error = failure_of(lambda: client.apply({"apiVersion": "v1", "kind": "Service",
                                                 "metadata": {"name": "web", "namespace": "demo"}}))
        assert isinstance(error, k8s_client.K8sUnavailable)
        assert str(error) == (
            "apply Service/demo/web: cannot reach the Kubernetes API server https://127.0.0.1:6443 (from context one "
            "in kubeconfig %s, named by the kubeconfig option): %s. Fix: check that the API server is running and "
            "that the server of cluster one in %s points at it" % (kubeconfig, what, kubeconfig))

    @pytest.mark.parametrize("status", [429, 500, 503])
    def test_overloaded_or_failing_server(self, transport, status):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(status, {"kind": "Status", "reason": "ServiceUnavailable",
                                                 "message": "etcdserver: leader changed"}))
        error = failure_of(lambda: client.get("Pod", "web-0", "demo"))
        assert isinstance(error, k8s_client.K8sUnavailable)
        assert error.status == status
        assert str(error).startswith("read Pod/demo/web-0: etcdserver: leader changed (HTTP %d" % status)

    def test_a_proxy_that_refuses_the_credentials_is_not_transient(self, transport, monkeypatch):
        client, _sent, _answers = transport
        refused = OSError("Tunnel connection failed: 407 Proxy Authentication Required")

        def request(*_args, **_kwargs):
            if kind_of(client) == "direct":
                raise ProxyError("Unable to connect to proxy") from refused
            raise __import__("urllib3").exceptions.ProxyError("Unable to connect to proxy", refused)
        monkeypatch.setattr(pool_of(client), "request", request)
        error = failure_of(lambda: client.get("Pod", "web-0", "demo"))
        assert not isinstance(error, k8s_client.K8sUnavailable)
        assert str(error).endswith("the proxy refused the credentials (Tunnel connection failed: 407 Proxy "
                                   "Authentication Required). Fix: check the user name and password in proxy")

    def test_a_refusal_of_the_request_is_not_transient(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(422, {"kind": "Status", "reason": "Invalid", "message": "bad"}))
        error = failure_of(lambda: client.get("Pod", "web-0", "demo"))
        assert not isinstance(error, k8s_client.K8sUnavailable)

    def test_an_untrusted_certificate_is_a_setting_to_fix_not_an_outage(self, transport, monkeypatch):
        client, _sent, _answers = transport
        untrusted = ssl.SSLCertVerificationError(
            1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")

        def request(*_args, **_kwargs):
            if kind_of(client) == "direct":  # http.client lets ssl's error through
                raise untrusted
            raise __import__("urllib3").exceptions.SSLError(untrusted)
        monkeypatch.setattr(pool_of(client), "request", request)
        error = failure_of(lambda: client.get("Pod", "web-0", "demo"))
        assert not isinstance(error, k8s_client.K8sUnavailable)
        assert "TLS certificate verification failed" in str(error)
        assert "Fix: check ca_cert" in str(error)
        assert "\n" not in str(error)


class TestCredentialsStayOutOfMessages:
    def test_redact_removes_userinfo_and_known_secrets(self):
        assert k8s_client.redact("via http://user:%s@proxy:3128/x and https://a@b" % SECRET) == \
            "via http://***@proxy:3128/x and https://***@b"
        assert k8s_client.redact("auth='user:%s'" % SECRET, [SECRET]) == "auth='user:***'"

    def test_secrets_of_urls_include_the_decoded_password(self):
        assert k8s_client.url_secrets("http://us%40er:p%40ss@proxy:3128", None, "https://10.0.0.1:6443") == \
            ["p%40ss", "p@ss"]

    def test_transport_errors_that_quote_the_proxy_url_are_redacted(self, kubeconfig, monkeypatch):
        proxy = "http://user:%s@127.0.0.1:3128" % SECRET
        client = k8s_client.client_from_params(params(kubeconfig=kubeconfig, proxy=proxy))

        def request(*_args, **_kwargs):
            raise ProxyError("Unable to connect to proxy %s (auth %r)" % (proxy, SECRET)) from OSError(
                "Tunnel connection failed: 407 Proxy Authentication")
        monkeypatch.setattr(pool_of(client), "request", request)
        message = str(failure_of(lambda: client.get("Pod", "web-0", "demo")))
        assert SECRET not in message
        assert "through proxy http://127.0.0.1:3128" in message

    def test_api_error_bodies_are_redacted(self):
        class Exc(Exception):
            status, reason = 502, "Bad Gateway"
            body = json.dumps({"message": "proxy http://user:%s@proxy:3128 failed" % SECRET})
        assert SECRET not in k8s_client.describe_api_error(Exc(), "Pod", "web-0", "demo", "read")

    def test_bad_proxy_settings_fail_without_the_password(self, kubeconfig):
        class Module(object):
            params = params(kubeconfig=kubeconfig, proxy="http://user:%s@127.0.0.1:notaport" % SECRET)

            def fail_json(self, msg, **_kwargs):
                raise AssertionError(msg)
        with pytest.raises(AssertionError) as caught:
            k8s_client.connect(Module())
        assert str(caught.value).startswith("Kubernetes connection settings: ")
        assert SECRET not in str(caught.value)


class TestOrigin:
    """Where the host and the credential came from, for the messages of a failed connection."""

    def test_host_option_and_token_option(self, monkeypatch):
        monkeypatch.delenv("K8S_AUTH_HOST", raising=False)
        monkeypatch.delenv("K8S_AUTH_API_KEY", raising=False)
        origin = k8s_client.connection_origin(params(host="https://10.0.0.1:6443", api_key="t"))
        assert origin.host_source == "the host option"
        assert origin.credential == "the token of the api_key option"

    def test_values_equal_to_their_environment_fallback_come_from_it(self):
        environ = {"K8S_AUTH_HOST": "https://10.0.0.1:6443", "K8S_AUTH_API_KEY": "t",
                   "K8S_AUTH_CERT_FILE": "/c.pem"}
        origin = k8s_client.connection_origin(params(host="https://10.0.0.1:6443", api_key="t", client_cert="/c.pem"),
                                              environ)
        assert origin.host_source == "the K8S_AUTH_HOST environment variable"
        assert origin.host_setting == "the K8S_AUTH_HOST environment variable"
        assert origin.credential == ("the token of the K8S_AUTH_API_KEY environment variable and the client "
                                     "certificate /c.pem (the K8S_AUTH_CERT_FILE environment variable)")

    def test_kubeconfig_context_and_user(self, kubeconfig):
        origin = k8s_client.connection_origin(params(kubeconfig=kubeconfig, context="two"), {})
        assert origin.host_source == "context two in kubeconfig %s, named by the kubeconfig option" % kubeconfig
        assert origin.host_setting == "the server of cluster two in %s" % kubeconfig
        assert origin.credential == "user admin of context two in kubeconfig %s, named by the kubeconfig option" \
            % kubeconfig

    @pytest.mark.parametrize("variable, named_by", [
        ("KUBECONFIG", "the KUBECONFIG environment variable"),
        ("K8S_AUTH_KUBECONFIG", "the K8S_AUTH_KUBECONFIG environment variable"),
    ])
    def test_which_setting_named_the_kubeconfig(self, kubeconfig, variable, named_by):
        given = params(kubeconfig=kubeconfig) if variable == "K8S_AUTH_KUBECONFIG" else params()
        origin = k8s_client.connection_origin(given, {variable: kubeconfig})
        assert origin.host_source == "context one in kubeconfig %s, named by %s" % (kubeconfig, named_by)

    def test_a_path_from_the_environment_compares_expanded(self, tmp_path, monkeypatch):
        monkeypatch.setenv("HOME", str(tmp_path))
        (tmp_path / "config").write_text(KUBECONFIG)
        origin = k8s_client.connection_origin(params(kubeconfig=str(tmp_path / "config")),
                                              {"K8S_AUTH_KUBECONFIG": "~/config"})
        assert origin.host_source.endswith("named by the K8S_AUTH_KUBECONFIG environment variable")

    def test_default_kubeconfig(self, tmp_path, monkeypatch):
        monkeypatch.setenv("HOME", str(tmp_path))
        (tmp_path / ".kube").mkdir()
        (tmp_path / ".kube" / "config").write_text(KUBECONFIG)
        origin = k8s_client.connection_origin(params(), {})
        assert origin.host_source.startswith("context one in kubeconfig ")
        assert origin.host_source.endswith("/.kube/config, named by the default ~/.kube/config")

    def test_in_cluster(self, tmp_path):
        origin = k8s_client.connection_origin(params(), {"KUBECONFIG": str(tmp_path / "none")})
        assert origin.host_source == "the in-cluster service account (KUBERNETES_SERVICE_HOST)"
        assert origin.credential == "the in-cluster service account token"

    def test_no_credential_at_all(self, monkeypatch):
        monkeypatch.delenv("K8S_AUTH_HOST", raising=False)
        origin = k8s_client.connection_origin(params(host="https://10.0.0.1:6443"), {})
        assert origin.credential == "no credential (the requests were anonymous)"

    def test_a_connection_parses_the_kubeconfig_once(self, kubeconfig, monkeypatch):
        parsed = []
        read = k8s_client.kubeconfig.read
        monkeypatch.setattr(k8s_client.kubeconfig, "read", lambda path: parsed.append(path) or read(path))
        client = k8s_client.client_from_params(params(kubeconfig=kubeconfig, context="two"))
        assert parsed == [kubeconfig]
        assert client.origin.host_source == "context two in kubeconfig %s, named by the kubeconfig option" % kubeconfig
        assert client.transport.configuration.host == "https://127.0.0.2:6443"

    def test_an_unreadable_kubeconfig_still_names_the_file(self, tmp_path):
        path = tmp_path / "broken"
        path.write_text(":- not yaml")
        origin = k8s_client.connection_origin(params(kubeconfig=str(path)), {})
        assert origin.host_source == "kubeconfig %s, named by the kubeconfig option" % path


class TestRejectedAndMissing:
    def test_a_rejected_token_is_named_without_the_token(self, kubeconfig, monkeypatch):
        monkeypatch.delenv("K8S_AUTH_API_KEY", raising=False)
        client = k8s_client.client_from_params(params(kubeconfig=kubeconfig, api_key=SECRET))
        monkeypatch.setattr(pool_of(client), "request", lambda *_a, **_k: FakeHTTPResponse(
            401, {"kind": "Status", "reason": "Unauthorized", "message": "Unauthorized"}))
        error = failure_of(lambda: client.get("Pod", "web-0", "demo"))
        assert not isinstance(error, k8s_client.K8sUnavailable) and error.status == 401
        assert str(error) == (
            "read Pod/demo/web-0: the Kubernetes API server https://127.0.0.1:6443 rejected the token of the api_key "
            "option (HTTP 401 Unauthorized). Fix: check that the token is valid and has not expired (kubectl create "
            "token makes a new one)")
        assert SECRET not in str(error)

    def test_a_rejected_kubeconfig_user_is_named(self, transport, kubeconfig):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(401, {"kind": "Status", "reason": "Unauthorized", "message": "Unauthorized"}))
        message = str(failure_of(client.server_version))
        assert message.startswith("read the API version: the Kubernetes API server https://127.0.0.1:6443 rejected "
                                  "user admin of context one in kubeconfig %s" % kubeconfig)
        assert "Fix: check the credentials of user admin in %s" % kubeconfig in message
        assert "from-kubeconfig" not in message  # the token

    @pytest.mark.parametrize("call", [
        lambda client: client.apply({"apiVersion": "v1", "kind": "Service",
                                     "metadata": {"name": "web", "namespace": "demo"}}),
        lambda client: client.create({"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": "web", "namespace": "demo"}}),
    ])
    def test_a_missing_namespace_says_so_and_how_to_create_it(self, transport, call):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(404, {"kind": "Status", "reason": "NotFound", "code": 404,
                                              "message": "namespaces \"demo\" not found",
                                              "details": {"name": "demo", "kind": "namespaces"}}))
        message = str(failure_of(lambda: call(client)))
        assert message.endswith(": namespace demo does not exist (HTTP 404 NotFound). Fix: create it first, with "
                                "stateful.nfs.namespace (name: demo) or kubectl create namespace demo")

    def test_another_404_on_a_write_is_the_server_s_message(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(404, {"kind": "Status", "reason": "NotFound",
                                              "message": "statefulsets.apps \"web\" not found",
                                              "details": {"name": "web", "group": "apps", "kind": "statefulsets"}}))
        message = str(failure_of(lambda: client.patch("StatefulSet", "web", "demo", {"spec": {"replicas": 0}})))
        assert message == "patch StatefulSet/demo/web: statefulsets.apps \"web\" not found (HTTP 404 NotFound)"


class ReadTimeout(ReadTimeoutError, TimeoutError):
    """A read timeout as either transport raises it: urllib3's (the library's) and the builtin (http.client's)."""


class FakeStreamResponse(FakeHTTPResponse):
    """A watch as the pool streams it (preload_content=False): its chunks, then a read timeout or the end."""

    def __init__(self, status, chunks=(), payload=None, then_timeout=True):
        super(FakeStreamResponse, self).__init__(status, payload or {})
        self.chunks = list(chunks)
        self.then_timeout = then_timeout
        self.closed = False

    def stream(self, amt=None, decode_content=None):
        yield from self.chunks
        if self.then_timeout:
            raise ReadTimeout(None, "/api/v1/pods", "Read timed out.")

    def read(self, *args, **kwargs):
        return self.data

    def close(self):
        self.closed = True

    def release_conn(self):
        pass


def event(kind, name):
    return (json.dumps({"type": kind, "object": {"kind": "Pod", "metadata": {"name": name}}}) + "\n").encode()


class TestWatch:
    """wait_for_change: a watch from the version a LIST gave, ended at its first event (ChangeWatch's pauses)."""

    def test_list_with_version_answers_the_list_s_resource_version(self, transport):
        client, _sent, answers = transport
        answers.append(FakeHTTPResponse(200, {"metadata": {"resourceVersion": "4711"}, "items": []}))
        assert client.list_with_version("Pod", "demo", label_selector="app=web") == ([], "4711")

    def test_an_event_ends_the_wait_and_the_stream_is_closed(self, transport):
        client, sent, answers = transport
        # the event arrives in two chunks; what follows it is not read
        answer = FakeStreamResponse(200, [event("MODIFIED", "web-0")[:20], event("MODIFIED", "web-0")[20:],
                                          event("DELETED", "web-1")])
        answers.append(answer)
        assert client.wait_for_change("Pod", "demo", "app=web", "4711", 2.5) is True
        assert answer.closed
        assert sent[0]["method"] == "GET"
        assert sent[0]["url"] == "https://127.0.0.1:6443/api/v1/namespaces/demo/pods"
        assert sorted(sent[0]["query"]) == [("labelSelector", "app=web"), ("resourceVersion", "4711"),
                                            ("timeoutSeconds", "3"), ("watch", "true")]
        assert sent[0]["headers"]["authorization"] == "Bearer from-kubeconfig"

    def test_no_event_before_the_timeout_is_no_change(self, transport):
        client, _sent, answers = transport
        answer = FakeStreamResponse(200, [])
        answers.append(answer)
        assert client.wait_for_change("Pod", "demo", "app=web", "4711", 1.0) is False
        assert answer.closed

    def test_a_watch_the_server_ends_without_an_event_is_no_change(self, transport):
        client, _sent, answers = transport
        answers.append(FakeStreamResponse(200, [b""], then_timeout=False))
        assert client.wait_for_change("Pod", "demo", "app=web", "4711", 1.0) is False

    @pytest.mark.parametrize("answer", [
        FakeStreamResponse(410, payload={"kind": "Status", "reason": "Expired", "code": 410}),
        FakeStreamResponse(200, [(json.dumps({"type": "ERROR", "object": {
            "kind": "Status", "reason": "Expired", "code": 410,
            "message": "too old resource version: 4711 (4800)"}}) + "\n").encode()])])
    def test_a_version_too_old_to_watch_from_is_a_change_so_the_caller_lists_again(self, transport, answer):
        client, _sent, answers = transport
        answers.append(answer)
        assert client.wait_for_change("Pod", "demo", "app=web", "4711", 1.0) is True

    def test_a_watch_rbac_does_not_allow_is_a_k8s_error_naming_the_watch(self, transport):
        client, _sent, answers = transport
        answers.append(FakeStreamResponse(403, payload={
            "kind": "Status", "reason": "Forbidden", "code": 403,
            "message": 'pods is forbidden: User "u" cannot watch resource "pods" in the namespace "demo"'}))
        with pytest.raises(k8s_client.K8sError) as caught:
            client.wait_for_change("Pod", "demo", "app=web", "4711", 1.0)
        assert not isinstance(caught.value, k8s_client.K8sUnavailable)
        assert str(caught.value).startswith('watch Pod/demo: pods is forbidden: User "u" cannot watch')
        assert "(HTTP 403 Forbidden)" in str(caught.value)


class TestReads:
    def test_server_version(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(200, {"major": "1", "minor": "36", "gitVersion": "v1.36.3"}))
        assert client.server_version()["gitVersion"] == "v1.36.3"
        assert (sent[0]["method"], sent[0]["url"]) == ("GET", "https://127.0.0.1:6443/version")

    def test_review_posts_without_field_manager(self, transport):
        client, sent, answers = transport
        answers.append(FakeHTTPResponse(201, {"status": {"allowed": True}}))
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "demo"}}}
        assert client.review(body) == {"status": {"allowed": True}}
        assert sent[0]["method"] == "POST"
        assert sent[0]["url"] == "https://127.0.0.1:6443/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        assert sent[0]["query"] == []
        assert json.loads(sent[0]["body"]) == body

    def test_unreachable_version_names_the_api(self):
        port = closed_port()
        client = k8s_client.client_from_params(params(host="https://127.0.0.1:%d" % port, api_key="t"))
        assert str(failure_of(client.server_version)).startswith(
            "read the API version: cannot reach the Kubernetes API server https://127.0.0.1:%d (from " % port)


def test_object_ref():
    assert k8s_client.object_ref("PersistentVolume", "pv-0") == "PersistentVolume/pv-0"
    assert k8s_client.object_ref("Pod", "web-0", "demo") == "Pod/demo/web-0"
