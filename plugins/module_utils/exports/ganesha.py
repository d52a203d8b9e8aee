# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nfs-ganesha format: EXPORT blocks in a file of ours, included by the main config.

- `parse` splits a config text into segments: EXPORT blocks (with their Path, Export_Id and
  parsed parameters) and the raw text between them, kept verbatim.
- `render_block` writes one EXPORT block from an Export, mapping kernel-style client options to
  ganesha terms (see OPTION_MAP); `check_options` refuses options that have no ganesha meaning.
- `allocate_ids` keeps an existing export's Export_Id and gives new ones the lowest free id >= 1.
- `ensure_include` / `drop_include` manage our one `%include` line in the main config.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.stateful.nfs.plugins.module_utils.errors import SpecError
from ansible_collections.stateful.nfs.plugins.module_utils.exports import validation

HEADER = "# Managed by stateful.nfs.export. EXPORT blocks are merged by Path; other text is kept.\n"

# Kernel-style option -> (ganesha parameter, value) in the CLIENT block.
OPTION_MAP = {
    "rw": ("Access_Type", "RW"),
    "ro": ("Access_Type", "RO"),
    "root_squash": ("Squash", "Root_Squash"),
    "no_root_squash": ("Squash", "No_Root_Squash"),
    "all_squash": ("Squash", "All_Squash"),
    "secure": ("PrivilegedPort", "true"),
    "insecure": ("PrivilegedPort", "false"),
}
# key=value options -> ganesha parameter.
VALUE_MAP = {"anonuid": "Anonymous_uid", "anongid": "Anonymous_gid", "sec": "SecType"}
# Accepted and ignored: ganesha has no per-export counterpart (it always honours the client's
# stable-write requests and never checks subtrees).
IGNORED = ("sync", "async", "subtree_check", "no_subtree_check", "no_all_squash", "wdelay", "no_wdelay",
           "secure_locks", "insecure_locks", "auth_nlm", "no_auth_nlm", "hide", "nohide")
SEC_FLAVORS = ("none", "sys", "krb5", "krb5i", "krb5p")
# Order of parameters in a CLIENT block.
CLIENT_ORDER = ("Clients", "Access_Type", "Squash", "SecType", "PrivilegedPort", "Anonymous_uid", "Anonymous_gid")

_TOKEN = re.compile(r'\s+|#[^\n]*|"[^"]*"|[{};=,]|[^\s{};=,#"]+')


def supported_options():
    return sorted(set(OPTION_MAP) | set(IGNORED) | set(key + "=" for key in VALUE_MAP))


def check_options(options, field):
    """Raise SpecError for options the ganesha backend cannot express."""
    for option in options:
        name, sep, value = option.partition("=")
        if sep and name in VALUE_MAP:
            if name == "sec":
                bad = [flavor for flavor in value.split(":") if flavor not in SEC_FLAVORS]
                if bad:
                    raise SpecError(field, option, "unknown security flavor %s" % ",".join(bad),
                                    "use sec= with %s, separated by ':'" % ", ".join(SEC_FLAVORS))
            else:
                validation.check_option(option, field)  # anonuid/anongid: the same numeric rule as exportfs
            continue
        if sep or (name not in OPTION_MAP and name not in IGNORED):
            raise SpecError(field, option, "the ganesha backend has no equivalent of this option",
                            "use one of: %s" % ", ".join(supported_options()))


def client_params(client):
    """Ganesha CLIENT parameters for one client, in CLIENT_ORDER."""
    params = {"Clients": client.host}
    for option in client.options:
        name, sep, value = option.partition("=")
        if name in OPTION_MAP and not sep:
            key, mapped = OPTION_MAP[name]
            if key == "Squash" and params.get("Squash") == "All_Squash":
                continue  # all_squash wins over the default root_squash
            params[key] = mapped
        elif sep and name in VALUE_MAP:
            params[VALUE_MAP[name]] = ", ".join(value.split(":")) if name == "sec" else value
    return [(key, params[key]) for key in CLIENT_ORDER if key in params]


def _quote(value):
    return '"%s"' % value


