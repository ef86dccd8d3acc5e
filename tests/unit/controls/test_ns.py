"""The NS controls against the table of cases in tests/data/controls/ns.yaml."""

from __future__ import annotations

import pytest

from conftest import scan_text
from control_cases import Case, case_id, check_case, check_coverage, load_cases

CASES = load_cases("NS")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ns_control(case: Case) -> None:
    check_case(case)


def test_every_ns_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    check_coverage("NS", CASES)


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
