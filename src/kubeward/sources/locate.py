"""The line of a field inside an object, found when a report needs it.

Loading keeps only each object's own line; the line of ``spec.containers[0].image`` is
found afterwards, for the few objects with findings, by composing that object's document
again with position marks (libyaml reads JSON as YAML flow for this purpose). If the
path is not in the text (a field that is *missing* is the finding), the line of the
deepest part of the path that exists is returned.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field

import yaml

from kubeward.k8s.objects import Origin, Path
from kubeward.sources.files import STDIN, Chunk, decode_text, split_yaml_stream
from kubeward.sources.goyaml_resolve import key_to_string, resolve_plain

__all__ = ["Locator"]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


@dataclass
class _File:
    """A file read again for locating, with what is worth keeping between lookups."""

    text: str
    line_starts: list[int]
    chunks: list[Chunk] | None = None
    documents: dict[int, list[yaml.Node]] = field(default_factory=dict)
    is_json: bool = False

    @classmethod
    def of(cls, text: str) -> _File:
        starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
        if starts[-1] != len(text):
            starts.append(len(text))
        return cls(text, starts, is_json=text.lstrip()[:1] in ("{", "["))

    def line_text(self, line: int) -> str:
        if not 0 < line < len(self.line_starts):
            return ""
        return self.text[self.line_starts[line - 1] : self.line_starts[line]]


@dataclass
class Locator:
    """Finds lines in the inputs; files are read again (and cached), stdin is kept.

    Each lookup composes only the object's own text (a List item is cut out of its List
    by indentation), so locating the findings of a large dump costs in proportion to the
    objects with findings, not to the dump's size."""

    stdin_text: str | None = None
    max_file_bytes: int = 32 * 1024 * 1024
    withheld: frozenset[str] = frozenset()
    """Files not to read again: they hold Secret values (their objects keep their own line)."""
    _files: dict[str, _File | None] = field(default_factory=dict)
    _nodes: OrderedDict[tuple[str, int], _Found | None] = field(default_factory=OrderedDict)
    """The objects composed last: a few hundred, so memory stays flat however many objects
    have findings (ask about the findings in file order to compose each object once)."""

    def line(self, origin: Origin, path: Path = ()) -> int | None:
        """The 1-based line of ``path`` inside the object read at ``origin``."""
        if origin.line is None:
            return None
        found = self._object_node(origin)
        if found is None:
            return origin.line
        return _walk(*found, path)

    def _file(self, file: str) -> _File | None:
        if file not in self._files:
            text = self.stdin_text if file == STDIN else self._read(file)
            self._files[file] = None if text is None else _File.of(text)
        return self._files[file]

    def _read(self, file: str) -> str | None:
        if file in self.withheld:
            return None
        try:
            with open(file, "rb") as handle:
                data = handle.read(self.max_file_bytes + 1)
        except OSError:
            return None
        return decode_text(data) if len(data) <= self.max_file_bytes else None

    def _object_node(self, origin: Origin) -> _Found | None:
        key = (origin.file, origin.line or 0)
        if key in self._nodes:
            self._nodes.move_to_end(key)
            return self._nodes[key]
        found = self._nodes[key] = self._compose_object(origin)
        if len(self._nodes) > _COMPOSED_KEPT:
            self._nodes.popitem(last=False)
        return found

    def _compose_object(self, origin: Origin) -> _Found | None:
        source = self._file(origin.file)
        line = origin.line
        if source is None or line is None:
            return None
        if source.is_json:
            return _json_object_node(source, line)
        if origin.path:
            node = _list_item_node(source, line)
            if node is not None:
                return node
        return _document_node(source, origin.path, line)


_COMPOSED_KEPT = 256
_ITEM_START = re.compile(r"( *)-(?: |\r?$)")
_NEWLINE = re.compile("\n")
_Found = tuple[yaml.Node, int]
"""A composed object and the lines before the text it was composed from (texts are cut
out of their file and composed alone, never padded: padding costs as much as the file)."""


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def _list_item_node(source: _File, line: int) -> _Found | None:
    """Compose the block sequence item that starts on ``line`` alone: it runs until the
    next line (not blank, not a comment) indented no deeper than its dash."""
    match = _ITEM_START.match(source.line_text(line))
    if match is None:
        return None
    indent = len(match.group(1))
    end = line + 1
    while end < len(source.line_starts):
        text = source.line_text(end)
        stripped = text.strip()
        if stripped and not stripped.startswith("#") and len(text) - len(text.lstrip(" ")) <= indent:
            break
        end += 1
    first = source.line_text(line)
    item = first[:indent] + " " + first[indent + 1 :]
    item += source.text[source.line_starts[line] : source.line_starts[end - 1]]
    node = _compose(item)
    return (node, line - 1) if node is not None and node.start_mark.line == 0 else None


def _document_node(source: _File, path: Path, line: int) -> _Found | None:
    """Compose the whole document holding ``line`` (once per chunk) and find the object."""
    if source.chunks is None:
        source.chunks = list(split_yaml_stream(source.text))
    chosen = None
    for index, chunk in enumerate(source.chunks):
        if chunk.line_offset >= line:
            break
        chosen = index
    if chosen is None:
        return None
    chunk = source.chunks[chosen]
    if chosen not in source.documents:
        try:
            source.documents[chosen] = list(yaml.compose_all(chunk.text, Loader=_Loader))
        except yaml.YAMLError:
            source.documents[chosen] = []
    for document in source.documents[chosen]:
        found = _node_at_line(document, path, line - chunk.line_offset)
        if found is not None:
            return found, chunk.line_offset
    return None


def _json_object_node(source: _File, line: int) -> _Found | None:
    """The JSON value that starts on ``line`` (its first ``{``), composed with marks."""
    if not 0 < line < len(source.line_starts):
        return None
    offset = source.line_starts[line - 1]
    start = source.text.find("{", offset)
    if start < 0:
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(source.text, start)
    except ValueError:
        return None
    node = _compose(" " * (start - offset) + source.text[start:end])
    return None if node is None else (node, line - 1)


def _node_at_line(document: yaml.Node | None, path: Path, line: int) -> yaml.Node | None:
    """The node at ``path`` in ``document`` if it starts on ``line`` (the object's line)."""
    if document is None:
        return None
    node = _child_path(document, path)
    if node is not None and node.start_mark.line + 1 == line:
        return node
    return None


def _child_path(node: yaml.Node, path: Path) -> yaml.Node | None:
    for part in path:
        child = _child(node, part)
        if child is None:
            return None
        node = child[1]
    return node


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(the node naming the child, the child): the key node in a mapping."""
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            child: yaml.Node = node.value[part]
            return child, child
        return None
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        found = None
        for key, value in node.value:  # the last duplicate wins, as when decoding
            if isinstance(key, yaml.ScalarNode) and _key_text(key) == part:
                found = (key, value)
        return found
    return None


def _key_text(key: yaml.ScalarNode) -> str | None:
    if key.style in (None, ""):
        try:
            return key_to_string(resolve_plain(key.value))
        except Exception:
            return None
    return str(key.value)


def _walk(node: yaml.Node, offset: int, path: Path) -> int:
    """Line of the deepest node of ``path`` that exists (a mapping key's own line)."""
    line = node.start_mark.line + 1
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        key, node = child
        line = key.start_mark.line + 1
    return line + offset
