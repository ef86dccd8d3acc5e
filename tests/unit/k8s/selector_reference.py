"""A brute-force ``metav1.LabelSelector`` evaluator and Hypothesis strategies for selectors.

The reference reads the raw selector dict directly, one rule of the spec at a time, with no
parsing step and no shared code with :mod:`kubeward.k8s.selectors`; property tests compare
the fast implementation with it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

__all__ = ["KEYS", "VALUES", "label_maps", "raw_selectors", "reference_matches", "reference_valid"]

_ALNUM = frozenset(string.ascii_letters + string.digits)
_NAME_INNER = _ALNUM | frozenset("-_.")
_DNS_INNER = frozenset(string.ascii_lowercase + string.digits + "-")


def _is_name(text: str) -> bool:
    """``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?``, checked character by character."""
    if not text or text[0] not in _ALNUM or text[-1] not in _ALNUM:
        return False
    return all(char in _NAME_INNER for char in text)


def _is_dns_subdomain(text: str) -> bool:
    if not text or len(text) > 253:
        return False
    for label in text.split("."):
        if not label or label[0] == "-" or label[-1] == "-":
            return False
        if not all(char in _DNS_INNER for char in label):
            return False
    return True


def _valid_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    parts = key.split("/")
    if len(parts) == 1:
        prefix, name = None, parts[0]
    elif len(parts) == 2:
        prefix, name = parts
    else:
        return False
    if prefix is not None and not _is_dns_subdomain(prefix):
        return False
    return len(name) <= 63 and _is_name(name)


def _valid_value(value: Any) -> bool:
    return isinstance(value, str) and (value == "" or (len(value) <= 63 and _is_name(value)))


def reference_valid(selector: Mapping[str, Any] | None) -> bool:
    """Whether ``LabelSelectorAsSelector`` accepts ``selector`` (a null selector is valid)."""
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if not _valid_key(key) or not _valid_value(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        operator, values = expression.get("operator"), expression.get("values") or []
        if not _valid_key(expression.get("key")):
            return False
        if operator in ("In", "NotIn"):
            if len(values) == 0:
                return False
        elif operator in ("Exists", "DoesNotExist"):
            if len(values) != 0:
                return False
        else:
            return False
        if not all(_valid_value(value) for value in values):
            return False
    return True


def reference_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Evaluate a valid raw selector against a label map, straight from the API docs."""
    if selector is None:  # "A null label selector matches no objects."
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if key not in labels or labels[key] != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


KEYS = ("app", "tier", "env", "example.com/team")
VALUES = ("a", "b", "c", "")
_BAD_KEYS = ("-app", "Example.com/team", "/app", "a/b/c", "x" * 64)
_BAD_VALUES = ("a-", "with space", "v" * 64)


def label_maps() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=len(KEYS))


def _expressions(*, valid_only: bool) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(KEYS) if valid_only else st.sampled_from(KEYS + _BAD_KEYS)
    values = st.sampled_from(VALUES) if valid_only else st.sampled_from(VALUES + _BAD_VALUES)
    with_values = st.fixed_dictionaries(
        {
            "key": keys,
            "operator": st.sampled_from(("In", "NotIn")),
            "values": st.lists(values, min_size=1, max_size=3),
        }
    )
    without_values = st.fixed_dictionaries(
        {"key": keys, "operator": st.sampled_from(("Exists", "DoesNotExist"))}
    )
    if valid_only:
        return st.one_of(with_values, without_values)
    broken = st.fixed_dictionaries(
        {
            "key": keys,
            "operator": st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist", "in", "Equals")),
            "values": st.lists(values, max_size=2),
        }
    )
    return st.one_of(with_values, without_values, broken)


def raw_selectors(*, valid_only: bool = True) -> st.SearchStrategy[dict[str, Any] | None]:
    """Raw ``LabelSelector`` dicts (or None); with ``valid_only=False`` some are invalid."""
    keys = st.sampled_from(KEYS) if valid_only else st.sampled_from(KEYS + _BAD_KEYS)
    values = st.sampled_from(VALUES) if valid_only else st.sampled_from(VALUES + _BAD_VALUES)
    selector = st.fixed_dictionaries(
        {},
        optional={
            "matchLabels": st.dictionaries(keys, values, max_size=3),
            "matchExpressions": st.lists(_expressions(valid_only=valid_only), max_size=4),
        },
    )
    return st.one_of(st.none(), selector)
