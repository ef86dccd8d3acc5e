"""The client-certificate AUTHN controls (KW-AUTHN-001 to 009, controls/authn.py) against
tests/data/controls/authn.yaml; certificates are built in the test and put where the
case's input says ``{{name}}``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import scan_text
from control_cases import Case, case_id, check_case, load_cases
from kubeward.controls.catalogue import all_controls
from kubeward.controls.settings import Settings
from unit.engines.authn.certs import b64

MINE = {f"KW-AUTHN-{number:03d}" for number in range(1, 10)}
CASES = [case for case in load_cases("AUTHN") if case["control"] in MINE]


def _filled(case: Case) -> Case:
    text = case["input"]
    for name, spec in (case.get("certs") or {}).items():
        text = text.replace("{{" + name + "}}", b64(spec))
    assert "{{" not in text, "a placeholder names no certificate"
    return {**case, "input": text}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_authn_control(case: Case) -> None:
    check_case(_filled(case))


def test_every_certificate_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    ids = [control.id for control in all_controls() if control.id in MINE]
    assert ids
    for control_id in ids:
        mine = [case for case in CASES if case["control"] == control_id]
        assert any(case["expect"] for case in mine), f"{control_id} has no case that reports"
        assert any(not case["expect"] for case in mine), f"{control_id} has no case that passes"


def test_expiry_is_judged_at_the_scans_time() -> None:
    data = b64({"cn": "a", "not_before": "2025-01-01"})
    text = (
        f"apiVersion: v1\nkind: Config\nusers:\n- {{name: a, user: {{client-certificate-data: '{data}'}}}}\n"
    )
    before = scan_text(text, ["KW-AUTHN-004"], settings=Settings(now=datetime(2025, 6, 1, tzinfo=UTC)))
    after = scan_text(text, ["KW-AUTHN-004"], settings=Settings(now=datetime(2026, 6, 1, tzinfo=UTC)))
    assert [finding.reason for finding in before.findings] == []
    assert [finding.reason for finding in after.findings] == ["expired-certificate"]
