"""The terminal report: findings grouped by section with scores, then input errors and notes."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kubeward.controls.finding import Severity
from kubeward.controls.registry import SECTIONS
from kubeward.reports.model import Report
from kubeward.reports.text import printable

__all__ = ["render_table"]

_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _safe(text: str) -> str:
    """Input text made harmless for the terminal: no escapes, no rich markup."""
    return escape(printable(text))


def _score(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "green" if value >= 90 else "yellow" if value >= 60 else "red"
    return Text(f"{value:.1f}", style=style)


def render_table(report: Report, console: Console) -> None:
    result = report.result
    state = "whole-cluster state" if report.whole_cluster else "partial state (manifests)"
    console.print(
        f"[bold]kubeward {_safe(report.tool_version)}[/] · {report.objects} objects from "
        f"{_safe(', '.join(report.inputs))} · {state}"
    )
    scores = result.section_scores()
    for section, title in SECTIONS.items():
        findings = [finding for finding in result.findings if report.control(finding).section == section]
        if section not in scores:
            continue
        console.print()
        heading = Text.assemble((f"{title} ({section})", "bold"), " · score ", _score(scores[section]))
        console.print(heading)
        if not findings:
            console.print("  [green]no findings[/]")
            continue
        table = Table(show_edge=False, pad_edge=False, expand=False, header_style="bold")
        table.add_column("severity")
        table.add_column("control", no_wrap=True)
        table.add_column("object")
        table.add_column("location")
        table.add_column("finding")
        for finding in findings:
            severity = report.control(finding).severity
            table.add_row(
                Text(severity.label, style=_STYLES[severity]),
                finding.control_id,
                _safe(str(finding.ref)),
                _safe(str(report.location(finding))),
                _safe(finding.detail),
            )
        console.print(table)
    for message in result.errors:
        console.print(f"[bold red]error[/] {_safe(message)}")
    counts = report.severity_counts()
    console.print()
    console.print(
        Text.assemble(
            ("Summary: ", "bold"),
            f"{len(result.findings)} findings (",
            ", ".join(f"{count} {label}" for label, count in counts.items()),
            f"), {len(result.suppressed)} suppressed · overall score ",
            _score(result.overall_score()),
            "/100" if result.overall_score() is not None else "",
        )
    )
    if report.input_errors:
        console.print(f"[bold red]Input errors ({len(report.input_errors)}):[/]")
        for error in report.input_errors:
            kind = "error" if error.fatal else "warning"
            console.print(f"  {kind}: {_safe(str(error))}")
    for note in report.notes:
        console.print(f"[dim]note: {_safe(note)}[/]")
    if report.fail_on is not None:
        verdict = "[bold red]FAILED[/]" if report.failed else "[bold green]PASSED[/]"
        console.print(f"{verdict} (--fail-on {report.fail_on.label})")
