# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.stateful.nfs.plugins.module_utils.verify import dns

BUSYBOX_A = """Server:\t\t172.30.0.10
Address:\t172.30.0.10:53

Name:\tweb-0.web.demo.svc.cluster.local
Address: 10.244.0.7

"""

OLD_BUSYBOX_A = """Server:    172.30.0.10
Address 1: 172.30.0.10 kube-dns.kube-system.svc.cluster.local

Name:      web-0.web.demo.svc.cluster.local
Address 1: 10.244.0.7 web-0.web.demo.svc.cluster.local
"""

NXDOMAIN = """Server:\t\t172.30.0.10
Address:\t172.30.0.10:53

** server can't find web-0.web.demo.svc.cluster.local: NXDOMAIN

"""

SRV = """Server:\t\t172.30.0.10
Address:\t172.30.0.10:53

_web._tcp.web.demo.svc.cluster.local\tservice = 0 50 80 web-1.web.demo.svc.cluster.local
_web._tcp.web.demo.svc.cluster.local\tservice = 0 50 80 web-0.web.demo.svc.cluster.local.

"""


def test_names():
    assert dns.pod_fqdn("web-0", "web", "demo") == "web-0.web.demo.svc.cluster.local"
    assert dns.srv_name("web", "TCP", "web", "demo", "example.org") == "_web._tcp.web.demo.svc.example.org"
    assert dns.a_command("x") == ["nslookup", "-type=A", "x"]
    assert dns.srv_command("x") == ["nslookup", "-type=SRV", "x"]


def test_addresses_skip_the_server():
    assert dns.parse_addresses(BUSYBOX_A) == ["10.244.0.7"]
    assert dns.parse_addresses(OLD_BUSYBOX_A) == ["10.244.0.7"]
    assert dns.parse_addresses(NXDOMAIN) == []
    assert dns.parse_addresses("") == []


def test_srv_targets_sorted_without_trailing_dot():
    assert dns.parse_srv_targets(SRV) == ["web-0.web.demo.svc.cluster.local", "web-1.web.demo.svc.cluster.local"]
    assert dns.parse_srv_targets(NXDOMAIN) == []


def test_srv_port_is_the_first_named_port():
    service = {"spec": {"ports": [{"port": 9}, {"name": "web", "port": 80, "protocol": "UDP"}]}}
    assert dns.srv_port_of(service) == ("web", "UDP")
    assert dns.srv_port_of({"spec": {"ports": [{"port": 9}]}}) == (None, None)
