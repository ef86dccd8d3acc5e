"""Resource governance: LimitRange defaulting (``SetDefaults_LimitRangeItem`` + LimitRanger),
pod defaulting (``SetDefaults_Pod``) and ResourceQuota coverage."""

from __future__ import annotations

from typing import Any

import pytest

from kubeward.engines import resources
from kubeward.engines.resources import ContainerDefaults
from kubeward.k8s.objects import GroupKind, ObjectRef, Origin, Record
from kubeward.snapshot import snapshot
from kubeward.snapshot.snapshot import KubeObject

ALL = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def _objects(kind: str, specs: list[tuple[str, Any]]) -> tuple[KubeObject, ...]:
    """One object of ``kind`` per (name, spec) in namespace ``ns``, through the snapshot."""
    bodies = [
        {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"}, "spec": spec}
        for name, spec in specs
    ]
    snap = snapshot.build([Record(body, Origin("in.yaml", index)) for index, body in enumerate(bodies)])
    return snap.of_kind(GroupKind("", kind))


def _ref(kind: str, name: str) -> ObjectRef:
    return ObjectRef(kind, name, "ns")


def _limit_range(*items: dict[str, Any]) -> dict[str, Any]:
    return {"limits": list(items)}


# --- LimitRange defaulting --------------------------------------------------------------------

# (rule, [(LimitRange name, spec)], requests defaulted, limits defaulted, contributing LimitRanges)
DEFAULTS: list[tuple[str, list[tuple[str, Any]], set[str], set[str], list[str]]] = [
    ("no LimitRange", [], set(), set(), []),
    (
        "max defaults the limit, and the limit defaults the request",
        [("lr", _limit_range({"type": "Container", "max": {"cpu": "2"}}))],
        {"cpu"},
        {"cpu"},
        ["lr"],
    ),
    (
        "default is the default limit and defaults the request",
        [("lr", _limit_range({"type": "Container", "default": {"memory": "512Mi"}}))],
        {"memory"},
        {"memory"},
        ["lr"],
    ),
    (
        "min defaults the request only",
        [("lr", _limit_range({"type": "Container", "min": {"cpu": "100m"}}))],
        {"cpu"},
        set(),
        ["lr"],
    ),
    (
        "defaultRequest defaults the request only",
        [("lr", _limit_range({"type": "Container", "defaultRequest": {"memory": "64Mi"}}))],
        {"memory"},
        set(),
        ["lr"],
    ),
    (
        "an explicit defaultRequest is kept beside the defaulted ones",
        [
            (
                "lr",
                _limit_range(
                    {
                        "type": "Container",
                        "defaultRequest": {"cpu": "100m"},
                        "default": {"cpu": "1", "memory": "1Gi"},
                        "min": {"ephemeral-storage": "1Gi"},
                    }
                ),
            )
        ],
        {"cpu", "memory", "ephemeral-storage"},
        {"cpu", "memory"},
        ["lr"],
    ),
    (
        "items of type Pod do not default containers",
        [("lr", _limit_range({"type": "Pod", "max": {"cpu": "4"}, "min": {"memory": "1Mi"}}))],
        set(),
        set(),
        [],
    ),
    (
        "items of type PersistentVolumeClaim do not default containers",
        [("lr", _limit_range({"type": "PersistentVolumeClaim", "max": {"storage": "10Gi"}}))],
        set(),
        set(),
        [],
    ),
    (
        "maxLimitRequestRatio alone defaults nothing",
        [("lr", _limit_range({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}))],
        set(),
        set(),
        [],
    ),
    (
        "several LimitRanges: the union, and only those that contribute",
        [
            ("cpu-limits", _limit_range({"type": "Container", "default": {"cpu": "500m"}})),
            ("pod-max", _limit_range({"type": "Pod", "max": {"memory": "2Gi"}})),
            ("memory-requests", _limit_range({"type": "Container", "defaultRequest": {"memory": "64Mi"}})),
        ],
        {"cpu", "memory"},
        {"cpu"},
        ["cpu-limits", "memory-requests"],
    ),
    (
        "several items in one LimitRange",
        [
            (
                "lr",
                _limit_range(
                    {"type": "Pod", "max": {"cpu": "8"}},
                    {"type": "Container", "max": {"memory": "1Gi"}},
                    {"type": "Container", "min": {"cpu": "10m"}},
                ),
            )
        ],
        {"cpu", "memory"},
        {"memory"},
        ["lr"],
    ),
    (
        "malformed LimitRanges are skipped",
        [
            ("no-spec", None),
            ("limits-not-a-list", {"limits": "x"}),
            ("item-not-a-mapping", {"limits": ["x"]}),
        ],
        set(),
        set(),
        [],
    ),
]


@pytest.mark.parametrize(
    ("rule", "limit_ranges", "requests", "limits", "sources"), DEFAULTS, ids=[case[0] for case in DEFAULTS]
)
def test_container_defaults(
    rule: str, limit_ranges: list[tuple[str, Any]], requests: set[str], limits: set[str], sources: list[str]
) -> None:
    defaults = resources.container_defaults(_objects("LimitRange", limit_ranges))
    assert defaults == ContainerDefaults(
        frozenset(requests), frozenset(limits), tuple(_ref("LimitRange", name) for name in sources)
    )


# (rule, container resources, defaults, still missing)
MISSING: list[tuple[str, Any, ContainerDefaults, tuple[str, ...]]] = [
    ("nothing set, nothing defaulted", None, ContainerDefaults(), ALL),
    ("resources not a mapping", "x", ContainerDefaults(), ALL),
    (
        "limits fill the missing requests (SetDefaults_Pod)",
        {"limits": {"cpu": "1", "memory": "1Gi"}},
        ContainerDefaults(),
        (),
    ),
    (
        "requests do not fill limits",
        {"requests": {"cpu": "1", "memory": "1Gi"}},
        ContainerDefaults(),
        ("limits.cpu", "limits.memory"),
    ),
    (
        "a cpu limit and a memory request",
        {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}},
        ContainerDefaults(),
        ("limits.memory",),
    ),
    (
        "LimitRange defaults fill what the container lacks",
        {},
        ContainerDefaults(frozenset({"cpu", "memory"}), frozenset({"cpu"})),
        ("limits.memory",),
    ),
    (
        "defaults and the container's own fields together",
        {"limits": {"memory": "1Gi"}},
        ContainerDefaults(frozenset({"cpu"}), frozenset({"cpu"})),
        (),
    ),
    (
        "other resources do not count",
        {"limits": {"ephemeral-storage": "1Gi", "nvidia.com/gpu": 1}},
        ContainerDefaults(frozenset({"ephemeral-storage"})),
        ALL,
    ),
    ("empty maps", {"limits": {}, "requests": {}}, ContainerDefaults(), ALL),
]


