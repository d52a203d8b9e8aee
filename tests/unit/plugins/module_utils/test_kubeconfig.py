# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's own reading of a kubeconfig, against the kubernetes library's loader on the same files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import kubeconfig

kubernetes = pytest.importorskip("kubernetes")

CA = b"-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def write(tmp_path, text, name="config"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def params(**given):
    base = dict.fromkeys(k8s_client.AUTH_ARG_SPEC)
    base.update(given)
    return base


def no_environment_proxy(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    no_environment_proxy(monkeypatch)


class TestSameAsTheLibrary:
    """Each kubeconfig read both ways: host, CA, verification, client certificate, credential, proxy."""

    def both(self, path, context=None):
        ours = k8s_client.direct_settings(params(kubeconfig=path, context=context), {})
        library = k8s_client.build_configuration(params(kubeconfig=path, context=context))
        return ours, library

    def test_token_relative_files_and_the_current_context(self, tmp_path):
        (tmp_path / "certs").mkdir()
        for name in ("ca.crt", "u.crt", "u.key"):
            (tmp_path / "certs" / name).write_text(name)
        path = write(tmp_path, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443/", certificate-authority: certs/ca.crt,
                        tls-server-name: api.example}
            users:
            - name: u
              user: {token: t0k, client-certificate: certs/u.crt, client-key: %s}
            contexts:
            - {name: x, context: {cluster: c, user: u}}
            current-context: x
            """ % (tmp_path / "certs" / "u.key"))
        ours, library = self.both(path)
        assert ours.host == library.host == "https://10.0.0.1:6443"
        assert ours.ssl_ca_cert == library.ssl_ca_cert == str(tmp_path / "certs" / "ca.crt")
        assert ours.cert_file == library.cert_file == str(tmp_path / "certs" / "u.crt")
        assert ours.key_file == library.key_file == str(tmp_path / "certs" / "u.key")
        assert ours.tls_server_name == library.tls_server_name == "api.example"
        assert ours.verify_ssl is library.verify_ssl is True
        assert ours.api_key == {"authorization": "Bearer t0k"}
        assert library.auth_settings()["BearerToken"]["value"] == "Bearer t0k"

    def test_data_over_files_token_over_token_file_and_insecure(self, tmp_path):
        (tmp_path / "token").write_text("from-file\n")
        path = write(tmp_path, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: %s,
                        insecure-skip-tls-verify: true, proxy-url: "http://proxy:3128"}
            users:
            - name: u
              user: {token: inline, tokenFile: token, client-certificate: gone.crt, client-certificate-data: %s,
                     client-key-data: %s}
            contexts:
            - {name: x, context: {cluster: c, user: u}}
            current-context: x
            """ % (b64(CA), b64(b"CERT"), b64(b"KEY")))
        ours, library = self.both(path)
        assert ours.ca_data == CA
        assert open(library.ssl_ca_cert, "rb").read() == CA
        assert (ours.cert_data, ours.key_data) == (b"CERT", b"KEY")
        assert ours.verify_ssl is library.verify_ssl is False
        assert ours.proxy == "http://proxy:3128"
        assert library.proxy in (None, ours.proxy)  # older library releases (30.1) ignore proxy-url
        assert ours.api_key == {"authorization": "Bearer inline"}
        assert library.auth_settings()["BearerToken"]["value"] == "Bearer inline"

    def test_user_and_password(self, tmp_path):
        path = write(tmp_path, """
            apiVersion: v1
            kind: Config
            clusters:
            - {name: c, cluster: {server: "http://127.0.0.1:8080"}}
            users:
            - {name: u, user: {username: ad, password: "p:w"}}
            contexts:
            - {name: x, context: {cluster: c, user: u}}
            - {name: y, context: {cluster: c}}
            current-context: y
            """)
        ours, library = self.both(path, context="x")
        assert ours.api_key["authorization"] == library.auth_settings()["BearerToken"]["value"] == \
            "Basic " + b64(b"ad:p:w")
        anonymous = k8s_client.direct_settings(params(kubeconfig=path), {})
        assert anonymous.api_key == {}

    def test_a_token_file(self, tmp_path):
        (tmp_path / "token").write_text("from-file\n")
        path = write(tmp_path, TestTheLibraryConnectsWhenItMust.KUBECONFIG % "{tokenFile: token}")
        ours, library = self.both(path)
        assert ours.api_key == {"authorization": "Bearer from-file"}
        assert library.auth_settings()["BearerToken"]["value"].startswith("Bearer from-file")


