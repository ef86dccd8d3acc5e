"""The API resource table: kind <-> plural, scope, subresources, legacy groups and CRDs."""

from __future__ import annotations

from typing import Any

import pytest

from kubeward.k8s.objects import GroupKind
from kubeward.k8s.resources import BUILTIN, ResourceType

LOOKUPS = [
    ("", "pods", "Pod"),
    ("", "namespaces", "Namespace"),
    ("", "serviceaccounts", "ServiceAccount"),
    ("", "endpoints", "Endpoints"),
    ("apps", "deployments", "Deployment"),
    ("apps", "statefulsets", "StatefulSet"),
    ("batch", "cronjobs", "CronJob"),
    ("rbac.authorization.k8s.io", "clusterroles", "ClusterRole"),
    ("networking.k8s.io", "networkpolicies", "NetworkPolicy"),
    ("networking.k8s.io", "ingresses", "Ingress"),
    ("policy", "poddisruptionbudgets", "PodDisruptionBudget"),
    ("certificates.k8s.io", "certificatesigningrequests", "CertificateSigningRequest"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
]


@pytest.mark.parametrize(("group", "plural", "kind"), LOOKUPS, ids=[f"{g}/{p}" for g, p, _ in LOOKUPS])
def test_plural_and_kind_lookups_agree(group: str, plural: str, kind: str) -> None:
    by_plural = BUILTIN.by_plural(group, plural)
    assert by_plural is not None
    assert by_plural.kind == kind
    assert BUILTIN.by_kind(GroupKind(group, kind)) is by_plural
    assert by_plural.group_kind == GroupKind(group, kind)
    assert by_plural.singular == kind.lower()


@pytest.mark.parametrize(
    ("group", "plural"),
    [("", "deployments"), ("apps", "pods"), ("", "Pod"), ("", "pod"), ("example.com", "widgets")],
    ids=[
        "deployments are not core",
        "pods are not apps",
        "kind is not a plural",
        "singular",
        "unknown group",
    ],
)
def test_unknown_plurals(group: str, plural: str) -> None:
    assert BUILTIN.by_plural(group, plural) is None


SCOPES = [
    (GroupKind("", "Namespace"), False),
    (GroupKind("", "Node"), False),
    (GroupKind("", "PersistentVolume"), False),
    (GroupKind("rbac.authorization.k8s.io", "ClusterRole"), False),
    (GroupKind("rbac.authorization.k8s.io", "ClusterRoleBinding"), False),
    (GroupKind("storage.k8s.io", "StorageClass"), False),
    (GroupKind("certificates.k8s.io", "CertificateSigningRequest"), False),
    (GroupKind("policy", "PodSecurityPolicy"), False),
    (GroupKind("", "Pod"), True),
    (GroupKind("", "Secret"), True),
    (GroupKind("rbac.authorization.k8s.io", "Role"), True),
    (GroupKind("rbac.authorization.k8s.io", "RoleBinding"), True),
    (GroupKind("apps", "Deployment"), True),
    (GroupKind("networking.k8s.io", "NetworkPolicy"), True),
    (GroupKind("authorization.k8s.io", "LocalSubjectAccessReview"), True),
    (GroupKind("authorization.k8s.io", "SubjectAccessReview"), False),
    (GroupKind("example.com", "Widget"), None),
    (GroupKind("", "Deployment"), None),
]


@pytest.mark.parametrize(("group_kind", "namespaced"), SCOPES, ids=[str(gk) for gk, _ in SCOPES])
def test_scope(group_kind: GroupKind, namespaced: bool | None) -> None:
    assert BUILTIN.is_namespaced(group_kind) is namespaced


SUBRESOURCES = [
    (
        "",
        "pods",
        (
            "attach",
            "binding",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "proxy",
            "resize",
            "status",
        ),
    ),
    ("apps", "deployments", ("scale", "status")),
    ("apps", "statefulsets", ("scale", "status")),
    ("", "serviceaccounts", ("token",)),
    ("", "nodes", ("proxy", "status")),
    ("", "services", ("proxy", "status")),
    ("", "namespaces", ("finalize", "status")),
    ("certificates.k8s.io", "certificatesigningrequests", ("approval", "status")),
    ("", "configmaps", ()),
    ("rbac.authorization.k8s.io", "roles", ()),
]


@pytest.mark.parametrize(
    ("group", "plural", "subresources"), SUBRESOURCES, ids=[f"{g}/{p}" for g, p, _ in SUBRESOURCES]
)
def test_subresources(group: str, plural: str, subresources: tuple[str, ...]) -> None:
    resource = BUILTIN.by_plural(group, plural)
    assert resource is not None
    assert tuple(sorted(resource.subresources)) == subresources


LEGACY = [
    ("Deployment", "deployments", True),
    ("DaemonSet", "daemonsets", True),
    ("ReplicaSet", "replicasets", True),
    ("Ingress", "ingresses", True),
    ("NetworkPolicy", "networkpolicies", True),
    ("PodSecurityPolicy", "podsecuritypolicies", False),
]


@pytest.mark.parametrize(("kind", "plural", "namespaced"), LEGACY, ids=[kind for kind, _, _ in LEGACY])
def test_legacy_extensions_kinds(kind: str, plural: str, namespaced: bool) -> None:
    resource = BUILTIN.by_kind(GroupKind("extensions", kind))
    assert resource is not None
    assert (resource.plural, resource.namespaced, resource.versions) == (plural, namespaced, ("v1beta1",))
    assert BUILTIN.by_plural("extensions", plural) is resource


def test_extensions_never_served_statefulsets() -> None:
    assert BUILTIN.by_kind(GroupKind("extensions", "StatefulSet")) is None


def test_preferred_version_comes_first() -> None:
    cronjobs = BUILTIN.by_plural("batch", "cronjobs")
    hpa = BUILTIN.by_plural("autoscaling", "horizontalpodautoscalers")
    assert cronjobs is not None and cronjobs.versions == ("v1", "v1beta1")
    assert hpa is not None and hpa.versions == ("v2", "v1")


def test_every_builtin_kind_and_plural_is_unique_within_its_group() -> None:
    kinds = [resource.group_kind for resource in BUILTIN.types]
    plurals = [(resource.group, resource.plural) for resource in BUILTIN.types]
    assert len(kinds) == len(set(kinds))
    assert len(plurals) == len(set(plurals))


# --- CustomResourceDefinitions -------------------------------------------------------------

ROLLOUT_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "rollouts.argoproj.io"},
    "spec": {
        "group": "argoproj.io",
        "names": {"kind": "Rollout", "plural": "rollouts", "singular": "rollout", "shortNames": ["ro"]},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}, "scale": {}},
            },
            {"name": "v1alpha0", "served": False, "storage": False},
            {"name": "v1beta1", "served": True, "storage": False},
        ],
    },
}

