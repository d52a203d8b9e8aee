#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_check
short_description: Before anything changes, check that the Kubernetes API answers and allows what the run needs
version_added: 0.1.0
description:
  - Checks, read-only, that the Kubernetes API server answers (C(GET /version)), that it accepts the credential,
    and that the user may do each of the O(access) items (one C(SelfSubjectAccessReview) per item); and reports
    whether each namespace named in O(access) exists.
  - An unreachable server fails naming the host tried and where that host was set (the O(host) option, the
    E(K8S_AUTH_HOST) environment variable, a context of a kubeconfig file and which setting named that file, or
    the in-cluster service account), and what to check.
  - A rejected credential (HTTP 401) fails naming which credential was sent (the token of O(api_key) or
    E(K8S_AUTH_API_KEY), the user of the kubeconfig context, the O(client_cert) file, the in-cluster token), never
    the secret itself.
  - Denied items fail the task once, listing every denied verb, resource and namespace, with the user the server
    saw (from a C(SelfSubjectReview), where the server has it) and the C(kubectl) commands that grant them.
  - A namespace that does not exist does not fail the task; the message says that the workflow creates it
    (M(stateful.nfs.namespace)) or how to create it.
  - Nothing is changed; reviews are answered by the server and not stored.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  access:
    description:
      - What the run needs to do. Each item is checked with a C(SelfSubjectAccessReview).
      - Without items only the connection and the credential are checked.
    type: list
    elements: dict
    default: []
    suboptions:
      verb:
        description:
          - The verb, for example V(get), V(list), V(watch), V(create), V(patch), V(update), V(delete), or V(*).
        type: str
        required: true
      resource:
        description:
          - The resource, in the plural and lowercase, for example V(persistentvolumes), V(statefulsets), V(pods).
        type: str
        required: true
      subresource:
        description:
          - A subresource, for example V(exec) (of V(pods)) or V(scale) (of V(statefulsets)).
        type: str
      group:
        description:
          - The API group of O(access[].resource); V("") for the core group (V(persistentvolumes), V(pods),
            V(services), V(namespaces)), V(apps) for V(statefulsets).
        type: str
        default: ""
      namespace:
        description:
          - The namespace the verb is checked in. Leave it out for cluster-scoped resources, or to check the verb
            in every namespace.
          - Each namespace given is also looked up, and returned in RV(namespaces).
        type: str
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: The module only reads and asks reviews; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
notes:
  - Where the host came from is worked out from the options and the environment; an option that a task sets to the
    same value as its E(K8S_AUTH_*) variable is reported as coming from that variable.
seealso:
  - module: stateful.nfs.namespace
  - name: Kubernetes SelfSubjectAccessReview
    description: How the server answers whether the user may do something.
    link: https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access
"""

EXAMPLES = r"""
- name: The API answers and the workflow may do what it needs
  stateful.nfs.cluster_check:
    access:
      - {verb: create, resource: namespaces}
      - {verb: patch, resource: namespaces}
      - {verb: list, resource: persistentvolumes}
      - {verb: patch, resource: persistentvolumes}
      - {verb: patch, resource: services, namespace: demo}
      - {verb: patch, resource: statefulsets, group: apps, namespace: demo}
      - {verb: create, resource: pods, subresource: exec, namespace: demo}
  register: cluster

- name: Where the API server address came from
  ansible.builtin.debug:
    msg: "{{ cluster.host }} from {{ cluster.host_source }}, {{ cluster.server_version }}, as {{ cluster.user }}"

- name: Only the connection and the credential, with an explicit token
  stateful.nfs.cluster_check:
    host: https://10.0.0.1:6443
    api_key: "{{ k8s_token }}"
    ca_cert: /etc/stateful-nfs/ca.pem
"""

RETURN = r"""
changed:
  description: Always V(false).
  returned: always
  type: bool
msg:
  description: What was checked, and a note for each namespace that does not exist.
  returned: always
  type: str
  sample: >-
    the Kubernetes API server https://127.0.0.1:6443 (from context admin@testbed in kubeconfig /root/.kube/config,
    named by the default ~/.kube/config) answers (v1.36.3) and accepts user admin; all 2 access checks are allowed
host:
  description: The API server URL tried.
  returned: always
  type: str
  sample: https://127.0.0.1:6443
host_source:
  description:
    - Where RV(host) was set, V(the host option), V(the K8S_AUTH_HOST environment variable), the context and the
      kubeconfig file (and which setting named the file), or the in-cluster service account.
  returned: always
  type: str
  sample: context admin@testbed in kubeconfig /root/.kube/config, named by the KUBECONFIG environment variable
server_version:
  description: The server's C(gitVersion); null when it could not be reached.
  returned: always
  type: str
  sample: v1.36.3
user:
  description: The user name the server authenticated; null when unknown (servers before 1.28, or not reached).
  returned: always
  type: str
  sample: system:serviceaccount:awx:deployer
groups:
  description: The groups of RV(user); empty when unknown.
  returned: always
  type: list
  elements: str
  sample: [system:serviceaccounts, system:authenticated]
allowed:
  description: The O(access) items the user may do, normalized.
  returned: always
  type: list
  elements: dict
  contains:
    verb:
      description: The verb.
      type: str
      sample: patch
    resource:
      description: The resource.
      type: str
      sample: statefulsets
    subresource:
      description: The subresource, or null.
      type: str
    group:
      description: The API group, V("") for the core group.
      type: str
      sample: apps
    namespace:
      description: The namespace, or null for cluster-scoped (or every namespace).
      type: str
      sample: demo
denied:
  description: The O(access) items the user may not do, as in RV(allowed), each with the server's C(reason).
  returned: always
  type: list
  elements: dict
  sample: [{verb: create, resource: persistentvolumes, subresource: null, group: "", namespace: null, reason: null}]
namespaces:
  description:
    - For each namespace named in O(access), whether it exists; null when reading it is forbidden.
  returned: always
  type: dict
  sample: {demo: false}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import cluster_check
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

ARGUMENT_SPEC = dict(
    access=dict(type="list", elements="dict", default=[], options=dict(
        verb=dict(type="str", required=True),
        resource=dict(type="str", required=True),
        subresource=dict(type="str"),
        group=dict(type="str", default=""),
        namespace=dict(type="str"),
    )),
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, k8s_runner.without_problems(cluster_check.problems), cluster_check.check)


if __name__ == "__main__":
    main()
