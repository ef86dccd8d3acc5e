"""The NS controls against the table of cases in tests/data/controls/ns.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import scan_text
from kubeward.controls.catalogue import all_controls
from kubeward.controls.settings import Settings

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[2] / "data/controls/ns.yaml").read_text()
)


def _settings(case: dict[str, Any]) -> Settings:
    raw = case.get("settings") or {}
    if "system_namespaces" in raw:
        return Settings(system_namespaces=frozenset(raw["system_namespaces"]))
    return Settings()


@pytest.mark.parametrize("case", CASES, ids=[f"{case['control']}: {case['name']}" for case in CASES])
def test_ns_control(case: dict[str, Any]) -> None:
    result = scan_text(
        case["input"],
        [case["control"]],
        namespace=case.get("namespace"),
        whole_cluster=case.get("whole_cluster"),
        settings=_settings(case),
    )
    found = [[str(finding.ref), finding.reason, finding.detail] for finding in result.findings]
    assert found == case["expect"]
    assert all(finding.control_id == case["control"] for finding in result.findings)


def test_every_ns_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    for control in all_controls():
        if control.section != "NS":
            continue
        cases = [case for case in CASES if case["control"] == control.id]
        assert any(case["expect"] for case in cases), f"{control.id} has no case that reports"
        assert any(not case["expect"] for case in cases), f"{control.id} has no case that passes"


def test_ns_005_evidence_names_each_limit_range_and_what_it_supplies() -> None:
    result = scan_text(
        """
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-defaults, namespace: data}
spec: {limits: [{type: Container, default: {cpu: 500m}}]}
---
apiVersion: v1
kind: LimitRange
metadata: {name: pod-max, namespace: data}
spec: {limits: [{type: Pod, max: {memory: 2Gi}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: data}
spec: {containers: [{name: c, image: busybox:1.36}]}
""",
        ["KW-NS-005"],
    )
    [finding] = result.findings
    assert finding.why == (
        "LimitRange data/cpu-defaults: supplies some Container defaults",
        "LimitRange data/pod-max: no Container defaults",
    )
    assert finding.paths == (("spec", "containers", 0, "resources"),)
