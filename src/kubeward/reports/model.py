"""What every report renders: one :class:`Report`, assembled by the CLI, computed by nobody here.

:meth:`Report.to_dict` is the ``-o json`` document (schema: ``docs/schema/scan-report.v1.json``);
the other formats render the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import REGISTRY, SECTIONS, Control
from kubeward.controls.run import ScanResult
from kubeward.errors import InputError
from kubeward.k8s.objects import format_path

__all__ = ["SCHEMA_VERSION", "Location", "Report"]

SCHEMA_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file and a line (both None for live cluster objects), and
    the Helm template the object was rendered from, when known."""

    file: str | None
    line: int | None
    template: str | None = None

    def __str__(self) -> str:
        if self.file is None:
            return "-"
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} ({self.template})" if self.template else where


@dataclass(frozen=True)
class Report:
    tool_version: str
    inputs: tuple[str, ...]
    objects: int
    whole_cluster: bool
    result: ScanResult
    input_errors: tuple[InputError, ...]
    notes: tuple[str, ...]
    locations: Mapping[str, Location]  # by finding fingerprint
    fail_on: Severity | None
    failed: bool

    def location(self, finding: Finding) -> Location:
        return self.locations.get(finding.fingerprint, Location(None, None))

    @staticmethod
    def control(finding: Finding) -> Control:
        return REGISTRY[finding.control_id]

    def severity_counts(self) -> dict[str, int]:
        counts = {severity.label: 0 for severity in reversed(Severity)}
        for finding in self.result.findings:
            counts[self.control(finding).severity.label] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        section_scores = result.section_scores()
        sections = {
            section: {
                "title": SECTIONS[section],
                "score": _round(section_scores.get(section)),
                "findings": sum(1 for f in result.findings if self.control(f).section == section),
            }
            for section in SECTIONS
            if section in section_scores
        }
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": {"name": "kubeward", "version": self.tool_version},
            "inputs": list(self.inputs),
            "wholeCluster": self.whole_cluster,
            "summary": {
                "objects": self.objects,
                "findings": len(result.findings),
                "suppressed": len(result.suppressed),
                "inputErrors": len(self.input_errors),
                "bySeverity": self.severity_counts(),
                "score": _round(result.overall_score()),
                "sections": sections,
                "failOn": self.fail_on.label if self.fail_on is not None else None,
                "failed": self.failed,
            },
            "controls": [
                {
                    "id": r.control.id,
                    "title": r.control.title,
                    "section": r.control.section,
                    "severity": r.control.severity.label,
                    "evaluated": r.subjects,
                    "failing": r.failing,
                    "score": _round(r.score),
                    "error": r.error,
                    "skipped": r.skipped,
                }
                for r in result.results
            ],
            "findings": [self._finding(finding) for finding in result.findings],
            "suppressed": [
                {
                    "control": item.finding.control_id,
                    "object": item.finding.ref.to_dict(),
                    "by": item.by,
                    "reason": item.reason,
                    "fingerprint": item.finding.fingerprint,
                }
                for item in result.suppressed
            ],
            "inputErrors": [
                {
                    "file": error.file,
                    "line": error.line,
                    "document": error.document,
                    "message": error.message,
                    "fatal": error.fatal,
                }
                for error in self.input_errors
            ],
            "notes": list(self.notes),
        }

    def _finding(self, finding: Finding) -> dict[str, Any]:
        entry = self.control(finding)
        location = self.location(finding)
        return {
            "control": finding.control_id,
            "title": entry.title,
            "section": entry.section,
            "severity": entry.severity.label,
            "object": finding.ref.to_dict(),
            "origin": finding.origin.to_dict() if finding.origin is not None else None,
            "location": {"file": location.file, "line": location.line},
            "reason": finding.reason,
            "message": finding.detail,
            "paths": [format_path(path) for path in finding.paths],
            "evidence": list(finding.why),
            "remediation": entry.remediation,
            "fingerprint": finding.fingerprint,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
