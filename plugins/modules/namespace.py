#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: namespace
short_description: A Kubernetes Namespace that exists, with the labels and annotations asked for
version_added: 0.1.0
description:
  - Creates the Namespace when it is missing, and sets the labels and annotations given on it.
  - Reconciles with server-side apply under the field manager C(stateful.nfs), and only when the live
    Namespace differs, so a second identical run reports no change and leaves the resourceVersion untouched.
    Labels and annotations set by others are kept; one this module set earlier and that is no longer given is
    removed.
  - The module never deletes a Namespace (deleting one deletes every claim in it). There is no C(state) option;
    remove a namespace with C(kubectl delete namespace) when you mean it.
  - A Namespace that is being deleted (C(Terminating)) cannot receive new objects; with O(wait=true) the module
    waits until it is gone and creates it again, otherwise it fails naming the fix.
  - All input is validated before any API call; every error names the field, the bad value and the fix.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  name:
    description:
      - Name of the Namespace, a DNS-1123 label.
    type: str
    required: true
  labels:
    description:
      - Labels the Namespace carries. Values must be strings.
    type: dict
    default: {}
  annotations:
    description:
      - Annotations the Namespace carries. Values must be strings.
    type: dict
    default: {}
  wait:
    description:
      - When the Namespace is being deleted, wait until it is gone, then create it.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for a Namespace that is being deleted. On timeout the module fails naming its finalizers.
    type: int
    default: 120
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: Creates and updates are sent with C(dryRun=All); nothing is stored.
  diff_mode:
    support: full
    description: Returns the Namespace before and after, without server bookkeeping.
notes:
  - In check mode, a Namespace that does not exist yet is only dry-run created, so namespaced objects planned
    after it in the same check-mode run are refused by the server.
seealso:
  - module: stateful.nfs.volumes
  - module: stateful.nfs.statefulset
"""

EXAMPLES = r"""
- name: The app's namespace, marked as managed by stateful.nfs
  stateful.nfs.namespace:
    name: demo
    labels:
      app.kubernetes.io/managed-by: stateful.nfs

- name: A namespace that may still be terminating from an earlier teardown
  stateful.nfs.namespace:
    name: demo
    annotations:
      owner: team-storage
    wait: true
    wait_timeout: 300
"""

RETURN = r"""
changed:
  description: Whether the Namespace was (or in check mode would be) created or updated.
  returned: always
  type: bool
action:
  description: What was done, V(create), V(update) or V(none).
  returned: always
  type: str
  sample: create
namespace:
  description: The Namespace as the server stored it (in check mode, as it would store it).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the Namespace.
      type: str
      sample: demo
    uid:
      description: Its uid; null in check mode when it would be created.
      type: str
    resource_version:
      description: Its resourceVersion; unchanged when nothing changed.
      type: str
      sample: "4711"
    phase:
      description: V(Active), or V(Terminating) while it is being deleted.
      type: str
      sample: Active
    labels:
      description: All its labels, including those set by others.
      type: dict
      sample: {app.kubernetes.io/managed-by: stateful.nfs, kubernetes.io/metadata.name: demo}
    annotations:
      description: All its annotations, including those set by others.
      type: dict
      sample: {}
diff:
  description: The Namespace before and after, without server bookkeeping.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import namespace
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    labels=dict(type="dict", default={}),
    annotations=dict(type="dict", default={}),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=120),
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, k8s_runner.without_problems(namespace.problems),
                   lambda client, params: namespace.ensure(client, params, check_mode=module.check_mode, diff=module._diff))


if __name__ == "__main__":
    main()
