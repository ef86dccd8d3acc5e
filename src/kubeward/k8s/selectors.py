"""Label selectors with ``metav1.LabelSelectorAsSelector`` semantics.

* A *missing* (null) selector selects nothing; an *empty* one (``{}``) selects everything.
* ``matchLabels`` entries are equality requirements; ``matchExpressions`` use the operators
  ``In`` and ``NotIn`` (at least one value), ``Exists`` and ``DoesNotExist`` (no values).
  ``NotIn`` and ``DoesNotExist`` also match objects that lack the key.
* Keys must be qualified names and values valid label values (``labels.NewRequirement``);
  an invalid selector is an error, which callers report (the API server rejects it).

Equality-only maps (``Service.spec.selector``) go through :func:`from_match_labels`, where
an empty map selects everything, as ``labels.SelectorFromSet`` does; the Service and
ReplicationController meanings of an empty map are their callers' business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "Requirement",
    "Selector",
    "SelectorError",
    "from_match_labels",
    "parse_label_selector",
    "valid_label_key",
    "valid_label_value",
]

_NAME = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorError(ValueError):
    """A label selector the API server would reject."""


def valid_label_value(value: str) -> bool:
    return len(value) <= 63 and _NAME.fullmatch(value) is not None


def valid_label_key(key: str) -> bool:
    """A qualified name: optional DNS-subdomain prefix and ``/``, then a 1-63 char name."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return False
    return 0 < len(name) <= 63 and _NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement: ``key`` with operator ``Equals``, ``In``, ``NotIn``, ``Exists`` or
    ``DoesNotExist`` over ``values``."""

    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        operator = self.operator
        if operator == "Exists":
            return self.key in labels
        if operator == "DoesNotExist":
            return self.key not in labels
        if operator == "NotIn":
            return labels.get(self.key) not in self.values
        # Equals and In: the key must be present with one of the values
        value = labels.get(self.key)
        return value is not None and value in self.values

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        values = sorted(self.values)
        if self.operator == "Equals":
            return f"{self.key}={values[0]}"
        word = "in" if self.operator == "In" else "notin"
        return f"{self.key} {word} ({','.join(values)})"


@dataclass(frozen=True, slots=True)
class Selector:
    """All requirements must hold. ``selects_nothing`` marks the null selector."""

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    @property
    def selects_everything(self) -> bool:
        return not self.selects_nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.selects_nothing:
            return False
        return all(requirement.matches(labels) for requirement in self.requirements)

    def __str__(self) -> str:
        if self.selects_nothing:
            return "<none>"
        return ",".join(str(requirement) for requirement in self.requirements) or "<all>"


EVERYTHING = Selector()
NOTHING = Selector(selects_nothing=True)


def from_match_labels(match_labels: Mapping[str, Any]) -> Selector:
    """Equality requirements from a plain label map, sorted by key."""
    requirements = []
    for key in sorted(match_labels):
        value = match_labels[key]
        if not isinstance(value, str):
            raise SelectorError(f"label {key!r}: value must be a string")
        _check_key(key)
        if not valid_label_value(value):
            raise SelectorError(f"label {key!r}: invalid value {value!r}")
        requirements.append(Requirement(key, "Equals", frozenset((value,))))
    return Selector(tuple(requirements))


def parse_label_selector(selector: Any) -> Selector:
    """A ``metav1.LabelSelector`` as found in an object (``None`` when the field is absent)."""
    if selector is None:
        return NOTHING
    if not isinstance(selector, Mapping):
        raise SelectorError("a label selector must be a mapping")
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise SelectorError("matchLabels must be a mapping")
    requirements = list(from_match_labels(match_labels).requirements)
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SelectorError("matchExpressions must be a list")
    for expression in expressions:
        requirements.append(_expression(expression))
    # labels.Selector.Add keeps its requirements sorted by key (it shows in str())
    requirements.sort(key=lambda requirement: requirement.key)
    return Selector(tuple(requirements))


def _check_key(key: str) -> None:
    if not valid_label_key(key):
        raise SelectorError(f"invalid label key {key!r}")


def _expression(expression: Any) -> Requirement:
    if not isinstance(expression, Mapping):
        raise SelectorError("a matchExpressions entry must be a mapping")
    key, operator = expression.get("key"), expression.get("operator")
    if not isinstance(key, str):
        raise SelectorError("matchExpressions: key must be a string")
    _check_key(key)
    if operator not in _OPERATORS:
        raise SelectorError(f"matchExpressions {key!r}: {operator!r} is not a valid label selector operator")
    values = expression.get("values") or []
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise SelectorError(f"matchExpressions {key!r}: values must be a list of strings")
    if operator in ("In", "NotIn") and not values:
        raise SelectorError(
            f"matchExpressions {key!r}: for 'In', 'NotIn' operators, values set can't be empty"
        )
    if operator in ("Exists", "DoesNotExist") and values:
        raise SelectorError(
            f"matchExpressions {key!r}: values set must be empty for exists and does not exist"
        )
    for value in values:
        if not valid_label_value(value):
            raise SelectorError(f"matchExpressions {key!r}: invalid value {value!r}")
    return Requirement(key, operator, frozenset(values))
