"""YAML documents composed the way ``sigs.k8s.io/yaml`` (go-yaml v2) decodes them.

Each table row names the rule it pins. Expected values are compared with their types
(``True`` is not ``1``), and problems and errors with their exact message and line.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.sources.goyaml import ComposedDocument, DocumentProblem, compose_documents


def canonical(value: Any) -> Any:
    """A decoded value with every scalar's type made explicit (``1``, ``1.0`` and ``True``
    differ; ``nan`` equals ``nan``)."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return (type(value).__name__, repr(value))


def documents(text: str, **options: Any) -> list[ComposedDocument]:
    return list(compose_documents(text, **options))


def only(text: str, **options: Any) -> ComposedDocument:
    (document,) = documents(text, **options)
    return document


def value_of(text: str) -> Any:
    document = only(text)
    assert document.error is None, document.error.message
    return document.value


def error_of(text: str) -> tuple[str, int | None]:
    document = only(text)
    assert document.error is not None, document.value
    assert document.value is None
    return document.error.message, document.error.line


def dup(line: int, key: str) -> DocumentProblem:
    return DocumentProblem(line, f"duplicate key {key!r}; the last value is used")


# --- streams and documents --------------------------------------------------------------

# (rule, stream, [(index, line of the first content, value)])
STREAM_CASES: list[tuple[str, str, list[tuple[int, int, Any]]]] = [
    ("one implicit document", "a: 1\n", [(0, 1, {"a": 1})]),
    ("explicit start marker: the content line", "---\na: 1\n", [(0, 2, {"a": 1})]),
    (
        "documents are numbered in order",
        "a: 1\n---\nb: 2\n---\n\n# a comment\nc: 3\n",
        [(0, 1, {"a": 1}), (1, 3, {"b": 2}), (2, 7, {"c": 3})],
    ),
    ("content on the marker line", "--- [1, 2]\n", [(0, 1, [1, 2])]),
    ("comments and blank lines before the content", "\n\n# c\n  a: 1\n", [(0, 4, {"a": 1})]),
    ("document end marker", "a: 1\n...\n---\nb: 2\n", [(0, 1, {"a": 1}), (1, 4, {"b": 2})]),
    ("a scalar document", "--- hello\n", [(0, 1, "hello")]),
    ("a sequence document", "- 1\n- yes\n", [(0, 1, [1, True])]),
    ("a null document", "--- ~\n", [(0, 1, None)]),
    ("%YAML directive", "%YAML 1.1\n---\na: 1\n", [(0, 3, {"a": 1})]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in STREAM_CASES]
)
def test_stream(text: str, expected: list[tuple[int, int, Any]]) -> None:
    found = documents(text)
    assert [document.error for document in found] == [None] * len(found)
    assert [(d.index, d.line, canonical(d.value)) for d in found] == [
        (index, line, canonical(value)) for index, line, value in expected
    ]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        pytest.param("", [], id="an empty stream has no documents"),
        pytest.param("# only a comment\n", [], id="a comment-only stream has no documents"),
        pytest.param("---\n", [None], id="a marker alone is one empty document"),
        pytest.param("---\n---\na: 1\n", [None, {"a": 1}], id="an empty document keeps its index"),
        pytest.param("a: 1\n---\n---\nb: 2\n", [{"a": 1}, None, {"b": 2}], id="empty document between two"),
    ],
)
def test_empty_documents_are_none(text: str, values: list[Any]) -> None:
    found = documents(text)
    assert [(d.index, d.value, d.error) for d in found] == [(i, v, None) for i, v in enumerate(values)]


def test_first_index_and_line_offset_shift_the_numbering() -> None:
    found = documents("a: 1\n---\nb: 2\n", first_index=5, line_offset=10)
    assert [(d.index, d.line, d.value) for d in found] == [(5, 11, {"a": 1}), (6, 13, {"b": 2})]


# --- plain scalars resolve, quoted scalars do not ------------------------------------------

# (rule, document, value)
STYLE_CASES: list[tuple[str, str, Any]] = [
    ("plain yes is true: privileged", "privileged: yes\n", {"privileged": True}),
    ("plain y is true", "a: y\n", {"a": True}),
    ("plain on is true", "a: on\n", {"a": True}),
    ("plain octal: defaultMode 0644 is 420", "defaultMode: 0644\n", {"defaultMode": 420}),
    ("double-quoted octal stays a string", 'defaultMode: "0644"\n', {"defaultMode": "0644"}),
    ("single-quoted yes stays a string", "a: 'yes'\n", {"a": "yes"}),
    ("double-quoted null stays a string", 'a: "~"\n', {"a": "~"}),
    ("literal block stays a string", "a: |\n  0644\n", {"a": "0644\n"}),
    ("folded block stays a string", "a: >-\n  yes\n", {"a": "yes"}),
    ("a multi-line plain scalar is folded, then resolved", "a: 1\n  2\n", {"a": "1 2"}),
    ("no value is null", "a:\n", {"a": None}),
    ("empty quoted is the empty string", "a: ''\n", {"a": ""}),
    ("timestamps stay strings", "a: 2001-12-14\n", {"a": "2001-12-14"}),
    ("flow collections resolve their scalars", "a: [yes, 0x1F, '1', 1.5]\n", {"a": [True, 31, "1", 1.5]}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in STYLE_CASES]
)
def test_scalar_styles(text: str, expected: Any) -> None:
    assert canonical(value_of(text)) == canonical(expected)


