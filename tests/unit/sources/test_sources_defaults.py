"""The built-in default RBAC policy of Kubernetes (``--with-defaults``)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import kubeward
from cli_helpers import run_cli
from kubeward.engines.rbac import query
from kubeward.engines.rbac.identity import impersonate
from kubeward.engines.rbac.rules import Request
from kubeward.engines.rbac.world import world_of
from kubeward.errors import UsageError
from kubeward.inputs import Inputs
from kubeward.sources import defaults

RBAC = "rbac.authorization.k8s.io"


def _objects(version: str = defaults.LATEST) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (body["kind"], body["metadata"].get("namespace", ""), body["metadata"]["name"]): body
        for body in (record.body for record in defaults.default_policy_records(version))
    }


def _role(name: str) -> dict[str, Any]:
    return _objects()[("ClusterRole", "", name)]


def _binding(name: str) -> dict[str, Any]:
    return _objects()[("ClusterRoleBinding", "", name)]


def _load(text: str, *, with_defaults: str | None = "latest", whole_cluster: bool | None = None) -> Inputs:
    return kubeward.load(
        ["-"], stdin=io.BytesIO(text.encode()), with_defaults=with_defaults, whole_cluster=whole_cluster
    )


def _allowed(inputs: Inputs, user: str, groups: tuple[str, ...], request: Request) -> query.Decision:
    return query.can_i(world_of(inputs.snapshot), impersonate(user, groups), request)


@pytest.mark.parametrize("version", defaults.KNOWN_VERSIONS)
def test_every_known_version_loads_as_proper_objects(version: str) -> None:
    records = defaults.default_policy_records(version)
    keys = set()
    for record in records:
        body = record.body
        assert body["apiVersion"] == f"{RBAC}/v1"
        assert body["kind"] in {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
        assert body["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert record.origin.file == f"<kubernetes default RBAC policy v{version}>"
        assert record.origin.line is None
        keys.add((body["kind"], body["metadata"].get("namespace", ""), body["metadata"]["name"]))
        if body["kind"].endswith("Binding"):
            assert body["roleRef"]["apiGroup"] == RBAC
    assert len(keys) == len(records)
    # every default binding names a default role, and the loaded world has no problem
    inputs = kubeward.load([], with_defaults=version)
    assert inputs.errors == []
    assert world_of(inputs.snapshot).problems == ()
    kinds = {kind for kind, _, _ in keys}
    assert kinds == {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}


def test_versions_resolve_and_unknown_ones_are_usage_errors() -> None:
    assert defaults.resolve_version("latest") == (defaults.LATEST, None)
    assert defaults.resolve_version("v1.31.4") == ("1.31", None)
    newest, note = defaults.resolve_version("1.99")
    assert newest == defaults.LATEST
    assert note is not None and "v1.99" in note and f"v{defaults.LATEST}" in note
    for bad in ("1.20", "banana", "1"):
        with pytest.raises(UsageError, match=r"known: 1\.31"):
            defaults.default_policy_records(bad)
    with pytest.raises(UsageError):
        kubeward.load([], with_defaults="1.2")


def test_records_are_fresh_copies() -> None:
    first = defaults.default_policy_records("1.31")
    first[0].body["metadata"]["name"] = "changed"
    assert defaults.default_policy_records("1.31")[0].body["metadata"]["name"] != "changed"


def test_cluster_admin_is_everything_for_system_masters() -> None:
    assert _role("cluster-admin")["rules"] == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ]
    binding = _binding("cluster-admin")
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"}
    assert binding["subjects"] == [{"apiGroup": RBAC, "kind": "Group", "name": "system:masters"}]


@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("system:discovery", ["system:authenticated"]),
        ("system:basic-user", ["system:authenticated"]),
        ("system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
        ("system:service-account-issuer-discovery", ["system:serviceaccounts"]),
    ],
)
def test_discovery_roles_are_bound_to_the_implicit_groups(name: str, groups: list[str]) -> None:
    binding = _binding(name)
    assert binding["roleRef"]["name"] == name
    assert binding["subjects"] == [{"apiGroup": RBAC, "kind": "Group", "name": group} for group in groups]


def test_public_info_viewer_is_health_and_version_only() -> None:
    assert _role("system:public-info-viewer")["rules"] == [
        {"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}
    ]


@pytest.mark.parametrize(
    ("name", "selects", "label"),
    [
        ("admin", "aggregate-to-admin", None),
        ("edit", "aggregate-to-edit", "aggregate-to-admin"),
        ("view", "aggregate-to-view", "aggregate-to-edit"),
    ],
)
def test_user_facing_roles_are_aggregated(name: str, selects: str, label: str | None) -> None:
    role = _role(name)
    assert role["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {f"{RBAC}/{selects}": "true"}}]
    }
    if label is not None:
        assert role["metadata"]["labels"][f"{RBAC}/{label}"] == "true"
    part = _role(f"system:{selects}")
    assert part["metadata"]["labels"][f"{RBAC}/{selects}"] == "true"
    assert "aggregationRule" not in part and part["rules"]
    # stored as the aggregation controller leaves them: every part's rule is in the whole
    assert all(rule in role["rules"] for rule in part["rules"])


def test_aggregated_rules_nest_view_in_edit_in_admin() -> None:
    view, edit, admin = (_role(name)["rules"] for name in ("view", "edit", "admin"))
    assert all(rule in edit for rule in view)
    assert all(rule in admin for rule in edit)
    assert {"apiGroups": [RBAC], "resources": ["rolebindings", "roles"]}.items() <= next(
        rule for rule in admin if rule.get("apiGroups") == [RBAC]
    ).items()


_BOB_VIEW_EDIT = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-view, namespace: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-edit, namespace: x}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: User, name: carol}]
"""


