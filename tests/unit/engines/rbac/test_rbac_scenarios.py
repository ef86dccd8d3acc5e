"""Scope, subjects, implicit groups, system:masters, aggregation, who-can, permissions and
grants, one upstream rule per case of ``tests/data/rbac/scenarios.yaml``; and the identities
``--as`` gives (``impersonation.yaml``). Every question is also put to the reference
authorizer, so the tables pin it too."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from conftest import load_text
from kubeward.engines.rbac import query
from kubeward.engines.rbac.identity import MASTERS, impersonate
from kubeward.engines.rbac.rules import Request, Rule
from kubeward.engines.rbac.world import RbacWorld, world_of
from unit.engines.rbac.rbac_reference import RefWorld, ref_impersonate
from unit.engines.rbac.rbac_tables import (
    DATA,
    TABLES,
    format_grant,
    format_subject,
    identity,
    load_table,
    manifests,
    parse_request,
    to_request,
)

SCENARIOS = {case["name"]: case for case in load_table("scenarios.yaml")}
IMPERSONATION = load_table("impersonation.yaml")
QUESTIONS = ("can_i", "grants", "who_can", "problems", "rules", "permissions")


def test_the_tables_are_all_read() -> None:
    assert sorted(path.name for path in DATA.iterdir()) == sorted(TABLES)


def test_every_scenario_says_why_and_where() -> None:
    assert len(SCENARIOS) == len(load_table("scenarios.yaml")), "scenario names are unique"
    for case in SCENARIOS.values():
        assert {"name", "why", "source", "objects"} <= set(case), case["name"]
        assert set(case) <= {"name", "why", "source", "objects", "whole_cluster", *QUESTIONS}, case["name"]
        assert set(case) & set(QUESTIONS), case["name"]


@functools.cache
def _worlds(name: str) -> tuple[RbacWorld, RefWorld]:
    case = SCENARIOS[name]
    whole_cluster = bool(case.get("whole_cluster", False))
    inputs = load_text(manifests(case["objects"]), whole_cluster=whole_cluster)
    assert inputs.errors == []
    assert inputs.snapshot.whole_cluster is whole_cluster
    objects = [{"apiVersion": "rbac.authorization.k8s.io/v1", **obj} for obj in case["objects"]]
    return world_of(inputs.snapshot), RefWorld(objects, whole_cluster=whole_cluster)


def _rows(question: str) -> list[Any]:
    return [
        pytest.param(name, index, id=f"{name}-{index}")
        for name, case in SCENARIOS.items()
        for index in range(len(case.get(question) or []))
    ]


@pytest.mark.parametrize(("name", "index"), _rows("can_i"))
def test_can_i(name: str, index: int) -> None:
    row = SCENARIOS[name]["can_i"][index]
    world, reference = _worlds(name)
    who = identity(row["as"], row.get("groups"), raw=row.get("raw", False))
    for verdict in ("allow", "deny"):
        for text in row.get(verdict, []):
            req = parse_request(text)
            decision = query.can_i(world, who, to_request(req))
            assert decision.allowed is (verdict == "allow"), (str(who), text)
            assert reference.authorize(who.user, sorted(who.groups), req) is (verdict == "allow"), text
            if MASTERS in who.groups:
                assert decision.masters and decision.grants == ()
                assert decision.reasons == [query.MASTERS_REASON]
            elif decision.allowed:
                assert decision.grants and all(r.startswith("RBAC: allowed by ") for r in decision.reasons)
            else:
                assert decision.grants == ()
                assert decision.reasons[0] == f"no binding grants {decision.request} to {who.user}"


def test_a_denial_names_the_bindings_whose_role_is_missing() -> None:
    """``VisitRulesFor`` reports each roleRef it cannot resolve as an evaluation error."""
    world, _ = _worlds("missing-roles-grant-nothing")
    decision = query.can_i(world, identity("User:alice"), to_request(parse_request("delete pods ns=team")))
    assert decision.reasons[1:] == [
        "ClusterRoleBinding dangling grants nothing: its roleRef names ClusterRole 'gone', which is not"
        " in the input (--with-defaults adds Kubernetes' default roles)",
        "ClusterRoleBinding to-a-role grants nothing: its roleRef (Role 'elsewhere') cannot grant anything",
        "RoleBinding dangling grants nothing: its roleRef names Role 'gone' of namespace 'team', which is"
        " not in the input",
        "RoleBinding other-namespaces-role grants nothing: its roleRef names Role 'elsewhere' of namespace"
        " 'team', which is not in the input",
    ]


@pytest.mark.parametrize(("name", "index"), _rows("grants"))
def test_grants(name: str, index: int) -> None:
    row = SCENARIOS[name]["grants"][index]
    world, _ = _worlds(name)
    decision = query.can_i(
        world, identity(row["as"], row.get("groups")), to_request(parse_request(row["request"]))
    )
    assert [format_grant(grant) for grant in decision.grants] == row["via"]
    assert decision.allowed is bool(row["via"])


@pytest.mark.parametrize(("name", "index"), _rows("who_can"))
def test_who_can(name: str, index: int) -> None:
    row = SCENARIOS[name]["who_can"][index]
    world, reference = _worlds(name)
    req = parse_request(row["request"])
    every = row.get("all_namespaces", False)
    answers = query.who_can(world, to_request(req), all_namespaces=every)
    assert [format_subject(answer.subject) for answer in answers] == row["subjects"]
    for answer in answers:
        # each subject says through which bindings, and where
        if answer.grants:
            assert all(grant.subject == answer.subject for grant in answer.grants)
            assert len({grant.binding.ref for grant in answer.grants}) == len(answer.grants)
            assert answer.namespaces == tuple(sorted({grant.binding.namespace for grant in answer.grants}))
        else:
            assert answer.subject.name == MASTERS
    if not every:
        subjects = {
            f"{kind}:{ns + ':' if kind == 'ServiceAccount' else ''}{n}"
            for kind, n, ns in reference.allowed_subjects(req)
        }
        assert subjects == set(row["subjects"])


@pytest.mark.parametrize("name", [name for name, case in SCENARIOS.items() if "problems" in case])
def test_problems(name: str) -> None:
    world, _ = _worlds(name)
    found = sorted(
        f"{binding.ref.kind} {binding.ref.namespace + '/' if binding.ref.namespace else ''}{binding.ref.name}"
        for binding, _ in world.problems
    )
    assert found == sorted(SCENARIOS[name]["problems"])
    assert all(binding.role is None for binding, _ in world.problems)


def test_no_problems_elsewhere() -> None:
    for name, case in SCENARIOS.items():
        if "problems" not in case:
            assert _worlds(name)[0].problems == (), name


@pytest.mark.parametrize("name", [name for name, case in SCENARIOS.items() if "rules" in case])
def test_rules_read_by_the_authorizer(name: str) -> None:
    world, reference = _worlds(name)
    for role_name, rules in SCENARIOS[name]["rules"].items():
        role = world.role("", role_name)
        assert role is not None
        assert role.rules == tuple(Rule.from_policy_rule(rule) for rule in rules), role_name
        assert reference.cluster_role_rules[role_name] == rules, role_name


def _permission(permission: query.Permission) -> str:
    rule, binding, role = permission.rule, permission.binding.ref, permission.role.ref
    targets = rule.resources or rule.non_resource_urls
    return (
        f"{permission.namespace or '*'} {binding.kind} {binding.name} → {role.kind} {role.name}:"
        f" {','.join(rule.verbs)} {','.join(targets)}"
    )


@pytest.mark.parametrize(("name", "index"), _rows("permissions"))
def test_permissions(name: str, index: int) -> None:
    row = SCENARIOS[name]["permissions"][index]
    world, reference = _worlds(name)
    who = identity(row["as"], row.get("groups"))
    found = query.permissions(world, who, row["namespaces"])
    assert [_permission(permission) for permission in found.rules] == row["rules"]
    assert len(found.rules) == len(reference.rules_for(who.user, sorted(who.groups), row["namespaces"]))


@pytest.mark.parametrize("row", IMPERSONATION, ids=[row["why"] for row in IMPERSONATION])
def test_impersonation(row: dict[str, Any]) -> None:
    got = impersonate(row["user"], tuple(row["groups"]))
    assert got.user == row["user"]
    assert got.groups == frozenset(row["expect"])
    assert ref_impersonate(row["user"], row["groups"]) == (row["user"], row["expect"])


def test_a_non_resource_request_is_never_namespaced() -> None:
    """RequestInfo gives non-resource requests no namespace: a namespace set on one anyway
    does not let RoleBindings grant URLs."""
    world, _ = _worlds("role-binding-to-cluster-role-is-namespaced")
    request = Request("get", path="/healthz", namespace="team")
    assert not query.can_i(world, identity("User:alice"), request).allowed
    assert [format_subject(answer.subject) for answer in query.who_can(world, request)] == [
        "Group:system:masters"
    ]
