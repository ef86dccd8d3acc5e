"""The fast event composer against a small reference decoder, on generated documents.

The reference is PyYAML's pure-Python composer (``yaml.compose_all`` with ``SafeLoader``)
and a straightforward recursive walk of its nodes: plain scalars resolved with
:func:`resolve_plain`, quoted ones kept as strings, keys made strings with
:func:`key_to_string`, merge keys applied with go-yaml v2's semantics, duplicate keys
reported on the line of the repeated key. Documents are written by ``yaml.dump`` from
random structures whose scalars are emitted *plain* wherever YAML allows (a dumper that
resolves nothing implicitly), so that resolution matters; some are quoted on purpose,
some structures are shared (anchors and aliases) and some mappings merge others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kubeward.sources.goyaml import DocumentProblem, compose_documents
from kubeward.sources.goyaml_resolve import YAMLFailure, key_to_string, resolve_plain
from typed_values import canonical

MERGE_ERROR = "map merge requires map or sequence of maps as the value"

# --- the reference ----------------------------------------------------------------------------


class _Reference:
    """One document's node tree -> (value, duplicate-key problems); raises YAMLFailure."""

    def __init__(self) -> None:
        self.decoded: dict[int, Any] = {}  # node id -> value: an alias is its anchor's node
        self.problems: list[DocumentProblem] = []

    def value(self, node: yaml.Node) -> Any:
        if id(node) in self.decoded:
            return self.decoded[id(node)]
        if isinstance(node, yaml.ScalarNode):
            value: Any = resolve_plain(node.value) if node.style is None else node.value
        elif isinstance(node, yaml.SequenceNode):
            value = [self.value(item) for item in node.value]
        else:
            assert isinstance(node, yaml.MappingNode)
            value = self.mapping(node)
        self.decoded[id(node)] = value
        return value

    def mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: set[str] = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.style is None and key_node.value == "<<":
                aliased = id(value_node) in self.decoded
                merged = self.value(value_node)
                if isinstance(merged, dict):
                    result.update(merged)
                elif isinstance(merged, list) and not aliased and all(isinstance(m, dict) for m in merged):
                    for item in reversed(merged):  # earlier maps win
                        result.update(item)
                else:
                    raise YAMLFailure(MERGE_ERROR)
                continue
            key = self.value(key_node)
            if isinstance(key, (dict, list)):
                raise YAMLFailure(
                    f"invalid map key: {'a mapping' if isinstance(key, dict) else 'a sequence'}"
                )
            key = key_to_string(key)
            value = self.value(value_node)
            if key in explicit:
                line = key_node.start_mark.line + 1
                self.problems.append(DocumentProblem(line, f"duplicate key {key!r}; the last value is used"))
            explicit.add(key)
            result[key] = value
        return result


def reference_documents(text: str) -> list[tuple[Any, str | None, list[DocumentProblem]]]:
    """(value, error message, problems) of each document."""
    found = []
    for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
        reference = _Reference()
        try:
            value = canonical(reference.value(node)) if node is not None else canonical(None)
        except YAMLFailure as failure:
            found.append((None, failure.message, []))
        else:
            found.append((value, None, reference.problems))
    return found


def fast_documents(text: str) -> list[tuple[Any, str | None, list[DocumentProblem]]]:
    found = []
    for document in compose_documents(text):
        if document.error is not None:
            found.append((None, document.error.message, []))
        else:
            found.append((canonical(document.value), None, document.problems))
    return found


# --- documents written by yaml.dump -------------------------------------------------------------


@dataclass(eq=False)
class Plain:
    text: str


@dataclass(eq=False)
class Quoted:
    text: str
    style: str


@dataclass(eq=False)
class Pairs:
    """A mapping that may repeat keys."""

    items: list[tuple[Any, Any]]