CLUSTER_CRD: dict[str, Any] = {
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Cluster",
        "versions": [{"name": "v1", "served": True}],
    }
}


def test_with_crds_adds_kind_plural_scope_and_served_versions() -> None:
    table = BUILTIN.with_crds([ROLLOUT_CRD, CLUSTER_CRD])
    assert table.by_kind(GroupKind("argoproj.io", "Rollout")) == ResourceType(
        group="argoproj.io",
        kind="Rollout",
        plural="rollouts",
        namespaced=True,
        versions=("v1alpha1", "v1beta1"),
        subresources=("scale", "status"),
        short_names=("ro",),
    )
    assert table.by_plural("argoproj.io", "rollouts") is table.by_kind(GroupKind("argoproj.io", "Rollout"))
    assert table.is_namespaced(GroupKind("example.com", "Widget")) is False
    assert table.is_namespaced(GroupKind("", "Pod")) is True  # the built-ins are still there
    assert BUILTIN.by_kind(GroupKind("argoproj.io", "Rollout")) is None  # and BUILTIN is unchanged


def test_a_crd_in_the_input_overrides_a_builtin_custom_kind() -> None:
    crd = {
        "spec": {
            "group": "policy.networking.k8s.io",
            "names": {"kind": "AdminNetworkPolicy", "plural": "adminnetworkpolicies"},
            "scope": "Namespaced",
            "versions": [{"name": "v1alpha2", "served": True}],
        }
    }
    anp = GroupKind("policy.networking.k8s.io", "AdminNetworkPolicy")
    assert BUILTIN.is_namespaced(anp) is False
    table = BUILTIN.with_crds([crd])
    assert table.is_namespaced(anp) is True
    resource = table.by_kind(anp)
    assert resource is not None and resource.versions == ("v1alpha2",)


MALFORMED_CRDS: list[tuple[str, Any]] = [
    ("no spec", {"metadata": {"name": "x"}}),
    ("spec not a mapping", {"spec": "x"}),
    ("no names", {"spec": {"group": "example.com"}}),
    ("names not a mapping", {"spec": {"group": "example.com", "names": ["Widget"]}}),
    ("group not a string", {"spec": {"group": 5, "names": {"kind": "Widget", "plural": "widgets"}}}),
    ("no kind", {"spec": {"group": "example.com", "names": {"plural": "widgets"}}}),
    ("plural not a string", {"spec": {"group": "example.com", "names": {"kind": "Widget", "plural": None}}}),
]


@pytest.mark.parametrize(("rule", "crd"), MALFORMED_CRDS, ids=[case[0] for case in MALFORMED_CRDS])
def test_with_crds_ignores_malformed_crds(rule: str, crd: Any) -> None:
    assert BUILTIN.with_crds([crd]) is BUILTIN
    table = BUILTIN.with_crds([crd, CLUSTER_CRD])
    assert len(table.types) == len(BUILTIN.types) + 1


def test_with_crds_tolerates_odd_versions_and_short_names() -> None:
    crd = {
        "spec": {
            "group": "example.com",
            "names": {"kind": "Gadget", "plural": "gadgets", "shortNames": "gd"},
            "versions": ["v1", {"name": 2}, {"name": "v2"}],
        }
    }
    resource = BUILTIN.with_crds([crd]).by_kind(GroupKind("example.com", "Gadget"))
    assert resource == ResourceType("example.com", "Gadget", "gadgets", True, ("v2",), (), ())


def test_v1beta1_crds_name_their_version_and_subresources_in_spec() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1beta1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "example.com",
            "version": "v1alpha1",
            "scope": "Cluster",
            "names": {"kind": "Widget", "plural": "widgets"},
            "subresources": {"status": {}, "scale": {}},
        },
    }
    [resource] = [r for r in BUILTIN.with_crds([crd]).types if r.kind == "Widget"]
    assert (resource.versions, resource.subresources, resource.namespaced) == (
        ("v1alpha1",),
        ("scale", "status"),
        False,
    )