def render_block(export, export_id, settings):
    """One EXPORT block. Access is granted only through CLIENT blocks (EXPORT Access_Type = None)."""
    lines = [
        "EXPORT {",
        "    Export_Id = %d;" % export_id,
        "    Path = %s;" % _quote(export.path),
        "    Pseudo = %s;" % _quote(export.pseudo or export.path),
        "    Access_Type = None;",
        "    Squash = Root_Squash;",
        "    Protocols = %s;" % ", ".join(str(p) for p in settings.ganesha_protocols),
        "    Transports = %s;" % ", ".join(settings.ganesha_transports),
        "    SecType = sys;",
    ]
    for client in export.clients:
        lines.append("    CLIENT {")
        for key, value in client_params(client):
            lines.append("        %s = %s;" % (key, value))
        lines.append("    }")
    lines.extend(["    FSAL {", "        Name = VFS;", "    }", "}"])
    return "\n".join(lines)


# ---------------------------------------------------------------- parsing

class Block(object):
    """A parsed config block: its name, ordered params [(key, [values])], sub-blocks, and raw text."""

    def __init__(self, name, text=""):
        self.name = name
        self.params = []
        self.blocks = []
        self.text = text

    def get(self, key):
        for name, values in self.params:
            if name.lower() == key.lower():
                return values
        return None

    def first(self, key):
        values = self.get(key)
        return values[0] if values else None

    @property
    def path(self):
        return self.first("Path")

    @property
    def export_id(self):
        value = self.first("Export_Id")
        try:
            return int(value, 0) if value is not None else None
        except ValueError:
            return None


class ParseError(ValueError):
    pass


def _lex(text):
    """[(kind, value, start, end)] without whitespace and comments."""
    tokens = []
    for match in _TOKEN.finditer(text):
        value = match.group(0)
        if value.isspace() or value.startswith("#"):
            continue
        kind = "punct" if value in "{};=," else "word"
        if value.startswith('"'):
            kind, value = "word", value[1:-1]
        tokens.append((kind, value, match.start(), match.end()))
    return tokens


def _parse_block(tokens, index, name):
    """Parse after `name {`; return (Block, index after the closing brace)."""
    block = Block(name)
    while index < len(tokens):
        kind, value, _start, _end = tokens[index]
        if kind == "punct" and value == "}":
            return block, index + 1
        if kind != "word":
            index += 1  # stray ';' or ','
            continue
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if nxt and nxt[1] == "{":
            sub, index = _parse_block(tokens, index + 2, value)
            block.blocks.append(sub)
            continue
        if nxt and nxt[1] == "=":
            values, index = [], index + 2
            while index < len(tokens) and tokens[index][1] not in (";", "}"):
                if tokens[index][0] == "word":
                    values.append(tokens[index][1])
                index += 1
            if index < len(tokens) and tokens[index][1] == ";":
                index += 1
            block.params.append((value, values))
            continue
        raise ParseError("unexpected %r near offset %d" % (value, tokens[index][2]))
    raise ParseError("block %s is not closed" % name)


class Segment(object):
    """Raw text between blocks (block None) or one top-level EXPORT block with its raw text."""

    def __init__(self, text, block=None):
        self.text = text
        self.block = block

    @property
    def path(self):
        return self.block.path if self.block is not None else None


def parse(text):
    """Segments of a config text; joining their texts gives the text back."""
    text = text or ""
    tokens = _lex(text)
    segments, index, cursor = [], 0, 0
    while index < len(tokens):
        kind, value, start, _end = tokens[index]
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if kind == "word" and nxt is not None and nxt[1] == "{":
            block, after = _parse_block(tokens, index + 2, value)
            end = tokens[after - 1][3]
            if value.upper() == "EXPORT":
                if start > cursor:
                    segments.append(Segment(text[cursor:start]))
                block.text = text[start:end]
                segments.append(Segment(block.text, block))
                cursor = end
            index = after
            continue
        index += 1
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments


def exports_in(text):
    """[(path, export_id)] of the EXPORT blocks in a config text."""
    return [(segment.path, segment.block.export_id) for segment in parse(text) if segment.block is not None]


_ID_RE = re.compile(r"(?im)^[^#\n]*?\bExport_Id\s*=\s*(0x[0-9a-f]+|[0-9]+)")


def ids_in(text):
    """Every Export_Id set in a config text (comment lines ignored); tolerant of text we cannot parse."""
    return set(int(value, 0) for value in _ID_RE.findall(text or ""))