# --- explicit tags -------------------------------------------------------------------------

# (rule, document, value)
TAG_CASES: list[tuple[str, str, Any]] = [
    ("!!str keeps the text", "a: !!str 123\n", {"a": "123"}),
    ("!!str on a boolean word", "a: !!str yes\n", {"a": "yes"}),
    ("!!str on nothing is empty", "a: !!str\n", {"a": ""}),
    ("!!int resolves hex", "a: !!int 0x10\n", {"a": 16}),
    ("!!int resolves a quoted scalar too", 'a: !!int "12"\n', {"a": 12}),
    ("!!int keeps a big.Int", "a: !!int 0xFFFFFFFFFFFFFFFFFFFF\n", {"a": 2**80 - 1}),
    ("!!float makes an int a float", "a: !!float 1\n", {"a": 1.0}),
    ("!!float of hex", "a: !!float 0x10\n", {"a": 16.0}),
    ("!!float of an exponent", "a: !!float 1e3\n", {"a": 1000.0}),
    ("!!float of infinity", "a: !!float .inf\n", {"a": float("inf")}),
    ("!!bool of yes", "a: !!bool yes\n", {"a": True}),
    ("!!bool of n", "a: !!bool n\n", {"a": False}),
    ("!!null of ~", "a: !!null ~\n", {"a": None}),
    ("!!null of the empty string", "a: !!null ''\n", {"a": None}),
    ("!!timestamp stays a string", "a: !!timestamp 2001-12-14\n", {"a": "2001-12-14"}),
    ("!!binary decodes base64", "a: !!binary aGVsbG8=\n", {"a": "hello"}),
    ("!!binary ignores line breaks", "a: !!binary |\n  aGVsbG8g\n  d29ybGQ=\n", {"a": "hello world"}),
    ("verbatim tag", "a: !<tag:yaml.org,2002:int> 0x10\n", {"a": 16}),
    ("!!map and !!seq are the collections", "a: !!map {b: !!seq [1]}\n", {"a": {"b": [1]}}),
    ("the non-specific tag ! makes a string", "a: ! 12\n", {"a": "12"}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in TAG_CASES]
)
def test_standard_tags(text: str, expected: Any) -> None:
    document = only(text)
    assert (document.error, document.problems) == (None, [])
    assert canonical(document.value) == canonical(expected)


