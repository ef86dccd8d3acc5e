"""YAML read the way Kubernetes reads it.

The API machinery decodes YAML with ``sigs.k8s.io/yaml``: go-yaml v2 unmarshals the
document into ``interface{}`` (YAML 1.1 scalars), then ``convertToJSONableObject`` turns
map keys into strings. PyYAML's own resolver differs in small ways that change findings
(``y``/``n`` are booleans in go-yaml, ``1:30`` is not sexagesimal, timestamps stay strings,
``08`` is a float), so this module composes libyaml *events* itself and resolves each
scalar with go-yaml's rules (:mod:`kubeward.sources.goyaml_resolve`), implements v2 merge keys, and the
CVE-2019-11253 alias-expansion bound (``decode.go`` ``allowedAliasRatio``).

Everything here is pure: text in, values (and problems) out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from kubeward.sources.goyaml_resolve import (
    KNOWN_COLLECTION_TAGS,
    KNOWN_SCALAR_TAGS,
    MERGE_TAG,
    YAMLFailure,
    key_to_string,
    resolve_plain,
    resolve_tagged,
    short_tag,
)

__all__ = [
    "CParser",
    "ComposedDocument",
    "DocumentProblem",
    "PureParser",
    "compose_documents",
]


class PureParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python event parser: the fallback where PyYAML lacks libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


CParser: type | None
try:
    from yaml._yaml import CParser as _LibYAMLParser

    CParser = _LibYAMLParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    CParser = None

HAVE_LIBYAML = CParser is not None

# --- alias-expansion bound (go-yaml decode.go) ------------------------------------------

_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000


def _allowed_alias_ratio(decode_count: int) -> float:
    if decode_count <= _ALIAS_RATIO_LOW:
        return 0.99
    if decode_count >= _ALIAS_RATIO_HIGH:
        return 0.10
    span = _ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW
    return 0.99 - 0.89 * ((decode_count - _ALIAS_RATIO_LOW) / span)


# --- composition -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    """A non-fatal problem in a document that was still decoded (duplicate key, odd tag)."""

    line: int
    message: str


@dataclass(slots=True)
class ComposedDocument:
    """One YAML document: its value, the 1-based line of its content, and its problems.

    ``value`` is ``None`` for an empty document. ``item_lines`` maps the index of each
    element of a top-level ``items`` sequence to its line (Lists expand to objects).
    ``error`` is set when the document could not be decoded; ``value`` is then ``None``.
    """

    index: int
    line: int
    value: Any = None
    problems: list[DocumentProblem] = field(default_factory=list)
    item_lines: dict[int, int] = field(default_factory=dict)
    error: YAMLFailure | None = None


@dataclass(slots=True)
class _Anchor:
    value: Any
    size: int  # the nodes go-yaml decodes each time the anchor is expanded


_NO_KEY = object()
_MERGE = object()
_MISSING = object()

_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_DocumentEndEvent = yaml.DocumentEndEvent
_StreamEndEvent = yaml.StreamEndEvent


def compose_documents(
    text: str,
    *,
    line_offset: int = 0,
    first_index: int = 0,
    max_depth: int = 1000,
    cache: dict[str, Any] | None = None,
    parser: type | None = None,
) -> Iterator[ComposedDocument]:
    """Decode every document of a YAML stream, in order.

    A syntax error ends the stream: the document it occurs in is yielded with ``error`` set
    and nothing after it is read (callers split streams at document markers first, so one
    broken document does not hide the next). Semantic failures (unknown anchor, excessive
    aliasing, bad merge key, unsupported key, depth) fail only their document. ``cache``
    memoises plain-scalar resolution across calls (pass one dict per input file).
    """
    index = first_index
    if cache is None:
        cache = {}
    parser_class = parser or CParser or PureParser
    libyaml = parser_class is CParser
    try:
        events = parser_class(text)
    except yaml.YAMLError as error:  # the pure-Python reader checks characters up front
        yield _syntax_failure(error, index, line_offset, text, libyaml)
        return
    get_event = events.get_event
    while True:
        try:
            event = get_event()
        except yaml.YAMLError as error:
            yield _syntax_failure(error, index, line_offset, text, libyaml)
            return
        event_type = type(event)
        if event_type is _StreamEndEvent:
            return
        if event_type is not _DocumentStartEvent:
            continue
        document_line = int(event.start_mark.line) + 1 + line_offset
        try:
            yield _Composer(get_event, index, document_line, line_offset, max_depth, cache).run()
        except yaml.YAMLError as error:
            yield _syntax_failure(error, index, line_offset, text, libyaml)
            return
        index += 1


def _syntax_failure(
    error: yaml.YAMLError, index: int, line_offset: int, text: str, libyaml: bool
) -> ComposedDocument:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        line = int(mark.line) + 1 + line_offset
    elif isinstance(error, yaml.reader.ReaderError):
        # libyaml counts the offset in bytes of the UTF-8 text, the pure reader in characters
        head = text.encode("utf-8", "surrogatepass")[: error.position] if libyaml else b""
        newlines = head.count(b"\n") if libyaml else text.count("\n", 0, error.position)
        line = newlines + 1 + line_offset
    else:
        line = line_offset + 1
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    if isinstance(error, yaml.reader.ReaderError):
        message = f"character {error.character!r} not allowed at offset {error.position}: {error.reason}"
    return ComposedDocument(index=index, line=line, error=YAMLFailure(f"invalid YAML: {message}", line))


class _Composer:
    """Builds one document's value from its events, with go-yaml v2's decoding rules.

    ``count`` is go-yaml's ``decodeCount`` (every node it unmarshals, aliases expanded) and
    ``alias_count`` its ``aliasCount``; aliases are shared, never copied, so memory stays
    proportional to the text while the counts follow what go-yaml would expand. The hot
    loop handles untagged, unanchored scalars and collections inline; everything else goes
    through the slower methods below.
    """

    def __init__(
        self,
        get_event: Callable[[], Any],
        index: int,
        document_line: int,
        line_offset: int,
        max_depth: int,
        cache: dict[str, Any],
    ) -> None:
        self.get_event = get_event
        self.index = index
        self.document_line = document_line
        self.line_offset = line_offset
        self.max_depth = max_depth
        self.cache = cache
        self.anchors: dict[str, _Anchor | None] = {}
        self.problems: list[DocumentProblem] = []
        self.item_lines: dict[int, int] = {}
        self.items: list[Any] | None = None  # the top-level "items" sequence, once open
        self.count = 1  # the document node
        self.alias_count = 0
        # Open collections: [container, pending key, key event, anchor, count at open,
        # start event, merge bookkeeping (None until a merge key is met)]
        self.stack: list[list[Any]] = []
        self.result: Any = None

    def line_of(self, event: Any) -> int:
        return int(event.start_mark.line) + 1 + self.line_offset

    def run(self) -> ComposedDocument:
        failure: YAMLFailure | None = None
        content_line = 0
        try:
            content_line = self._loop()
        except YAMLFailure as error:
            failure = error
            self._drain()
        content_line = content_line or (failure.line if failure and failure.line else self.document_line)
        if failure is not None:
            return ComposedDocument(self.index, content_line, problems=self.problems, error=failure)
        return ComposedDocument(
            self.index, content_line, value=self.result, problems=self.problems, item_lines=self.item_lines
        )

    def _drain(self) -> None:
        get_event = self.get_event
        while type(get_event()) is not _DocumentEndEvent:
            pass

    def _loop(self) -> int:
        get_event = self.get_event
        cache = self.cache
        stack = self.stack
        resolve = resolve_plain
        scalar_event, mapping_start, sequence_start = _ScalarEvent, _MappingStartEvent, _SequenceStartEvent
        mapping_end, sequence_end, document_end = _MappingEndEvent, _SequenceEndEvent, _DocumentEndEvent
        no_key, missing = _NO_KEY, _MISSING
        content_line = 0
        count = 1
        top: list[Any] | None = None  # stack[-1]
        items: list[Any] | None = None  # the top-level "items" sequence, once open
        while True:
            event = get_event()
            event_type = type(event)
            if event_type is scalar_event:
                if event.tag is None and event.anchor is None:
                    text = event.value
                    if event.implicit[0]:
                        value = cache.get(text, missing)
                        if value is missing:
                            if text == "<<" and top is not None and top[1] is no_key and type(top[0]) is dict:
                                top[1] = _MERGE
                                top[2] = event
                                continue
                            value = resolve(text)
                            if len(text) < 64 and text != "<<":  # a cached "<<" would skip the merge check
                                cache[text] = value
                    else:
                        value = text
                    count += 1
                    if top is None:
                        content_line = content_line or self.line_of(event)
                        self.result = value
                        continue
                    container = top[0]
                    if type(container) is dict:
                        key = top[1]
                        if key is no_key:
                            top[1] = value if type(value) is str else self._key(value, event)
                            top[2] = event
                        elif key is _MERGE or key in container:
                            top[1] = no_key
                            self.count = count
                            self._assign_slow(top, key, value, event)
                        else:
                            top[1] = no_key
                            container[key] = value
                    else:
                        if container is items:
                            self.item_lines[len(items)] = self.line_of(event)
                        container.append(value)
                    continue
                self.count = count
                self._scalar_slow(event)
                count = self.count
                top = stack[-1] if stack else None
                continue
            if event_type is mapping_start or event_type is sequence_start:
                if not content_line:
                    content_line = self.line_of(event)
                if len(stack) >= self.max_depth:
                    raise YAMLFailure(f"exceeded max depth of {self.max_depth}", self.line_of(event))
                container = {} if event_type is mapping_start else []
                start = count
                if not (event_type is sequence_start and top is not None and top[1] is _MERGE):
                    count += 1  # a merged list's own node is not unmarshaled, its maps are
                if event.tag is not None:
                    self._collection_tag(event)
                anchor = event.anchor
                if anchor is not None:
                    self._begin_anchor(anchor, event)
                if top is not None:
                    if top[0] is items:
                        self.item_lines[len(items)] = self.line_of(event)
                    elif len(stack) == 1 and top[1] == "items" and type(container) is list:
                        # a List's items: each one's line is its object's line
                        items = self.items = container
                top = [container, no_key, None, anchor, start, event, None]
                stack.append(top)
                continue
            if event_type is mapping_end or event_type is sequence_end:
                frame = stack.pop()
                top = stack[-1] if stack else None
                value = frame[0]
                if frame[3] is not None and self.anchors.get(frame[3]) is None:
                    # unless redefined inside its own value: go-yaml keeps the latest definition
                    self.anchors[frame[3]] = _Anchor(value, count - frame[4])
                if top is None:
                    self.result = value
                    continue
                container = top[0]
                if type(container) is dict:
                    key = top[1]
                    if key is no_key:
                        raise YAMLFailure(f"invalid map key: {_describe(value)}", self.line_of(frame[5]))
                    top[1] = no_key
                    if key is _MERGE or key in container:
                        self.count = count
                        self._assign_slow(top, key, value, frame[5])
                    else:
                        container[key] = value
                else:
                    container.append(value)
                continue
            if event_type is _AliasEvent:
                if not content_line:
                    content_line = self.line_of(event)
                self.count = count
                self._alias(event)
                count = self.count
                top = stack[-1] if stack else None
                continue
            if event_type is document_end:
                self.count = count
                return content_line

    # --- slow paths -----------------------------------------------------------------

    def _key(self, value: Any, event: Any) -> str:
        if isinstance(value, (dict, list)):
            raise YAMLFailure(f"invalid map key: {_describe(value)}", self.line_of(event))
        try:
            return key_to_string(value)
        except YAMLFailure as failure:
            failure.line = self.line_of(event)
            raise

    def _place(self, value: Any, event: Any) -> None:
        stack = self.stack
        if not stack:
            self.result = value
            return
        top = stack[-1]
        container = top[0]
        if type(container) is list:
            if container is self.items:
                self.item_lines[len(container)] = self.line_of(event)
            container.append(value)
            return
        key = top[1]
        if key is _NO_KEY:
            top[1] = value if type(value) is str else self._key(value, event)
            top[2] = event
            return
        top[1] = _NO_KEY
        self._assign_slow(top, key, value, event)

    def _assign_slow(self, top: list[Any], key: Any, value: Any, event: Any) -> None:
        container = top[0]
        merged: tuple[set[str], set[str]] | None = top[6]  # (keys from merges, explicit keys)
        if key is _MERGE:
            if merged is None:
                merged = top[6] = (set(), set())
            merged[1].update(name for name in container if name not in merged[0])
            from_alias = type(event) is _AliasEvent
            merged[0].update(_merge(container, value, self.line_of(event), from_alias=from_alias))
            return
        if key in container:
            if merged is None or key not in merged[0] or key in merged[1]:
                self.problems.append(
                    DocumentProblem(self.line_of(top[2]), f"duplicate key {key!r}; the last value is used")
                )
            if merged is not None:
                merged[1].add(key)
        container[key] = value

    def _scalar_slow(self, event: Any) -> None:
        line = self.line_of(event)
        value, is_merge = _scalar_value(event, line, self.problems)
        top = self.stack[-1] if self.stack else None
        if is_merge and top is not None and top[1] is _NO_KEY and type(top[0]) is dict:
            top[1] = _MERGE  # go-yaml never unmarshals the "<<" key itself
            top[2] = event
            return
        self.count += 1
        if event.anchor is not None:
            self._begin_anchor(event.anchor, event)
            self.anchors[event.anchor] = _Anchor(value, 1)
        self._place(value, event)

    def _begin_anchor(self, anchor: str, event: Any) -> None:
        self.anchors[anchor] = None  # in progress: an alias to it now is a cycle

    def _collection_tag(self, event: Any) -> None:
        tag = event.tag
        if tag != "!" and tag not in KNOWN_COLLECTION_TAGS:
            self.problems.append(
                DocumentProblem(self.line_of(event), f"unsupported YAML tag {short_tag(tag)!r} ignored")
            )

    def _alias(self, event: Any) -> None:
        name = event.anchor
        if name not in self.anchors:
            raise YAMLFailure(f"unknown anchor {name!r} referenced", self.line_of(event))
        target = self.anchors[name]
        if target is None:
            raise YAMLFailure(f"anchor {name!r} value contains itself", self.line_of(event))
        self.count += 1 + target.size
        self.alias_count += target.size
        # go-yaml checks at every node; within one expansion the alias ratio only grows and
        # the allowed ratio only shrinks, so checking when the expansion ends is equivalent.
        if (
            self.alias_count > 100
            and self.count > 1000
            and self.alias_count / self.count > _allowed_alias_ratio(self.count)
        ):
            raise YAMLFailure("document contains excessive aliasing", self.line_of(event))
        self._place(target.value, event)


def _describe(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else "a sequence"


def _merge(container: dict[str, Any], value: Any, line: int, *, from_alias: bool = False) -> list[str]:
    """go-yaml v2 ``merge``: applied where it appears (later keys override it); in a list of
    maps, earlier maps win (an alias must name a map, not a list of maps). Returns the keys
    it set."""
    if type(value) is dict:
        container.update(value)
        return list(value)
    if type(value) is list and not from_alias and all(type(item) is dict for item in value):
        for item in reversed(value):
            container.update(item)
        return [key for item in value for key in item]
    raise YAMLFailure("map merge requires map or sequence of maps as the value", line)


def _scalar_value(event: Any, line: int, problems: list[DocumentProblem]) -> tuple[Any, bool]:
    """(value, is_merge_key) for a scalar event that is tagged or anchored."""
    tag = event.tag
    if tag is None:
        if event.implicit[0]:
            return resolve_plain(event.value), event.value == "<<"
        return event.value, False
    if tag == "!":
        return event.value, False
    if tag == MERGE_TAG:
        return event.value, event.value == "<<"  # isMerge: the tag alone does not make a merge
    if tag in KNOWN_SCALAR_TAGS:
        try:
            return resolve_tagged(tag, event.value), False
        except YAMLFailure as failure:
            failure.line = line
            raise
    problems.append(DocumentProblem(line, f"unsupported YAML tag {short_tag(tag)!r} ignored"))
    return (resolve_plain(event.value) if event.implicit[0] else event.value), False
