"""Escalation paths: each primitive, as a one-rule world, and chains of them."""

from __future__ import annotations

import pytest

from conftest import load_text
from kubeward.engines.rbac.identity import Subject
from kubeward.engines.rbac.paths import CLUSTER_ADMIN, escalation_paths
from kubeward.engines.rbac.world import world_of

NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-admin, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: app}]
"""


def _grant(name: str, rules: str, subject: str = "{kind: User, name: mallory}", namespace: str = "") -> str:
    kind, binding = ("Role", "RoleBinding") if namespace else ("ClusterRole", "ClusterRoleBinding")
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return f"""
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {meta}
rules: {rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {binding}
metadata: {meta}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}
subjects: [{subject}]
"""


MALLORY = Subject("User", "mallory")


def _path(text: str) -> list[tuple[str, str]] | None:
    snapshot = load_text(text).snapshot
    found = {path.subject: path for path in escalation_paths(world_of(snapshot), snapshot, [MALLORY])}
    path = found.get(MALLORY)
    return None if path is None else [(step.action, str(step.target)) for step in path.steps]


ADMIN = str(CLUSTER_ADMIN)
DEPLOYER = "ServiceAccount app/deployer"

CASES = [
    ("no grant, no path", "", None),
    (
        "creating pods in the namespace runs as its cluster-admin service account",
        _grant("pod-maker", "[{apiGroups: [''], resources: [pods], verbs: [create]}]", namespace="app"),
        [("runs a pod as it (create pods in app)", DEPLOYER), ("holds every verb on every resource", ADMIN)],
    ),
    (
        "a Deployment (group apps) runs pods too",
        _grant(
            "deployer", "[{apiGroups: [apps], resources: [deployments], verbs: [patch]}]", namespace="app"
        ),
        [
            ("runs a pod as it (patch deployments.apps in app)", DEPLOYER),
            ("holds every verb on every resource", ADMIN),
        ],
    ),
    (
        "deployments in the core group are not a thing",
        _grant(
            "wrong-group", "[{apiGroups: [''], resources: [deployments], verbs: [create]}]", namespace="app"
        ),
        None,
    ),
    (
        "a token for the service account",
        _grant(
            "tokens",
            "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create],"
            " resourceNames: [deployer]}]",
            namespace="app",
        ),
        [
            ("creates a token for it (serviceaccounts/token in app)", DEPLOYER),
            ("holds every verb on every resource", ADMIN),
        ],
    ),
    (
        "a token for another service account does not help",
        _grant(
            "tokens",
            "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create],"
            " resourceNames: [other]}]",
            namespace="app",
        ),
        None,
    ),
    (
        "pods/* is not exec: no path",
        _grant("star", "[{apiGroups: [''], resources: ['pods/*'], verbs: [create]}]", namespace="app"),
        None,
    ),
    (
        "bind cluster-admin plus create ClusterRoleBindings",
        _grant(
            "binder",
            "[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]},"
            " {apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], verbs: [create]}]",
        ),
        [("binds any ClusterRole (cluster-admin) to itself", ADMIN)],
    ),
    (
        "bind alone is not enough",
        _grant(
            "binder", "[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}]"
        ),
        None,
    ),
    (
        "impersonating system:masters (along with some user)",
        _grant(
            "masters",
            "[{apiGroups: [''], resources: [groups], verbs: [impersonate], resourceNames: [system:masters]},"
            " {apiGroups: [''], resources: [users], verbs: [impersonate]}]",
        ),
        [("impersonates group system:masters", ADMIN)],
    ),
    (
        "impersonating system:masters without impersonating a user: no path",
        _grant(
            "masters",
            "[{apiGroups: [''], resources: [groups], verbs: [impersonate], resourceNames: [system:masters]}]",
        ),
        None,
    ),
    (
        "impersonating system:masters along with a service account a RoleBinding lets it impersonate",
        _grant(
            "masters",
            "[{apiGroups: [''], resources: [groups], verbs: [impersonate], resourceNames: [system:masters]}]",
        )
        + _grant(
            "sa-here",
            "[{apiGroups: [''], resources: [serviceaccounts], verbs: [impersonate],"
            " resourceNames: [nobody]}]",
            namespace="app",
        ),
        [("impersonates group system:masters", ADMIN)],
    ),
    (
        "impersonating the service account",
        _grant("sa", "[{apiGroups: [''], resources: [serviceaccounts], verbs: [impersonate]}]"),
        [("impersonates it (serviceaccounts)", DEPLOYER), ("holds every verb on every resource", ADMIN)],
    ),
    (
        "a RoleBinding to cluster-admin in one namespace is not cluster-admin",
        _grant("local", "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]", namespace="app"),
        [("runs a pod as it (create pods in app)", DEPLOYER), ("holds every verb on every resource", ADMIN)],
    ),
    (
        "membership of system:masters",
        _grant("nothing", "[]", subject="{kind: Group, name: system:masters}") + "\n",
        None,
    ),
]


@pytest.mark.parametrize(("rule", "extra", "expected"), CASES, ids=[case[0] for case in CASES])
def test_escalation_paths(rule: str, extra: str, expected: list[tuple[str, str]] | None) -> None:
    assert _path(NAMESPACES + extra) == expected


def test_members_of_system_masters_are_cluster_admin_in_one_step() -> None:
    snapshot = load_text(
        NAMESPACES + _grant("x", "[]", subject="{kind: Group, name: system:masters}")
    ).snapshot
    masters = Subject("Group", "system:masters")
    [path] = escalation_paths(world_of(snapshot), snapshot, [masters])
    assert [(step.action, step.target) for step in path.steps] == [
        ("is in group system:masters, which RBAC never limits", CLUSTER_ADMIN)
    ]
