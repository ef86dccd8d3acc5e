"""Object references, origins and field paths."""

from __future__ import annotations

import pytest

from kubeward.k8s.objects import GroupKind, ObjectRef, Origin, Path, format_path, split_api_version


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        ("v1", ("", "v1")),
        ("apps/v1", ("apps", "v1")),
        ("rbac.authorization.k8s.io/v1", ("rbac.authorization.k8s.io", "v1")),
        ("", ("", "")),
    ],
    ids=["core", "apps", "dotted group", "empty"],
)
def test_split_api_version(api_version: str, expected: tuple[str, str]) -> None:
    assert split_api_version(api_version) == expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("spec",), "spec"),
        (("spec", "containers", 0, "image"), "spec.containers[0].image"),
        (("metadata", "labels", "app_name-x"), "metadata.labels.app_name-x"),
        (("metadata", "labels", "app.kubernetes.io/name"), "metadata.labels['app.kubernetes.io/name']"),
        (("items", 3, "spec"), "items[3].spec"),
        (("a b",), "['a b']"),
    ],
    ids=[
        "empty",
        "one key",
        "list index",
        "identifier-like key",
        "dotted key",
        "leading key",
        "quoted first",
    ],
)
def test_format_path(path: Path, text: str) -> None:
    assert format_path(path) == text


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (ObjectRef("Pod", "web", "prod"), "Pod prod/web"),
        (ObjectRef("Deployment", "web", "prod", "apps"), "Deployment.apps prod/web"),
        (
            ObjectRef("ClusterRole", "admin", "", "rbac.authorization.k8s.io"),
            "ClusterRole.rbac.authorization.k8s.io admin",
        ),
        (ObjectRef("Pod", "", "prod"), "Pod prod/<unnamed>"),
        (ObjectRef("Namespace", "prod"), "Namespace prod"),
    ],
    ids=["core namespaced", "grouped", "cluster-scoped", "unnamed", "core cluster-scoped"],
)
def test_object_ref_str(ref: ObjectRef, text: str) -> None:
    assert str(ref) == text


def test_object_ref_group_kind_and_dict() -> None:
    ref = ObjectRef("Deployment", "web", "prod", "apps")
    assert ref.group_kind == GroupKind("apps", "Deployment")
    assert str(ref.group_kind) == "Deployment.apps"
    assert str(GroupKind("", "Pod")) == "Pod"
    assert ref.to_dict() == {"group": "apps", "kind": "Deployment", "namespace": "prod", "name": "web"}


def test_object_refs_order_by_kind_then_name_then_namespace() -> None:
    refs = [ObjectRef("Pod", "b", "x"), ObjectRef("Deployment", "z", "a", "apps"), ObjectRef("Pod", "a", "y")]
    assert sorted(refs) == [
        ObjectRef("Deployment", "z", "a", "apps"),
        ObjectRef("Pod", "a", "y"),
        ObjectRef("Pod", "b", "x"),
    ]


@pytest.mark.parametrize(
    ("origin", "text", "as_dict"),
    [
        (Origin("a.yaml"), "a.yaml", {"file": "a.yaml", "document": 0, "line": None}),
        (Origin("a.yaml", 2, 14), "a.yaml:14", {"file": "a.yaml", "document": 2, "line": 14}),
        (
            Origin("-", 0, 3, (), "chart/templates/deploy.yaml"),
            "-:3 (chart/templates/deploy.yaml)",
            {"file": "-", "document": 0, "line": 3, "template": "chart/templates/deploy.yaml"},
        ),
    ],
    ids=["file only", "file and line", "helm template"],
)
def test_origin(origin: Origin, text: str, as_dict: dict[str, object]) -> None:
    assert str(origin) == text
    assert origin.to_dict() == as_dict
