# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules every module and the plan of the roles share. Pure.

Each function takes the field name (as the caller's user wrote it: `size` for a module option,
`storage.size` for a stateful_apps entry) and the value, and returns a list of SpecError: empty when
the value is fine. `errors.raise_all` turns a list into one exception where a module needs one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import posixpath
import re

from ansible_collections.stateful.nfs.plugins.module_utils import naming
from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.quantity import parse_quantity

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
HOSTNAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\.?$")
OCTAL_MODE = re.compile(r"^0?[0-7]{3}$|^[0-7]{4}$")


def _problem(field, value, problem, fix):
    return [SpecError(field, value, problem, fix)]


def dns1123_label(field, value, what="object", example="web"):
    if not isinstance(value, str) or not value or len(value) > 63 or not DNS1123_LABEL.match(value):
        return _problem(field, value, "is not a valid %s name (a DNS-1123 label: lower-case letters, digits and '-', "
                                      "starting and ending with a letter or digit, at most 63 characters)" % what,
                        "use a name like %r" % example)
    return []


def dns1035_label(field, value, what="Service", example="web"):
    if not isinstance(value, str) or not value or len(value) > 63 or not DNS1035_LABEL.match(value):
        return _problem(field, value, "is not a valid %s name (a DNS-1035 label: lower-case letters, digits and '-', "
                                      "starting with a letter, at most 63 characters)" % what,
                        "use a name like %r" % example)
    return []


def dns1123_subdomain(field, value, what="object"):
    if not isinstance(value, str) or not value or len(value) > 253 or not DNS1123_SUBDOMAIN.match(value):
        return _problem(field, value, "is not a valid %s name (a DNS-1123 subdomain: lower-case letters, digits, "
                                      "'-' and '.', at most 253 characters)" % what,
                        "use shorter names of lower-case letters, digits and '-'")
    return []


def label_key(field, key):
    """A label or annotation key: [prefix/]name, prefix a DNS subdomain, name at most 63 of [A-Za-z0-9-_.]."""
    prefix, slash, name = str(key).rpartition("/")
    if not name or len(name) > 63 or not LABEL_NAME.match(name) or (slash and not prefix) or (prefix and (
            len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix))):
        return _problem(field, key, "is not a valid key",
                        "use [prefix/]name: name at most 63 characters of letters, digits, '-', '_' and '.', "
                        "starting and ending alphanumeric; prefix a DNS subdomain such as example.com")
    return []


def label_value(field, value):
    if not isinstance(value, str):
        return _problem(field, value, "label values must be strings", "quote the value, for example '%s'" % (value,))
    if len(value) > 63 or (value and not LABEL_NAME.match(value)):
        return _problem(field, value, "is not a valid label value",
                        "use at most 63 characters of letters, digits, '-', '_' and '.', starting and ending "
                        "alphanumeric (or an annotation for free text)")
    return []


def labels(field, mapping, reserved=False):
    """Every key and value of a label mapping; with reserved, the keys the collection sets itself are refused."""
    problems = []
    for key, value in sorted((mapping or {}).items()):
        where = "%s.%s" % (field, key)
        if reserved and naming.is_reserved_label(key):
            problems += _problem(where, value, "uses a label key the collection sets itself",
                                 "remove it; PVs are labelled with %s" % ", ".join(naming.RESERVED_LABELS))
            continue
        problems += label_key(where, key) or label_value(where, value)
    return problems


def is_port_name(value):
    """IANA_SVC_NAME: what Kubernetes accepts as a named container port (and a named targetPort)."""
    return (isinstance(value, str) and 0 < len(value) <= 15 and bool(IANA_SVC_NAME.match(value))
            and "--" not in value and bool(re.search("[a-z]", value)))


def port_name(field, value):
    if not is_port_name(value):
        return _problem(field, value, "is not a port name (at most 15 lower-case letters, digits and '-', with a "
                                      "letter; the headless Service and SRV records refer to ports by name)",
                        "name it like 'web' or 'tcp-8080'")
    return []


