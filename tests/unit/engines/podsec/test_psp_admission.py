"""Policy selection (computeSecurityContext): order, authorization by service account and
user, update semantics, invalid policies; scenarios in tests/data/psp/admission.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.podsec import psp

TABLE = yaml.safe_load((Path(__file__).parents[3] / "data/psp/admission.yaml").read_text())
NAMESPACE = "web"


def _may_use(grants: list[dict[str, str]]) -> psp.MayUse:
    def may_use(user: psp.PolicyUser, api_group: str, policy: str, namespace: str) -> str | None:
        for index, grant in enumerate(grants):
            if grant["policy"] != policy or grant.get("api_group", "policy") != api_group:
                continue
            if grant.get("namespace", namespace) != namespace:
                continue
            if grant.get("user") == user.name or grant.get("group") in user.groups:
                return f"grant {index}"
        return None

    return may_use


def _admit(scenario: dict[str, Any]) -> psp.Admission:
    policies = [psp.compile_policy(name, TABLE["policies"][name]) for name in scenario["policies"]]
    requester = scenario.get("requester")
    return psp.admit(
        {"annotations": scenario.get("annotations", {})},
        scenario.get("spec", TABLE["pod"]),
        NAMESPACE,
        policies,
        _may_use(scenario["grants"]),
        psp.PolicyUser(requester["user"], tuple(requester.get("groups", ()))) if requester else None,
        account=scenario.get("account"),
        mutation_allowed=not scenario.get("update", False),
    )


@pytest.mark.parametrize("scenario", TABLE["scenarios"], ids=[s["name"] for s in TABLE["scenarios"]])
def test_selection(scenario: dict[str, Any]) -> None:
    admission = _admit(scenario)
    assert admission.policy == scenario["admitted_by"]
    assert admission.allowed == (scenario["admitted_by"] is not None)
    if "mutations" in scenario:
        assert {m.path: m.value for m in admission.mutations} == scenario["mutations"]
    if "message" in scenario:
        assert admission.message == scenario["message"]
    if "authorized" in scenario:
        assert {a.policy: a.authorized_as for a in admission.attempts} == scenario["authorized"]
    if "order" in scenario:
        assert [a.policy for a in admission.attempts] == scenario["order"]
    assert {name: list(problems) for name, problems in admission.invalid} == scenario.get("invalid", {})


def test_service_account_plugin_runs_first_and_seccomp_fields_are_copied_by_psp() -> None:
    """The ServiceAccount plugin's defaults come before PSP and are not PSP mutations; the
    registry's seccomp sync comes after the mutating pass, so PSP copies the pod's field into
    the annotation itself, a mutation."""
    spec = {
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "app"}],
    }
    policy = psp.compile_policy("seccomp-any", TABLE["policies"]["seccomp-any"])
    admission = psp.admit({}, spec, NAMESPACE, [policy], lambda *_: "yes")
    assert admission.policy == "seccomp-any"
    assert admission.mutations == (
        psp.Mutation("metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", "runtime/default"),
    )
    assert admission.prepared == (
        'spec.serviceAccountName = "default" (ServiceAccount plugin)',
        "spec.volumes[0]: projected service account token volume kube-api-access-xxxxx"
        " (ServiceAccount plugin)",
    )


def test_service_account_user_has_the_service_account_groups_only() -> None:
    user = psp.service_account_user("web", "builder")
    assert user == psp.PolicyUser(
        "system:serviceaccount:web:builder", ("system:serviceaccounts", "system:serviceaccounts:web")
    )


def test_admission_json_shape() -> None:
    admission = _admit(TABLE["scenarios"][2])
    data = admission.to_dict()
    assert set(data) == {
        "allowed",
        "policy",
        "mutations",
        "message",
        "preparedByApiServer",
        "attempts",
        "invalidPolicies",
    }
    assert [(a["policy"], a["authorized"], a["mutating"]) for a in data["attempts"]] == [
        ("a-nonroot", True, True),
        ("z-plain", False, False),
    ]
