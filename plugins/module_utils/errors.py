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


class SpecErrors(SpecError):
    """Several input problems at once; the message lists every one (field, value and fix each)."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(SpecErrors, self).__init__(
            ", ".join(problem.field for problem in self.problems),
            [problem.value for problem in self.problems],
            "; ".join(problem.problem for problem in self.problems),
            "; ".join(problem.fix for problem in self.problems))
        self.args = ("; ".join(str(problem) for problem in self.problems),)


def raise_all(problems):
    """Raise the one SpecError, or SpecErrors naming all of them; nothing when the list is empty."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise SpecErrors(problems)


def gather(checks):
    """Run zero-argument validators that raise SpecError; return every problem (SpecErrors unpacked)."""
    problems = []
    for check in checks:
        try:
            check()
        except SpecErrors as exc:
            problems.extend(exc.problems)
        except SpecError as exc:
            problems.append(exc)
    return problems


def collect(checks):
    """Run zero-argument validators; return all their problems in one message (as SpecErrors words it), or None.

    Reporting every bad field at once saves a user one run per typo.
    """
    problems = gather(checks)
    return str(SpecErrors(problems)) if problems else None


class Failure(Exception):
    """A run that cannot finish as asked. `result` holds return values that explain it (fail_json(**result))."""

    def __init__(self, message, **result):
        super(Failure, self).__init__(message)
        self.result = result
