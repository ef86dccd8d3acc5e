"""Suppressions say what they did: annotations, configuration rules (with expiry), baselines."""

from __future__ import annotations

import datetime
import hashlib

import pytest

import kubeward
from conftest import load_text
from kubeward.controls import suppress
from kubeward.controls.finding import Finding
from kubeward.controls.registry import REGISTRY
from kubeward.controls.suppress import (
    IgnoreRule,
    Suppressions,
    annotation_ids,
    parse_baseline,
    parse_ignore_rules,
)
from kubeward.k8s.objects import ObjectRef

TODAY = datetime.date(2026, 11, 27)

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  annotations: {annotations}
spec: {{template: {{spec: {{containers: [{{name: c, image: nginx:1.27}}]}}}}}}
"""


def _scan(annotations: str, suppressions: Suppressions | None = None) -> kubeward.ScanResult:
    inputs = load_text(DEPLOYMENT.format(annotations=annotations))
    return kubeward.scan(
        inputs.snapshot, [REGISTRY["KW-NS-001"], REGISTRY["KW-NS-005"]], suppressions=suppressions
    )


def test_annotation_suppresses_the_named_controls_with_its_reason() -> None:
    result = _scan('{kubeward.io/ignore: "KW-NS-001", kubeward.io/ignore-reason: "legacy app, JIRA-1"}')
    assert [f.control_id for f in result.findings] == ["KW-NS-005"]
    [hidden] = result.suppressed
    assert (hidden.finding.control_id, hidden.by, hidden.reason) == (
        "KW-NS-001",
        "annotation",
        "legacy app, JIRA-1",
    )
    assert result.annotation_problems == () and result.notes == ()


def test_section_wildcards_in_annotations() -> None:
    result = _scan('{kubeward.io/ignore: "kw-ns-*", kubeward.io/ignore-reason: "sandbox"}')
    assert result.findings == ()
    assert {s.finding.control_id for s in result.suppressed} == {"KW-NS-001", "KW-NS-005"}


def test_unknown_and_malformed_ids_are_problems_not_silence() -> None:
    result = _scan('{kubeward.io/ignore: "KW-NS-999, nonsense", kubeward.io/ignore-reason: "typo"}')
    assert sorted(p.message for p in result.annotation_problems) == [
        "kubeward.io/ignore: 'NONSENSE' is not a control ID",
        "kubeward.io/ignore: no control KW-NS-999 exists",
    ]
    assert len(result.findings) == 2


def test_a_suppression_without_a_reason_is_honoured_with_a_note() -> None:
    result = _scan('{kubeward.io/ignore: "KW-NS-001"}')
    assert [f.control_id for f in result.findings] == ["KW-NS-005"]
    assert result.notes == (
        "Deployment.apps default/web suppresses KW-NS-001 without kubeward.io/ignore-reason",
    )


def test_config_rules_match_patterns_and_expire() -> None:
    rules = parse_ignore_rules(
        [
            {"id": "KW-NS-005", "namespace": "def*", "kind": "deployment", "reason": "accepted"},
            {"ids": ["KW-NS-001"], "name": "web", "reason": "old", "expires": "2026-01-31"},
            {"id": "KW-NS-*", "name": "wbe", "reason": "a typo in the name"},
        ],
        ".kubeward.yaml",
        REGISTRY,
    )
    result = _scan("{}", Suppressions(rules=rules, today=TODAY))
    assert [f.control_id for f in result.findings] == ["KW-NS-001"]
    assert [(s.finding.control_id, s.by, s.reason) for s in result.suppressed] == [
        ("KW-NS-005", "config", "accepted")  # kinds match as kubectl takes them, in any case
    ]
    assert result.notes == (
        "ignore rule #1 (KW-NS-001) expired on 2026-01-31; its findings are shown again",
        "ignore rule #2 (KW-NS-*) matched no finding",
    )


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("KW-NS-001", "'ignore' must be a list"),
        ([{"id": "KW-NS-001"}], "'reason' is required"),
        ([{"reason": "x"}], "'id' \\(or 'ids'\\) must name at least one control"),
        ([{"id": "NS-1", "reason": "x"}], "not a control ID: NS-1"),
        ([{"id": "KW-NS-001", "reason": "x", "expires": "tomorrow"}], "'expires' must be a date"),
        ([{"id": "KW-NS-001", "reason": "x", "until": "2027-01-01"}], "unknown field\\(s\\) until"),
        ([{"id": "KW-NS-001", "reason": "x", "namespace": 3}], "'namespace' must be a string"),
        ([{"id": "KW-NS-099", "reason": "x"}], "no control KW-NS-099 exists"),
        ([{"id": "KW-POD-*", "reason": "x"}], "no control KW-POD-\\* exists"),
    ],
)
def test_bad_config_rules_are_refused(entries: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_ignore_rules(entries, "cfg", ["KW-NS-001", "KW-NS-005"])


def test_baseline_hides_known_findings_only() -> None:
    first = _scan("{}")
    old = {"findings": [{"fingerprint": first.findings[0].fingerprint}]}
    result = _scan("{}", Suppressions(baseline=parse_baseline(old, "old.json")))
    assert [f.control_id for f in result.findings] == [first.findings[1].control_id]
    assert [(s.by, s.finding.fingerprint) for s in result.suppressed] == [
        ("baseline", first.findings[0].fingerprint)
    ]


@pytest.mark.parametrize("report", [[], {"findings": "x"}, {"findings": [{"control": "KW-NS-001"}]}])
def test_bad_baselines_are_refused(report: object) -> None:
    with pytest.raises(ValueError, match=r"old\.json"):
        parse_baseline(report, "old.json")


def test_fingerprints_are_stable_and_distinguish_keys() -> None:
    ref = ObjectRef("Deployment", "web", "default", "apps")
    a = Finding("KW-NS-001", ref, None, "r", "detail one")
    b = Finding("KW-NS-001", ref, None, "r", "detail changed in a later version")
    c = Finding("KW-NS-001", ref, None, "r", "detail one", key="container-b")
    assert a.fingerprint == b.fingerprint != c.fingerprint
    expected = hashlib.sha256(b"KW-NS-001|apps|Deployment|default|web|").hexdigest()[:32]
    assert a.fingerprint == expected


def test_annotation_ids() -> None:
    assert annotation_ids(" kw-ns-001,KW-NS-002  KW-RBAC-* x ") == (
        ["KW-NS-001", "KW-NS-002", "KW-RBAC-*"],
        ["X"],
    )
    assert suppress.unknown_ids(["KW-NS-001", "KW-NS-*", "KW-MESH-*"], ["KW-NS-001"]) == ["KW-MESH-*"]


def test_rule_matching() -> None:
    rule = IgnoreRule(("KW-NS-00*",), "r", namespace="team-*", kind="*", name="api")
    ref = ObjectRef("Deployment", "api", "team-a", "apps")
    assert rule.matches(Finding("KW-NS-005", ref, None, "r", "d"))
    assert not rule.matches(Finding("KW-NS-010", ref, None, "r", "d"))
    assert not rule.matches(
        Finding("KW-NS-005", ObjectRef("Deployment", "api", "prod", "apps"), None, "r", "d")
    )
