# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exports(5) format: parse a file into segments, render entries, merge entries by path.

A file is a list of segments. An entry segment is one export line (with its continuation lines)
and knows its path and clients; every other segment (comments, blank lines) is kept verbatim, and
so is every entry whose path we do not manage.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

HEADER = "# Managed by stateful.nfs.export. Entries are merged by path; other lines are kept.\n"


class Segment(object):
    """Raw text of one logical line. `path` is None for comments and blank lines."""

    def __init__(self, text, path=None, clients=None, defaults=None):
        self.text = text
        self.path = path
        self.clients = clients or []
        self.defaults = defaults or []

    @property
    def is_entry(self):
        return self.path is not None

    def __repr__(self):
        return "Segment(%r, path=%r)" % (self.text, self.path)


def _logical_lines(text):
    """Physical lines joined across backslash continuations, each with its raw text."""
    raw, joined = [], []
    for line in text.splitlines(True):
        raw.append(line)
        stripped = line.rstrip("\r\n")
        if stripped.endswith("\\"):
            joined.append(stripped[:-1] + " ")
            continue
        joined.append(stripped)
        yield "".join(raw), "".join(joined)
        raw, joined = [], []
    if raw:
        yield "".join(raw), "".join(joined)


def _strip_comment(line):
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


def _tokens(line):
    tokens, current, quoted = [], [], False
    for char in line:
        if char == '"':
            quoted = not quoted
            current.append(char)
        elif char.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _unquote(token):
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        return token[1:-1]
    return token


def _decode_octal(path):
    # exportfs accepts \040-style octal escapes in paths.
    out, index = [], 0
    while index < len(path):
        if path[index] == "\\" and path[index + 1:index + 4].isdigit() and len(path[index + 1:index + 4]) == 3:
            out.append(chr(int(path[index + 1:index + 4], 8)))
            index += 4
        else:
            out.append(path[index])
            index += 1
    return "".join(out)


def parse_client(token):
    """'host(opt,opt)' -> (host, [opts]); a bare host has no options."""
    if "(" in token and token.endswith(")"):
        host, _sep, rest = token.partition("(")
        return host, [option for option in rest[:-1].split(",") if option]
    return token, []


def parse(text):
    """Segments of an exports file; parse(text) rendered back gives the same text."""
    segments = []
    for raw, logical in _logical_lines(text or ""):
        tokens = _tokens(_strip_comment(logical))
        if not tokens:
            segments.append(Segment(raw))
            continue
        path = _decode_octal(_unquote(tokens[0]))
        defaults, clients = [], []
        for token in tokens[1:]:
            if token.startswith("-"):
                defaults.extend(option for option in token[1:].split(",") if option)
            else:
                clients.append(parse_client(token))
        segments.append(Segment(raw, path=path, clients=clients, defaults=defaults))
    return segments


def render_segments(segments):
    text = "".join(segment.text if segment.text.endswith("\n") else segment.text + "\n" for segment in segments)
    return text


def _quote_path(path):
    if any(char.isspace() or char == "#" for char in path):
        return '"%s"' % path
    return path


def render_entry(export):
    """One export line: `<path> host(opt,...) host(opt,...)` with the options in their normalized order."""
    clients = " ".join("%s(%s)" % (client.host, ",".join(client.options)) for client in export.clients)
    return "%s %s" % (_quote_path(export.path), clients)


def merge(segments, exports):
    """New segments: managed paths replaced in place (present) or dropped (absent), new ones appended.

    Returns (segments, entries) where entries maps each present export's path to its rendered line.
    """
    wanted = dict((export.path, export) for export in exports)
    entries = dict((export.path, render_entry(export)) for export in exports if export.present)
    result, placed = [], set()
    for segment in segments:
        if not segment.is_entry or segment.path not in wanted:
            result.append(segment)
            continue
        if segment.path in entries and segment.path not in placed:
            result.append(Segment(entries[segment.path] + "\n", path=segment.path))
            placed.add(segment.path)
    for export in exports:
        if export.present and export.path not in placed:
            result.append(Segment(entries[export.path] + "\n", path=export.path))
    return result, entries


def desired_text(current_text, exports):
    """The file's new text (None when the file should not exist) and the rendered entries by path."""
    segments = parse(current_text) if current_text is not None else []
    merged, entries = merge(segments, exports)
    if current_text is None:
        if not any(segment.is_entry for segment in merged):
            return None, entries
        merged.insert(0, Segment(HEADER))
    text = render_segments(merged)
    if text == current_text:
        return current_text, entries
    if not any(segment.is_entry for segment in merged):
        return None, entries
    return text, entries


def entry_paths(text):
    return [segment.path for segment in parse(text or "") if segment.is_entry]


def changed_paths(before, after):
    """Paths whose entry text differs between two file texts."""
    def by_path(text):
        found = {}
        for segment in parse(text or ""):
            if segment.is_entry:
                found.setdefault(segment.path, []).append(segment.text.rstrip("\n"))
        return found
    old, new = by_path(before), by_path(after)
    return set(path for path in set(old) | set(new) if old.get(path) != new.get(path))
