# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input errors that name the field, the bad value and the fix, raised before anything is touched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class SpecError(ValueError):
    """A user input cannot work. Raised by validators before any write."""

    def __init__(self, field, value, problem, fix):
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super(SpecError, self).__init__("%s=%r: %s. Fix: %s" % (field, value, problem, fix))


def collect(checks):
    """Run zero-argument validators; return all their SpecErrors' messages joined, or None.

    Reporting every bad field at once saves a user one run per typo.
    """
    problems = []
    for check in checks:
        try:
            check()
        except SpecError as exc:
            problems.append(str(exc))
    return "; ".join(problems) if problems else None


class Failure(Exception):
    """A run that cannot finish as asked. `result` holds return values that explain it (fail_json(**result))."""

    def __init__(self, message, **result):
        super(Failure, self).__init__(message)
        self.result = result
