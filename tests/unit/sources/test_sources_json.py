"""JSON streams: one or more concatenated values, as ``kubectl`` reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kubeward.sources.goyaml import DocumentProblem
from kubeward.sources.jsondoc import decode_json_stream
from typed_values import canonical


def decoded(text: str) -> list[tuple[int, int, Any]]:
    found = list(decode_json_stream(text))
    assert [(d.error, d.problems) for d in found] == [(None, [])] * len(found)
    return [(d.index, d.line, canonical(d.value)) for d in found]


# (rule, stream, [(index, line, value)])
STREAM_CASES: list[tuple[str, str, list[tuple[int, int, Any]]]] = [
    ("one object", '{"a": 1}', [(0, 1, {"a": 1})]),
    ("an empty object", "{}", [(0, 1, {})]),
    ("leading blank lines", '\n\n  {"a": 1}\n', [(0, 3, {"a": 1})]),
    (
        "concatenated values, with and without whitespace",
        '{"a": 1}{"b": 2}\n\n[1, 2]\n3 "x" null',
        [(0, 1, {"a": 1}), (1, 1, {"b": 2}), (2, 3, [1, 2]), (3, 4, 3), (4, 4, "x"), (5, 4, None)],
    ),
    ("objects on their own lines", '{"a": 1}\n{"a": 2}\n', [(0, 1, {"a": 1}), (1, 2, {"a": 2})]),
    (
        "numbers: ints stay ints, a fraction or exponent is a float",
        '{"i": 10, "z": -0, "f": 1.0, "e": 1e3, "n": -2.5E-1, "big": 99999999999999999999}',
        [(0, 1, {"i": 10, "z": 0, "f": 1.0, "e": 1000.0, "n": -0.25, "big": 99999999999999999999})],
    ),
    (
        "JSON has no YAML 1.1 resolution",
        '{"privileged": "yes", "mode": "0644", "on": true, "off": null}',
        [(0, 1, {"privileged": "yes", "mode": "0644", "on": True, "off": None})],
    ),
    ("escapes", '{"a\\u0062": "\\u00e9\\n"}', [(0, 1, {"ab": "é\n"})]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(text, expected, id=rule) for rule, text, expected in STREAM_CASES]
)
def test_stream(text: str, expected: list[tuple[int, int, Any]]) -> None:
    assert decoded(text) == [(index, line, canonical(value)) for index, line, value in expected]


def test_stream_line_offset() -> None:
    (document,) = decode_json_stream('\n{"a": 1}', line_offset=4)
    assert (document.line, document.value) == (6, {"a": 1})


KUBECTL_LIST = """{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a"}
        },
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}},

        {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "labels": {"items": "x"}}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