# (rule, document, error message, line)
TAG_ERROR_CASES: list[tuple[str, str, str, int]] = [
    ("!!int of a word", "a: 1\nb: !!int foo\n", "cannot decode a !!str value as a !!int", 2),
    ("!!int of a float", "a: !!int 1.5\n", "cannot decode a !!float value as a !!int", 1),
    ("!!int of a float-only decimal", "a: !!int 99999999999999999999\n", (
        "cannot decode a !!float value as a !!int"), 1),
    ("!!bool of an int", "a: !!bool 1\n", "cannot decode a !!int value as a !!bool", 1),
    ("!!null of an int", "a: !!null 0\n", "cannot decode a !!int value as a !!null", 1),
    ("!!float of a boolean", "a: !!float yes\n", "cannot decode a !!bool value as a !!float", 1),
    ("!!float of a uint64 (only int64 converts)", "a: !!float 18446744073709551615\n", (
        "cannot decode a !!int value as a !!float"), 1),
    ("!!binary with a space", 'a: !!binary "aGVs bG8="\n', "!!binary value contains invalid base64 data", 1),
    ("!!binary without padding", "a: !!binary aGVsbG8\n", "!!binary value contains invalid base64 data", 1),
    ("!!binary with a non-base64 character", "a: !!binary aGVsbG8*\n", (
        "!!binary value contains invalid base64 data"), 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [pytest.param(text, message, line, id=rule) for rule, text, message, line in TAG_ERROR_CASES],
)
def test_standard_tag_errors(text: str, message: str, line: int) -> None:
    assert error_of(text) == (message, line)


# (rule, document, value read as if untagged, [(line, tag)])
UNSUPPORTED_TAG_CASES: list[tuple[str, str, Any, list[tuple[int, str]]]] = [
    (
        "python object on a sequence: read as the sequence",
        "a: !!python/object/apply:os.system ['echo pwned']\n",
        {"a": ["echo pwned"]},
        [(1, "!!python/object/apply:os.system")],
    ),
    ("local tag on a mapping", "a: !foo {b: yes}\n", {"a": {"b": True}}, [(1, "!foo")]),
    # go-yaml's resolve() returns an unknown tag's scalar as the text it is.
    ("local tag on a scalar: the text", "a: 1\nb: !foo 12\n", {"a": 1, "b": "12"}, [(2, "!foo")]),
    (
        "!!set is not supported (and y is true)",
        "a: !!set {x, y}\n",
        {"a": {"x": None, "true": None}},
        [(1, "!!set")],
    ),
    (
        "python name on a scalar",
        "- !!python/name:os.system\n- !!python/object/new:int [1]\n",
        ["", [1]],
        [(1, "!!python/name:os.system"), (2, "!!python/object/new:int")],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [pytest.param(text, value, problems, id=rule) for rule, text, value, problems in UNSUPPORTED_TAG_CASES],
)
def test_unsupported_tags_are_reported_and_ignored(
    text: str, expected: Any, problems: list[tuple[int, str]]
) -> None:
    document = only(text)
    assert document.error is None
    assert canonical(document.value) == canonical(expected)
    assert document.problems == [
        DocumentProblem(line, f"unsupported YAML tag {tag!r} ignored") for line, tag in problems
    ]


def test_tags_never_construct_or_execute_anything(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        f"a: !!python/object/apply:os.system ['touch {marker}']\n"
        f"b: !!python/object/apply:subprocess.call [['touch', '{marker}']]\n"
        "c: !!python/object/new:builtins.exit []\n"
    )
    document = only(text)
    assert not marker.exists()
    assert document.value == {"a": [f"touch {marker}"], "b": [["touch", str(marker)]], "c": []}


# --- map keys ---------------------------------------------------------------------------------

# (rule, document, value)
KEY_CASES: list[tuple[str, str, Any]] = [
    ("plain on is the key 'true'", "on: 1\n", {"true": 1}),
    ("plain yes is the key 'true'", "yes: 1\n", {"true": 1}),
    ("plain n is the key 'false'", "n: 1\n", {"false": 1}),
    ("plain y is the key 'true'", "y: 1\n", {"true": 1}),
    ("quoted on stays 'on'", '"on": 1\n', {"on": 1}),
    ("int key", "1: a\n", {"1": "a"}),
    ("hex key is its decimal", "0x10: a\n", {"16": "a"}),
    ("octal key is its decimal", "0644: a\n", {"420": "a"}),
    ("float key", "1.5: a\n", {"1.5": "a"}),
    ("float key in float32 'g' format", "1e3: a\n", {"1000": "a"}),
    ("large float key", "1e6: a\n", {"1e+06": "a"}),
    ("infinity key", ".inf: a\n", {".inf": "a"}),
    ("!!str key", "!!str 1: a\n", {"1": "a"}),
    ("a quoted key is not a merge", "'<<': {a: 1}\n", {"<<": {"a": 1}}),
    ("timestamp-like key stays a string", "2001-12-14: a\n", {"2001-12-14": "a"}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in KEY_CASES]
)
def test_keys_become_strings(text: str, expected: Any) -> None:
    document = only(text)
    assert (document.error, document.problems) == (None, [])
    assert canonical(document.value) == canonical(expected)


# (rule, document, error message, line)
KEY_ERROR_CASES: list[tuple[str, str, str, int]] = [
    ("a null key", "a: 1\n~: 2\n", "unsupported map key: None", 2),
    ("the null word as a key", "null: 1\n", "unsupported map key: None", 1),
    ("an empty key", "? \n: 1\n", "unsupported map key: None", 1),
    ("a uint64 key", "18446744073709551615: a\n", "unsupported map key: 18446744073709551615", 1),
    ("a big.Int key", "0xFFFFFFFFFFFFFFFFFFFF: a\n", f"unsupported map key: {2**80 - 1}", 1),
    ("a flow sequence key", "a: 1\n[b]: 1\n", "invalid map key: a sequence", 2),
    ("a flow mapping key", "{b: 1}: 1\n", "invalid map key: a mapping", 1),
    ("a complex sequence key", "? [b]\n: 1\n", "invalid map key: a sequence", 1),
    ("an alias to a mapping as a key", "a: &m {b: 1}\n*m : 2\n", "invalid map key: a mapping", 2),
]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [pytest.param(text, message, line, id=rule) for rule, text, message, line in KEY_ERROR_CASES],
)
def test_key_errors(text: str, message: str, line: int) -> None:
    assert error_of(text) == (message, line)


# --- duplicate keys ------------------------------------------------------------------------

# (rule, document, value with the last duplicate, problems)
DUPLICATE_CASES: list[tuple[str, str, Any, list[DocumentProblem]]] = [
    ("the last value wins", "a: 1\nb: 2\na: 3\n", {"a": 3, "b": 2}, [dup(3, "a")]),
    ("each repetition is reported", "a: 1\na: 2\na: 3\n", {"a": 3}, [dup(2, "a"), dup(3, "a")]),
    ("a collection replaces a scalar", "a: 1\na: {b: 2}\n", {"a": {"b": 2}}, [dup(2, "a")]),
    ("in a flow mapping", "x: {a: 1,\n  a: 2}\n", {"x": {"a": 2}}, [dup(2, "a")]),
    (
        "in a nested mapping of a list",
        "spec:\n  containers:\n  - name: a\n    image: x\n    name: b\n",
        {"spec": {"containers": [{"name": "b", "image": "x"}]}},
        [dup(5, "name")],
    ),
    ("keys that resolve alike: 1 and '1'", "1: a\n'1': b\n", {"1": "b"}, [dup(2, "1")]),
    ("keys that resolve alike: on and 'true'", "on: a\n'true': b\n", {"true": "b"}, [dup(2, "true")]),
    ("keys that resolve alike: 0x10 and 16", "0x10: a\n16: b\n", {"16": "b"}, [dup(2, "16")]),
    ("one key in two mappings is fine", "a: {x: 1}\nb: {x: 2}\n", {"a": {"x": 1}, "b": {"x": 2}}, []),
]


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [pytest.param(text, value, problems, id=rule) for rule, text, value, problems in DUPLICATE_CASES],
)
def test_duplicate_keys(text: str, expected: Any, problems: list[DocumentProblem]) -> None:
    document = only(text)
    assert document.error is None
    assert canonical(document.value) == canonical(expected)
    assert document.problems == problems