@pytest.mark.parametrize(
    ("rule", "container_resources", "defaults", "missing"), MISSING, ids=[case[0] for case in MISSING]
)
def test_missing_resources(
    rule: str, container_resources: Any, defaults: ContainerDefaults, missing: tuple[str, ...]
) -> None:
    container: dict[str, Any] = {"name": "app"}
    if container_resources is not None:
        container["resources"] = container_resources
    assert resources.missing_resources(container, defaults) == missing


def test_defaults_from_limit_ranges_flow_into_missing_resources() -> None:
    limit_ranges = _objects(
        "LimitRange", [("lr", _limit_range({"type": "Container", "max": {"memory": "1Gi"}}))]
    )
    defaults = resources.container_defaults(limit_ranges)
    assert resources.missing_resources({"resources": {"requests": {"cpu": "1"}}}, defaults) == ("limits.cpu",)


# --- ResourceQuota coverage -------------------------------------------------------------------


def _quota(hard: Any, scopes: list[str] | None = None, selector: list[dict[str, Any]] | None = None) -> Any:
    spec: dict[str, Any] = {"hard": hard}
    if scopes is not None:
        spec["scopes"] = scopes
    if selector is not None:
        spec["scopeSelector"] = {"matchExpressions": selector}
    return spec


def _exists(scope: str) -> dict[str, Any]:
    return {"scopeName": scope, "operator": "Exists"}


