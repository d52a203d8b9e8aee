# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The naming contract's one rule for recognising a StatefulSet's claims by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.stateful.nfs.plugins.module_utils import naming


@pytest.mark.parametrize("name, ordinal", [
    ("www-web-0", 0), ("www-web-12", 12),
    ("www-web-01", None),  # the controller never writes a leading zero
    ("www-web-", None), ("www-webx-0", None), ("data-web-0", None), ("www-web-1a", None),
    ("www-web-\u0661", None),  # a non-ASCII digit is not an ordinal
])
def test_claim_ordinal(name, ordinal):
    assert naming.claim_ordinal("www", "web", name) == ordinal


def test_claim_ordinal_inverts_claim_name():
    assert all(naming.claim_ordinal("www", "web", naming.claim_name("www", "web", n)) == n for n in range(0, 30))