def port_number(field, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return _problem(field, value, "is not a port number", "use a number from 1 to 65535")
    return []


def quantity(field, value):
    fix = "use a Kubernetes quantity such as 1Gi or 500Mi"
    if value in (None, ""):
        return _problem(field, value, "is required", fix)
    try:
        amount = parse_quantity(value)
    except ValueError:
        return _problem(field, value, "is not a Kubernetes quantity", fix)
    if amount <= 0:
        return _problem(field, value, "must be larger than zero", fix)
    return []


def absolute_path(field, value, example="/srv/nfs/data"):
    """An absolute path in its normal form (no '.', '..', '//', trailing '/', quotes or control characters)."""
    if not isinstance(value, str) or not value:
        return _problem(field, value, "a path is required", "set it to an absolute directory path like %s" % example)
    if not value.startswith("/"):
        return _problem(field, value, "the path is not absolute", "start it with /, e.g. /%s" % value)
    normal = "/" + posixpath.normpath(value).lstrip("/")
    if normal != value:
        return _problem(field, value, "the path is not normalized", "write it as %s" % normal)
    if re.search(r"[\"\\\x00-\x1f\x7f]", value):
        return _problem(field, value, "the path contains a quote, backslash or control character",
                        "rename the directory to a plain path")
    return []


def access_modes(field, modes):
    fix = "use one or more of %s, e.g. [ReadWriteOnce]" % ", ".join(ACCESS_MODES)
    if not modes:
        return _problem(field, modes, "is empty", fix)
    unknown = [mode for mode in modes if mode not in ACCESS_MODES]
    if unknown:
        return _problem(field, modes, "has unknown access mode(s) %s (names are case-sensitive)"
                        % ", ".join(str(mode) for mode in unknown), fix)
    if len(set(modes)) != len(modes):
        return _problem(field, modes, "lists a mode twice", "list each mode once")
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        return _problem(field, modes, "combines ReadWriteOncePod with other modes, which Kubernetes rejects",
                        "use [ReadWriteOncePod] alone, or drop it")
    return []


def octal_mode(field, value):
    """A directory mode as a quoted octal string; YAML reads an unquoted 0770 as the number 504."""
    if value is None:
        return []
    if not isinstance(value, str):
        return _problem(field, value, "must be a quoted octal string (YAML reads an unquoted %s as the number %r)"
                        % ("0%o" % value if isinstance(value, int) and not isinstance(value, bool) else "0770", value),
                        "quote it, for example mode: \"%s\"" % (
                            "0%o" % value if isinstance(value, int) and not isinstance(value, bool) else "0770"))
    if not OCTAL_MODE.match(value):
        return _problem(field, value, "is not an octal permission string", "use a value like \"0770\"")
    return []


def server_address(field, value):
    """An NFS server as nodes mount it: an IPv4 or IPv6 address (brackets allowed) or a host name."""
    fix = ("give the host name or IP address the nodes mount, without scheme, port or path, e.g. 10.0.1.201, "
           "fd00::1 or nfs1.example.com")
    if not value or not isinstance(value, str):
        return _problem(field, value, "is required", fix)
    try:
        ipaddress.ip_address(value[1:-1] if value.startswith("[") and value.endswith("]") else value)
        return []
    except ValueError:
        pass
    if len(value) > 253 or not HOSTNAME.match(value) or re.match(r"^[0-9.]+$", value):
        return _problem(field, value, "is neither an IP address nor a host name", fix)
    return []


def path_pattern(field, pattern):
    """The placeholders of a path pattern: known ones only, {ordinal} required, format specs allowed."""
    fix = "use placeholders from {%s}, e.g. the default %s" % (
        ", ".join(naming.PATH_PLACEHOLDERS), naming.DEFAULT_PATH_PATTERN)
    try:
        fields = naming.pattern_fields(pattern)
    except (ValueError, AttributeError) as exc:
        return _problem(field, pattern, "does not parse (%s)" % exc, "balance the braces; " + fix)
    unknown = sorted(set(name for name in fields if name not in naming.PATH_PLACEHOLDERS))
    if unknown:
        return _problem(field, pattern, "has unknown placeholder(s) %s" % ", ".join("{%s}" % name for name in unknown),
                        fix)
    if "ordinal" not in fields:
        return _problem(field, pattern, "has no {ordinal}, so every replica would share one directory",
                        "put {ordinal} in the pattern, e.g. %s" % naming.DEFAULT_PATH_PATTERN)
    try:
        naming.nfs_path(pattern, "/r", "n", "s", "c", 0)
    except (ValueError, KeyError, IndexError) as exc:
        return _problem(field, pattern, "cannot be filled in (%s)" % exc, fix)
    return []


def whole_number(field, value, minimum=0, example=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return _problem(field, value, "must be a whole number of at least %d" % minimum,
                        "use a number of at least %d, for example %s: %s" % (minimum, field.rpartition(".")[2], example))
    return []