# (rule, [(quota name, spec)], {resource: bounding quota names})
COVERAGE: list[tuple[str, list[tuple[str, Any]], dict[str, list[str]]]] = [
    ("no quota", [], {"cpu": [], "memory": []}),
    ("an unscoped quota on cpu bounds cpu", [("q", _quota({"cpu": "10"}))], {"cpu": ["q"], "memory": []}),
    ("requests.cpu bounds cpu", [("q", _quota({"requests.cpu": "10"}))], {"cpu": ["q"], "memory": []}),
    ("limits.cpu bounds cpu", [("q", _quota({"limits.cpu": "10"}))], {"cpu": ["q"], "memory": []}),
    ("memory bounds memory", [("q", _quota({"memory": "10Gi"}))], {"cpu": [], "memory": ["q"]}),
    (
        "requests.memory bounds memory",
        [("q", _quota({"requests.memory": "1Gi"}))],
        {"cpu": [], "memory": ["q"]},
    ),
    ("limits.memory bounds memory", [("q", _quota({"limits.memory": "1Gi"}))], {"cpu": [], "memory": ["q"]}),
    (
        "one quota may bound both",
        [("q", _quota({"requests.cpu": "1", "limits.memory": "1Gi"}))],
        {"cpu": ["q"], "memory": ["q"]},
    ),
    (
        "object counts bound nothing",
        [("q", _quota({"pods": "10", "services": "2"}))],
        {"cpu": [], "memory": []},
    ),
    (
        "other compute resources bound nothing",
        [("q", _quota({"requests.ephemeral-storage": "1Gi", "requests.nvidia.com/gpu": "1"}))],
        {"cpu": [], "memory": []},
    ),
    ("a quota without hard bounds nothing", [("q", {"scopes": []}), ("r", None)], {"cpu": [], "memory": []}),
    ("empty scopes are no scopes", [("q", _quota({"cpu": "1"}, scopes=[]))], {"cpu": ["q"], "memory": []}),
    (
        "a BestEffort quota does not bound all pods",
        [("q", _quota({"pods": "1", "cpu": "1"}, scopes=["BestEffort"]))],
        {"cpu": [], "memory": []},
    ),
    (
        "a NotBestEffort quota does not bind BestEffort pods",
        [("q", _quota({"cpu": "1", "memory": "1Gi"}, scopes=["NotBestEffort"]))],
        {"cpu": [], "memory": []},
    ),
    (
        "a PriorityClass-scoped quota does not bound all pods",
        [
            (
                "q",
                _quota(
                    {"cpu": "1"},
                    selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}],
                ),
            )
        ],
        {"cpu": [], "memory": []},
    ),
    (
        "PriorityClass Exists does not bound all pods",
        [("q", _quota({"cpu": "1"}, selector=[_exists("PriorityClass")]))],
        {"cpu": [], "memory": []},
    ),
    (
        "a Terminating quota alone does not bound all pods",
        [("q", _quota({"cpu": "1"}, scopes=["Terminating"]))],
        {"cpu": [], "memory": []},
    ),
    (
        "Terminating and NotTerminating quotas together bound every pod",
        [
            ("short", _quota({"cpu": "1", "memory": "1Gi"}, scopes=["Terminating"])),
            ("long", _quota({"cpu": "4", "memory": "4Gi"}, scopes=["NotTerminating"])),
        ],
        {"cpu": ["short", "long"], "memory": ["short", "long"]},
    ),
    (
        "the pair must bound the same resource",
        [
            ("short", _quota({"cpu": "1"}, scopes=["Terminating"])),
            ("long", _quota({"memory": "4Gi"}, scopes=["NotTerminating"])),
        ],
        {"cpu": [], "memory": []},
    ),
    (
        "PriorityClass Exists and DoesNotExist together bound every pod",
        [
            ("with", _quota({"cpu": "1"}, selector=[_exists("PriorityClass")])),
            (
                "without",
                _quota({"cpu": "2"}, selector=[{"scopeName": "PriorityClass", "operator": "DoesNotExist"}]),
            ),
        ],
        {"cpu": ["with", "without"], "memory": []},
    ),
    (
        "PriorityClass In and NotIn over the same classes together bound every pod",
        [
            (
                "high",
                _quota(
                    {"memory": "1Gi"},
                    selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}],
                ),
            ),
            (
                "rest",
                _quota(
                    {"memory": "2Gi"},
                    selector=[{"scopeName": "PriorityClass", "operator": "NotIn", "values": ["high"]}],
                ),
            ),
        ],
        {"cpu": [], "memory": ["high", "rest"]},
    ),
    (
        "PriorityClass In and NotIn over different classes leave pods out",
        [
            (
                "high",
                _quota(
                    {"memory": "1Gi"},
                    selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}],
                ),
            ),
            (
                "rest",
                _quota(
                    {"memory": "2Gi"},
                    selector=[{"scopeName": "PriorityClass", "operator": "NotIn", "values": ["low"]}],
                ),
            ),
        ],
        {"cpu": [], "memory": []},
    ),
    (
        "the pair may come from scopeSelector",
        [
            ("short", _quota({"limits.cpu": "1"}, selector=[_exists("Terminating")])),
            ("long", _quota({"requests.cpu": "4"}, scopes=["NotTerminating"])),
        ],
        {"cpu": ["short", "long"], "memory": []},
    ),
    (
        "Terminating and NotTerminating in one quota match no pod",
        [("q", _quota({"cpu": "1"}, scopes=["Terminating", "NotTerminating"]))],
        {"cpu": [], "memory": []},
    ),
    (
        "a pair member narrowed further does not complete the pair",
        [
            ("short", _quota({"cpu": "1"}, scopes=["Terminating", "NotBestEffort"])),
            ("long", _quota({"cpu": "4"}, scopes=["NotTerminating"])),
        ],
        {"cpu": [], "memory": []},
    ),
    (
        "unscoped quotas come before a pair",
        [
            ("short", _quota({"cpu": "1"}, scopes=["Terminating"])),
            ("all", _quota({"cpu": "8"})),
            ("long", _quota({"cpu": "4"}, scopes=["NotTerminating"])),
        ],
        {"cpu": ["all", "short", "long"], "memory": []},
    ),
    (
        "hard that is not a mapping",
        [("q", _quota(["cpu"]))],
        {"cpu": [], "memory": []},
    ),
]


@pytest.mark.parametrize(("rule", "quotas", "bounded_by"), COVERAGE, ids=[case[0] for case in COVERAGE])
def test_quota_coverage(rule: str, quotas: list[tuple[str, Any]], bounded_by: dict[str, list[str]]) -> None:
    coverage = resources.quota_coverage(_objects("ResourceQuota", quotas))
    assert dict(coverage.bounded_by) == {
        resource: tuple(_ref("ResourceQuota", name) for name in names)
        for resource, names in bounded_by.items()
    }
    assert coverage.unbounded == tuple(resource for resource in ("cpu", "memory") if not bounded_by[resource])