@pytest.mark.parametrize("whole_cluster", [False, True])
def test_view_reads_no_secrets_and_edit_can_exec(whole_cluster: bool) -> None:
    # manifests: the engine aggregates; whole cluster: the stored (filled-in) rules count
    inputs = _load(_BOB_VIEW_EDIT, whole_cluster=whole_cluster)
    secrets = Request("get", "secrets", namespace="x")
    pods = Request("list", "pods", namespace="x")
    exec_ = Request("create", "pods", subresource="exec", name="p", namespace="x")
    assert _allowed(inputs, "bob", (), pods).allowed
    assert not _allowed(inputs, "bob", (), secrets).allowed
    assert not _allowed(inputs, "bob", (), exec_).allowed
    assert _allowed(inputs, "carol", (), secrets).allowed
    decision = _allowed(inputs, "carol", (), exec_)
    assert decision.allowed
    assert decision.grants[0].role.ref.name == "edit"
    assert not _allowed(inputs, "carol", (), Request("create", "rolebindings", RBAC, namespace="x")).allowed


def test_without_defaults_the_bindings_dangle() -> None:
    inputs = _load(_BOB_VIEW_EDIT, with_defaults=None)
    assert not _allowed(inputs, "bob", (), Request("list", "pods", namespace="x")).allowed
    assert len(world_of(inputs.snapshot).problems) == 2


