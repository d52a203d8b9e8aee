# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNS names of a StatefulSet's pods and the answers of nslookup inside a replica. Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_ADDRESS = re.compile(r"^Address(?:\s+\d+)?:\s*([0-9A-Fa-f.:]+)(?:\s|$)")
_SRV = re.compile(r"service\s*=\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)")


def pod_fqdn(pod, service, namespace, domain="cluster.local"):
    return "%s.%s.%s.svc.%s" % (pod, service, namespace, domain)


def srv_name(port_name, protocol, service, namespace, domain="cluster.local"):
    return "_%s._%s.%s.%s.svc.%s" % (port_name, (protocol or "TCP").lower(), service, namespace, domain)


def a_command(name):
    return ["nslookup", "-type=A", name]


def srv_command(name):
    return ["nslookup", "-type=SRV", name]


def _answer_blocks(output):
    """nslookup prints the server it asked first ("Server:" and "Address:" lines); the answers follow."""
    blocks = re.split(r"\n\s*\n", (output or "").strip())
    return [block for block in blocks if not re.search(r"^Server:", block, re.M)]


def parse_addresses(output):
    """IP addresses in nslookup's answer (busybox and bind styles), in order, without the server's address."""
    found = []
    for block in _answer_blocks(output):
        for line in block.splitlines():
            match = _ADDRESS.match(line.strip())
            if match and match.group(1) not in found:
                found.append(match.group(1).rstrip("."))
    return found


def parse_srv_targets(output):
    """The target host names of the SRV records in nslookup's answer, without the trailing dot, sorted."""
    targets = set()
    for line in (output or "").splitlines():
        match = _SRV.search(line)
        if match:
            targets.add(match.group(4).rstrip(".").lower())
    return sorted(targets)


def srv_port_of(service):
    """(port name, protocol) of the Service's first named port, or (None, None): only named ports have SRV records."""
    for port in ((service or {}).get("spec") or {}).get("ports") or []:
        if port.get("name"):
            return port["name"], port.get("protocol") or "TCP"
    return None, None
