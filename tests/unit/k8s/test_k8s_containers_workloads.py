"""Containers of a pod spec (PSA ``visitContainers``) and workload kinds (``PodSpecExtractor``)."""

from __future__ import annotations

from typing import Any

import pytest

from kubeward.k8s import containers, workloads
from kubeward.k8s.objects import GroupKind
from kubeward.k8s.workloads import ControllerRef, TemplateLocation

SPEC: dict[str, Any] = {
    # deliberately not in visiting order
    "ephemeralContainers": [{"name": "debug"}],
    "containers": [{"name": "app"}, {"image": "sidecar:1"}],
    "initContainers": [{"name": "init-a"}, {"name": "init-b"}],
}


def test_iter_containers_visits_init_regular_then_ephemeral() -> None:
    visited = [(ref.field, ref.index, ref.name, ref.path) for ref in containers.iter_containers(SPEC)]
    assert visited == [
        ("initContainers", 0, "init-a", ("initContainers", 0)),
        ("initContainers", 1, "init-b", ("initContainers", 1)),
        ("containers", 0, "app", ("containers", 0)),
        ("containers", 1, "containers[1]", ("containers", 1)),  # unnamed: named by its place
        ("ephemeralContainers", 0, "debug", ("ephemeralContainers", 0)),
    ]


def test_iter_containers_yields_the_container_bodies() -> None:
    bodies = [ref.container for ref in containers.iter_containers(SPEC)]
    assert bodies[2] is SPEC["containers"][0]


def test_resource_containers_exclude_ephemeral_ones() -> None:
    assert containers.RESOURCE_CONTAINERS == ("initContainers", "containers")
    names = [ref.name for ref in containers.iter_containers(SPEC, containers.RESOURCE_CONTAINERS)]
    assert names == ["init-a", "init-b", "app", "containers[1]"]


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ({}, []),
        ({"containers": "x", "initContainers": None}, []),
        ({"containers": [None, "x", {"name": "ok"}, 3]}, ["ok"]),
        ({"containers": [{"name": ""}]}, ["containers[0]"]),
        ({"containers": [{"name": 7}]}, ["containers[0]"]),
    ],
    ids=["no containers", "not lists", "non-mapping entries skipped", "empty name", "non-string name"],
)
def test_iter_containers_tolerates_odd_specs(spec: dict[str, Any], names: list[str]) -> None:
    assert [ref.name for ref in containers.iter_containers(spec)] == names


def test_iter_containers_keeps_indexes_of_skipped_entries() -> None:
    refs = list(containers.iter_containers({"containers": ["x", {"name": "ok"}]}))
    assert [(ref.index, ref.path) for ref in refs] == [(1, ("containers", 1))]


# --- workload kinds --------------------------------------------------------------------------

