"""``kubeward rbac``: can-i, who-can, list and paths on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_cli

RBAC = str(Path(__file__).parents[1] / "data/cli/rbac.yaml")


@pytest.mark.parametrize(
    ("args", "code", "first_line"),
    [
        (["create", "pods", "-n", "ci", "--as", "dana", "--as-group", "ci-maintainers"], 0, "yes"),
        (["create", "pods", "-n", "web", "--as", "dana", "--as-group", "ci-maintainers"], 1, "no"),
        # pods/log is a subresource: the rule on pods does not cover it, the one on pods/log does
        (
            ["get", "pods", "--subresource", "log", "-n", "ci", "--as-group", "ci-maintainers", "--as", "d"],
            0,
            "yes",
        ),
        (["delete", "pods", "-n", "ci", "--as", "dana", "--as-group", "ci-maintainers"], 1, "no"),
        (["get", "/healthz/ready", "--as", "prober"], 0, "yes"),
        (["get", "/metrics", "--as", "prober"], 1, "no"),
        # a binding to a role the input does not hold grants nothing (see the next test)
        (["delete", "nodes/n1", "--as", "system:serviceaccount:ci:deployer"], 1, "no"),
        (
            ["delete", "nodes/n1", "--as", "system:serviceaccount:ci:deployer", "--with-defaults", "1.31"],
            0,
            "yes",
        ),
        # system:masters is allowed before RBAC is asked
        (["delete", "secrets", "--as", "root", "--as-group", "system:masters"], 0, "yes"),
    ],
)
def test_can_i_answers_and_exit_codes(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, first_line: str
) -> None:
    outcome = run_cli(capsys, "rbac", "can-i", args[0], args[1], RBAC, *args[2:])
    assert (outcome.code, outcome.out.splitlines()[0]) == (code, first_line)


def test_can_i_json_names_the_rule_that_allows(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys,
        "rbac",
        "can-i",
        "create",
        "pod",
        RBAC,
        "-n",
        "ci",
        "--as",
        "d",
        "--as-group",
        "ci-maintainers",
        "-o",
        "json",
    )
    answer = json.loads(outcome.out)
    assert answer["allowed"] is True
    assert answer["request"]["resource"] == "pods"  # the singular resolves as kubectl does
    [grant] = answer["grants"]
    assert (grant["binding"]["name"], grant["role"]["name"], grant["ruleIndex"]) == (
        "maintainers",
        "pod-runner",
        0,
    )
    assert answer["identity"]["groups"] == ["ci-maintainers", "system:authenticated"]


def test_can_i_names_bindings_whose_role_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys, "rbac", "can-i", "get", "pods", RBAC, "--as", "system:serviceaccount:ci:deployer"
    )
    assert " ".join(outcome.out.split()).endswith(
        "ClusterRoleBinding deployer-admin grants nothing: its roleRef names ClusterRole 'cluster-admin',"
        " which is not in the input"
        " (--with-defaults adds Kubernetes' default roles)"
    )


def test_can_i_without_as_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "can-i", "get", "pods", RBAC)
    assert outcome.code == 2
    assert "--as USER" in outcome.err


def test_who_can_lists_each_subject_with_its_grant(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "who-can", "create", "pods", RBAC, "-n", "ci", "-o", "json")
    subjects = {(s["kind"], s["name"]) for s in json.loads(outcome.out)["subjects"]}
    assert subjects == {("Group", "ci-maintainers"), ("Group", "system:masters")}
    outcome = run_cli(
        capsys, "rbac", "who-can", "create", "pods", RBAC, "-n", "ci", "-o", "json", "--with-defaults", "1.31"
    )
    subjects = {(s["kind"], s["name"]) for s in json.loads(outcome.out)["subjects"]}
    assert {("Group", "ci-maintainers"), ("ServiceAccount", "deployer")} <= subjects
    outcome = run_cli(capsys, "rbac", "who-can", "create", "pods", RBAC, "-n", "web", "-o", "json")
    assert ("Group", "ci-maintainers") not in {
        (s["kind"], s["name"]) for s in json.loads(outcome.out)["subjects"]
    }


def test_list_shows_what_a_subject_holds(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "list", "Group:ci-maintainers", RBAC, "-o", "json")
    rows = json.loads(outcome.out)["permissions"]
    assert {(row["namespace"], row["binding"]["name"]) for row in rows} == {("ci", "maintainers")}


def test_paths_shows_the_chain_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "paths", RBAC, "-s", "Group:ci-maintainers")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert lines[0] == "Group ci-maintainers"
    assert (
        lines[1]
        == "  1. Group ci-maintainers runs a pod as it (create pods in ci): ServiceAccount ci/deployer"
    )
    assert lines[3].startswith("  2. ServiceAccount ci/deployer is bound to ClusterRole cluster-admin")
    outcome = run_cli(capsys, "rbac", "paths", RBAC, "-o", "json")
    found = json.loads(outcome.out)["paths"]
    assert [(p["subject"]["name"], len(p["steps"])) for p in found] == [
        ("ci-maintainers", 2),
        ("deployer", 1),
    ]
    assert found[0]["steps"][-1]["to"] == {"kind": "ClusterAdmin"}


def test_paths_takes_the_subject_as_first_argument(capsys: pytest.CaptureFixture[str]) -> None:
    as_option = run_cli(capsys, "rbac", "paths", RBAC, "-s", "Group:ci-maintainers", "-o", "json")
    as_argument = run_cli(capsys, "rbac", "paths", "Group:ci-maintainers", RBAC, "-o", "json")
    assert as_argument == as_option
    assert [p["subject"]["name"] for p in json.loads(as_argument.out)["paths"]] == ["ci-maintainers"]


def test_paths_from_a_subject_without_one_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "paths", RBAC, "-s", "User:prober")
    assert (outcome.code, outcome.out.strip()) == (0, "no subject can become cluster-admin from those given")


def test_with_defaults_supplies_the_default_policy(capsys: pytest.CaptureFixture[str]) -> None:
    # system:basic-user lets every authenticated user ask about its own permissions
    args = ("rbac", "can-i", "create", "selfsubjectaccessreviews.authorization.k8s.io", RBAC, "--as", "eve")
    assert run_cli(capsys, *args).code == 1
    assert run_cli(capsys, *args, "--with-defaults", "1.31").code == 0


def test_input_errors_are_shown_and_the_valid_objects_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Role\nmetadata: {name: [\n")
    outcome = run_cli(capsys, "rbac", "can-i", "get", "/healthz", RBAC, str(broken), "--as", "prober")
    assert outcome.code == 0
    assert f"input error: {broken}:" in " ".join(outcome.err.split())
