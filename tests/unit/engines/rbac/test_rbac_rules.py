"""PolicyRule matching, one rule of ``RuleAllows`` per case of ``tests/data/rbac/rules.yaml``:
each request is checked with the rule predicate, with the reference authorizer, and end to
end (the rule in a ClusterRole bound to a user)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from conftest import load_text
from kubeward.engines.rbac import query
from kubeward.engines.rbac.rules import Rule, rule_allows
from kubeward.engines.rbac.world import RbacWorld, world_of
from unit.engines.rbac import rbac_reference
from unit.engines.rbac.rbac_tables import (
    format_grant,
    identity,
    load_table,
    manifests,
    parse_request,
    to_request,
)

CASES = load_table("rules.yaml")
ROWS = [
    pytest.param(index, request, verdict == "allow", id=f"{case['why'][:60]} | {request} → {verdict}")
    for index, case in enumerate(CASES)
    for verdict in ("allow", "deny")
    for request in case[verdict]
]


def test_every_case_says_why_and_where_and_has_rows() -> None:
    for case in CASES:
        assert set(case) == {"why", "source", "rule", "allow", "deny"}, case
        assert case["deny"], case["why"]
        assert not set(case["allow"]) & set(case["deny"]), case["why"]


@functools.cache
def _world(index: int) -> RbacWorld:
    rule: dict[str, Any] = CASES[index]["rule"]
    text = manifests(
        [
            {"kind": "ClusterRole", "metadata": {"name": "r"}, "rules": [rule]},
            {
                "kind": "ClusterRoleBinding",
                "metadata": {"name": "b"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"},
                "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
            },
        ]
    )
    inputs = load_text(text)
    assert inputs.errors == []
    return world_of(inputs.snapshot)


@pytest.mark.parametrize(("index", "text", "allowed"), ROWS)
def test_rule(index: int, text: str, allowed: bool) -> None:
    rule, req = CASES[index]["rule"], parse_request(text)
    assert rule_allows(Rule.from_policy_rule(rule), to_request(req)) is allowed
    assert rbac_reference.rule_allows(req, rule) is allowed
    decision = query.can_i(_world(index), identity("User:alice"), to_request(req))
    assert decision.allowed is allowed
    assert [format_grant(grant) for grant in decision.grants] == (
        ["ClusterRoleBinding b → ClusterRole r #0 to User:alice"] if allowed else []
    )
