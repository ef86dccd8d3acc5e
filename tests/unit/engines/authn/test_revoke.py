"""The revoke plan (engines/authn/revoke.py) over tests/data/authn/revoke: which binding is
deleted, patched, shared or everyone's, and what can never be cut off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeward
from kubeward.cli.authn_identities import binding_facts
from kubeward.engines.authn import revoke
from kubeward.engines.rbac.identity import Identity, impersonate
from kubeward.engines.rbac.world import world_of

DATA = Path(__file__).parents[3] / "data/authn/revoke"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "cases.yaml").read_text())


def _plan(target: str, groups: list[str]) -> revoke.Plan:
    snapshot = kubeward.load([str(DATA / "cluster.yaml")]).snapshot
    kind, name = target.split(":", 1)
    if kind == "Group":
        identity = Identity(f"<a member of {name}>", frozenset((name, *groups)))
    else:
        identity = impersonate(name, tuple(groups))
    facts = binding_facts(world_of(snapshot), identity)
    return revoke.plan(revoke.SubjectFacts(kind, name), sorted(identity.groups), facts)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_revoke_plan_cases(case: dict[str, Any]) -> None:
    plan = _plan(case["target"], case["groups"])
    changes = {c.binding.label: [c.action, c.cuts_off] for c in plan.changes}
    assert changes == case["changes"]
    assert plan.complete is case["complete"]
    assert len(plan.blockers) == len(case["blockers"])
    assert all(f"in {group}:" in text for group, text in zip(case["blockers"], plan.blockers, strict=True))


def test_a_shared_subject_is_patched_out_by_index_with_a_guard() -> None:
    plan = _plan("User:alice", ["devs"])
    change = next(c for c in plan.changes if c.binding.label == "RoleBinding web/team-edit")
    assert change.patch == (
        {"op": "test", "path": "/subjects/1/name", "value": "alice"},
        {"op": "remove", "path": "/subjects/1"},
    )
    assert change.command.startswith("kubectl -n web patch rolebinding team-edit --type=json -p '")
    assert json.loads(change.command.split("-p '", 1)[1].rstrip("'")) == list(change.patch)


def test_deleting_removes_the_whole_binding() -> None:
    change = next(c for c in _plan("User:alice", ["devs"]).changes if c.action == "delete")
    assert change.command == "kubectl delete clusterrolebinding alice-view"
    assert change.patch == ()


def test_the_personal_cut_leaves_the_group_and_says_so() -> None:
    change = next(c for c in _plan("User:alice", ["devs"]).changes if c.binding.name == "both")
    assert change.patch == (
        {"op": "test", "path": "/subjects/1/name", "value": "alice"},
        {"op": "remove", "path": "/subjects/1"},
    )
    assert any("Group devs, shared with every member" in note for note in change.notes)


def test_reconciled_bindings_say_to_turn_autoupdate_off_first() -> None:
    plan = _plan("User:system:kube-scheduler", [])
    change = next(c for c in plan.changes if c.binding.name == "system:kube-scheduler")
    assert any(
        "kubectl annotate clusterrolebinding system:kube-scheduler"
        " rbac.authorization.kubernetes.io/autoupdate=false --overwrite" in note
        for note in change.notes
    )


def test_reconciliation_does_not_restore_a_non_bootstrap_subject() -> None:
    change = next(c for c in _plan("User:dave", []).changes if c.binding.name == "system:dave-node")
    assert change.cuts_off
    assert any("the subjects removed here stay removed" in note for note in change.notes)


def test_masters_is_a_blocker_and_the_workaround_explains_ca_rotation() -> None:
    plan = _plan("User:admin", ["system:masters"])
    assert plan.blockers and "before RBAC" in plan.blockers[0]
    out = plan.to_dict()
    assert out["complete"] is False
    assert "kubeadm certs renew` does NOT rotate the CA" in out["workaround"]
    assert out["identity"] == {"user": "admin", "groups": ["system:authenticated", "system:masters"]}


def test_an_unnamed_subject_keeps_the_indexes_of_the_written_list() -> None:
    binding = revoke.BindingFacts(
        "ClusterRoleBinding",
        "x",
        "",
        "ClusterRole",
        "view",
        (revoke.SubjectFacts("", ""), revoke.SubjectFacts("User", "eve"), revoke.SubjectFacts("User", "eve")),
        (1, 2),
    )
    change = revoke.plan(revoke.SubjectFacts("User", "eve"), ["system:authenticated"], [binding]).changes[0]
    assert [op["path"] for op in change.patch] == [
        "/subjects/2/name",
        "/subjects/2",
        "/subjects/1/name",
        "/subjects/1",
    ]
    assert change.cuts_off
