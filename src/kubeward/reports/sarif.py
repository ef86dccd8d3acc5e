"""SARIF 2.1.0 for code scanning: one rule per control, one result per finding, each at the
file and line of the field it is about; input errors become tool execution notifications."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import SECTIONS, Control
from kubeward.reports.model import Location, Report

__all__ = ["render_sarif"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning ranks security results by this CVSS-like number.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _uri(file: str) -> str:
    path = PurePath(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix(), safe="/")


def _rule(control: Control) -> dict[str, Any]:
    return {
        "id": control.id,
        "name": "".join(word.capitalize() for word in control.title.replace("-", " ").split()),
        "shortDescription": {"text": control.title},
        "fullDescription": {"text": control.rationale},
        "help": {
            "text": control.remediation,
            "markdown": f"**Rule.** {control.rule}\n\n**Fix.** {control.remediation}",
        },
        "defaultConfiguration": {"level": _LEVELS[control.severity]},
        "properties": {
            "tags": ["security", "kubernetes", SECTIONS[control.section]],
            "security-severity": _SECURITY_SEVERITY[control.severity],
            "references": list(control.references),
        },
    }


def _physical(location: Location) -> dict[str, Any] | None:
    """The file and line; for a Helm stream read from stdin, the chart template (without a
    line: the rendered lines are not the template's)."""
    if location.file == "-" and location.template:
        return {"artifactLocation": {"uri": _uri(location.template), "uriBaseId": "%SRCROOT%"}}
    if location.file is None or location.file == "-" or location.file.startswith("cluster:"):
        return None
    artifact: dict[str, Any] = {"uri": _uri(location.file)}
    if not PurePath(location.file).is_absolute():
        artifact["uriBaseId"] = "%SRCROOT%"
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if location.line is not None:
        physical["region"] = {"startLine": location.line}
    return physical


def _result(report: Report, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    control = report.control(finding)
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": str(finding.ref), "kind": "object", "fullyQualifiedName": str(finding.ref)}
        ]
    }
    physical = _physical(report.location(finding))
    if physical is not None:
        location["physicalLocation"] = physical
    return {
        "ruleId": finding.control_id,
        "ruleIndex": rule_index[finding.control_id],
        "level": _LEVELS[control.severity],
        "message": {"text": f"{finding.detail} ({finding.ref})"},
        "locations": [location],
        "partialFingerprints": {"kubeward/v1": finding.fingerprint},
        "properties": {"reason": finding.reason, "evidence": list(finding.why)},
    }


def render_sarif(report: Report) -> dict[str, Any]:
    controls = [result.control for result in report.result.results]
    rule_index = {control.id: index for index, control in enumerate(controls)}
    notifications = []
    for error in report.input_errors:
        notification: dict[str, Any] = {
            "level": "error" if error.fatal else "warning",
            "message": {"text": error.message},
        }
        physical = _physical(Location(error.file, error.line))
        if physical is not None:
            notification["locations"] = [{"physicalLocation": physical}]
        notifications.append(notification)
    for message in report.result.errors:
        notifications.append({"level": "error", "message": {"text": message}})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kubeward",
                        "version": report.tool_version,
                        "informationUri": "https://github.com/kubeward/kubeward",
                        "rules": [_rule(control) for control in controls],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not report.result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": [_result(report, finding, rule_index) for finding in report.result.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
