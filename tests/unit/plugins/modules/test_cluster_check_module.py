# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster_check module end to end over a fake client: arguments, check mode, failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

import pytest

from ansible_collections.stateful.nfs.plugins.modules import cluster_check as module
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.test_cluster_check import (
    ACCESS, ALL_ALLOWED, FakeClient)


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, module.main)


@pytest.mark.parametrize("check_mode", [False, True])
def test_allowed_is_never_changed(run, check_mode):
    client = FakeClient(allowed=ALL_ALLOWED, namespaces=())
    failed, result = run(dict(access=ACCESS), client, check_mode=check_mode)
    assert not failed and result["changed"] is False
    assert len(result["allowed"]) == 3 and result["namespaces"] == {"demo": False}
    assert client.writes() == []


def test_denied_fails_with_every_item(run):
    failed, result = run(dict(access=ACCESS), FakeClient())
    assert failed and result["changed"] is False
    assert len(result["denied"]) == 3 and "may not do 3 of the 3 things" in result["msg"]


def test_bad_input_fails_before_connecting(run):
    failed, result = run(dict(access=[{"verb": "list", "resource": "StatefulSet"}]), None)
    assert failed and "access[0].resource='StatefulSet'" in result["msg"]


def test_verb_and_resource_are_required(run):
    failed, result = run(dict(access=[{"resource": "pods"}]), None)
    assert failed and "verb" in result["msg"]