def test_the_input_always_wins() -> None:
    inputs = _load(
        """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:discovery}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:discovery}
subjects: [{kind: Group, name: system:masters}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: system:controller:bootstrap-signer, namespace: kube-public}
rules: []
"""
        + "---"
        + _BOB_VIEW_EDIT
    )
    total = len(defaults.default_policy_records("latest"))
    assert f"merged the default RBAC policy of Kubernetes v{defaults.LATEST} ({total - 3} objects" in (
        " ".join(inputs.notes)
    )
    snapshot = inputs.snapshot
    views = [obj for obj in snapshot.objects if obj.ref.kind == "ClusterRole" and obj.ref.name == "view"]
    assert len(views) == 1 and views[0].origin.file == "-"
    assert views[0].body["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]
    assert not _allowed(inputs, "bob", (), Request("list", "pods", namespace="x")).allowed
    assert _allowed(inputs, "bob", (), Request("get", "configmaps", namespace="x")).allowed
    # the input's system:discovery binding replaced the default one
    assert not _allowed(inputs, "dave", ("system:authenticated",), Request("get", path="/apis")).allowed
    signer = [obj for obj in snapshot.objects if obj.ref.name == "system:controller:bootstrap-signer"]
    default = defaults.origin_file(defaults.LATEST)
    assert {(obj.ref.kind, obj.ref.namespace, obj.origin.file) for obj in signer} == {
        ("Role", "kube-public", "-"),
        ("Role", "kube-system", default),
        ("RoleBinding", "kube-public", default),
        ("RoleBinding", "kube-system", default),
    }


def test_a_newer_version_clamps_with_a_note() -> None:
    inputs = kubeward.load([], with_defaults="1.99")
    assert any("v1.99" in note for note in inputs.notes)
    assert any(f"Kubernetes v{defaults.LATEST} (" in note for note in inputs.notes)


@pytest.fixture
def source(tmp_path: Path) -> str:
    path = tmp_path / "ns.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    return str(path)


def test_cli_can_i_answers_as_the_default_policy_implies(
    capsys: pytest.CaptureFixture[str], source: str
) -> None:
    who = ("--as", "bob", "--as-group", "system:authenticated", "--with-defaults", "latest")
    outcome = run_cli(capsys, "rbac", "can-i", "get", "pods", "-n", "x", source, *who)
    assert (outcome.code, outcome.out.split()[0]) == (1, "no")
    outcome = run_cli(capsys, "rbac", "can-i", "get", "/healthz", source, *who, "-o", "json")
    assert outcome.code == 0, outcome.err
    answer = json.loads(outcome.out)
    assert answer["allowed"] is True
    roles = {grant["role"]["name"] for grant in answer["grants"]}
    assert roles & {"system:public-info-viewer", "system:discovery"}
    outcome = run_cli(
        capsys, "rbac", "can-i", "create", "selfsubjectaccessreviews", source, *who, "-o", "json"
    )
    assert outcome.code == 0
    assert json.loads(outcome.out)["grants"][0]["role"]["name"] == "system:basic-user"
    # without the defaults nothing is granted
    outcome = run_cli(capsys, "rbac", "can-i", "get", "/healthz", source, "--as", "bob")
    assert outcome.code == 1


def test_cli_who_can_and_list_with_defaults(capsys: pytest.CaptureFixture[str], source: str) -> None:
    outcome = run_cli(
        capsys, "rbac", "who-can", "get", "/version", source, "--with-defaults", "1.31", "-o", "json"
    )
    assert outcome.code == 0, outcome.err
    subjects = {(s["kind"], s["name"]) for s in json.loads(outcome.out)["subjects"]}
    assert {("Group", "system:authenticated"), ("Group", "system:unauthenticated")} <= subjects
    outcome = run_cli(
        capsys,
        "rbac",
        "list",
        "Group:system:unauthenticated",
        source,
        "--with-defaults",
        "latest",
        "-o",
        "json",
    )
    assert outcome.code == 0, outcome.err
    urls = {url for row in json.loads(outcome.out)["permissions"] for url in row.get("nonResourceURLs", [])}
    assert "/healthz" in urls and "/api" not in urls


def test_cli_rejects_bad_uses(capsys: pytest.CaptureFixture[str], source: str) -> None:
    outcome = run_cli(
        capsys, "rbac", "can-i", "get", "pods", source, "--as", "bob", "--with-defaults", "1.20"
    )
    assert outcome.code == 2 and "known: 1.31" in outcome.err
    outcome = run_cli(capsys, "scan", "--cluster", "--with-defaults", "latest")
    assert outcome.code == 2 and "--with-defaults" in outcome.err


def test_cli_scan_merges_the_defaults(capsys: pytest.CaptureFixture[str], source: str) -> None:
    outcome = run_cli(capsys, "scan", source, "--with-defaults", "latest", "--sections", "NS", "-o", "json")
    assert outcome.code in (0, 1), outcome.err
    report = json.loads(outcome.out)
    assert any("merged the default RBAC policy" in note for note in report["notes"])
