"""``kubeward controls`` and ``kubeward explain``: the control catalogue."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from kubeward.cli.app import abort
from kubeward.cli.common import print_json
from kubeward.cli.console import out_console
from kubeward.controls.catalogue import all_controls
from kubeward.controls.registry import REGISTRY, SECTIONS, Control

__all__ = ["controls", "explain"]


def control_dict(control: Control) -> dict[str, Any]:
    return {
        "id": control.id,
        "title": control.title,
        "section": control.section,
        "sectionTitle": SECTIONS[control.section],
        "severity": control.severity.label,
        "rule": control.rule,
        "rationale": control.rationale,
        "remediation": control.remediation,
        "references": list(control.references),
    }


@click.command()
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--sections", default="", metavar="NAMES", help="Only these sections (comma-separated).")
def controls(output: str, sections: str) -> None:
    """List the control catalogue."""
    wanted = {part.strip().upper() for part in sections.split(",") if part.strip()}
    unknown = wanted - set(SECTIONS)
    if unknown:
        abort(f"unknown section(s) {', '.join(sorted(unknown))} (expected: {', '.join(SECTIONS)})")
    chosen = [control for control in all_controls() if not wanted or control.section in wanted]
    if output == "json":
        print_json({"controls": [control_dict(control) for control in chosen]})
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "section", "severity", "title"):
        table.add_column(column)
    for control in chosen:
        table.add_row(control.id, control.section, control.severity.label, escape(control.title))
    out_console().print(table)


@click.command()
@click.argument("control_id", metavar="CONTROL")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(control_id: str, output: str) -> None:
    """Explain one control: its rule, why it matters and how to fix it."""
    control = REGISTRY.get(control_id.strip().upper())
    if control is None:
        abort(f"unknown control {control_id!r} (see 'kubeward controls')")
    if output == "json":
        print_json(control_dict(control))
        return
    console = out_console()
    console.print(f"[bold]{control.id}[/] {escape(control.title)}")
    console.print(
        f"section {control.section} ({SECTIONS[control.section]}) · severity {control.severity.label}"
    )
    for heading, text in (("Rule", control.rule), ("Why", control.rationale), ("Fix", control.remediation)):
        console.print(f"\n[bold]{heading}[/]\n{escape(text)}")
    if control.references:
        console.print("\n[bold]References[/]")
        for reference in control.references:
            console.print(f"- {escape(reference)}")
