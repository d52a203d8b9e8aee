# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities ("1Gi", "500M", "0.5") as exact numbers, so 1Gi == 1024Mi."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
            "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


def parse_quantity(value):
    """The quantity's value as a Decimal; ValueError names the bad text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError("%r is not a Kubernetes quantity (examples: 1Gi, 500Mi, 10G)" % (value,))
    number, exponent, suffix = match.groups()
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise ValueError("%r is not a Kubernetes quantity (examples: 1Gi, 500Mi, 10G)" % (value,))
    if exponent:
        return amount * (Decimal(10) ** int(exponent[1:]))
    suffix = suffix or ""
    return amount * Decimal(_BINARY[suffix] if suffix in _BINARY else _DECIMAL[suffix])


def is_quantity(value):
    try:
        parse_quantity(value)
        return True
    except ValueError:
        return False
