"""Label selectors: ``metav1.LabelSelectorAsSelector`` and ``labels.NewRequirement`` rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.k8s import selectors
from kubeward.k8s.selectors import Requirement, Selector, SelectorError
from unit.k8s.selector_reference import label_maps, raw_selectors, reference_matches, reference_valid

WEB = {"app": "web", "tier": "frontend"}
DB = {"app": "db", "tier": "backend", "env": "prod"}
BARE: dict[str, str] = {}

# (rule, selector, {label-set name: expected match})
MATCH_CASES: list[tuple[str, Any, dict[str, bool]]] = [
    ("null selector selects nothing", None, {"web": False, "db": False, "bare": False}),
    ("empty selector selects everything", {}, {"web": True, "db": True, "bare": True}),
    (
        "empty matchLabels and matchExpressions select everything",
        {"matchLabels": {}, "matchExpressions": []},
        {"web": True, "db": True, "bare": True},
    ),
    ("matchLabels is equality", {"matchLabels": {"app": "web"}}, {"web": True, "db": False, "bare": False}),
    (
        "all matchLabels must hold",
        {"matchLabels": {"app": "web", "tier": "backend"}},
        {"web": False, "db": False, "bare": False},
    ),
    (
        "In needs the key with one of the values",
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]},
        {"web": True, "db": False, "bare": False},
    ),
    (
        "NotIn matches objects lacking the key",
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
        {"web": False, "db": True, "bare": True},
    ),
    (
        "Exists needs the key, whatever its value",
        {"matchExpressions": [{"key": "env", "operator": "Exists"}]},
        {"web": False, "db": True, "bare": False},
    ),
    (
        "DoesNotExist matches objects lacking the key",
        {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]},
        {"web": True, "db": False, "bare": True},
    ),
    (
        "matchLabels AND matchExpressions",
        {
            "matchLabels": {"tier": "backend"},
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}],
        },
        {"web": False, "db": False, "bare": False},
    ),
    (
        "matchLabels AND matchExpressions, both hold",
        {
            "matchLabels": {"tier": "backend"},
            "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}],
        },
        {"web": False, "db": True, "bare": False},
    ),
    (
        "an empty label value is a value",
        {"matchExpressions": [{"key": "app", "operator": "In", "values": [""]}]},
        {"web": False, "db": False, "bare": False},
    ),
]
LABEL_SETS = {"web": WEB, "db": DB, "bare": BARE}


@pytest.mark.parametrize(("rule", "selector", "expected"), MATCH_CASES, ids=[case[0] for case in MATCH_CASES])
def test_selector_matches(rule: str, selector: Any, expected: dict[str, bool]) -> None:
    parsed = selectors.parse_label_selector(selector)
    got = {name: parsed.matches(labels) for name, labels in LABEL_SETS.items()}
    assert got == expected


def test_null_and_empty_selectors_are_the_constants() -> None:
    assert selectors.parse_label_selector(None) == selectors.NOTHING
    assert selectors.parse_label_selector({}) == selectors.EVERYTHING
    assert selectors.NOTHING.selects_nothing and not selectors.NOTHING.selects_everything
    assert selectors.EVERYTHING.selects_everything and not selectors.EVERYTHING.selects_nothing


def test_parsed_requirements_are_exact() -> None:
    parsed = selectors.parse_label_selector(
        {
            "matchLabels": {"tier": "backend", "app": "db"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert parsed == Selector(
        (
            Requirement("app", "Equals", frozenset({"db"})),
            Requirement("canary", "DoesNotExist"),
            Requirement("env", "In", frozenset({"prod", "dev"})),
            Requirement("tier", "Equals", frozenset({"backend"})),
        )
    )


# --- validation ----------------------------------------------------------------------------

PREFIX_253 = ".".join(("a" * 63, "b" * 63, "c" * 63, "d" * 61))
assert len(PREFIX_253) == 253

INVALID_SELECTORS: list[tuple[str, Any, str]] = [
    (
        "unknown operator",
        {"matchExpressions": [{"key": "app", "operator": "in", "values": ["a"]}]},
        "'in' is not a valid label selector operator",
    ),
    (
        "Equals is not a matchExpressions operator",
        {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["a"]}]},
        "'Equals' is not a valid label selector operator",
    ),
    (
        "missing operator",
        {"matchExpressions": [{"key": "app", "values": ["a"]}]},
        "None is not a valid label selector operator",
    ),
    (
        "In with no values",
        {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]},
        "values set can't be empty",
    ),
    (
        "In with values missing",
        {"matchExpressions": [{"key": "app", "operator": "In"}]},
        "values set can't be empty",
    ),
    (
        "NotIn with no values",
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": []}]},
        "values set can't be empty",
    ),
    (
        "Exists with values",
        {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["a"]}]},
        "values set must be empty for exists and does not exist",
    ),
    (
        "DoesNotExist with values",
        {"matchExpressions": [{"key": "app", "operator": "DoesNotExist", "values": ["a"]}]},
        "values set must be empty for exists and does not exist",
    ),
    ("key starting with a dash", {"matchLabels": {"-app": "a"}}, "invalid label key '-app'"),
    ("key ending with a dot", {"matchLabels": {"app.": "a"}}, "invalid label key 'app.'"),
    ("empty key", {"matchLabels": {"": "a"}}, "invalid label key ''"),
    ("name part of 64 characters", {"matchLabels": {"n" * 64: "a"}}, "invalid label key"),
    ("empty prefix", {"matchLabels": {"/app": "a"}}, "invalid label key '/app'"),
    ("empty name after the prefix", {"matchLabels": {"example.com/": "a"}}, "invalid label key"),
    ("upper-case prefix", {"matchLabels": {"Example.com/app": "a"}}, "invalid label key"),
    ("prefix with an underscore", {"matchLabels": {"ex_ample.com/app": "a"}}, "invalid label key"),
    ("two slashes", {"matchLabels": {"a/b/c": "a"}}, "invalid label key 'a/b/c'"),
    ("prefix of 254 characters", {"matchLabels": {PREFIX_253 + "d/app": "a"}}, "invalid label key"),
    (
        "invalid key in matchExpressions",
        {"matchExpressions": [{"key": "a b", "operator": "Exists"}]},
        "invalid label key 'a b'",
    ),
    ("value ending with a dash", {"matchLabels": {"app": "web-"}}, "label 'app': invalid value 'web-'"),
    ("value of 64 characters", {"matchLabels": {"app": "v" * 64}}, "invalid value"),
    ("value with a space", {"matchLabels": {"app": "a b"}}, "invalid value 'a b'"),
    ("value with a slash", {"matchLabels": {"app": "a/b"}}, "invalid value 'a/b'"),
    (
        "invalid value in matchExpressions",
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["ok", "_bad"]}]},
        "matchExpressions 'app': invalid value '_bad'",
    ),
    ("matchLabels value that is not a string", {"matchLabels": {"version": 1}}, "value must be a string"),
    ("selector that is not a mapping", ["app"], "a label selector must be a mapping"),
    ("matchLabels that is not a mapping", {"matchLabels": ["app"]}, "matchLabels must be a mapping"),
    ("matchExpressions that is not a list", {"matchExpressions": {"key": "a"}}, "must be a list"),
    ("matchExpressions entry not a mapping", {"matchExpressions": ["app"]}, "must be a mapping"),
    (
        "values that are not strings",
        {"matchExpressions": [{"key": "app", "operator": "In", "values": [1]}]},
        "values must be a list of strings",
    ),
]


@pytest.mark.parametrize(
    ("rule", "selector", "message"), INVALID_SELECTORS, ids=[case[0] for case in INVALID_SELECTORS]
)
def test_invalid_selector_raises(rule: str, selector: Any, message: str) -> None:
    with pytest.raises(SelectorError) as raised:
        selectors.parse_label_selector(selector)
    assert message in str(raised.value)


VALID_KEYS = [
    "app",
    "a",
    "n" * 63,
    "app.kubernetes.io/name",
    "A_b.c-D9",
    "example.com/App_1",
    "kubernetes.io/metadata.name",
    PREFIX_253 + "/app",
    "x" * 253 + "/app",
]


@pytest.mark.parametrize("key", VALID_KEYS, ids=lambda key: key if len(key) < 30 else f"{len(key)} chars")
def test_valid_label_keys(key: str) -> None:
    assert selectors.valid_label_key(key)
    parsed = selectors.parse_label_selector({"matchExpressions": [{"key": key, "operator": "Exists"}]})
    assert parsed.matches({key: "x"})


@pytest.mark.parametrize("value", ["", "a", "v" * 63, "A.b_c-1", "0"], ids=repr)
def test_valid_label_values(value: str) -> None:
    assert selectors.valid_label_value(value)
    assert selectors.parse_label_selector({"matchLabels": {"app": value}}).matches({"app": value})


# --- equality-only maps ----------------------------------------------------------------------


def test_from_match_labels_empty_map_selects_everything() -> None:
    assert selectors.from_match_labels({}) == selectors.EVERYTHING
    assert selectors.from_match_labels({}).matches({})


def test_from_match_labels_is_sorted_equality() -> None:
    selector = selectors.from_match_labels({"tier": "web", "app": "shop"})
    assert selector == Selector(
        (Requirement("app", "Equals", frozenset({"shop"})), Requirement("tier", "Equals", frozenset({"web"})))
    )
    assert selector.matches({"app": "shop", "tier": "web", "extra": "x"})
    assert not selector.matches({"app": "shop"})


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"app": 1}, "value must be a string"),
        ({"app": "a b"}, "invalid value"),
        ({"-k": "v"}, "invalid label key"),
    ],
    ids=["non-string value", "invalid value", "invalid key"],
)
def test_from_match_labels_rejects(labels: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorError, match=message):
        selectors.from_match_labels(labels)


# --- rendering -----------------------------------------------------------------------------

RENDERINGS: list[tuple[str, Any, str]] = [
    ("null selector", None, "<none>"),
    ("empty selector", {}, "<all>"),
    ("equality, sorted by key", {"matchLabels": {"tier": "web", "app": "shop"}}, "app=shop,tier=web"),
    (
        "In with its values sorted",
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]},
        "env in (dev,prod)",
    ),
    (
        "NotIn",
        {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]},
        "env notin (dev)",
    ),
    ("Exists is the bare key", {"matchExpressions": [{"key": "canary", "operator": "Exists"}]}, "canary"),
    (
        "DoesNotExist is !key",
        {"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]},
        "!canary",
    ),
    (
        "requirements sorted by key across matchLabels and matchExpressions (labels.Selector.Add)",
        {
            "matchLabels": {"zone": "eu"},
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "app", "operator": "Exists"},
            ],
        },
        "app,tier notin (db),zone=eu",
    ),
]


@pytest.mark.parametrize(("rule", "selector", "text"), RENDERINGS, ids=[case[0] for case in RENDERINGS])
def test_selector_str(rule: str, selector: Any, text: str) -> None:
    assert str(selectors.parse_label_selector(selector)) == text


# --- against the brute-force reference -------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(selector=raw_selectors(), labels=st.lists(label_maps(), min_size=1, max_size=6))
def test_matches_agrees_with_reference(selector: dict[str, Any] | None, labels: list[dict[str, str]]) -> None:
    parsed = selectors.parse_label_selector(selector)
    assert [parsed.matches(one) for one in labels] == [reference_matches(selector, one) for one in labels]


@settings(max_examples=500, deadline=None)
@given(selector=raw_selectors(valid_only=False))
def test_validation_agrees_with_reference(selector: dict[str, Any] | None) -> None:
    try:
        selectors.parse_label_selector(selector)
    except SelectorError:
        accepted = False
    else:
        accepted = True
    assert accepted == reference_valid(selector)