# --- merge keys (go-yaml v2) ---------------------------------------------------------------

BASE = "base: &b {a: 1, b: 2}\n"

# (rule, document, value of x, problems)
MERGE_CASES: list[tuple[str, str, Any, list[DocumentProblem]]] = [
    ("merge adds the keys", BASE + "x:\n  <<: *b\n", {"a": 1, "b": 2}, []),
    ("keys after the merge override it", BASE + "x:\n  <<: *b\n  b: 3\n", {"a": 1, "b": 3}, []),
    ("keys before the merge are overridden by it", BASE + "x:\n  a: 0\n  <<: *b\n", {"a": 1, "b": 2}, []),
    (
        "a merge applies where it appears",
        BASE + "x:\n  a: 0\n  <<: *b\n  b: 3\n",
        {"a": 1, "b": 3},
        [],
    ),
    (
        "in a list of maps, earlier maps win",
        "x:\n  <<: [{a: 1}, {a: 2, b: 2}]\n",
        {"a": 1, "b": 2},
        [],
    ),
    (
        "a list of aliases",
        "m: &m {a: 1}\nn: &n {a: 2, c: 3}\nx:\n  <<: [*m, *n]\n",
        {"a": 1, "c": 3},
        [],
    ),
    ("a literal mapping", "x:\n  <<: {a: 1}\n  b: 2\n", {"a": 1, "b": 2}, []),
    ("in a flow mapping", "x: {<<: {a: 1}, a: 2}\n", {"a": 2}, []),
    ("in a flow mapping, after a key", "x: {a: 2, <<: {a: 1}}\n", {"a": 1}, []),
    ("an empty map merges nothing", "x:\n  a: 1\n  <<: {}\n", {"a": 1}, []),
    ("an empty list merges nothing", "x:\n  a: 1\n  <<: []\n", {"a": 1}, []),
    ("a merged map's own merge", "x:\n  <<: {a: 1, <<: {b: 2}}\n", {"a": 1, "b": 2}, []),
    ("!!merge tag", "x:\n  !!merge <<: {a: 1}\n", {"a": 1}, []),
    ("!!merge on another key is no merge", "x:\n  !!merge k: {a: 1}\n", {"k": {"a": 1}}, []),
    ("a merged key set explicitly is not a duplicate", BASE + "x:\n  <<: *b\n  a: 5\n", {"a": 5, "b": 2}, []),
    (
        "a merged key set explicitly twice is a duplicate",
        BASE + "x:\n  <<: *b\n  a: 5\n  a: 6\n",
        {"a": 6, "b": 2},
        [dup(5, "a")],
    ),
    (
        "a key set before and after a merge is set explicitly twice",
        BASE + "x:\n  a: 0\n  <<: *b\n  a: 5\n",
        {"a": 5, "b": 2},
        [dup(5, "a")],
    ),
    (
        "a key set between two merges and after them is set explicitly twice",
        "x:\n  <<: {a: 1}\n  c: 1\n  <<: {c: 2}\n  c: 3\n",
        {"a": 1, "c": 3},
        [dup(5, "c")],
    ),
    (
        "two merges of the same key are not duplicates",
        "x:\n  <<: {a: 1}\n  <<: {a: 2}\n",
        {"a": 2},
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [pytest.param(text, value, problems, id=rule) for rule, text, value, problems in MERGE_CASES],
)
def test_merge_keys(text: str, expected: Any, problems: list[DocumentProblem]) -> None:
    document = only(text)
    assert document.error is None, document.error.message
    assert canonical(document.value["x"]) == canonical(expected)
    assert document.problems == problems


def test_merge_copies_keys_and_leaves_the_anchor_alone() -> None:
    value = value_of(BASE + "x:\n  <<: *b\n  a: 5\n")
    assert value["base"] == {"a": 1, "b": 2}
    assert value["x"] is not value["base"]


MERGE_ERROR = "map merge requires map or sequence of maps as the value"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("x:\n  <<: 5\n", 2, id="a scalar"),
        pytest.param("x:\n  <<: ~\n", 2, id="null"),
        pytest.param("x:\n  <<: [1]\n", 2, id="a list of scalars"),
        pytest.param("m: &m {a: 1}\nx:\n  <<: [*m, 5]\n", 3, id="a list with a scalar"),
        pytest.param("m: &m [1]\nx:\n  <<: [*m]\n", 3, id="a list with an alias to a list"),
        pytest.param("s: &s 5\nx:\n  <<: *s\n", 3, id="an alias to a scalar"),
        pytest.param("l: &l [{a: 1}]\nx:\n  <<: *l\n", 3, id="an alias to a list of maps (v2: only a map)"),
    ],
)
def test_merge_errors(text: str, line: int) -> None:
    assert error_of(text) == (MERGE_ERROR, line)