class TestTheLibraryConnectsWhenItMust:
    KUBECONFIG = """
        apiVersion: v1
        kind: Config
        clusters:
        - {name: c, cluster: {server: "https://10.0.0.1:6443"}}
        users:
        - name: u
          user: %s
        contexts:
        - {name: x, context: {cluster: c, user: u}}
        current-context: x
        """

    @pytest.mark.parametrize("user, plugin", [
        ("{exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}}", "exec"),
        ("{auth-provider: {name: oidc, config: {}}}", "auth-provider oidc"),
    ])
    def test_credential_plugins(self, tmp_path, user, plugin):
        path = write(tmp_path, self.KUBECONFIG % user)
        config = kubeconfig.read(path)
        assert kubeconfig.plugin_of(kubeconfig.context_of(config, path)[2]) == plugin
        assert k8s_client.direct_settings(params(kubeconfig=path), {}) is None

    def test_a_token_comes_before_exec_as_in_the_library(self, tmp_path):
        path = write(tmp_path, self.KUBECONFIG % "{token: t, exec: {command: get-token}}")
        assert k8s_client.direct_settings(params(kubeconfig=path), {}).api_key == {"authorization": "Bearer t"}

    def test_a_proxy_from_the_environment(self, tmp_path, monkeypatch):
        path = write(tmp_path, self.KUBECONFIG % "{token: t}")
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
        assert k8s_client.direct_settings(params(kubeconfig=path), {}) is None
        assert k8s_client.direct_settings(params(kubeconfig=path, proxy="http://other:3128"), {}).proxy == \
            "http://other:3128"

    def test_socks_proxy_and_in_cluster(self, tmp_path):
        path = write(tmp_path, self.KUBECONFIG % "{token: t}")
        assert k8s_client.direct_settings(params(kubeconfig=path, proxy="socks5://proxy:1080"), {}) is None
        assert k8s_client.direct_settings(params(), {"KUBECONFIG": str(tmp_path / "none")}) is None


