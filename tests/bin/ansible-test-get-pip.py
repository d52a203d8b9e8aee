# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ansible-test downloads to seed its virtualenvs.

ansible-test fetches that script from a host outside the package index, which machines that reach
only PyPI cannot resolve. This does the same job with the standard library's ensurepip, then lets
pip install the exact versions ansible-test asked for from PyPI.
"""

import ensurepip
import os
import runpy
import sys

# get-pip.py flags that are not pip flags: they only say "do not add setuptools/wheel implicitly".
GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}

ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null; the real install must see the machine's pip.conf
# (index mirror, CA bundle).
os.environ.pop("PIP_CONFIG_FILE", None)
sys.argv = ["pip", "install", "--upgrade"] + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