class _PlainDumper(yaml.SafeDumper):
    """Resolves nothing implicitly, so every string it can write plain is written plain."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - the class attribute PyYAML reads


_PlainDumper.add_representer(
    Plain, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data.text)
)
_PlainDumper.add_representer(
    Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data.text, style=data.style)
)
_PlainDumper.add_representer(
    Pairs, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items)
)

TRICKY = [
    "yes", "Yes", "y", "Y", "n", "no", "NO", "on", "off", "true", "False", "tRUE", "Yes!",
    "0644", "0755", "08", "012", "1e3", "1.", ".5", "1_000", "0x1F", "0o17", "0b101", "-0b101", "+12", "-0",
    "~", "null", "Null", "", "<<", ".inf", "-.inf", "+.INF", ".nan", ".NaN",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1:30", "1e999", ".5_0", "0x",
    "99999999999999999999", "18446744073709551615", "0xFFFFFFFFFFFFFFFFFFFF", "-0xFFFFFFFFFFFFFFFFFFFF",
    "12", "-7", "1.5", "abc", "a b", "é", "true story",
]  # fmt: skip
KEYS = ["a", "b", "c", "1", "01", "1.5", "yes", "y", "on", "true", "<<", "0x1", "1e3", ".inf", "2001-12-14"]


@st.composite
def documents(draw: st.DrawFn) -> Any:
    shared: list[Any] = []

    def scalar() -> Any:
        text = draw(st.sampled_from(TRICKY))
        if draw(st.integers(0, 3)) == 0:
            return Quoted(text, draw(st.sampled_from(['"', "'"])))
        return Plain(text)

    def key() -> Any:
        roll = draw(st.integers(0, 99))
        if roll == 0:
            return [scalar()]  # a sequence key: invalid
        if roll == 1:
            return Pairs([(Plain("k"), scalar())])  # a mapping key: invalid
        if roll == 2:
            return Plain(draw(st.sampled_from(["~", "18446744073709551615"])))  # not a JSON key: invalid
        text = draw(st.sampled_from(KEYS))
        return Quoted(text, '"') if roll < 15 else Plain(text)

    def merge_value(depth: int) -> Any:
        maps = [item for item in shared if isinstance(item, Pairs)]
        roll = draw(st.integers(0, 19))
        if roll < 8 and maps:
            return draw(st.sampled_from(maps))  # <<: *m
        if roll < 14:
            return [
                draw(st.sampled_from(maps)) if maps and draw(st.booleans()) else mapping(depth + 1)
                for _ in range(draw(st.integers(0, 3)))
            ]
        if roll < 19:
            return mapping(depth + 1)
        lists = [item for item in shared if isinstance(item, list)]
        return draw(st.sampled_from(lists)) if lists and draw(st.booleans()) else scalar()  # an error

    def mapping(depth: int) -> Pairs:
        items = []
        for _ in range(draw(st.integers(0, 5))):
            name = key()
            if isinstance(name, Plain) and name.text == "<<":
                items.append((name, merge_value(depth)))
            else:
                items.append((name, node(depth + 1)))
        return Pairs(items)

    def node(depth: int) -> Any:
        roll = draw(st.integers(0, 9))
        if roll == 0 and shared:
            return draw(st.sampled_from(shared))  # an alias
        if depth >= 3 or roll < 5:
            value: Any = scalar()
        elif roll < 7:
            value = [node(depth + 1) for _ in range(draw(st.integers(0, 4)))]
        else:
            value = mapping(depth)
        if draw(st.integers(0, 4)) == 0:
            shared.append(value)  # later references become aliases of it
        return value

    return mapping(0) if draw(st.booleans()) else node(0)


def dump(structures: list[Any], flow: bool | None) -> str:
    return yaml.dump_all(
        structures,
        Dumper=_PlainDumper,
        default_flow_style=flow,
        sort_keys=False,
        allow_unicode=True,
        width=60,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=3), st.sampled_from([False, True, None]))
def test_fast_composer_matches_the_reference(structures: list[Any], flow: bool | None) -> None:
    text = dump(structures, flow)
    try:
        expected = reference_documents(text)
    except yaml.YAMLError:  # the dumper can write what no parser reads (a lone empty plain scalar)
        assume(False)
    assert fast_documents(text) == expected, text


# Cases the generator reaches, written out so that a failure names its rule.
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: yes\nb: '0644'\nc: 0644\nd: [y, n, ~, 1e3, 08]\n", id="resolution"),
        pytest.param("a: 1\nb: 2\na: 3\n", id="a duplicate"),
        pytest.param(
            "m: &m {a: 1, b: 2}\nx:\n  a: 0\n  <<: *m\n  b: 3\n  b: 4\n", id="a merge then duplicates"
        ),
        pytest.param("x:\n  <<: [{a: 1}, {a: 2, c: 3}]\n  c: 4\n", id="a list merge"),
        pytest.param("l: &l [{a: 1}]\nx:\n  <<: *l\n", id="an aliased list merge"),
        pytest.param("x:\n  <<: {a: 1}\n  c: 1\n  <<: {c: 2}\n  c: 3\n", id="explicit, merged, explicit"),
        pytest.param("on: 1\n'true': 2\n", id="keys resolving alike"),
        pytest.param("~: 1\n", id="a null key"),
        pytest.param("[a]: 1\n", id="a sequence key"),
        pytest.param("a: &x [1]\nb: *x\n---\n- &s yes\n- *s\n", id="aliases in two documents"),
    ],
)
def test_fast_composer_matches_the_reference_on_examples(text: str) -> None:
    assert fast_documents(text) == reference_documents(text)