def allocate_ids(exports, existing_ids_by_path, used_ids, foreign_ids=()):
    """Export_Id per present export: its existing id if it has one, else the lowest free id >= 1.

    `used_ids` are taken already; `foreign_ids` are those of the other files ganesha reads. An existing
    id that another file uses too is replaced (ganesha would serve only one of the two exports).
    """
    taken = set(used_ids) | set(foreign_ids) | set(existing_ids_by_path.values())
    taken.discard(None)
    ids = {}
    for export in exports:
        if not export.present:
            continue
        current = existing_ids_by_path.get(export.path)
        if current is not None and current > 0 and current not in foreign_ids:
            ids[export.path] = current
    for export in exports:
        if not export.present or export.path in ids:
            continue
        candidate = 1
        while candidate in taken or candidate in ids.values():
            candidate += 1
        ids[export.path] = candidate
        taken.add(candidate)
    return ids


def desired_text(current_text, exports, settings, used_ids, foreign_ids=()):
    """New text of our file (None when no EXPORT block remains), rendered blocks by path, and ids.

    `used_ids` are taken; `foreign_ids` are the Export_Ids of every other file ganesha reads (see allocate_ids)."""
    segments = parse(current_text) if current_text is not None else []
    existing = {}
    for segment in segments:
        if segment.block is not None and segment.path not in existing:
            existing[segment.path] = segment.block.export_id
    ids = allocate_ids(exports, existing, used_ids, foreign_ids)
    blocks = dict((export.path, render_block(export, ids[export.path], settings))
                  for export in exports if export.present)
    wanted = set(export.path for export in exports)
    result, placed, removed = [], set(), False
    for segment in segments:
        if segment.block is None or segment.path not in wanted:
            text = segment.text
            if removed and segment.block is None and text.startswith("\n"):
                text = text[1:]  # the line end that followed a removed block
            removed = False
            if text:
                result.append(text)
            continue
        if segment.path in blocks and segment.path not in placed:
            result.append(blocks[segment.path])
            placed.add(segment.path)
        else:
            removed = True
    appended = [blocks[export.path] for export in exports if export.present and export.path not in placed]
    if current_text is None:
        if not appended:
            return None, blocks, ids
        result.append(HEADER)
    for block in appended:
        if result and not result[-1].endswith("\n"):
            result.append("\n")
        result.append(block + "\n")
    text = "".join(result)
    if text == current_text:
        return current_text, blocks, ids
    if not any(segment.block is not None for segment in parse(text)):
        return None, blocks, ids
    return text, blocks, ids


def changed_paths(before, after):
    def by_path(text):
        return dict((segment.path, segment.text) for segment in parse(text or "") if segment.block is not None)
    old, new = by_path(before), by_path(after)
    return set(path for path in set(old) | set(new) if old.get(path) != new.get(path))


# ---------------------------------------------------------------- the whole configuration

_DIRECTIVE = re.compile(r'^\s*%(include|dir)\s+"?([^"\s]+)"?\s*$')


def config_files(main, read, list_dir):
    """Every file of the configuration rooted at `main`, following %include and %dir (depth first, once each).

    `read(path)` returns a text or None; `list_dir(path)` the file names of a directory. Relative
    names resolve against the including file's directory, as ganesha does.
    """
    seen, order = set(), []

    def visit(path):
        if path in seen:
            return
        seen.add(path)
        text = read(path)
        if text is None:
            return
        order.append((path, text))
        base = path.rsplit("/", 1)[0] or "/"
        for line in text.splitlines():
            match = _DIRECTIVE.match(line)
            if not match:
                continue
            kind, target = match.groups()
            if not target.startswith("/"):
                target = base.rstrip("/") + "/" + target
            if kind == "include":
                visit(target)
            else:
                for name in sorted(list_dir(target)):
                    if name.endswith(".conf"):
                        visit(target.rstrip("/") + "/" + name)

    visit(main)
    return order


# ---------------------------------------------------------------- main config include

def _include_target(line):
    match = re.match(r'^\s*%include\s+"?([^"\s]+)"?\s*$', line)
    return match.group(1) if match else None


def include_line(path):
    return '%%include "%s"\n' % path


def ensure_include(text, path):
    """Main config text with exactly one include of `path` (appended if missing); nothing else changes."""
    text = text or ""
    lines = text.splitlines(True)
    if any(_include_target(line) == path for line in lines):
        return text
    if text and not text.endswith("\n"):
        text += "\n"
    return text + include_line(path)


def drop_include(text, path):
    """Main config text without our include lines."""
    if text is None:
        return None
    return "".join(line for line in text.splitlines(True) if _include_target(line) != path)
