"""Running controls: scores, ordering, de-duplication and internal errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import kubeward
from conftest import load_text
from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import REGISTRY, Control
from kubeward.controls.run import run
from kubeward.controls.settings import Settings
from kubeward.k8s.objects import GroupKind, ObjectRef
from kubeward.snapshot.snapshot import Snapshot

NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: c}
---
apiVersion: v1
kind: Namespace
metadata: {name: d}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: a}
spec: {hard: {pods: "1"}}
"""


def _fake(control_id: str, severity: Severity, findings: list[Finding], subjects: int) -> Control:
    def check(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
        """Fake."""
        yield from findings

    return Control(
        control_id,
        "t",
        control_id.split("-")[1],
        severity,
        check,
        lambda s, _: [ObjectRef("X", str(i)) for i in range(subjects)],
        "r",
        "f",
        (),
        "rule",
    )


def test_scores_are_the_share_of_evaluated_objects_without_findings() -> None:
    snapshot = load_text(NAMESPACES).snapshot
    result = kubeward.scan(snapshot, [REGISTRY["KW-NS-003"], REGISTRY["KW-NS-004"]])
    [no_quota, bounds] = result.results
    assert (no_quota.subjects, no_quota.failing, no_quota.score) == (4, 3, 25.0)
    assert (bounds.subjects, bounds.failing, bounds.score) == (1, 1, 0.0)
    assert result.section_scores() == {"NS": 12.5}
    assert result.overall_score() == 12.5


def test_weights_follow_severity_and_info_or_empty_controls_do_not_count() -> None:
    ref = ObjectRef("X", "0")
    high = _fake("KW-NS-901", Severity.HIGH, [Finding("KW-NS-901", ref, None, "r", "d")], 2)  # 50
    low = _fake("KW-NS-902", Severity.LOW, [], 3)  # 100
    info = _fake("KW-NS-903", Severity.INFO, [Finding("KW-NS-903", ref, None, "r", "d")], 1)  # 0, weight 0
    empty = _fake("KW-RBAC-904", Severity.CRITICAL, [], 0)  # nothing evaluated
    result = run(Snapshot(()), [high, low, info, empty])
    assert result.section_scores() == {"NS": pytest.approx((4 * 50 + 1 * 100) / 5), "RBAC": None}
    assert result.overall_score() == pytest.approx(60.0)


def test_findings_are_ordered_by_severity_then_control_then_object_and_deduplicated() -> None:
    refs = [ObjectRef("X", name) for name in ("b", "a")]
    low = _fake("KW-NS-901", Severity.LOW, [Finding("KW-NS-901", r, None, "r", "d") for r in refs * 2], 2)
    high = _fake("KW-NS-902", Severity.HIGH, [Finding("KW-NS-902", refs[0], None, "r", "d")], 2)
    result = run(Snapshot(()), [low, high])
    assert [(f.control_id, f.ref.name) for f in result.findings] == [
        ("KW-NS-902", "b"),
        ("KW-NS-901", "a"),
        ("KW-NS-901", "b"),
    ]


def test_a_failing_control_is_reported_and_the_others_still_run() -> None:
    def broken(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
        """Broken."""
        raise KeyError("spec")

    bad = Control("KW-NS-901", "t", "NS", Severity.HIGH, broken, lambda s, _: [], "r", "f", (), "rule")
    good = _fake("KW-NS-902", Severity.LOW, [], 1)
    result = run(Snapshot(()), [bad, good])
    assert result.results[0].error is not None
    assert result.results[0].error.startswith("internal error: KeyError: 'spec' (")
    assert result.errors == (f"KW-NS-901: {result.results[0].error}",)
    assert result.results[1].score == 100.0


DUMP_WITHOUT_QUOTAS = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: default}}
- {apiVersion: v1, kind: Namespace, metadata: {name: kube-system}}
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
"""


def test_a_dump_without_any_quota_cannot_say_namespaces_lack_one() -> None:
    """``kubectl get -A -o yaml ns,deploy,pods`` holds no ResourceQuota: not read is not
    absent, so KW-NS-003 is not evaluated (and says why) rather than reporting every
    namespace."""
    snapshot = load_text(DUMP_WITHOUT_QUOTAS).snapshot
    assert snapshot.whole_cluster and not snapshot.knows_all(GroupKind("", "ResourceQuota"))
    [result] = kubeward.scan(snapshot, [REGISTRY["KW-NS-003"]]).results
    assert result.findings == () and result.score is None
    assert (
        result.skipped == "not evaluated: the input does not hold every ResourceQuota (see --whole-cluster)"
    )


def test_whole_cluster_declared_means_every_kind_is_complete() -> None:
    snapshot = load_text(DUMP_WITHOUT_QUOTAS, whole_cluster=True).snapshot
    [result] = kubeward.scan(snapshot, [REGISTRY["KW-NS-003"]]).results
    assert result.skipped is None
    assert [str(f.ref) for f in result.findings] == ["Namespace default", "Namespace shop"]
