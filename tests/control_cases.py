"""Tables of control cases (tests/data/controls/<section>.yaml): each case runs one control
over ``input`` (a YAML stream) and expects exactly ``expect`` ([object, reason, detail], in
order). Optional: ``namespace`` (scan as ``-n``), ``whole_cluster`` (true/false; default:
detect), ``settings`` (``system_namespaces``, ``include_system_rbac``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from conftest import scan_text
from kubeward.controls.catalogue import all_controls
from kubeward.controls.settings import DEFAULT_SYSTEM_NAMESPACES, Settings

Case = dict[str, Any]


def load_cases(section: str) -> list[Case]:
    path = Path(__file__).parent / "data/controls" / f"{section.lower()}.yaml"
    cases: list[Case] = yaml.safe_load(path.read_text())
    return cases


def case_id(case: Case) -> str:
    return f"{case['control']}: {case['name']}"


def check_case(case: Case) -> None:
    raw = case.get("settings") or {}
    settings = Settings(
        system_namespaces=frozenset(raw.get("system_namespaces", DEFAULT_SYSTEM_NAMESPACES)),
        include_system_rbac=bool(raw.get("include_system_rbac", False)),
        now=datetime.fromisoformat(raw["now"]) if "now" in raw else None,
    )
    result = scan_text(
        case["input"],
        [case["control"]],
        namespace=case.get("namespace"),
        whole_cluster=case.get("whole_cluster"),
        settings=settings,
    )
    assert result.errors == ()
    found = [[str(finding.ref), finding.reason, finding.detail] for finding in result.findings]
    assert found == case["expect"]
    assert all(finding.control_id == case["control"] for finding in result.findings)


def check_coverage(section: str, cases: list[Case]) -> None:
    """Every control of the section has a case that reports and one that passes."""
    ids = [control.id for control in all_controls() if control.section == section]
    assert ids
    for control_id in ids:
        mine = [case for case in cases if case["control"] == control_id]
        assert any(case["expect"] for case in mine), f"{control_id} has no case that reports"
        assert any(not case["expect"] for case in mine), f"{control_id} has no case that passes"
