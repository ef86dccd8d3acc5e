"""Which PodSecurityPolicies API validation refused (cases in tests/data/psp/validation.yaml):
they are reported as invalid and never admit a pod."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.podsec import psp

TABLE = yaml.safe_load((Path(__file__).parents[3] / "data/psp/validation.yaml").read_text())


def _policy(case: dict[str, Any]) -> psp.CompiledPolicy:
    metadata = {"annotations": case.get("annotations", {})}
    return psp.compile_policy("p", {"metadata": metadata, "spec": {**TABLE["base"], **case.get("spec", {})}})


@pytest.mark.parametrize("case", TABLE["cases"], ids=[case["name"] for case in TABLE["cases"]])
def test_policy_problems(case: dict[str, Any]) -> None:
    assert list(_policy(case).problems) == case["problems"]


@pytest.mark.parametrize("case", TABLE["cases"][1:], ids=[case["name"] for case in TABLE["cases"][1:]])
def test_an_invalid_policy_admits_nothing(case: dict[str, Any]) -> None:
    spec = {"automountServiceAccountToken": False, "containers": [{"name": "c"}]}
    admission = psp.admit({}, spec, "ns", [_policy(case)], lambda *_: "allowed")
    expected_invalid = (("p", tuple(case["problems"])),) if case["problems"] else ()
    assert admission.invalid == expected_invalid
    assert admission.allowed == (not case["problems"])