POD_LOCATION = TemplateLocation(("spec",), ("metadata",))
TEMPLATE = TemplateLocation(("spec", "template", "spec"), ("spec", "template", "metadata"))
POD_TEMPLATE = TemplateLocation(("template", "spec"), ("template", "metadata"))
CRON_JOB = TemplateLocation(
    ("spec", "jobTemplate", "spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "metadata"),
)
WITH_TEMPLATE: dict[str, Any] = {"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}}

LOCATIONS: list[tuple[GroupKind, dict[str, Any], TemplateLocation | None]] = [
    (GroupKind("", "Pod"), {}, POD_LOCATION),
    (GroupKind("", "PodTemplate"), {}, POD_TEMPLATE),
    (GroupKind("", "ReplicationController"), {}, TEMPLATE),
    (GroupKind("apps", "Deployment"), {}, TEMPLATE),
    (GroupKind("apps", "ReplicaSet"), {}, TEMPLATE),
    (GroupKind("apps", "StatefulSet"), {}, TEMPLATE),
    (GroupKind("apps", "DaemonSet"), {}, TEMPLATE),
    (GroupKind("extensions", "Deployment"), {}, TEMPLATE),
    (GroupKind("extensions", "ReplicaSet"), {}, TEMPLATE),
    (GroupKind("extensions", "DaemonSet"), {}, TEMPLATE),
    (GroupKind("batch", "Job"), {}, TEMPLATE),
    (GroupKind("batch", "CronJob"), {}, CRON_JOB),
    (GroupKind("argoproj.io", "Rollout"), WITH_TEMPLATE, TEMPLATE),
    (GroupKind("apps.kruise.io", "CloneSet"), WITH_TEMPLATE, TEMPLATE),
    (GroupKind("argoproj.io", "Rollout"), {"spec": {"workloadRef": {"kind": "Deployment"}}}, None),
    (GroupKind("example.com", "Widget"), {"spec": {"template": {"spec": {"containers": "x"}}}}, None),
    (GroupKind("example.com", "Widget"), {"spec": {"template": {"spec": {}}}}, None),
    (GroupKind("example.com", "Widget"), {"spec": {"template": "x"}}, None),
    (GroupKind("example.com", "Widget"), {"spec": []}, None),
    (GroupKind("", "ConfigMap"), {}, None),
    (GroupKind("", "Deployment"), {}, None),
    (GroupKind("apps", "StatefulSet.v2"), {}, None),
]
LOCATION_IDS = [
    "Pod",
    "PodTemplate",
    "ReplicationController",
    "apps Deployment",
    "apps ReplicaSet",
    "apps StatefulSet",
    "apps DaemonSet",
    "extensions Deployment",
    "extensions ReplicaSet",
    "extensions DaemonSet",
    "Job",
    "CronJob",
    "custom Rollout with a template",
    "custom CloneSet with a template",
    "custom Rollout with a workloadRef",
    "custom kind whose containers are not a list",
    "custom kind without containers",
    "custom kind whose template is not a mapping",
    "custom kind whose spec is not a mapping",
    "ConfigMap",
    "core-group Deployment is not a workload kind",
    "unknown apps kind",
]


@pytest.mark.parametrize(("group_kind", "body", "location"), LOCATIONS, ids=LOCATION_IDS)
def test_template_location(
    group_kind: GroupKind, body: dict[str, Any], location: TemplateLocation | None
) -> None:
    assert workloads.template_location(group_kind, body) == location


def test_builtin_workload_kinds_have_a_location_even_without_a_template() -> None:
    # the field check reports a missing template; the location is a property of the kind
    assert workloads.template_location(GroupKind("apps", "Deployment"), {"spec": None}) == TEMPLATE


# --- controller references -------------------------------------------------------------------

RS_OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u-rs", "controller": True}

CONTROLLERS: list[tuple[str, Any, ControllerRef | None]] = [
    ("no ownerReferences", {}, None),
    ("ownerReferences not a list", {"ownerReferences": RS_OWNER}, None),
    (
        "the controller entry",
        {"ownerReferences": [RS_OWNER]},
        ControllerRef(GroupKind("apps", "ReplicaSet"), "web-1", "u-rs"),
    ),
    (
        "only the entry with controller: true",
        {
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "u-cm"},
                {
                    "apiVersion": "apps/v1",
                    "kind": "StatefulSet",
                    "name": "db",
                    "uid": "u-db",
                    "controller": False,
                },
                RS_OWNER,
            ]
        },
        ControllerRef(GroupKind("apps", "ReplicaSet"), "web-1", "u-rs"),
    ),
    ("controller: false is not a controller", {"ownerReferences": [{**RS_OWNER, "controller": False}]}, None),
    ("controller must be the boolean true", {"ownerReferences": [{**RS_OWNER, "controller": "true"}]}, None),
    (
        "core-group owner",
        {
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "u-n", "controller": True}
            ]
        },
        ControllerRef(GroupKind("", "Node"), "n1", "u-n"),
    ),
    (
        "missing uid is empty",
        {"ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "j", "controller": True}]},
        ControllerRef(GroupKind("batch", "Job"), "j", ""),
    ),
    (
        "an incomplete controller entry is skipped",
        {"ownerReferences": [{"kind": "Job", "name": "j", "controller": True}, "x", RS_OWNER]},
        ControllerRef(GroupKind("apps", "ReplicaSet"), "web-1", "u-rs"),
    ),
]


@pytest.mark.parametrize(("rule", "metadata", "expected"), CONTROLLERS, ids=[case[0] for case in CONTROLLERS])
def test_controller_ref(rule: str, metadata: Any, expected: ControllerRef | None) -> None:
    assert workloads.controller_ref(metadata) == expected
