# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many API calls at once, on the one client, results in order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

# Writes in flight at once. The API server takes many more (--max-mutating-requests-inflight 200), but the
# kubernetes library's connection pool holds 5 connections per CPU, and the module shares the CPUs with
# ansible-playbook and the API server itself: 8 is what the benchmark's floor (tests/bench/floor.py) uses.
WRITERS = 8


def parallel(function, items, workers):
    """[function(item) for item in items], run by up to `workers` threads; results in the order of items."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
