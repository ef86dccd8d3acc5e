"""``kubeward pods check`` and ``kubeward pods dry-run-label`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import run_cli

DATA = Path(__file__).parents[1] / "data/cli/pods"
CLUSTER = str(DATA / "cluster.yaml")


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    outcome = run_cli(capsys, "pods", "check", CLUSTER, "-o", "json", *args)
    return outcome.code, json.loads(outcome.out)


def _summary(report: dict[str, Any]) -> list[tuple[str, bool, list[str]]]:
    return [
        (result["object"]["name"], result["allowed"], [v["check"] for v in result["violations"]])
        for result in report["results"]
    ]


def test_check_at_namespace_labels_enforces_pods_and_judges_templates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = _check(capsys)
    assert code == 1
    assert _summary(report) == [
        ("sniffer", False, ["hostNamespaces"]),
        ("shop", False, ["capabilities_baseline"]),
        ("migrate", True, []),
        ("crm-0", True, []),
        ("crm-1", True, []),
        ("sandboxed", True, []),
        ("crm", True, []),
        ("canary", False, ["privileged"]),
    ]
    sniffer, shop, migrate = report["results"][:3]
    assert sniffer["object"] == {"kind": "Pod", "namespace": "web", "name": "sniffer"}
    assert sniffer["origin"] == {"file": CLUSTER, "document": 2, "line": 16}
    assert sniffer["violations"] == [
        {"check": "hostNamespaces", "reason": "host namespaces", "detail": "hostNetwork=true"}
    ]
    assert sniffer["policy"] == {
        "enforce": "baseline:v1.30",
        "audit": "restricted:latest",
        "warn": "baseline:v1.30",
        "source": "labels of namespace 'web'",
        "errors": [],
    }
    assert sniffer["admission"] == "rejected (audit annotation recorded)"
    assert [(m["mode"], m["applied"], m["allowed"]) for m in shop["modes"]] == [
        ("enforce", False, False),
        ("audit", True, False),
        ("warn", True, False),
    ]
    assert shop["admission"] == (
        "admitted with audit and warn violations; the pods it creates would be rejected"
    )
    assert migrate["admission"] == "admitted with audit violations"
    canary = report["results"][-1]
    assert canary["admission"] == (
        "admitted (Pod Security does not evaluate this kind); the pods it creates would be rejected"
    )


@pytest.mark.parametrize(
    ("level", "version", "code", "expected"),
    [
        (
            "baseline",
            None,
            1,
            [
                ("sniffer", False, ["hostNamespaces"]),
                ("shop", False, ["capabilities_baseline"]),
                ("migrate", True, []),
                ("crm-0", False, ["privileged"]),
                ("crm-1", False, ["privileged"]),
                ("sandboxed", False, ["privileged"]),
                ("crm", True, []),
                ("canary", False, ["privileged"]),
            ],
        ),
        (
            "restricted",
            "v1.21",
            1,
            [
                (
                    "sniffer",
                    False,
                    [
                        "hostNamespaces",
                        "allowPrivilegeEscalation",
                        "runAsNonRoot",
                        "seccompProfile_restricted",
                    ],
                ),
                (
                    "shop",
                    False,
                    [
                        "capabilities_baseline",
                        "allowPrivilegeEscalation",
                        "runAsNonRoot",
                        "seccompProfile_restricted",
                    ],
                ),
                ("migrate", False, ["allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"]),
                (
                    "crm-0",
                    False,
                    ["privileged", "allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"],
                ),
                (
                    "crm-1",
                    False,
                    ["privileged", "allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"],
                ),
                (
                    "sandboxed",
                    False,
                    ["privileged", "allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"],
                ),
                ("crm", True, []),
                (
                    "canary",
                    False,
                    ["privileged", "allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"],
                ),
            ],
        ),
        ("privileged", None, 0, None),
    ],
)
def test_check_at_a_level(
    capsys: pytest.CaptureFixture[str], level: str, version: str | None, code: int, expected: Any
) -> None:
    args = ["--level", level, *(["--version", version] if version else [])]
    got, report = _check(capsys, *args)
    assert got == code
    if expected is not None:
        assert _summary(report) == expected
    assert {result["policy"]["level"] for result in report["results"]} == {f"{level}:{version or 'latest'}"}


def test_admission_config_defaults_and_exempt_runtime_classes(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _check(capsys, "--admission-config", str(DATA / "admission-path.yaml"))
    assert code == 1
    by_name = {result["object"]["name"]: result for result in report["results"]}
    # an unlabelled namespace takes the configured default: enforce baseline
    assert by_name["crm-0"]["policy"]["enforce"] == "baseline:latest"
    assert not by_name["crm-0"]["allowed"]
    assert (
        by_name["sandboxed"]["allowed"]
        and by_name["sandboxed"]["exempt"] == "runtimeClassName 'kata' is exempt"
    )
    assert report["notes"] == [
        "exemptions.usernames (system:serviceaccount:ci:deployer) apply to the user making a request;"
        " manifests have none, so they are not applied"
    ]


def test_admission_configuration_with_an_inline_plugin_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, report = _check(capsys, "--admission-config", str(DATA / "admission-inline.yaml"))
    exempt = {result["object"]["name"] for result in report["results"] if result["exempt"]}
    assert exempt == {"crm-0", "crm-1", "sandboxed", "crm"}


def test_a_bad_admission_config_is_a_usage_error_naming_file_and_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome = run_cli(capsys, "pods", "check", CLUSTER, "--admission-config", str(DATA / "bad-config.yaml"))
    bad = str(DATA / "bad-config.yaml")
    assert outcome.code == 2
    assert f'{bad}:9: plugins[0].configuration.defaults.enforce: Invalid value: "strict"' in outcome.err
    assert (
        f'{bad}:11: plugins[0].configuration.exemptions.namespaces[0]: Invalid value: "Legacy"' in outcome.err
    )
    # printed as it is, not as rich markup
    assert "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" in outcome.err
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "v1.30"], "--version needs --level"),
        (["--level", "baseline", "--version", "1.30"], "invalid version '1.30'"),
    ],
)
def test_check_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    outcome = run_cli(capsys, "pods", "check", CLUSTER, *args)
    assert outcome.code == 2
    assert message in outcome.err


def test_check_table_names_each_object_and_its_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "check", CLUSTER)
    assert outcome.code == 1
    assert "Pod web/sniffer" in outcome.out and "rejected" in outcome.out
    assert "Deployment web/shop" in outcome.out and "Job web/migrate" in outcome.out


def test_dry_run_label_lists_pods_and_workloads_that_break(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys, "pods", "dry-run-label", "-n", "web", "--level", "restricted", CLUSTER, "-o", "json"
    )
    assert outcome.code == 1
    report = json.loads(outcome.out)
    assert report["warnings"] == [
        'existing pods in namespace "web" violate the new PodSecurity enforce level "restricted:latest"',
        "sniffer: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities,"
        " runAsNonRoot != true, seccompProfile",
    ]
    assert report["current"] == {
        "enforce": "baseline:v1.30",
        "audit": "restricted:latest",
        "warn": "baseline:v1.30",
    }
    assert [entry["object"]["name"] for entry in report["pods"]] == ["sniffer"]
    assert [entry["object"]["name"] for entry in report["workloads"]] == ["shop", "migrate", "canary"]
    assert report["breaks"] is True


def test_dry_run_label_groups_pods_by_reason_and_skips_exempt_runtime_classes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome = run_cli(
        capsys,
        "pods",
        "dry-run-label",
        "-n",
        "legacy",
        "--level",
        "restricted",
        CLUSTER,
        "--admission-config",
        str(DATA / "psa-config.yaml"),
    )
    assert outcome.code == 1
    assert (
        'Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level'
        in outcome.out
    )
    assert "crm-0 (and 1 other pod): privileged, allowPrivilegeEscalation != false" in outcome.out


def test_dry_run_label_of_the_enforce_policy_already_in_force_has_no_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ValidateNamespace dry-runs no pod when the enforce policy does not change (here: the
    configured default, baseline:latest), though the pods still violate it."""
    outcome = run_cli(
        capsys,
        "pods",
        "dry-run-label",
        "-n",
        "legacy",
        "--level",
        "baseline",
        CLUSTER,
        "--admission-config",
        str(DATA / "psa-config.yaml"),
        "-o",
        "json",
    )
    assert outcome.code == 1
    report = json.loads(outcome.out)
    assert report["warnings"] == []
    assert "namespace 'legacy' already enforces baseline:latest" in report["notes"]
    assert [entry["object"]["name"] for entry in report["pods"]] == ["crm-0", "crm-1"]


def test_dry_run_label_on_an_exempt_namespace_breaks_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys,
        "pods",
        "dry-run-label",
        "-n",
        "legacy",
        "--level",
        "restricted",
        CLUSTER,
        "--admission-config",
        str(DATA / "admission-inline.yaml"),
        "-o",
        "json",
    )
    report = json.loads(outcome.out)
    assert outcome.code == 0
    assert report["breaks"] is False
    assert report["notes"] == ["namespace 'legacy' is exempt: Pod Security ignores its labels"]
    assert report["warnings"] == [
        'namespace "legacy" is exempt from Pod Security, and the policy (enforce=restricted:latest)'
        " will be ignored"
    ]


def test_dry_run_label_when_nothing_breaks(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "pods", "dry-run-label", "-n", "web", "--level", "privileged", CLUSTER)
    assert outcome.code == 0
    assert outcome.out.strip() == "nothing in namespace 'web' breaks if it enforces privileged:latest"


def test_an_unreadable_input_exits_2_after_reporting_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n")
    outcome = run_cli(capsys, "pods", "check", CLUSTER, str(broken), "-o", "json")
    assert outcome.code == 2
    assert f"{broken}:" in outcome.err
    assert len(json.loads(outcome.out)["results"]) == 8
