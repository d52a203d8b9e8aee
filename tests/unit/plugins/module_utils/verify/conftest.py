# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.fakes import Clock
from ansible_collections.stateful.nfs.tests.unit.plugins.module_utils.verify.verify_fakes import FakeCluster, make_sts


@pytest.fixture
def fake_time():
    return Clock()


@pytest.fixture
def cluster():
    return FakeCluster(make_sts())
