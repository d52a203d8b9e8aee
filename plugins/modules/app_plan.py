#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done on the controller by the action plugin of the same name (plugins/action/app_plan.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: app_plan
short_description: Validate and plan the whole stateful_apps description before anything changes
version_added: 0.2.0
description:
  - Takes the whole O(apps) list (the C(stateful_apps) of the playbooks), applies the defaults, checks every
    entry against the stateful.nfs.app role's argument spec and against the rules of every module the
    workflow runs for it, and returns the normalized apps and the plan of both planes.
  - "Fails listing every problem of every entry at once, one line each, naming the entry, the field as
    written in the entry, the value and the fix, for example
    C(stateful_apps[1] demo/web: storage.size='1Gx': is not a Kubernetes quantity. Fix: use a Kubernetes quantity such as 1Gi or 500Mi)."
  - Runs on the controller and touches nothing; the playbooks run it in their first play, and each role runs it
    again for the part it applies, so a role used alone refuses bad input the same way.
author:
  - stateful.nfs contributors (@stateful-nfs)
attributes:
  check_mode:
    support: full
    description: Nothing is ever changed; the plan is the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    platforms: all
    description: Runs on the controller.
    support: full
options:
  apps:
    description:
      - The apps, one entry each, as documented by the stateful.nfs.app role (C(ansible-doc -t role stateful.nfs.app)).
    type: raw
    required: true
  teardown:
    description: Plan every app as C(state=absent) (the teardown playbook).
    type: bool
    default: false
  workflow:
    description: Which workflow the RV(access) list is for.
    type: str
    choices: [site, teardown, verify]
    default: site
  proof:
    description: The run includes the proof (stateful.nfs.verify), so RV(access) lists what the proof needs too.
    type: bool
    default: true
  check_hosts:
    description: Require C(storage.nfs.host) of each entry to be a host of the inventory (or C(localhost)).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Plan every app (fails listing every problem)
  stateful.nfs.app_plan:
    apps: "{{ stateful_apps }}"
  register: plan

- name: Show what the run would create on the NFS hosts and in the cluster
  ansible.builtin.debug:
    msg:
      nfs: "{{ plan.nfs }}"
      cluster: "{{ plan.cluster }}"
"""

RETURN = r"""
problems:
  description: Every problem, one line each; empty when the description is good.
  returned: always
  type: list
  elements: str
apps:
  description:
    - The entries with every default filled in, plus C(service_name), C(storage.nfs.export_name), C(selector)
      (the pods' label) and C(ordinals). Empty when there are problems.
  returned: always
  type: list
  elements: dict
nfs:
  description:
    - Per inventory host (C(storage.nfs.host)), one item per app it serves, with C(name), C(namespace), C(state),
      C(export_name), C(server), C(exports) (the C(path) of each replica's directory, in the order of C(ordinals)), C(clients),
      C(owner), C(group), C(mode).
  returned: always
  type: dict
nfs_exports:
  description: The RV(nfs) items of the host the task runs for (what the stateful.nfs.server role applies there).
  returned: always
  type: list
  elements: dict
cluster:
  description:
    - What the workflow creates in the cluster, C(namespaces), C(persistent_volumes) (C(name), C(nfs) as
      C(server:path), C(claim)), C(claims), C(services) and C(statefulsets), each as C(namespace/name).
  returned: always
  type: dict
access:
  description:
    - What the workflow asks of the API, C(verb), C(resource), C(subresource), C(group), C(namespace) each,
      for stateful.nfs.cluster_check.
  returned: always
  type: list
  elements: dict
"""
