"""docs/controls.md is generated from the catalogue, so the docs never drift from the code."""

from __future__ import annotations

from pathlib import Path

from golden import check_golden
from kubeward.controls.catalogue import all_controls
from kubeward.controls.registry import SECTIONS

ROOT = Path(__file__).parents[1]


def render_catalogue() -> str:
    lines = [
        "# Control catalogue",
        "",
        "Generated from the code by `make docs`; do not edit by hand. `kubeward controls` lists the same",
        "catalogue and `kubeward explain <ID>` shows one control.",
        "",
        "| ID | Severity | Title |",
        "| --- | --- | --- |",
    ]
    controls = all_controls()
    lines += [f"| [{c.id}](#{c.id.lower()}) | {c.severity.label} | {c.title} |" for c in controls]
    for section, title in SECTIONS.items():
        in_section = [c for c in controls if c.section == section]
        if not in_section:
            continue
        lines += ["", f"## {title} ({section})"]
        for control in in_section:
            lines += [
                "",
                f"### {control.id}",
                "",
                f"**{control.title}** — severity {control.severity.label}",
                "",
                f"**Rule.** {control.rule}",
                "",
                f"**Why.** {control.rationale}",
                "",
                f"**Fix.** {control.remediation}",
            ]
            if control.references:
                lines += ["", "**References.** " + "; ".join(control.references)]
    return "\n".join(lines) + "\n"


def test_controls_doc_is_up_to_date() -> None:
    check_golden(ROOT / "docs/controls.md", render_catalogue())