def test_a_merge_key_as_a_value_does_not_disable_later_merges() -> None:
    # "<<" met as a value first must not be remembered as a plain string key afterwards.
    assert value_of("a: <<\nb:\n  <<: {c: 1}\n") == {"a": "<<", "b": {"c": 1}}
    cache: dict[str, Any] = {}
    found = documents("a: <<\n", cache=cache) + documents("b:\n  <<: {c: 1}\n", cache=cache)
    assert [document.value for document in found] == [{"a": "<<"}, {"b": {"c": 1}}]


# --- anchors and aliases -------------------------------------------------------------------


def test_aliases_share_the_anchored_value() -> None:
    value = value_of("a: &x {b: [1]}\nc: *x\nd: [*x]\n")
    assert value == {"a": {"b": [1]}, "c": {"b": [1]}, "d": [{"b": [1]}]}
    assert value["a"] is value["c"] is value["d"][0]


# (rule, document, value)
ANCHOR_CASES: list[tuple[str, str, Any]] = [
    ("an anchored scalar is resolved once", "a: &x 0644\nb: *x\n", {"a": 420, "b": 420}),
    ("an anchored quoted scalar stays a string", "a: &x '0644'\nb: *x\n", {"a": "0644", "b": "0644"}),
    ("an alias names the latest definition", "a: &x 1\nb: &x 2\nc: *x\n", {"a": 1, "b": 2, "c": 2}),
    ("an anchor redefined inside its own value", "a: &x [&x 1, *x]\nb: *x\n", {"a": [1, 1], "b": 1}),
    ("an alias as a key", "a: &k key\n*k : v\n", {"a": "key", "key": "v"}),
    ("an alias of an anchored tag", "a: &x !!str 12\nb: *x\n", {"a": "12", "b": "12"}),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in ANCHOR_CASES]
)
def test_anchors(text: str, expected: Any) -> None:
    assert canonical(value_of(text)) == canonical(expected)


# (rule, document, error message, line)
ANCHOR_ERROR_CASES: list[tuple[str, str, str, int]] = [
    ("an undefined anchor", "a: 1\nb: *x\n", "unknown anchor 'x' referenced", 2),
    ("an alias before its anchor", "a: *x\nb: &x 1\n", "unknown anchor 'x' referenced", 1),
    ("a sequence containing itself", "x: &x [*x]\n", "anchor 'x' value contains itself", 1),
    ("a mapping containing itself", "x: &x\n  a:\n    b: *x\n", "anchor 'x' value contains itself", 3),
]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [pytest.param(text, message, line, id=rule) for rule, text, message, line in ANCHOR_ERROR_CASES],
)
def test_anchor_errors(text: str, message: str, line: int) -> None:
    assert error_of(text) == (message, line)


def test_anchors_do_not_cross_documents_and_a_failure_costs_only_its_document() -> None:
    found = documents("a: &x 1\n---\nb: *x\n---\nc: 1\n")
    assert [(d.index, d.value) for d in found] == [(0, {"a": 1}), (1, None), (2, {"c": 1})]
    assert found[1].error is not None
    assert (found[1].error.message, found[1].error.line) == ("unknown anchor 'x' referenced", 3)


# --- the alias-expansion bound (CVE-2019-11253) ---------------------------------------------


