"""Check an object's read fields against their TypedDict and drop what does not fit.

Kubernetes decodes ``null`` as "unset", so a null field is removed silently (and reported
only when the field is required). A field of the wrong type (``containers: "x"``,
``metadata: []``, ``privileged: "true"``) would make the API server reject the object; it
is removed and reported as a :class:`FieldProblem`, and everything else in the object is
still analysed. Integral floats are accepted where integers are expected, because
``sigs.k8s.io/yaml`` writes YAML's ``1.0`` to JSON as ``1``.

Checks are compiled once per TypedDict from its annotations (``Required`` keys included).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import (
    Annotated,
    Any,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from kubeward.k8s import types as k8s_types
from kubeward.k8s.objects import GroupKind, Path
from kubeward.k8s.quantities import parse_quantity

__all__ = ["FieldProblem", "check_object", "check_value", "describe_value", "schema_for"]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A field that was missing or of the wrong type; ``path`` is inside the object body.
    ``fatal``: the object could not be analysed at all."""

    path: Path
    message: str
    fatal: bool = False


_INVALID = object()
_Checker = Callable[[Any, Path, list[FieldProblem]], Any]
_TYPE_NAMES = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}


def describe_value(value: Any) -> str:
    """What a decoded value is, for messages: "a list", "a string", "a number"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _scalar_checker(expected: tuple[type, ...]) -> _Checker:
    wants_int = int in expected and float not in expected
    names = " or ".join(_TYPE_NAMES[kind] for kind in expected)

    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        if isinstance(value, bool):
            if bool in expected:
                return value
        elif isinstance(value, expected) or (float in expected and isinstance(value, int)):
            return value  # a JSON integer decodes into a float64 field
        elif wants_int and isinstance(value, float) and value.is_integer():
            return int(value)
        problems.append(FieldProblem(path, f"expected {names}, got {describe_value(value)}"))
        return _INVALID

    return check


def _list_checker(item: _Checker) -> _Checker:
    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        if not isinstance(value, list):
            problems.append(FieldProblem(path, f"expected a list, got {describe_value(value)}"))
            return _INVALID
        kept = []
        for index, element in enumerate(value):
            if element is None:
                problems.append(FieldProblem((*path, index), "expected a value, got null"))
                continue
            checked = item(element, (*path, index), problems)
            if checked is not _INVALID:
                kept.append(checked)
        if len(kept) != len(value) or any(a is not b for a, b in zip(kept, value, strict=True)):
            value[:] = kept
        return value

    return check


def _map_checker(item: _Checker) -> _Checker:
    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        if not isinstance(value, dict):
            problems.append(FieldProblem(path, f"expected a mapping, got {describe_value(value)}"))
            return _INVALID
        for key in list(value):
            if value[key] is not None:
                _apply(value, key, item, path, problems)
        return value

    return check


def _apply(
    container: dict[str, Any], key: str, check: _Checker, path: Path, problems: list[FieldProblem]
) -> None:
    """Check ``container[key]``: drop it when invalid, keep what the check normalised."""
    element = container[key]
    checked = check(element, (*path, key), problems)
    if checked is _INVALID:
        del container[key]
    elif checked is not element:
        container[key] = checked


def _typed_dict_checker(typed_dict: type) -> _Checker:
    hints = get_type_hints(typed_dict, include_extras=True)
    required = frozenset(typed_dict.__required_keys__)  # type: ignore[attr-defined]
    fields = {name: _compile(hint) for name, hint in hints.items()}

    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        if not isinstance(value, dict):
            problems.append(FieldProblem(path, f"expected a mapping, got {describe_value(value)}"))
            return _INVALID
        for name, field_check in fields.items():
            if name not in value:
                if name in required:
                    problems.append(FieldProblem((*path, name), "required field is missing"))
                continue
            element = value[name]
            if element is None:
                del value[name]
                if name in required:
                    problems.append(FieldProblem((*path, name), "required field is null"))
                continue
            _apply(value, name, field_check, path, problems)
        return value

    return check


def _quantity_checker(base: _Checker) -> _Checker:
    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        checked = base(value, path, problems)
        if checked is _INVALID:
            return _INVALID
        try:
            parse_quantity(checked)
        except ValueError as error:
            problems.append(FieldProblem(path, str(error)))
            return _INVALID
        return checked

    return check


def _range_checker(base: _Checker, bounds: range) -> _Checker:
    """A Go fixed-size integer (``int32``, ``int64``): a number outside it fails to decode."""
    bits = (bounds.stop - bounds.start).bit_length() - 1

    def check(value: Any, path: Path, problems: list[FieldProblem]) -> Any:
        checked = base(value, path, problems)
        if checked is _INVALID or checked in bounds:
            return checked
        problems.append(FieldProblem(path, f"{checked} is out of range for a {bits}-bit integer"))
        return _INVALID

    return check


def _compile(hint: Any) -> _Checker:
    if is_typeddict(hint):
        return _typed_dict_checker(hint)
    origin = get_origin(hint)
    if origin in (Required, NotRequired):  # kept by get_type_hints(include_extras=True)
        return _compile(get_args(hint)[0])
    if origin is Annotated:
        base = _compile(get_args(hint)[0])
        for marker in hint.__metadata__:
            if marker == k8s_types.QUANTITY:
                return _quantity_checker(base)
            if isinstance(marker, range):
                return _range_checker(base, marker)
        return base
    if origin is list:
        return _list_checker(_compile(get_args(hint)[0]))
    if origin is dict:
        return _map_checker(_compile(get_args(hint)[1]))
    if origin in (Union, types.UnionType):
        return _scalar_checker(get_args(hint))
    if hint is typing.Any:
        return lambda value, path, problems: value
    if hint in (str, bool, int, float):
        return _scalar_checker((hint,))
    raise TypeError(f"no check for {hint!r}")  # pragma: no cover - a bad TypedDict


@cache
def _checker_for(typed_dict: type) -> _Checker:
    return _typed_dict_checker(typed_dict)


_KIND_SCHEMAS: Mapping[GroupKind, type] = {
    GroupKind("", "Pod"): k8s_types.Pod,
    GroupKind("", "PodTemplate"): k8s_types.PodTemplate,
    GroupKind("", "ReplicationController"): k8s_types.TemplatedWorkload,
    GroupKind("apps", "Deployment"): k8s_types.TemplatedWorkload,
    GroupKind("apps", "ReplicaSet"): k8s_types.TemplatedWorkload,
    GroupKind("apps", "StatefulSet"): k8s_types.TemplatedWorkload,
    GroupKind("apps", "DaemonSet"): k8s_types.TemplatedWorkload,
    GroupKind("extensions", "Deployment"): k8s_types.TemplatedWorkload,
    GroupKind("extensions", "ReplicaSet"): k8s_types.TemplatedWorkload,
    GroupKind("extensions", "DaemonSet"): k8s_types.TemplatedWorkload,
    GroupKind("batch", "Job"): k8s_types.TemplatedWorkload,
    GroupKind("batch", "CronJob"): k8s_types.CronJob,
    GroupKind("", "Namespace"): k8s_types.Namespace,
    GroupKind("", "ServiceAccount"): k8s_types.ServiceAccount,
    GroupKind("", "ResourceQuota"): k8s_types.ResourceQuota,
    GroupKind("", "LimitRange"): k8s_types.LimitRange,
    GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"): k8s_types.CustomResourceDefinition,
    GroupKind("networking.k8s.io", "NetworkPolicy"): k8s_types.NetworkPolicy,
    GroupKind("policy.networking.k8s.io", "AdminNetworkPolicy"): k8s_types.AdminNetworkPolicy,
    GroupKind("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"): k8s_types.AdminNetworkPolicy,
    GroupKind("policy.networking.k8s.io", "ClusterNetworkPolicy"): k8s_types.ClusterNetworkPolicy,
}


class _AnyObject(typing.TypedDict, total=False):
    metadata: k8s_types.ObjectMeta


def schema_for(group_kind: GroupKind) -> type:
    """The TypedDict an object of this kind is checked against (metadata only if unknown)."""
    return _KIND_SCHEMAS.get(group_kind, _AnyObject)


def check_object(group_kind: GroupKind, body: dict[str, Any]) -> list[FieldProblem]:
    """Check ``body`` in place against its kind's schema; return what was wrong."""
    problems: list[FieldProblem] = []
    _checker_for(schema_for(group_kind))(body, (), problems)
    return problems


def check_value(typed_dict: type, value: dict[str, Any], path: Path) -> list[FieldProblem]:
    """Check one nested value (a custom workload's pod template) in place."""
    problems: list[FieldProblem] = []
    _checker_for(typed_dict)(value, path, problems)
    return problems
