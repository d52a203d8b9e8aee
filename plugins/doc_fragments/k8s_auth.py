# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Same option names and K8S_AUTH_* variables as kubernetes.core, so AWX's
    # Kubernetes credential and existing module_defaults work unchanged.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file.
      - When neither O(kubeconfig) nor O(host) is set, the file named by E(KUBECONFIG) or C(~/.kube/config)
        is used, and inside a pod the in-cluster service account.
      - Can also be set with the E(K8S_AUTH_KUBECONFIG) environment variable.
    type: path
  context:
    description:
      - The kubeconfig context to use.
      - Can also be set with the E(K8S_AUTH_CONTEXT) environment variable.
    type: str
  host:
    description:
      - URL of the Kubernetes API server, for example V(https://10.0.0.1:6443).
      - Can also be set with the E(K8S_AUTH_HOST) environment variable (AWX's Kubernetes credential sets it).
    type: str
  api_key:
    description:
      - Bearer token for the API server.
      - Can also be set with the E(K8S_AUTH_API_KEY) environment variable. It is never logged.
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate.
      - Can also be set with the E(K8S_AUTH_VERIFY_SSL) environment variable.
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path to a CA bundle that signs the API server's certificate.
      - Can also be set with the E(K8S_AUTH_SSL_CA_CERT) environment variable.
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate for TLS client authentication.
      - Can also be set with the E(K8S_AUTH_CERT_FILE) environment variable.
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the key of O(client_cert).
      - Can also be set with the E(K8S_AUTH_KEY_FILE) environment variable.
    type: path
    aliases: [key_file]
  proxy:
    description:
      - URL of an HTTP proxy to reach the API server through, for example V(http://user:password@proxy:3128).
      - Can also be set with the E(K8S_AUTH_PROXY) environment variable. It is never logged, and error
        messages show it without its user name and password.
    type: str
requirements:
  - kubernetes >= 30.1.0 (Python library)
notes:
  - Every module that talks to Kubernetes belongs to the action group C(stateful.nfs.k8s), so
    C(module_defaults) with C(group/stateful.nfs.k8s) sets these options once for a play.
  - The modules read the kubeconfig and send their requests themselves (with Python's http.client) when its
    user has a token, a client certificate or a user name and password, or with O(host) and O(api_key); the
    kubernetes library is then not loaded, which saves about 0.4 s a task. A user with a credential plugin
    (C(exec), C(auth-provider)), the in-cluster service account, a proxy named only by the environment
    (E(HTTPS_PROXY)), a SOCKS proxy and an C(https://) proxy go through the kubernetes library, as does exec in
    pods.
"""
