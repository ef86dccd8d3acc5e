"""The OIDC AUTHN controls (KW-AUTHN-2xx) against tests/data/controls/authn_oidc.yaml, and
the demo cluster's planted OIDC problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeward
from control_cases import Case, case_id, check_case
from kubeward.controls.catalogue import all_controls
from kubeward.controls.settings import Settings

DATA = Path(__file__).parents[2] / "data/controls/authn_oidc.yaml"
CASES: list[Case] = []
for _case in yaml.safe_load(DATA.read_text()):
    if not isinstance(_case["input"], str):  # YAML anchors share an object, not text
        _case["input"] = yaml.safe_dump(_case["input"])
    CASES.append(_case)
IDS = [c.id for c in all_controls() if c.id.startswith("KW-AUTHN-2")]
DEMO = Path(__file__).parents[3] / "examples/demo-cluster"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_authn_oidc_control(case: Case) -> None:
    check_case(case)


def test_every_oidc_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    assert len(IDS) == 6
    for control_id in IDS:
        mine = [case for case in CASES if case["control"] == control_id]
        assert any(case["expect"] for case in mine), control_id
        assert any(not case["expect"] for case in mine), control_id


def _demo_findings() -> list[tuple[str, str, Any]]:
    inputs = kubeward.load([str(DEMO)])
    chosen = [c for c in all_controls() if c.id in IDS]
    result = kubeward.scan(inputs.snapshot, chosen, Settings())
    return [(f.control_id, str(f.ref), f.reason) for f in result.findings]


def test_demo_cluster() -> None:
    # The flags map IdP groups unprefixed (planted) and take email usernames without
    # email_verified; the staged AuthenticationConfiguration is clean.
    assert _demo_findings() == [
        ("KW-AUTHN-202", "Pod kube-system/kube-apiserver-cp-1", "oidc-groups-not-prefixed"),
        ("KW-AUTHN-205", "Pod kube-system/kube-apiserver-cp-1", "oidc-email-not-verified"),
    ]
