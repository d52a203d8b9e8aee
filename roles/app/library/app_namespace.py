#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: app_namespace
short_description: The namespace of a stateful app (internal to the stateful.nfs.app role)
version_added: 0.1.0
description:
  - Creates the namespace with the label C(app.kubernetes.io/managed-by=stateful.nfs) and O(labels), by server-side
    apply under the field manager C(stateful.nfs), only when the live namespace lacks them.
  - Never deletes a namespace; deleting one deletes every claim in it.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  name:
    description: Name of the namespace, a DNS-1123 label.
    type: str
    required: true
  labels:
    description: Extra labels of the namespace.
    type: dict
    default: {}
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
attributes:
  check_mode:
    support: full
    description: A create is sent with C(dryRun=All).
  diff_mode:
    support: full
    description: Returns the namespace before and after.
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API.
"""

EXAMPLES = r"""
- name: The namespace of the web app
  app_namespace:
    name: demo
"""

RETURN = r"""
action:
  description: V(create), V(update) or V(none).
  returned: always
  type: str
namespace:
  description: The namespace as the server stored it.
  returned: always
  type: dict
diff:
  description: The namespace before and after.
  returned: when diff mode is on
  type: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.stateful.nfs.plugins.module_utils import k8s_client, reconcile

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def manifest(name, labels):
    all_labels = dict(labels or {})
    all_labels["app.kubernetes.io/managed-by"] = "stateful.nfs"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": all_labels}}


def main():
    module = AnsibleModule(
        argument_spec=dict(dict(name=dict(type="str", required=True), labels=dict(type="dict", default={})),
                           **k8s_client.AUTH_ARG_SPEC),
        supports_check_mode=True)
    name = module.params["name"]
    if not DNS_LABEL.match(name):
        module.fail_json(msg="namespace=%r: not a DNS-1123 label. Fix: use at most 63 lowercase letters, digits and "
                             "'-', starting and ending with a letter or digit." % name)
    client = k8s_client.connect(module)
    try:
        live = client.get("Namespace", name)
        outcome = reconcile.reconcile(client, manifest(name, module.params["labels"]), live,
                                      check_mode=module.check_mode)
    except k8s_client.K8sError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=outcome.changed, action=outcome.action, namespace=outcome.after or {})
    if module._diff:
        result["diff"] = outcome.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
