"""The line of a field inside an object, found when a report needs it.

Loading keeps only each object's own line; the line of ``spec.containers[0].image`` is
found afterwards, for the few objects with findings, by composing that object's document
again with position marks (libyaml reads JSON as YAML flow for this purpose). If the
path is not in the text (a field that is *missing* is the finding), the line of the
deepest part of the path that exists is returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml

from kubeward.k8s.objects import Origin, Path
from kubeward.sources.files import STDIN, decode_text, split_yaml_stream
from kubeward.sources.goyaml import key_to_string, resolve_plain

__all__ = ["Locator"]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader


@dataclass
class Locator:
    """Finds lines in the inputs; files are read again (and cached), stdin is kept."""

    stdin_text: str | None = None
    max_file_bytes: int = 32 * 1024 * 1024
    _texts: dict[str, str | None] = field(default_factory=dict)
    _nodes: dict[tuple[str, int], yaml.Node | None] = field(default_factory=dict)

    def line(self, origin: Origin, path: Path = ()) -> int | None:
        """The 1-based line of ``path`` inside the object read at ``origin``."""
        if origin.line is None:
            return None
        node = self._object_node(origin)
        if node is None:
            return origin.line
        return _walk(node, path) or origin.line

    def _text(self, file: str) -> str | None:
        if file == STDIN:
            return self.stdin_text
        if file not in self._texts:
            try:
                with open(file, "rb") as handle:
                    data = handle.read(self.max_file_bytes + 1)
            except OSError:
                data = b""
            self._texts[file] = decode_text(data) if len(data) <= self.max_file_bytes else None
        return self._texts[file]

    def _object_node(self, origin: Origin) -> yaml.Node | None:
        key = (origin.file, origin.line or 0)
        if key not in self._nodes:
            self._nodes[key] = self._compose_object(origin)
        return self._nodes[key]

    def _compose_object(self, origin: Origin) -> yaml.Node | None:
        text = self._text(origin.file)
        line = origin.line
        if text is None or line is None:
            return None
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            return _json_object_node(text, line)
        chosen = None
        for chunk in split_yaml_stream(text):
            if chunk.line_offset >= line:
                break
            chosen = chunk
        if chosen is None:
            return None
        try:
            documents = list(yaml.compose_all("\n" * chosen.line_offset + chosen.text, Loader=_Loader))
        except yaml.YAMLError:
            return None
        for document in documents:
            found = _node_at_line(document, origin.path, line)
            if found is not None:
                return found
        return None


def _json_object_node(text: str, line: int) -> yaml.Node | None:
    """The JSON value that starts on ``line`` (its first ``{``), composed with marks."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return None
    start = text.find("{", offset)
    if start < 0:
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
        return yaml.compose("\n" * (line - 1) + " " * (start - offset) + text[start:end], Loader=_Loader)
    except (ValueError, yaml.YAMLError):
        return None


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


def _walk(node: yaml.Node, path: Path) -> int | None:
    """Line of the deepest node of ``path`` that exists (a mapping key's own line)."""
    line = node.start_mark.line + 1
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        key, node = child
        line = key.start_mark.line + 1
    return line
