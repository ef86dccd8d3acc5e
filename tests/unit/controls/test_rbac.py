"""The RBAC controls against the table of cases in tests/data/controls/rbac.yaml."""

from __future__ import annotations

import pytest

from conftest import scan_text
from control_cases import Case, case_id, check_case, check_coverage, load_cases
from kubeward.controls.catalogue import all_controls
from kubeward.controls.settings import Settings

CASES = load_cases("RBAC")
RBAC_IDS = [control.id for control in all_controls() if control.section == "RBAC"]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rbac_control(case: Case) -> None:
    check_case(case)


def test_every_rbac_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    check_coverage("RBAC", CASES)


ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
- {apiGroups: [""], resources: [secrets], verbs: [list]}
"""


def test_a_binding_finding_points_at_its_subject_and_names_the_rule() -> None:
    result = scan_text(
        ROLE
        + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects:
- {kind: User}
- {kind: Group, name: "system:nodes"}
- {kind: Group, name: shop-team}
""",
        ["KW-RBAC-003"],
    )
    [finding] = result.findings
    # the first entry has no name (the API server refuses it; the engine drops it), the
    # second is the platform's: the finding is about the third
    assert finding.paths == (("subjects", 2), ("roleRef", "name"))
    assert finding.key == "Group:shop-team"
    assert finding.why == ('ClusterRole reader rule 1 (list secrets (apiGroups "")) grants list secrets',)
    assert finding.origin is not None and finding.origin.file == "-"


def test_subjects_of_one_binding_and_primitives_of_one_subject_are_told_apart() -> None:
    result = scan_text(
        """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: delegator}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind, escalate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: delegator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: delegator}
subjects: [{kind: User, name: a}, {kind: User, name: b}]
""",
        ["KW-RBAC-004"],
    )
    assert sorted(finding.key for finding in result.findings) == [
        "User:a|bind",
        "User:a|escalate",
        "User:b|bind",
        "User:b|escalate",
    ]
    assert len({finding.fingerprint for finding in result.findings}) == 4


def test_full_access_is_reported_once_not_by_every_permission_control() -> None:
    result = scan_text(
        """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: god-mode}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: god-mode}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: god-mode}
subjects: [{kind: User, name: mallory}]
""",
        RBAC_IDS,
    )
    assert sorted((finding.control_id, str(finding.ref)) for finding in result.findings) == [
        ("KW-RBAC-001", "ClusterRoleBinding.rbac.authorization.k8s.io god-mode"),
        ("KW-RBAC-002", "ClusterRole.rbac.authorization.k8s.io god-mode"),
    ]


CONTROLLER_READS_SECRETS = (
    ROLE
    + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cni-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: cni-agent, namespace: kube-system}]
"""
)


def test_platform_subjects_are_judged_only_when_asked() -> None:
    assert scan_text(CONTROLLER_READS_SECRETS, ["KW-RBAC-003"]).findings == ()
    result = scan_text(CONTROLLER_READS_SECRETS, ["KW-RBAC-003"], settings=Settings(include_system_rbac=True))
    assert [finding.key for finding in result.findings] == ["ServiceAccount:kube-system/cni-agent"]
    # the system namespaces are the configured ones
    settings = Settings(system_namespaces=frozenset({"platform"}))
    assert len(scan_text(CONTROLLER_READS_SECRETS, ["KW-RBAC-003"], settings=settings).findings) == 1


def test_missing_service_accounts_are_only_judged_when_the_input_holds_them_all() -> None:
    dump = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: default}}
- {apiVersion: v1, kind: Namespace, metadata: {name: kube-system}}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: app, namespace: default}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
  subjects: [{kind: ServiceAccount, name: app}]
"""
    [result] = scan_text(dump, ["KW-RBAC-017"]).results
    assert result.findings == () and result.skipped is not None
    assert "ServiceAccount" in result.skipped


def test_the_scope_counts_what_each_control_judges() -> None:
    result = scan_text(
        CONTROLLER_READS_SECRETS
        + """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:node"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:node"}
subjects: [{kind: Group, name: "system:nodes"}]
""",
        ["KW-RBAC-003", "KW-RBAC-018"],
    )
    subjects = {entry.control.id: entry.subjects for entry in result.results}
    # cni-reader is judged (and passes: its only subject is the platform's); system:node is not
    assert subjects == {"KW-RBAC-003": 1, "KW-RBAC-018": 1}
