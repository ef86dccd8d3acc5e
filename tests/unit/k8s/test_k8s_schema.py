"""The field check: what the API server's decoding would reject is dropped and reported."""

from __future__ import annotations

import copy
from typing import Any, TypedDict

import pytest

from kubeward.k8s import schema
from kubeward.k8s import types as k8s_types
from kubeward.k8s.objects import GroupKind
from kubeward.k8s.schema import FieldProblem

POD = GroupKind("", "Pod")
DEPLOYMENT = GroupKind("apps", "Deployment")
CRONJOB = GroupKind("batch", "CronJob")
WIDGET = GroupKind("example.com", "Widget")

STRING_OR_NUMBER = "expected a string or an integer or a number"

# (rule, kind, body before, body after, [(path, message)])
CASES: list[tuple[str, GroupKind, dict[str, Any], dict[str, Any], list[tuple[tuple[Any, ...], str]]]] = [
    (
        "a valid pod is untouched",
        POD,
        {"metadata": {"name": "p", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "a"}]}},
        {"metadata": {"name": "p", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "a"}]}},
        [],
    ),
    (
        "containers of the wrong type is removed and reported",
        POD,
        {"spec": {"containers": "x"}},
        {"spec": {}},
        [(("spec", "containers"), "expected a list, got a string")],
    ),
    (
        "metadata that is a list is removed and reported",
        POD,
        {"metadata": [], "spec": {"containers": []}},
        {"spec": {"containers": []}},
        [(("metadata",), "expected a mapping, got a list")],
    ),
    (
        "quantities are parsed: one that is not a quantity is removed and reported, numbers are quantities",
        POD,
        {"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "banana", "memory": 1}}}]}},
        {"spec": {"containers": [{"name": "a", "resources": {"limits": {"memory": 1}}}]}},
        [
            (
                ("spec", "containers", 0, "resources", "limits", "cpu"),
                "'banana' is not a quantity (a number and an optional suffix such as m, Ki, Mi, k, M or e3)",
            )
        ],
    ),
    (
        "a string for a boolean is removed and reported",
        POD,
        {"spec": {"containers": [], "hostNetwork": "yes", "hostPID": True}},
        {"spec": {"containers": [], "hostPID": True}},
        [(("spec", "hostNetwork"), "expected a boolean, got a string")],
    ),
    (
        "int32 ports and int64 IDs out of their Go range fail to decode: removed and reported",
        POD,
        {
            "spec": {
                "securityContext": {
                    "runAsUser": 2**63,
                    "fsGroup": -(2**63),
                    "supplementalGroups": [1, 2**64],
                },
                "containers": [
                    {
                        "name": "a",
                        "ports": [{"hostPort": 2**31, "containerPort": 2**31 - 1}],
                        "securityContext": {"runAsUser": 2**63 - 1, "runAsGroup": -(2**63) - 1},
                    }
                ],
            }
        },
        {
            "spec": {
                "securityContext": {"fsGroup": -(2**63), "supplementalGroups": [1]},
                "containers": [
                    {
                        "name": "a",
                        "ports": [{"containerPort": 2**31 - 1}],
                        "securityContext": {"runAsUser": 2**63 - 1},
                    }
                ],
            }
        },
        [
            (
                ("spec", "containers", 0, "securityContext", "runAsGroup"),
                "-9223372036854775809 is out of range for a 64-bit integer",
            ),
            (
                ("spec", "containers", 0, "ports", 0, "hostPort"),
                "2147483648 is out of range for a 32-bit integer",
            ),
            (
                ("spec", "securityContext", "runAsUser"),
                "9223372036854775808 is out of range for a 64-bit integer",
            ),
            (
                ("spec", "securityContext", "supplementalGroups", 1),
                "18446744073709551616 is out of range for a 64-bit integer",
            ),
        ],
    ),
    (
        "a number for a boolean is removed and reported",
        POD,
        {"spec": {"containers": [], "hostIPC": 1}},
        {"spec": {"containers": []}},
        [(("spec", "hostIPC"), "expected a boolean, got a number")],
    ),
    (
        "a boolean for a string is removed and reported",
        POD,
        {"spec": {"containers": [], "serviceAccountName": False}},
        {"spec": {"containers": []}},
        [(("spec", "serviceAccountName"), "expected a string, got a boolean")],
    ),
    (
        "labels with non-string values lose those values only",
        POD,
        {
            "metadata": {"labels": {"app": "web", "version": 1, "beta": True, "x": {}}},
            "spec": {"containers": []},
        },
        {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
        [
            (("metadata", "labels", "version"), "expected a string, got a number"),
            (("metadata", "labels", "beta"), "expected a string, got a boolean"),
            (("metadata", "labels", "x"), "expected a string, got a mapping"),
        ],
    ),
    (
        "null optional fields are removed silently",
        POD,
        {"metadata": None, "spec": {"containers": [], "hostNetwork": None, "initContainers": None}},
        {"spec": {"containers": []}},
        [],
    ),
    (
        "a null required field is removed and reported",
        DEPLOYMENT,
        {"metadata": {"name": "web"}, "spec": None},
        {"metadata": {"name": "web"}},
        [(("spec",), "required field is null")],
    ),
    (
        "a missing required field is reported",
        DEPLOYMENT,
        {"metadata": {"name": "web"}},
        {"metadata": {"name": "web"}},
        [(("spec",), "required field is missing")],
    ),
    (
        "a missing required field deep in a template is reported with its path",
        DEPLOYMENT,
        {"spec": {"template": {"spec": {}}}},
        {"spec": {"template": {"spec": {}}}},
        [(("spec", "template", "spec", "containers"), "required field is missing")],
    ),
    (
        "list elements of the wrong type or null are dropped one by one",
        POD,
        {"spec": {"containers": [{"name": "a"}, "x", None, {"name": "b"}, 7]}},
        {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}},
        [
            (("spec", "containers", 1), "expected a mapping, got a string"),
            (("spec", "containers", 2), "expected a value, got null"),
            (("spec", "containers", 4), "expected a mapping, got a number"),
        ],
    ),
    (
        "a bad field inside a container keeps the container",
        POD,
        {"spec": {"containers": [{"name": 5, "image": "nginx"}]}},
        {"spec": {"containers": [{"image": "nginx"}]}},
        [(("spec", "containers", 0, "name"), "expected a string, got a number")],
    ),
    (
        "quantities are strings or numbers, not booleans",
        POD,
        {
            "spec": {
                "containers": [
                    {"resources": {"limits": {"cpu": True, "memory": "1Gi"}, "requests": {"cpu": 0.5}}}
                ]
            }
        },
        {"spec": {"containers": [{"resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": 0.5}}}]}},
        [(("spec", "containers", 0, "resources", "limits", "cpu"), f"{STRING_OR_NUMBER}, got a boolean")],
    ),
    (
        "resources that is a list is removed",
        POD,
        {"spec": {"containers": [{"name": "a", "resources": ["cpu"]}]}},
        {"spec": {"containers": [{"name": "a"}]}},
        [(("spec", "containers", 0, "resources"), "expected a mapping, got a list")],
    ),
    (
        "unknown fields are left untouched, whatever their type",
        POD,
        {"spec": {"containers": [{"name": "a", "notAField": "odd"}], "weird": [1]}, "status": 3},
        {"spec": {"containers": [{"name": "a", "notAField": "odd"}], "weird": [1]}, "status": 3},
        [],
    ),
    (
        "ownerReferences fields are typed",
        POD,
        {
            "metadata": {
                "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": "true"}, "x"]
            },
            "spec": {"containers": []},
        },
        {"metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": "rs"}]}, "spec": {"containers": []}},
        [
            (("metadata", "ownerReferences", 0, "controller"), "expected a boolean, got a string"),
            (("metadata", "ownerReferences", 1), "expected a mapping, got a string"),
        ],
    ),
    (
        "a CronJob's template is checked through the job template",
        CRONJOB,
        {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": {}}}}}}},
        {"spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}},
        [
            (
                ("spec", "jobTemplate", "spec", "template", "spec", "containers"),
                "expected a list, got a mapping",
            ),
        ],
    ),
    (
        "an unknown kind is checked for metadata only",
        WIDGET,
        {"metadata": {"name": 1, "labels": {"a": "b"}}, "spec": None, "template": "x"},
        {"metadata": {"labels": {"a": "b"}}, "spec": None, "template": "x"},
        [(("metadata", "name"), "expected a string, got a number")],
    ),
]


@pytest.mark.parametrize(
    ("rule", "kind", "before", "after", "problems"), CASES, ids=[case[0] for case in CASES]
)
def test_check_object(
    rule: str,
    kind: GroupKind,
    before: dict[str, Any],
    after: dict[str, Any],
    problems: list[tuple[tuple[Any, ...], str]],
) -> None:
    body = copy.deepcopy(before)
    found = schema.check_object(kind, body)
    assert found == [FieldProblem(path, message) for path, message in problems]
    assert body == after


def test_check_object_keeps_the_same_containers_when_nothing_is_wrong() -> None:
    containers = [{"name": "a"}, {"name": "b"}]
    body: dict[str, Any] = {"spec": {"containers": containers}}
    assert schema.check_object(POD, body) == []
    assert body["spec"]["containers"] is containers


def test_check_value_prefixes_paths() -> None:
    template: dict[str, Any] = {"metadata": {"labels": {"app": 1}}, "spec": {"containers": [{"name": 2}]}}
    problems = schema.check_value(k8s_types.PodTemplateSpec, template, ("spec", "template"))
    assert problems == [
        FieldProblem(("spec", "template", "metadata", "labels", "app"), "expected a string, got a number"),
        FieldProblem(
            ("spec", "template", "spec", "containers", 0, "name"), "expected a string, got a number"
        ),
    ]
    assert template == {"metadata": {"labels": {}}, "spec": {"containers": [{}]}}


@pytest.mark.parametrize(
    ("kind", "typed_dict"),
    [
        (POD, k8s_types.Pod),
        (GroupKind("", "PodTemplate"), k8s_types.PodTemplate),
        (GroupKind("", "ReplicationController"), k8s_types.TemplatedWorkload),
        (DEPLOYMENT, k8s_types.TemplatedWorkload),
        (GroupKind("extensions", "Deployment"), k8s_types.TemplatedWorkload),
        (GroupKind("apps", "StatefulSet"), k8s_types.TemplatedWorkload),
        (GroupKind("batch", "Job"), k8s_types.TemplatedWorkload),
        (CRONJOB, k8s_types.CronJob),
        (GroupKind("", "LimitRange"), k8s_types.LimitRange),
        (GroupKind("", "ResourceQuota"), k8s_types.ResourceQuota),
        (GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"), k8s_types.CustomResourceDefinition),
    ],
    ids=str,
)
def test_schema_for_known_kinds(kind: GroupKind, typed_dict: type) -> None:
    assert schema.schema_for(kind) is typed_dict


def test_schema_for_unknown_kind_checks_metadata_only() -> None:
    unknown = schema.schema_for(WIDGET)
    assert unknown is schema.schema_for(GroupKind("", "Deployment"))  # Deployment is not a core kind
    assert set(unknown.__annotations__) == {"metadata"}


# --- scalar types, through a probe TypedDict ---------------------------------------------------


class _Probe(TypedDict, total=False):
    count: int
    ratio: float
    name: str
    flag: bool
    amount: k8s_types.QuantityValue
    counts: list[int]
    limits: dict[str, int]


SCALARS: list[tuple[str, dict[str, Any], dict[str, Any], list[tuple[tuple[Any, ...], str]]]] = [
    ("an integral float is accepted as an int", {"count": 3.0}, {"count": 3}, []),
    ("an int is an int", {"count": 3}, {"count": 3}, []),
    (
        "a fractional float is not an int",
        {"count": 3.5},
        {},
        [(("count",), "expected an integer, got a number")],
    ),
    ("a boolean is not an int", {"count": True}, {}, [(("count",), "expected an integer, got a boolean")]),
    (
        "a numeric string is not an int",
        {"count": "3"},
        {},
        [(("count",), "expected an integer, got a string")],
    ),
    ("an int is accepted as a float (JSON numbers)", {"ratio": 2}, {"ratio": 2}, []),
    ("a float is a float", {"ratio": 0.5}, {"ratio": 0.5}, []),
    ("a boolean is not a float", {"ratio": False}, {}, [(("ratio",), "expected a number, got a boolean")]),
    ("a number is not a string", {"name": 1.5}, {}, [(("name",), "expected a string, got a number")]),
    ("a string is not a boolean", {"flag": "true"}, {}, [(("flag",), "expected a boolean, got a string")]),
    ("a quantity may be a string", {"amount": "1Gi"}, {"amount": "1Gi"}, []),
    ("a quantity may be an integral float", {"amount": 1.0}, {"amount": 1.0}, []),
    (
        "list elements are converted",
        {"counts": [1, 2.0, "3"]},
        {"counts": [1, 2]},
        [(("counts", 2), "expected an integer, got a string")],
    ),
    (
        "map values are converted",
        {"limits": {"a": 1.0, "b": 2.5}},
        {"limits": {"a": 1}},
        [(("limits", "b"), "expected an integer, got a number")],
    ),
]


@pytest.mark.parametrize(("rule", "before", "after", "problems"), SCALARS, ids=[case[0] for case in SCALARS])
def test_scalar_checks(
    rule: str, before: dict[str, Any], after: dict[str, Any], problems: list[tuple[tuple[Any, ...], str]]
) -> None:
    body = copy.deepcopy(before)
    assert schema.check_value(_Probe, body, ()) == [FieldProblem(path, message) for path, message in problems]
    assert body == after
    for key, value in after.items():  # 3.0 became the int 3, not a float equal to it
        assert type(body[key]) is type(value)
