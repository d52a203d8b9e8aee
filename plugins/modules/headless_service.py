#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: headless_service
short_description: The headless Service that governs a StatefulSet
version_added: 0.1.0
description:
  - Creates, updates or deletes a headless Service (C(clusterIP) V(None)) whose named ports make DNS publish
    SRV records and whose selector gives every StatefulSet pod a stable name
    C(<pod>.<service>.<namespace>.svc.cluster.local).
  - Reconciles with server-side apply under the field manager C(stateful.nfs), and only when the live
    Service differs from the desired one, so a second identical run reports no change and leaves the
    resourceVersion untouched.
  - C(clusterIP) is immutable. An existing Service with a cluster IP cannot be made headless in place;
    the module fails and names the fix, or deletes and recreates it when O(recreate=true).
  - All input is validated before anything is touched; every error names the field, the bad value and the fix.
author:
  - stateful.nfs contributors (@stateful-nfs)
options:
  name:
    description:
      - Name of the Service. The StatefulSet's C(serviceName) must be this name.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the Service.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the Service; V(absent) deletes it (Services hold no data).
    type: str
    choices: [present, absent]
    default: present
  selector:
    description:
      - Pod labels the Service selects; normally the StatefulSet's selector.
      - Required and must not be empty when O(state=present).
    type: dict
  ports:
    description:
      - The Service's ports. Each port must have a name, because DNS publishes SRV records
        (C(_<name>._<protocol>.<service>.<namespace>.svc.cluster.local)) only for named ports.
      - A headless Service may have no ports at all; then DNS publishes only the pods' A records.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Port name, a DNS-1123 label, unique within the Service. Required (validated with a message
            that names the port).
        type: str
      port:
        description:
          - Port number.
        type: int
        required: true
      target_port:
        description:
          - Container port number or container port name the traffic goes to. Defaults to O(ports[].port).
        type: raw
      protocol:
        description:
          - Protocol of the port.
        type: str
        choices: [TCP, UDP, SCTP]
        default: TCP
      app_protocol:
        description:
          - Application protocol hint (C(appProtocol)), for example V(http).
        type: str
  publish_not_ready_addresses:
    description:
      - Publish DNS records for pods before they are Ready. Peers of a clustered application often need
        to find each other during start-up.
    type: bool
    default: false
  labels:
    description:
      - Labels of the Service.
    type: dict
    default: {}
  annotations:
    description:
      - Annotations of the Service.
    type: dict
    default: {}
  recreate:
    description:
      - What to do when the live Service has a cluster IP, which cannot be changed to C(None) in place.
      - V(false) fails and names the fix.
      - V(true) deletes the Service (with a uid precondition, so a successor is never deleted), waits up to
        60 seconds until it is gone, and creates the headless Service. Clients see a short gap.
    type: bool
    default: false
extends_documentation_fragment:
  - stateful.nfs.k8s_auth
  - stateful.nfs.attributes.kubernetes
attributes:
  check_mode:
    support: full
    description: Changes are sent with C(dryRun=All); a recreate is planned (dry-run delete) and nothing is touched.
  diff_mode:
    support: full
    description: Returns the Service before and after.
seealso:
  - module: stateful.nfs.statefulset
"""

EXAMPLES = r"""
- name: Governing Service of the web StatefulSet
  stateful.nfs.headless_service:
    name: web
    namespace: demo
    selector:
      app.kubernetes.io/name: web
    ports:
      - name: web
        port: 80

- name: Turn an existing ClusterIP Service headless (deletes and recreates it)
  stateful.nfs.headless_service:
    name: db
    namespace: demo
    selector:
      app.kubernetes.io/name: db
    ports:
      - name: postgres
        port: 5432
    publish_not_ready_addresses: true
    recreate: true

- name: Remove the Service
  stateful.nfs.headless_service:
    name: web
    namespace: demo
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the Service was (or in check mode would be) created, changed, recreated or deleted.
  returned: always
  type: bool
action:
  description: What was done, V(create), V(update), V(recreate), V(delete) or V(none).
  returned: always
  type: str
  sample: create
service:
  description:
    - The Service as the server stored it (in check mode, the dry-run answer or, for a recreate, the desired
      manifest). For V(delete), the Service before deletion. Empty when absent and nothing was done.
  returned: always
  type: dict
  sample:
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: demo, resourceVersion: "1234"}
    spec:
      clusterIP: None
      selector: {app.kubernetes.io/name: web}
      ports: [{name: web, port: 80, protocol: TCP, targetPort: 80}]
diff:
  description: The Service before and after, without server bookkeeping.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.stateful.nfs.plugins.module_utils import headless_service
from ansible_collections.stateful.nfs.plugins.module_utils.k8s import client as k8s_client, runner as k8s_runner

PORT_SPEC = dict(
    name=dict(type="str"),
    port=dict(type="int", required=True),
    target_port=dict(type="raw"),
    protocol=dict(type="str", choices=["TCP", "UDP", "SCTP"], default="TCP"),
    app_protocol=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    selector=dict(type="dict"),
    ports=dict(type="list", elements="dict", options=PORT_SPEC, default=[]),
    publish_not_ready_addresses=dict(type="bool", default=False),
    labels=dict(type="dict", default={}),
    annotations=dict(type="dict", default={}),
    recreate=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=dict(ARGUMENT_SPEC, **k8s_client.AUTH_ARG_SPEC), supports_check_mode=True)
    k8s_runner.run(module, k8s_runner.without_problems(headless_service.problems),
                   lambda client, params: headless_service.ensure(client, params, check_mode=module.check_mode, diff=module._diff))


if __name__ == "__main__":
    main()
