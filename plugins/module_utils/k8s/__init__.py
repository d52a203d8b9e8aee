# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes plumbing every Kubernetes module shares.

client (auth options, one client, one error format), runner (the run of a module: check, connect, act, report),
reconcile (read, compare, then server-side apply only what differs), waiter (polling with a deadline),
concurrency (many calls at once on the one client).
"""
