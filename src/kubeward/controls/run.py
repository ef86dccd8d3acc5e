"""Run the selected controls over a snapshot: findings, suppressions and scores.

A control that raises is a kubeward bug, never the user's: its error is recorded on its
result (and reported) while every other control still runs.

Scores: a control's score is the share of the objects it evaluated (its scope) that have
no reported finding; a section's score is the severity-weighted mean of its controls'
scores (critical 8, high 4, medium 2, low 1, info 0), over controls that evaluated
something; the overall score is the same mean over all controls. Suppressed findings do
not count against a score.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kubeward.controls import suppress
from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import REGISTRY, Control
from kubeward.controls.settings import Settings
from kubeward.snapshot.snapshot import KubeObject, Snapshot

__all__ = ["SEVERITY_WEIGHTS", "AnnotationProblem", "ControlResult", "ScanResult", "run"]

SEVERITY_WEIGHTS: Mapping[Severity, int] = {
    Severity.CRITICAL: 8,
    Severity.HIGH: 4,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


@dataclass(frozen=True)
class ControlResult:
    control: Control
    subjects: int
    findings: tuple[Finding, ...]
    suppressed: tuple[suppress.Suppressed, ...]
    error: str | None = None
    skipped: str | None = None

    @property
    def failing(self) -> int:
        return min(self.subjects, len({finding.ref for finding in self.findings})) if self.subjects else 0

    @property
    def score(self) -> float | None:
        if self.error is not None or self.skipped is not None or not self.subjects:
            return None
        return 100.0 * (self.subjects - self.failing) / self.subjects


@dataclass(frozen=True, slots=True)
class AnnotationProblem:
    """A ``kubeward.io/ignore`` annotation that names no control (so it suppresses nothing)."""

    obj: KubeObject
    message: str


@dataclass(frozen=True)
class ScanResult:
    results: tuple[ControlResult, ...]
    annotation_problems: tuple[AnnotationProblem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Unsuppressed findings: most severe first, then by control, object and key."""
        ordered = [
            (result.control.severity, finding) for result in self.results for finding in result.findings
        ]
        ordered.sort(key=lambda item: (-item[0], item[1].control_id, item[1].ref, item[1].key))
        return tuple(finding for _, finding in ordered)

    @property
    def suppressed(self) -> tuple[suppress.Suppressed, ...]:
        return tuple(item for result in self.results for item in result.suppressed)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{r.control.id}: {r.error}" for r in self.results if r.error is not None)

    def section_scores(self) -> dict[str, float | None]:
        sections: dict[str, list[ControlResult]] = {}
        for result in self.results:
            sections.setdefault(result.control.section, []).append(result)
        return {section: _weighted(results) for section, results in sections.items()}

    def overall_score(self) -> float | None:
        return _weighted(self.results)


def _weighted(results: Iterable[ControlResult]) -> float | None:
    total = weight_sum = 0.0
    for result in results:
        score = result.score
        weight = SEVERITY_WEIGHTS[result.control.severity]
        if score is None or not weight:
            continue
        total += weight * score
        weight_sum += weight
    return total / weight_sum if weight_sum else None


def run(
    snapshot: Snapshot,
    controls: Iterable[Control],
    settings: Settings = Settings(),
    suppressions: suppress.Suppressions | None = None,
) -> ScanResult:
    suppressions = suppressions or suppress.Suppressions()
    annotations_of = _annotation_lookup(snapshot)
    results = []
    for entry in controls:
        unknown = [str(group_kind) for group_kind in entry.requires if not snapshot.knows_all(group_kind)]
        if unknown:
            reason = (
                f"not evaluated: the input does not hold every {', '.join(unknown)} (see --whole-cluster)"
            )
            results.append(ControlResult(entry, 0, (), (), skipped=reason))
            continue
        try:
            subjects = len(set(entry.scope(snapshot, settings)))
            raw = entry.evaluate(snapshot, settings)
        except Exception as error:  # a kubeward bug: report it, keep scanning
            where = traceback.extract_tb(error.__traceback__)[-1]
            message = f"internal error: {type(error).__name__}: {error} ({where.filename}:{where.lineno})"
            results.append(ControlResult(entry, 0, (), (), message))
            continue
        kept: list[Finding] = []
        hidden: list[suppress.Suppressed] = []
        seen: set[str] = set()
        for finding in raw:
            if finding.fingerprint in seen:
                continue
            seen.add(finding.fingerprint)
            decision = suppressions.decide(finding, annotations_of(finding))
            if decision is None:
                kept.append(finding)
            else:
                hidden.append(decision)
        results.append(ControlResult(entry, subjects, tuple(kept), tuple(hidden)))
    used = {id(item.rule) for result in results for item in result.suppressed if item.rule is not None}
    expired = suppressions.expired()
    notes = [f"{result.control.id} {result.skipped}" for result in results if result.skipped]
    notes += [
        f"ignore rule #{rule.index} ({', '.join(rule.ids)}) expired on {rule.expires};"
        " its findings are shown again"
        for rule in expired
    ]
    notes += [
        f"ignore rule #{rule.index} ({', '.join(rule.ids)}) matched no finding"
        for rule in suppressions.rules
        if id(rule) not in used and rule not in expired
    ]
    problems, annotation_notes = _annotation_problems(snapshot)
    return ScanResult(tuple(results), tuple(problems), tuple(notes + annotation_notes))


def _annotation_lookup(snapshot: Snapshot) -> Callable[[Finding], Mapping[str, str]]:
    sources = {workload.ref: workload.source for workload in snapshot.workloads}

    def annotations_of(finding: Finding) -> Mapping[str, str]:
        ref = finding.ref
        obj = snapshot.get(ref.group_kind, ref.namespace, ref.name) or sources.get(ref)
        return obj.annotations if obj is not None else {}

    return annotations_of


def _annotation_problems(snapshot: Snapshot) -> tuple[list[AnnotationProblem], list[str]]:
    problems: list[AnnotationProblem] = []
    notes: list[str] = []
    for obj in snapshot.objects:
        value = obj.annotations.get(suppress.IGNORE_ANNOTATION)
        if value is None:
            continue
        ids, malformed = suppress.annotation_ids(value)
        for entry in malformed:
            problems.append(
                AnnotationProblem(obj, f"{suppress.IGNORE_ANNOTATION}: {entry!r} is not a control ID")
            )
        for pattern in suppress.unknown_ids(ids, REGISTRY):
            problems.append(
                AnnotationProblem(obj, f"{suppress.IGNORE_ANNOTATION}: no control {pattern} exists")
            )
        if not obj.annotations.get(suppress.IGNORE_REASON_ANNOTATION):
            notes.append(f"{obj.ref} suppresses {', '.join(ids)} without {suppress.IGNORE_REASON_ANNOTATION}")
    return problems, notes
