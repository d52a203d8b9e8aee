# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The platform attribute of the modules that only talk to the Kubernetes API.
    KUBERNETES = r"""
attributes:
  platform:
    support: full
    platforms: kubernetes
    description: Talks to the Kubernetes API.
"""