"""


def test_kubectl_list_item_lines() -> None:
    (document,) = decode_json_stream(KUBECTL_LIST)
    assert (document.error, document.problems, document.line) == (None, [], 1)
    assert document.value == json.loads(KUBECTL_LIST)
    assert document.item_lines == {0: 4, 1: 9, 2: 11}


@pytest.mark.parametrize(
    ("text", "item_lines"),
    [
        pytest.param('{"items": []}', {}, id="no items"),
        pytest.param('{"items": [1,\n 2, "x",\n null]}', {0: 1, 1: 2, 2: 2, 3: 3}, id="scalar items"),
        pytest.param('{"spec": {"items": [\n1]}}', {}, id="only the top-level items"),
        pytest.param('{"items": {"a": 1}}', {}, id="items that are not an array"),
        pytest.param('[{"items": [\n1]}]', {}, id="an array at the top"),
        pytest.param('{"a": 1}\n{"items": [\n{"b": 2}]}', {0: 3}, id="the second value of a stream"),
    ],
)
def test_item_lines(text: str, item_lines: dict[int, int]) -> None:
    last = list(decode_json_stream(text))[-1]
    assert last.error is None
    assert last.item_lines == item_lines


def dup(line: int, key: str) -> DocumentProblem:
    return DocumentProblem(line, f"duplicate key {key!r}; the last value is used")


# (rule, stream, value with the last duplicate, problems)
DUPLICATE_CASES: list[tuple[str, str, Any, list[DocumentProblem]]] = [
    ("the last value wins", '{"a": 1,\n "b": 2,\n "a": 3}', {"a": 3, "b": 2}, [dup(3, "a")]),
    ("nested", '{"spec": {\n  "x": 1,\n  "x": 2}}', {"spec": {"x": 2}}, [dup(3, "x")]),
    ("inside a List item", '{"items": [\n {"a": 1,\n  "a": 2}]}', {"items": [{"a": 2}]}, [dup(3, "a")]),
    ("keys equal after unescaping", '{"ab": 1,\n "a\\u0062": 2}', {"ab": 2}, [dup(2, "ab")]),
    (
        "the same key in two objects is no duplicate",
        '{"a": {"x": 1},\n "b": {"x": 2}}',
        {"a": {"x": 1}, "b": {"x": 2}},
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [pytest.param(text, value, problems, id=rule) for rule, text, value, problems in DUPLICATE_CASES],
)
def test_duplicate_keys(text: str, expected: Any, problems: list[DocumentProblem]) -> None:
    (document,) = decode_json_stream(text)
    assert document.error is None
    assert document.value == expected
    assert document.problems == problems


def test_duplicates_are_reported_in_their_own_value_of_a_stream() -> None:
    found = list(decode_json_stream('{"a": 1}\n{"b": 1,\n "b": 2}\n{"c": 1}'))
    assert [(d.index, d.value, d.problems) for d in found] == [
        (0, {"a": 1}, []),
        (1, {"b": 2}, [dup(3, "b")]),
        (2, {"c": 1}, []),
    ]


# (rule, stream, values decoded before the error, error message, line of the broken value)
P = "invalid JSON in the value starting here: "
ERROR_CASES: list[tuple[str, str, list[Any], str, int]] = [
    ("a missing value", '{"a": 1,\n"b": }', [], P + "Expecting value (line 2, column 6)", 1),
    ("a trailing comma", '{"a": 1}\n{"b": 2,}', [{"a": 1}], (
        P + "Expecting property name enclosed in double quotes (column 9)"), 2),
    ("a number as a key", '{"items": [],\n 1: 2}', [], (
        P + "Expecting property name enclosed in double quotes (line 2, column 2)"), 1),
    ("an unterminated object", '{"a": 1', [], P + "Unexpected end of input (column 8)", 1),
    ("an unterminated List", '{"items": [1, 2', [], P + "Unexpected end of input (column 16)", 1),
    (
        "a missing comma between items",
        '{"items": [\n  {"a": 1}\n  {"b": 2}]}',
        [],
        P + "Expecting ',' delimiter (line 3, column 3)",
        1,
    ),
    ("YAML is not JSON", "apiVersion: v1\n", [], P + "Expecting value (column 1)", 1),
    ("a single-quoted key", "{'a': 1}", [], (
        P + "Expecting property name enclosed in double quotes (column 2)"), 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "before", "message", "line"),
    [pytest.param(text, before, message, line, id=rule) for rule, text, before, message, line in ERROR_CASES],
)
def test_syntax_errors_name_the_broken_value_and_where_the_parser_stopped(
    text: str, before: list[Any], message: str, line: int
) -> None:
    found = list(decode_json_stream(text))
    assert [d.value for d in found[:-1]] == before
    last = found[-1]
    assert (last.index, last.value, last.line) == (len(before), None, line)
    assert last.error is not None
    assert (last.error.message, last.error.line) == (message, line)


def test_reading_resumes_at_the_next_value_after_a_broken_one() -> None:
    """JSON Lines: one broken line does not hide the lines after it."""
    text = '{"a": 1}\n{"b": \n  {"inner": 0}\n{"c": 3}\n[4]\n'
    found = list(decode_json_stream(text))
    assert [(d.index, d.line, d.value) for d in found] == [
        (0, 1, {"a": 1}),
        (1, 2, None),
        (2, 4, {"c": 3}),
        (3, 5, [4]),
    ]
    assert found[1].error is not None


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.lists(_JSON_VALUES, min_size=1, max_size=4),
    st.sampled_from([None, 2]),
    st.sampled_from(["", "\n", " "]),
)
def test_any_stream_of_json_values_decodes_like_json_loads(
    values: list[Any], indent: int | None, sep: str
) -> None:
    # Bare numbers and literals need a separator: "1" "0" written together is "10".
    assume(sep or all(isinstance(value, (dict, list, str)) for value in values))
    text = sep.join(json.dumps(value, indent=indent) for value in values)
    found = list(decode_json_stream(text))
    assert [canonical(d.value) for d in found] == [canonical(json.loads(json.dumps(v))) for v in values]
    assert [d.index for d in found] == list(range(len(values)))
    assert [(d.error, d.problems) for d in found] == [(None, [])] * len(values)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    """Python's decoder accepts them; JSON and Go's encoding/json do not."""
    [first, document] = decode_json_stream('{"a": 1}\n{"b": ' + constant + "}")
    assert first.value == {"a": 1}
    assert document.value is None
    assert document.error is not None
    assert (document.error.message, document.error.line) == (
        f"invalid JSON: {constant} is not a JSON value",
        2,
    )
