# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""stateful.nfs.verify_persistence: prove that each replica's data survives pod restarts.

plan (inputs -> target and ordered steps), observe (one replica's identity), access (the volume-access preflight:
its script, the parser and the likely cause of a failure), pod_exec (the exec boundary),
disruptions (delete, restart, scale; each waits for recreated, Ready pods), dns (nslookup answers),
checks (observations -> findings), report (JSON and JUnit XML), runner (the run, I/O at the edges).
"""