def laughs(levels: int, width: int) -> str:
    """``levels`` anchors, each a list of ``width`` aliases of the one before."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@dataclass
class _Alias:
    name: str


@dataclass
class _Node:
    kind: str  # "scalar", "seq", "map"
    value: str = ""
    children: list[Any] = field(default_factory=list)


class _ExcessiveAliasing(Exception):
    pass


def go_yaml_aliasing_fails(text: str) -> bool:
    """go-yaml v2 ``decoder.unmarshal``, node by node: every node it decodes (aliases
    expanded every time) counts, those inside an alias expansion count as aliased too, and
    decoding fails as soon as aliasCount > 100, decodeCount > 1000 and the ratio exceeds
    ``allowedAliasRatio(decodeCount)``. Built from parser events, so aliases stay aliases."""
    anchors: dict[str, _Node] = {}
    stack: list[_Node] = []
    root: Any = None
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        node: Any
        if isinstance(event, yaml.AliasEvent):
            node = _Alias(event.anchor)
        elif isinstance(event, yaml.ScalarEvent):
            node = _Node("scalar", event.value if event.implicit[0] else "")
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            node = _Node("seq" if isinstance(event, yaml.SequenceStartEvent) else "map")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            continue
        else:
            continue
        if getattr(event, "anchor", None) and not isinstance(node, _Alias):
            anchors[event.anchor] = node
        if stack:
            stack[-1].children.append(node)
        else:
            root = node
        if isinstance(node, _Node) and node.kind != "scalar":
            stack.append(node)
    counts = {"decode": 1, "alias": 0, "depth": 0}  # the document node

    def allowed(decodes: int) -> float:
        if decodes <= 400_000:
            return 0.99
        if decodes >= 4_000_000:
            return 0.10
        return 0.99 - 0.89 * (decodes - 400_000) / 3_600_000

    def unmarshal(node: Any) -> None:
        counts["decode"] += 1
        if counts["depth"]:
            counts["alias"] += 1
        ratio = counts["alias"] / counts["decode"]
        if counts["alias"] > 100 and counts["decode"] > 1000 and ratio > allowed(counts["decode"]):
            raise _ExcessiveAliasing
        if isinstance(node, _Alias):
            counts["depth"] += 1
            unmarshal(anchors[node.name])
            counts["depth"] -= 1
        elif node.kind == "seq":
            for child in node.children:
                unmarshal(child)
        elif node.kind == "map":
            for key, value in zip(node.children[::2], node.children[1::2], strict=True):
                if isinstance(key, _Node) and key.kind == "scalar" and key.value == "<<":
                    merge(value)
                else:
                    unmarshal(key)
                    unmarshal(value)

    def merge(node: Any) -> None:
        if isinstance(node, _Node) and node.kind == "seq":
            for child in reversed(node.children):
                unmarshal(child)
        else:
            unmarshal(node)

    try:
        unmarshal(root)
    except _ExcessiveAliasing:
        return True
    return False


@pytest.mark.parametrize(
    ("levels", "width", "fails"),
    [
        pytest.param(3, 10, False, id="3 levels of 10 aliases pass"),
        pytest.param(4, 10, True, id="4 levels of 10 aliases fail"),
        pytest.param(2, 100, False, id="2 levels of 100 aliases pass"),
        pytest.param(2, 200, True, id="2 levels of 200 aliases fail"),
        pytest.param(2, 30, False, id="2 levels of 30 aliases pass (under 1000 decodes)"),
        pytest.param(9, 10, True, id="billion laughs fails"),
    ],
)
def test_alias_expansion_bound(levels: int, width: int, fails: bool) -> None:
    text = laughs(levels, width)
    assert go_yaml_aliasing_fails(text) is fails  # the reference agrees with the table
    document = only(text)
    if fails:
        assert document.error is not None
        assert document.error.message == "document contains excessive aliasing"
        assert document.value is None
    else:
        assert document.error is None
        assert len(document.value[f"l{levels - 1}"]) == width


def test_billion_laughs_fails_with_bounded_memory() -> None:
    tracemalloc.start()
    try:
        document = only(laughs(9, 10) + "l9: &l9 [" + ", ".join(["*l8"] * 10) + "]\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.error is not None
    assert (document.error.message, document.error.line) == ("document contains excessive aliasing", 4)
    assert peak < 1_000_000


def test_many_aliases_of_a_scalar_pass() -> None:
    text = "s: &s x\nl: [" + ", ".join(["*s"] * 3000) + "]\n"
    assert not go_yaml_aliasing_fails(text)
    assert value_of(text)["l"] == ["x"] * 3000


def test_merged_aliases_count_as_aliases() -> None:
    # Each merge of *m expands m's 601 nodes; 20 merges in 20 mappings pass, 200 do not.
    anchor = "m: &m {" + ", ".join(f"k{i}: {i}" for i in range(300)) + "}\n"
    few = anchor + "l:\n" + "".join("- <<: *m\n" for _ in range(20))
    many = anchor + "l:\n" + "".join("- <<: *m\n" for _ in range(200))
    assert (go_yaml_aliasing_fails(few), go_yaml_aliasing_fails(many)) == (False, True)
    assert only(few).error is None
    assert only(few).value["l"] == [{f"k{i}": i for i in range(300)}] * 20
    failed = only(many).error
    assert failed is not None
    assert failed.message == "document contains excessive aliasing"


@pytest.mark.parametrize(
    ("levels", "width", "padding", "fails"),
    [
        pytest.param(4, 10, 84, True, id="4x10 after 84 plain nodes: just over the ratio"),
        pytest.param(4, 10, 85, False, id="4x10 after 85 plain nodes: just under the ratio"),
        pytest.param(3, 20, 23, True, id="3x20 after 23 plain nodes: just over the ratio"),
        pytest.param(3, 20, 24, False, id="3x20 after 24 plain nodes: just under the ratio"),
    ],
)
def test_alias_bound_at_the_ratio(levels: int, width: int, padding: int, fails: bool) -> None:
    # Plain nodes decoded before the aliases dilute the ratio: one node more or less decides.
    text = f"p: [{', '.join(['0'] * padding)}]\n" + laughs(levels, width)
    assert go_yaml_aliasing_fails(text) is fails
    document = only(text)
    assert (document.error.message if document.error else None) == (
        "document contains excessive aliasing" if fails else None
    )


@st.composite
def aliasing_documents(draw: st.DrawFn) -> str:
    """A chain of anchors (lists or maps) whose elements mostly alias the anchor before,
    plain nodes before each, and merges of anchored maps: the shapes the bound is about,
    sized to land on both sides of it."""
    lines: list[str] = []
    maps: list[int] = []
    for index in range(draw(st.integers(1, 4))):
        lines.append(f"p{index}: [{', '.join(['0'] * draw(st.integers(0, 150)))}]")
        aliased = draw(st.sampled_from([4, 4, 4, 3, 0])) if index else 0  # aliases in 4 elements
        names = [
            f"*a{index - 1}" if draw(st.integers(0, 3)) < aliased else "x"
            for _ in range(draw(st.integers(1, 30)))
        ]
        if draw(st.booleans()):
            lines.append(f"a{index}: &a{index} [{', '.join(names)}]")
        else:
            lines.append(
                f"a{index}: &a{index} {{{', '.join(f'k{i}: {name}' for i, name in enumerate(names))}}}"
            )
            maps.append(index)
    for i in range(draw(st.integers(0, 30)) if maps else 0):
        lines.append(f"m{i}:\n  <<: *a{draw(st.sampled_from(maps))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(aliasing_documents())
def test_alias_bound_matches_go_yaml_node_by_node(text: str) -> None:
    # Under 400,000 decodes the allowed ratio is constant, so checking after each alias
    # expansion (as compose_documents does) must fail exactly when go-yaml's check does.
    document = only(text)
    fails = document.error is not None and document.error.message == "document contains excessive aliasing"
    assert fails is go_yaml_aliasing_fails(text)
    if not fails:
        assert document.error is None


# --- depth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("[" * 1001 + "]" * 1001, "flow", 1, id="flow nesting beyond libyaml's limit"),
        pytest.param("[" * 100_000, "flow", 1, id="unclosed deep flow nesting"),
        pytest.param(
            "".join(" " * i + f"k{i}:\n" for i in range(1200)),
            "block",
            1000,
            id="block nesting beyond the limit",
        ),
    ],
)
def test_depth_beyond_the_parser_limit_fails_without_crashing(text: str, message: str, line: int) -> None:
    expected = f"invalid YAML: while increasing {message} level: exceeded maximum nesting depth"
    assert error_of(text) == (expected, line)


def test_max_depth() -> None:
    text = "a: 1\nb: [[[1]]]\n"
    assert value_of(text) == {"a": 1, "b": [[[1]]]}
    assert only(text, max_depth=4).value == {"a": 1, "b": [[[1]]]}
    assert error_of_options(text, max_depth=3) == ("exceeded max depth of 3", 2)


def error_of_options(text: str, **options: Any) -> tuple[str, int | None]:
    document = only(text, **options)
    assert document.error is not None
    return document.error.message, document.error.line


def test_a_depth_failure_costs_only_its_document() -> None:
    found = documents("a: [[1]]\n---\nb: 1\n", max_depth=2)
    assert [(d.index, d.value) for d in found] == [(0, None), (1, {"b": 1})]
    assert found[0].error is not None
    assert found[0].error.message == "exceeded max depth of 2"


# --- syntax errors and characters -------------------------------------------------------------

# (rule, stream, message, line)
MAPPING_VALUES = "mapping values are not allowed in this context"
SYNTAX_CASES: list[tuple[str, str, str, int]] = [
    ("a second mapping value on a line", "a: 1\nb: c: d\n", MAPPING_VALUES, 2),
    ("bad indentation", "a: 1\n b: 2\n", MAPPING_VALUES, 2),
    ("an unclosed flow sequence", "a: [1\nb: 2\n", (
        "while parsing a flow sequence: did not find expected ',' or ']'"), 2),
    ("an unclosed quote", "a: 1\nb: 'x\n", (
        "while scanning a quoted scalar: found unexpected end of stream"), 3),
    ("a tab as indentation", "a:\n\t- b\n", (
        "while scanning for the next token: found character that cannot start any token"), 2),
    ("an unknown directive", "%FOO bar\n--- 1\n", (
        "while scanning a directive: found unknown directive name"), 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [pytest.param(text, message, line, id=rule) for rule, text, message, line in SYNTAX_CASES],
)
def test_syntax_errors_report_the_line(text: str, message: str, line: int) -> None:
    assert error_of(text) == (f"invalid YAML: {message}", line)


def test_a_syntax_error_ends_the_stream_after_the_documents_before_it() -> None:
    found = documents("a: 1\n---\nb: [\n---\nc: 1\n")
    assert [(d.index, d.value) for d in found] == [(0, {"a": 1}), (1, None)]
    assert found[1].error is not None
    assert (
        found[1].error.message
        == "invalid YAML: while parsing a flow node: did not find expected node content"
    )


@pytest.mark.parametrize(
    ("text", "character", "offset", "line"),
    [
        pytest.param("a: 1\nb: \x01\n", 1, 8, 2, id="SOH"),
        pytest.param("a: \x7f\n", 127, 3, 1, id="DEL"),
        pytest.param("a: \ufffe\n", 0xFFFE, 3, 1, id="a non-character"),
        pytest.param("é" * 30 + ": 1\nb: 1\nc: \x01\n", 1, 72, 3, id="the line after multi-byte characters"),
    ],
)
def test_control_characters_are_rejected_with_their_line(
    text: str, character: int, offset: int, line: int
) -> None:
    message = f"invalid YAML: character {character} not allowed at offset {offset}: "
    message += "control characters are not allowed"
    assert error_of(text) == (message, line)


# --- the lines of a List's items ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "item_lines"),
    [
        pytest.param(
            "apiVersion: v1\nkind: List\nitems:\n- a: 1\n-   b\n- [1]\n\n- {c: 2}\n",
            {0: 4, 1: 5, 2: 6, 3: 8},
            id="mappings, scalars, sequences",
        ),
        pytest.param(
            "kind: List\nitems:\n- &q 3\n- *q\n- !!str x\n- &m {a: 1}\n- *m\n- !foo {b: 1}\n",
            {0: 3, 1: 4, 2: 5, 3: 6, 4: 7, 5: 8},
            id="anchored, aliased and tagged items",
        ),
        pytest.param("items: [{a: 1},\n  {b: 2}, 3]\n", {0: 1, 1: 2, 2: 2}, id="a flow sequence"),
        pytest.param("---\n# c\nkind: List\nitems:\n  - a: 1\n", {0: 5}, id="after a marker and a comment"),
        pytest.param("spec:\n  items:\n  - a\n", {}, id="only the top-level items"),
        pytest.param("items:\n  a: 1\n", {}, id="items that are not a sequence"),
        pytest.param("- items:\n  - a\n", {}, id="a top-level sequence has no items"),
    ],
)
def test_item_lines(text: str, item_lines: dict[int, int]) -> None:
    document = only(text)
    assert document.error is None
    assert document.item_lines == item_lines


def test_item_lines_with_a_line_offset() -> None:
    (document,) = documents("items:\n- a\n- b\n", line_offset=7)
    assert document.item_lines == {0: 9, 1: 10}


def test_the_pure_python_parser_gives_the_same_documents() -> None:
    """The fallback for PyYAML builds without libyaml decodes exactly as the C parser."""
    from kubeward.sources.goyaml import CParser, PureParser

    samples = [
        "a: yes\nb: 0644\nc: '0644'\nd: [y, n, ~, 1e3, 08, 0x1F]\n",
        "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n  y: 4\n",
        "---\napiVersion: v1\nkind: List\nitems:\n- {kind: A}\n- kind: B\n---\n# only a comment\n",
        "a: !!python/object:x {}\nb: !!str 1\non: 2\n",
        "a: 1\nb: [\n",
        "a: *missing\n",
    ]
    for text in samples:
        fast = list(compose_documents(text, parser=CParser))
        pure = list(compose_documents(text, parser=PureParser))
        assert [(d.index, d.line, d.value, d.problems, d.item_lines) for d in fast] == [
            (d.index, d.line, d.value, d.problems, d.item_lines) for d in pure
        ], text
        assert [(d.error.line if d.error else None) for d in fast] == [
            (d.error.line if d.error else None) for d in pure
        ]
