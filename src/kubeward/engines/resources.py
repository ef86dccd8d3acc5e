"""Resource governance semantics: LimitRange defaulting and ResourceQuota coverage.

LimitRange (``pkg/apis/core/v1/defaults.go`` ``SetDefaults_LimitRangeItem``, admission
plugin LimitRanger): for an item of type ``Container`` the API server first defaults
``default`` from ``max`` and ``defaultRequest`` from ``default``, then from ``min``; at
admission a container's missing limits come from ``default`` and its missing requests
from ``defaultRequest``. Before that, pod defaulting (``SetDefaults_Pod``) copies each
limit to a missing request of init and regular containers.

ResourceQuota: a quota without scopes applies to every pod of its namespace, and once it
names ``requests.cpu`` (or ``cpu``) every new pod must state it. Scoped quotas apply to
the pods their scopes match; complementary scopes together match all (``Terminating``
and ``NotTerminating``; ``PriorityClass`` ``Exists``/``DoesNotExist``, ``In``/``NotIn``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.k8s.objects import ObjectRef
from kubeward.snapshot.snapshot import KubeObject

__all__ = [
    "CONTAINER_RESOURCES",
    "ContainerDefaults",
    "QuotaCoverage",
    "container_defaults",
    "missing_resources",
    "quota_coverage",
]

CONTAINER_RESOURCES = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
_BOUNDS = {
    "cpu": ("cpu", "requests.cpu", "limits.cpu"),
    "memory": ("memory", "requests.memory", "limits.memory"),
}
_GOVERNED = frozenset(_BOUNDS)  # the resources the NS controls ask containers to bound


@dataclass(frozen=True, slots=True)
class ContainerDefaults:
    """The resources LimitRanges in a namespace fill in, and which LimitRanges fill in cpu
    or memory."""

    requests: frozenset[str] = frozenset()
    limits: frozenset[str] = frozenset()
    sources: tuple[ObjectRef, ...] = ()


def _keys(item: Mapping[str, Any], field: str) -> set[str]:
    values = item.get(field)
    return set(values) if isinstance(values, Mapping) else set()


def container_defaults(limit_ranges: Iterable[KubeObject]) -> ContainerDefaults:
    requests: set[str] = set()
    limits: set[str] = set()
    sources: list[ObjectRef] = []
    for limit_range in limit_ranges:
        spec = limit_range.body.get("spec")
        items = spec.get("limits") if isinstance(spec, Mapping) else None
        contributes = False
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping) or item.get("type") != "Container":
                continue
            default = _keys(item, "default") | _keys(item, "max")
            default_request = _keys(item, "defaultRequest") | default | _keys(item, "min")
            if (default | default_request) & _GOVERNED:
                contributes = True
            limits |= default
            requests |= default_request
        if contributes:
            sources.append(limit_range.ref)
    return ContainerDefaults(frozenset(requests), frozenset(limits), tuple(sources))


def missing_resources(container: Mapping[str, Any], defaults: ContainerDefaults) -> tuple[str, ...]:
    """Which of :data:`CONTAINER_RESOURCES` the container still lacks after defaulting."""
    resources = container.get("resources")
    resources = resources if isinstance(resources, Mapping) else {}
    limits = _keys(resources, "limits")
    requests = _keys(resources, "requests") | limits | defaults.requests
    limits |= defaults.limits
    have = {f"requests.{name}" for name in requests} | {f"limits.{name}" for name in limits}
    return tuple(field for field in CONTAINER_RESOURCES if field not in have)


@dataclass(frozen=True, slots=True)
class QuotaCoverage:
    """For ``cpu`` and ``memory``: the quotas that bound it for every pod of the namespace
    (empty when none does)."""

    bounded_by: Mapping[str, tuple[ObjectRef, ...]]

    @property
    def unbounded(self) -> tuple[str, ...]:
        return tuple(resource for resource in _BOUNDS if not self.bounded_by.get(resource))


_Predicate = tuple[str, str, frozenset[str]]  # (scope name, operator, values)
_OPPOSITE = {"Exists": "DoesNotExist", "DoesNotExist": "Exists", "In": "NotIn", "NotIn": "In"}
_SCOPE_OPPOSITES = {"Terminating": "NotTerminating", "NotTerminating": "Terminating"}


def _scope_predicates(quota: KubeObject) -> list[_Predicate]:
    """What selects a quota's pods: its ``scopes`` (each an ``Exists``) and ``scopeSelector``
    requirements; they all must hold, so an empty list means every pod."""
    spec = quota.body.get("spec")
    if not isinstance(spec, Mapping):
        return []
    found: list[_Predicate] = [
        (scope, "Exists", frozenset()) for scope in spec.get("scopes") or [] if isinstance(scope, str)
    ]
    selector = spec.get("scopeSelector")
    expressions = selector.get("matchExpressions") if isinstance(selector, Mapping) else None
    for expression in expressions if isinstance(expressions, list) else []:
        if isinstance(expression, Mapping) and isinstance(expression.get("scopeName"), str):
            values = expression.get("values") or []
            found.append(
                (
                    expression["scopeName"],
                    str(expression.get("operator")),
                    frozenset(value for value in values if isinstance(value, str)),
                )
            )
    return found


def _complement(predicate: _Predicate) -> _Predicate | None:
    """The predicate matching exactly the pods ``predicate`` does not, if one exists."""
    scope, operator, values = predicate
    if scope in _SCOPE_OPPOSITES and operator == "Exists":
        return (_SCOPE_OPPOSITES[scope], "Exists", frozenset())
    if scope == "PriorityClass" and operator in _OPPOSITE:
        return (scope, _OPPOSITE[operator], values)
    return None


def quota_coverage(quotas: Iterable[KubeObject]) -> QuotaCoverage:
    """A resource is bounded for every pod by a quota without scopes, or by two quotas
    whose single scopes are complementary (Terminating and NotTerminating; PriorityClass
    Exists and DoesNotExist, or In and NotIn over the same classes)."""
    bounded: dict[str, list[ObjectRef]] = {resource: [] for resource in _BOUNDS}
    scoped: dict[str, dict[_Predicate, list[ObjectRef]]] = {resource: {} for resource in _BOUNDS}
    for quota in quotas:
        spec = quota.body.get("spec")
        hard = spec.get("hard") if isinstance(spec, Mapping) else None
        if not isinstance(hard, Mapping):
            continue
        predicates = _scope_predicates(quota)
        for resource, names in _BOUNDS.items():
            if not any(name in hard for name in names):
                continue
            if not predicates:
                bounded[resource].append(quota.ref)
            elif len(predicates) == 1:
                scoped[resource].setdefault(predicates[0], []).append(quota.ref)
    for resource, by_predicate in scoped.items():
        for predicate, refs in by_predicate.items():
            opposite = _complement(predicate)
            if opposite is not None and opposite in by_predicate:
                bounded[resource].extend(ref for ref in refs if ref not in bounded[resource])
    return QuotaCoverage({resource: tuple(refs) for resource, refs in bounded.items()})