class TestMistakesNameTheFix:
    def test_a_context_that_is_not_there(self, tmp_path):
        path = write(tmp_path, TestTheLibraryConnectsWhenItMust.KUBECONFIG % "{token: t}")
        with pytest.raises(kubeconfig.KubeconfigError) as caught:
            k8s_client.direct_settings(params(kubeconfig=path, context="prod"), {})
        assert str(caught.value) == "context prod is not in kubeconfig %s (it has: x); set context to one of them" \
            % path

    def test_a_cluster_or_user_that_is_not_there(self, tmp_path):
        path = write(tmp_path, """
            apiVersion: v1
            kind: Config
            clusters: []
            users: []
            contexts:
            - {name: x, context: {cluster: gone, user: u}}
            current-context: x
            """)
        with pytest.raises(kubeconfig.KubeconfigError, match="names cluster gone, which is not in the file"):
            k8s_client.direct_settings(params(kubeconfig=path), {})

    def test_not_yaml_and_not_a_kubeconfig(self, tmp_path):
        for text, expected in (("a: [", "is not YAML"), ("just text", "holds no kubeconfig")):
            path = write(tmp_path, text)
            with pytest.raises(kubeconfig.KubeconfigError, match=expected):
                k8s_client.direct_settings(params(kubeconfig=path), {})

    def test_a_file_it_names_that_is_not_there(self, tmp_path):
        path = write(tmp_path, TestTheLibraryConnectsWhenItMust.KUBECONFIG % "{token: t, client-certificate: u.crt}")
        with pytest.raises(kubeconfig.KubeconfigError) as caught:
            k8s_client.direct_settings(params(kubeconfig=path), {})
        assert str(caught.value) == ("client-certificate %s in kubeconfig %s does not exist; correct the path or use "
                                     "client-certificate-data" % (tmp_path / "u.crt", path))

    def test_a_missing_kubeconfig(self, tmp_path):
        with pytest.raises(k8s_client.ConfigException, match="kubeconfig=.*does not exist; give the path"):
            k8s_client.direct_settings(params(kubeconfig=str(tmp_path / "nope")), {})

    def test_an_unloadable_ca_names_the_file_and_the_option(self, tmp_path):
        (tmp_path / "ca.crt").write_text("not a certificate")
        with pytest.raises(ValueError) as caught:
            k8s_client.client_from_params(params(host="https://10.0.0.1:6443", api_key="t",
                                                 ca_cert=str(tmp_path / "ca.crt")))
        assert str(caught.value).startswith("the certificate authority %s cannot be loaded: " % (tmp_path / "ca.crt"))
        assert str(caught.value).endswith("Fix: check ca_cert (or the kubeconfig's certificate-authority)")


def in_a_fresh_interpreter(script, *args):
    """What `script` prints, run by a Python of its own: what it imports is not hidden by what the tests did."""
    return subprocess.run([sys.executable, "-c", script] + list(args), check=True, capture_output=True, text=True,
                          env={"PYTHONPATH": ":".join(p for p in sys.path if p)}).stdout.strip()


def test_a_kubeconfig_with_a_token_connects_without_importing_the_library(tmp_path):
    """The point of the own transport: a module run on a kubeconfig or host and token never loads kubernetes, nor
    urllib3 (which the library sends with), nor urllib.request when no proxy variable is set."""
    path = write(tmp_path, TestTheLibraryConnectsWhenItMust.KUBECONFIG % "{token: t}")
    script = textwrap.dedent("""
        import sys
        from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client
        spec = dict.fromkeys(client.AUTH_ARG_SPEC)
        spec["kubeconfig"] = sys.argv[1]
        made = client.client_from_params(spec)
        print(type(made.transport).__name__, sorted(m for m in sys.modules
                                                    if m.split(".")[0] in ("kubernetes", "urllib3")
                                                    or m == "urllib.request"))
        """)
    assert in_a_fresh_interpreter(script, path) == "DirectTransport []"


def test_host_and_token_connect_without_importing_yaml():
    """Settings that come from options or K8S_AUTH_* alone (an AWX credential) read no kubeconfig, so PyYAML stays
    out of the module's start."""
    script = textwrap.dedent("""
        import sys
        from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client
        spec = dict.fromkeys(client.AUTH_ARG_SPEC)
        spec.update(host="https://10.0.0.1:6443", api_key="t", validate_certs=False)
        made = client.client_from_params(spec)
        print(type(made.transport).__name__, sorted(m for m in sys.modules if m.split(".")[0] == "yaml"))
        """)
    assert in_a_fresh_interpreter(script) == "DirectTransport []"


@pytest.mark.parametrize("config, context, names", [
    ({"current-context": "one", "contexts": [{"name": "one", "context": {"cluster": "c", "user": "u"}}]}, None,
     ("one", "u", "c")),
    ({"current-context": "one", "contexts": [{"name": "one", "context": {"cluster": "c"}}]}, "two", ("two", None, None)),
    ({"contexts": ["not a mapping", {"name": "one", "context": "nor this"}]}, "one", ("one", None, None)),
    ({}, None, (None, None, None)),
])
def test_names_for_messages_never_fail(config, context, names):
    assert kubeconfig.names_of(config, context) == names
