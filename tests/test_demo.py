"""The bundled demo cluster: it loads cleanly, is a whole-cluster state, and every NS, RBAC,
POD, NET and AUTHN control reports exactly the problems planted in it (golden files)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import kubeward
from cli_helpers import run_cli
from golden import check_golden
from kubeward.controls.settings import Settings

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "examples" / "demo-cluster"
# certificate expiry is judged at a fixed time, so the golden findings do not age
DEMO_SETTINGS = Settings(now=datetime(2026, 11, 27, tzinfo=UTC))


@pytest.fixture(scope="module")
def inputs() -> kubeward.Inputs:
    return kubeward.load([str(DEMO)])


def test_the_demo_loads_without_input_errors(inputs: kubeward.Inputs) -> None:
    assert inputs.errors == []
    assert inputs.snapshot.whole_cluster
    assert len(inputs.snapshot.workloads) >= 30
    assert len(inputs.snapshot.kubeconfigs) == 1


def test_the_live_dump_is_reported_once_on_its_deployment(inputs: kubeward.Inputs) -> None:
    [workload] = [w for w in inputs.snapshot.workloads if w.ref.name == "recommendations"]
    assert workload.ref.kind == "Deployment" and workload.owner_in_input
    assert sorted(member.ref.kind for member in workload.members) == [
        "Deployment",
        "Pod",
        "Pod",
        "ReplicaSet",
    ]


@pytest.mark.parametrize("section", ["NS", "RBAC", "POD", "NET", "AUTHN"])
def test_the_demo_findings_are_the_planted_ones(inputs: kubeward.Inputs, section: str) -> None:
    result = kubeward.scan(inputs.snapshot, settings=DEMO_SETTINGS)
    findings = [
        {
            "control": finding.control_id,
            # a kubeconfig (kind Config) is named by its file: relative, as "file" is
            "object": str(finding.ref).replace(f"{DEMO}/", ""),
            "file": str(Path(finding.origin.file).relative_to(DEMO)) if finding.origin else None,
            "detail": finding.detail,
        }
        for finding in result.findings
        if finding.control_id.startswith(f"KW-{section}-")
    ]
    golden = ROOT / f"tests/data/golden/demo-{section.lower()}-findings.json"
    check_golden(golden, json.dumps(findings, indent=2) + "\n")


def test_the_demo_paths_to_cluster_admin(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rbac", "paths", str(DEMO), "-o", "json")
    chains = {
        path["subject"]["name"]: [step["to"].get("name", "cluster-admin") for step in path["steps"]]
        for path in json.loads(outcome.out)["paths"]
    }
    assert chains == {
        "alice@example.com": ["cluster-admin"],
        "ci-maintainers": ["deployer", "cluster-admin"],
        "deployer": ["cluster-admin"],
        "ops-admins": ["cluster-admin"],
        "team-leads": ["cluster-admin"],
    }
