"""Every PodSecurityPolicy field on one pod, with upstream's exact errors and mutations
(cases in tests/data/psp/fields.yaml, ported from the 1.24 provider and strategy tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.podsec import psp

TABLE = yaml.safe_load((Path(__file__).parents[3] / "data/psp/fields.yaml").read_text())


def _policy(case: dict[str, Any]) -> psp.CompiledPolicy:
    spec = {**TABLE["base_psp"], **case.get("psp", {})}
    spec = {key: value for key, value in spec.items() if value is not None}
    body = {"metadata": {"name": "p", "annotations": case.get("psp_annotations", {})}, "spec": spec}
    return psp.compile_policy("p", body)


@pytest.mark.parametrize("case", TABLE["cases"], ids=[case["name"] for case in TABLE["cases"]])
def test_policy_on_pod(case: dict[str, Any]) -> None:
    policy = _policy(case)
    assert list(policy.problems) == case.get("problems", [])  # API validation (admit leaves these out)
    pod = case.get("pod", {})
    spec = {**TABLE["base_spec"], **pod.get("spec", {})}
    metadata = {"annotations": pod.get("annotations", {})}
    errors, mutations = psp.check(policy, metadata, spec, mutate=not case.get("validate_only", False))
    assert [str(error) for error in errors] == case["errors"]
    assert {m.path: m.value for m in mutations} == case.get("mutations", {})


def test_cases_have_unique_names() -> None:
    names = [case["name"] for case in TABLE["cases"]]
    assert len(names) == len(set(names))
