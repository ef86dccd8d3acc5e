"""JSON streams read the way kubectl reads them: one or more concatenated JSON values.

Every value becomes a :class:`~kubeward.sources.goyaml.ComposedDocument`, as YAML documents
do, so the rest of the sources treat both alike. Duplicate keys (which ``encoding/json``
silently resolves to the last value, and strict server-side validation rejects) are
reported with their line. The elements of a top-level ``items`` array get their own lines,
because a ``kubectl get -o json`` dump is one List whose items are the objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from kubeward.sources.goyaml import ComposedDocument, DocumentProblem
from kubeward.sources.goyaml_resolve import YAMLFailure

__all__ = ["decode_json_stream"]

_WHITESPACE = re.compile(r"[ \t\r\n]*")
_NEXT_VALUE = re.compile(r"\n([{\[])")  # a value opened at the start of a line


class _Duplicates:
    """The ``object_pairs_hook`` that records duplicate keys (last value wins, as in Go)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.keys.append(key)
                seen.add(key)
        return result


def decode_json_stream(text: str, *, line_offset: int = 0) -> Iterator[ComposedDocument]:
    """Decode each top-level JSON value of ``text``. After a value that cannot be decoded,
    reading resumes at the next line that opens a value in its first column (as JSON
    Lines and ``kubectl -o json`` write them), so one broken value does not hide the ones
    after it."""
    duplicates = _Duplicates()
    decoder = json.JSONDecoder(object_pairs_hook=duplicates, parse_constant=_not_json)
    lines = _LineCounter(text, line_offset)
    position = _skip_whitespace(text, 0)
    index = 0
    while position < len(text):
        line = lines.at(position)
        start = position
        failure: YAMLFailure | None = None
        try:
            value, item_lines, position = _decode_value(decoder, text, position, lines)
        except json.JSONDecodeError as error:
            bad_line = lines.at(error.pos) if error.pos >= start else line
            where = f"column {error.colno}" if bad_line == line else f"line {bad_line}, column {error.colno}"
            failure = YAMLFailure(f"invalid JSON in the value starting here: {error.msg} ({where})", line)
        except ValueError as error:  # NaN or Infinity, which say nothing of where they are
            failure = YAMLFailure(f"invalid JSON: {error}", line)
        except RecursionError:  # the decoder recurses once per level of nesting
            failure = YAMLFailure("invalid JSON: nested too deeply (more levels than kubeward reads)", line)
        if failure is not None:
            duplicates.keys.clear()
            yield ComposedDocument(index, failure.line or line, error=failure)
            index += 1
            resume = _NEXT_VALUE.search(text, start + 1)
            if resume is None:
                return
            position = resume.start(1)
            continue
        problems: list[DocumentProblem] = []
        if duplicates.keys:
            problems = _duplicate_lines(text, start, position, line, duplicates.keys)
            duplicates.keys.clear()
        yield ComposedDocument(index, line, value=value, problems=problems, item_lines=item_lines)
        index += 1
        position = _skip_whitespace(text, position)


def _not_json(name: str) -> Any:
    """Python accepts NaN and Infinity; JSON (and Go's decoder) does not."""
    raise ValueError(f"{name} is not a JSON value")


def _duplicate_lines(text: str, start: int, end: int, line: int, keys: list[str]) -> list[DocumentProblem]:
    """Find each duplicate key's line by reading the value again as YAML flow (JSON is),
    which reports duplicates with their lines; the value's own line if that fails."""
    from kubeward.sources.goyaml import compose_documents

    padded = "\n" * (line - 1) + text[start:end]
    for document in compose_documents(padded):
        if document.error is None and document.problems:
            return document.problems
    return [DocumentProblem(line, f"duplicate key {key!r}; the last value is used") for key in keys]


def _decode_value(
    decoder: json.JSONDecoder, text: str, position: int, lines: _LineCounter
) -> tuple[Any, dict[int, int], int]:
    """A top-level value; for an object with an ``items`` array, each item's line too."""
    if text[position] != "{":
        value, end = decoder.raw_decode(text, position)
        return value, {}, end
    pairs: list[tuple[str, Any]] = []
    item_lines: dict[int, int] = {}
    position = _skip(text, position + 1)
    if text[position] == "}":
        return {}, {}, position + 1
    while True:
        if text[position] != '"':  # checked first, as json.loads does: 'a', 1 and } are no keys
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, position)
        key, position = decoder.raw_decode(text, position)
        position = _expect(text, _skip(text, position), ":")
        position = _skip(text, position)
        if key == "items" and text[position] == "[":
            items: list[Any] = []
            position = _skip(text, position + 1)
            if text[position] == "]":
                position += 1
            else:
                while True:
                    item_lines[len(items)] = lines.at(position)
                    item, position = decoder.raw_decode(text, position)
                    items.append(item)
                    position = _skip(text, position)
                    if text[position] == "]":
                        position += 1
                        break
                    position = _skip(text, _expect(text, position, ","))
            pairs.append((key, items))
        else:
            value, position = decoder.raw_decode(text, position)
            pairs.append((key, value))
        position = _skip(text, position)
        if text[position : position + 1] == "}":
            hook = decoder.object_pairs_hook
            assert hook is not None
            return hook(pairs), item_lines, position + 1
        position = _skip(text, _expect(text, position, ","))


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match is not None else position


def _skip(text: str, position: int) -> int:
    end = _skip_whitespace(text, position)
    if end >= len(text):
        raise json.JSONDecodeError("Unexpected end of input", text, end)
    return end


def _expect(text: str, position: int, char: str) -> int:
    if text[position : position + 1] != char:
        raise json.JSONDecodeError(f"Expecting {char!r} delimiter", text, position)
    return position + 1


class _LineCounter:
    """1-based line of an offset, counted incrementally for offsets that only grow."""

    def __init__(self, text: str, line_offset: int) -> None:
        self.text = text
        self.line_offset = line_offset
        self.offset = 0
        self.line = 1 + line_offset

    def at(self, position: int) -> int:
        if position < self.offset:
            return self.text.count("\n", 0, position) + 1 + self.line_offset
        self.line += self.text.count("\n", self.offset, position)
        self.offset = position
        return self.line
