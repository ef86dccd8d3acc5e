"""``kubeward scan``: audit manifests, dumps or a live cluster."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable

import click
import orjson
from rich.console import Console

import kubeward
from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.config import Config, load_baseline, load_config
from kubeward.cli.console import err_console, out_console, progress
from kubeward.controls import registry
from kubeward.controls.finding import Severity
from kubeward.controls.run import ScanResult
from kubeward.controls.settings import DEFAULT_SYSTEM_NAMESPACES, Settings
from kubeward.controls.suppress import Suppressions
from kubeward.errors import InputError
from kubeward.inputs import Inputs
from kubeward.reports.junit import render_junit
from kubeward.reports.model import Location, Report
from kubeward.reports.sarif import render_sarif
from kubeward.reports.table import render_table
from kubeward.sources.files import Limits

__all__ = ["scan"]

_FORMATS = ("table", "json", "sarif", "junit")
_REPORT_FILES = {"json": "report.json", "sarif": "report.sarif", "junit": "report.junit.xml"}


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _severity(value: str | None, option: str, default: str) -> Severity | None:
    text = value or default
    if text.lower() == "none":
        return None
    try:
        return Severity.parse(text)
    except ValueError as error:
        abort(f"{option}: {error}")


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--cluster", is_flag=True, help="Read the live cluster (list and get only) instead of SOURCEs.")
@click.option("--context", metavar="NAME", help="The kubeconfig context to use with --cluster.")
@click.option("--kubeconfig", metavar="FILE", help="The kubeconfig file to use with --cluster.")
@click.option(
    "--no-secrets", is_flag=True, help="With --cluster, do not list Secrets (not even their metadata)."
)
@click.option(
    "-n", "--namespace", metavar="NS", help="Namespace of manifests that set none (as kubectl apply -n)."
)
@click.option(
    "--whole-cluster/--partial",
    default=None,
    help="Whether SOURCEs are a whole cluster's state"
    " (default: yes if they hold the default and kube-system Namespaces).",
)
@click.option(
    "-o", "--output", type=click.Choice(_FORMATS), default="table", show_default=True, help="Output format."
)
@click.option("--output-file", metavar="FILE", help="Write the output to FILE instead of standard output.")
@click.option(
    "--report-dir", metavar="DIR", help="Also write report.json, report.sarif and report.junit.xml to DIR."
)
@click.option(
    "--controls",
    "control_ids",
    multiple=True,
    metavar="IDS",
    help="Run only these controls (KW-NS-001, KW-NS-*).",
)
@click.option(
    "--sections",
    multiple=True,
    metavar="NAMES",
    help="Run only these sections (AUTHN, RBAC, POD, NS, NET, MESH).",
)
@click.option("--skip-controls", multiple=True, metavar="IDS", help="Do not run these controls.")
@click.option(
    "--min-severity", metavar="LEVEL", help="Run only controls of this severity or above (default: info)."
)
@click.option(
    "--fail-on",
    metavar="LEVEL",
    help="Exit 1 on findings of this severity or above, or 'none' (default: low).",
)
@click.option(
    "--baseline", metavar="FILE", help="A previous '-o json' report: show only findings that are new."
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Configuration file (default: ./.kubeward.yaml if present).",
)
@click.option(
    "--ignore-input-errors",
    is_flag=True,
    help="Do not exit 2 because of input errors (they are still shown).",
)
@click.option(
    "--include-system",
    is_flag=True,
    help="Also judge the platform's own RBAC (system:* roles and bindings, controller service accounts).",
)
@click.option(
    "--with-defaults",
    metavar="VERSION",
    help="Merge in the default RBAC policy of this Kubernetes version (or 'latest') where the SOURCEs"
    " do not define the same objects (not with --cluster, which has its own).",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    metavar="MIB",
    help="Skip larger files.",
)
def scan(
    sources: tuple[str, ...],
    cluster: bool,
    context: str | None,
    kubeconfig: str | None,
    no_secrets: bool,
    namespace: str | None,
    whole_cluster: bool | None,
    output: str,
    output_file: str | None,
    report_dir: str | None,
    control_ids: tuple[str, ...],
    sections: tuple[str, ...],
    skip_controls: tuple[str, ...],
    min_severity: str | None,
    fail_on: str | None,
    baseline: str | None,
    config_path: str | None,
    ignore_input_errors: bool,
    max_file_size: int,
    with_defaults: str | None,
    include_system: bool,
) -> None:
    """Audit SOURCEs (files, directories, '-' for stdin) or a live cluster (--cluster)."""
    config = load_config(config_path)
    if (min_severity or config.min_severity or "").lower() == "none":
        abort("--min-severity: 'none' is only for --fail-on; use info to run every control")
    minimum = _severity(min_severity or config.min_severity, "--min-severity", "info") or Severity.INFO
    threshold = _severity(fail_on or config.fail_on, "--fail-on", "low")
    try:
        chosen = registry.select(
            ids=_split(control_ids) or config.controls,
            sections=_split(sections) or config.sections,
            skip=_split(skip_controls) or config.skip_controls,
            min_severity=minimum,
        )
    except ValueError as error:
        abort(str(error))
    if not chosen:
        abort("no control matches the selection (see 'kubeward controls')")
    if cluster and sources:
        abort("give either SOURCEs or --cluster, not both")
    if not cluster and not sources:
        abort("nothing to scan: give files, directories or '-' (standard input), or --cluster")
    if not cluster and (context or kubeconfig or no_secrets):
        abort("--context, --kubeconfig and --no-secrets go with --cluster")
    if cluster and (namespace or whole_cluster is not None):
        abort("-n and --whole-cluster/--partial apply to SOURCEs, not to --cluster (a live read is whole)")
    if cluster and with_defaults is not None:
        abort("--with-defaults applies to SOURCEs, not to --cluster (a live cluster holds its own defaults)")

    inputs = _read(
        sources,
        cluster,
        context,
        kubeconfig,
        no_secrets,
        namespace,
        whole_cluster,
        max_file_size,
        with_defaults,
    )
    suppressions = Suppressions(
        rules=config.ignore, baseline=load_baseline(baseline) if baseline else frozenset()
    )
    result = kubeward.scan(inputs.snapshot, chosen, _settings(config, include_system), suppressions)
    report = _report(inputs, result, threshold)

    rendered = _render(report, output)
    if output_file is not None:
        _write(output_file, rendered or _table_text(report))
    elif rendered is None:
        render_table(report, out_console())
    else:
        click.echo(rendered, nl=False)
    if report_dir is not None:
        os.makedirs(report_dir, exist_ok=True)
        for name, filename in _REPORT_FILES.items():
            _write(os.path.join(report_dir, filename), _render(report, name) or "")
        _write(os.path.join(report_dir, "report.txt"), _table_text(report))

    if (report.input_errors and not ignore_input_errors) or result.errors:
        raise SystemExit(EXIT_USAGE)
    raise SystemExit(EXIT_FINDINGS if report.failed else EXIT_OK)


def _read(
    sources: tuple[str, ...],
    cluster: bool,
    context: str | None,
    kubeconfig: str | None,
    no_secrets: bool,
    namespace: str | None,
    whole_cluster: bool | None,
    max_file_size: int,
    with_defaults: str | None = None,
) -> Inputs:
    if cluster:
        with progress("listing") as advance:
            return kubeward.load_cluster(
                context=context, kubeconfig=kubeconfig, include_secrets=not no_secrets, on_resource=advance
            )
    limits = Limits(max_file_bytes=max_file_size * 1024 * 1024)
    with progress("reading") as advance:
        return kubeward.load(
            list(sources),
            limits=limits,
            default_namespace=namespace,
            whole_cluster=whole_cluster,
            on_file=advance,
            with_defaults=with_defaults,
        )


def _settings(config: Config, include_system: bool) -> Settings:
    namespaces = config.system_namespaces
    return Settings(
        system_namespaces=DEFAULT_SYSTEM_NAMESPACES if namespaces is None else frozenset(namespaces),
        include_system_rbac=include_system or config.include_system_rbac,
    )


def _report(inputs: Inputs, result: ScanResult, threshold: Severity | None) -> Report:
    locator = inputs.locator
    errors = list(inputs.errors)
    for problem in result.annotation_problems:
        origin = problem.obj.origin
        line = locator.line(origin, ("metadata", "annotations", "kubeward.io/ignore"))
        errors.append(
            InputError(
                origin.file, f"{problem.obj.ref}: {problem.message}", line, origin.document, fatal=False
            )
        )
    locations = {}
    # in file order, so that the locator composes each object once
    for finding in sorted(
        result.findings, key=lambda f: (f.origin.file, f.origin.line or 0) if f.origin else ("", 0)
    ):
        if finding.origin is None or finding.origin.line is None:  # live objects have no file
            continue
        line = locator.line(finding.origin, finding.paths[0]) if finding.paths else finding.origin.line
        locations[finding.fingerprint] = Location(finding.origin.file, line, finding.origin.template)
    failed = threshold is not None and any(
        registry.REGISTRY[finding.control_id].severity >= threshold for finding in result.findings
    )
    notes = list(inputs.notes) + list(result.notes)
    if not inputs.snapshot.objects:
        notes.append("no Kubernetes objects were found in the input")
    return Report(
        tool_version=kubeward.__version__,
        inputs=inputs.sources,
        objects=len(inputs.snapshot.objects),
        whole_cluster=inputs.snapshot.whole_cluster,
        result=result,
        input_errors=tuple(errors),
        notes=tuple(notes),
        locations=locations,
        fail_on=threshold,
        failed=failed,
    )


def _render(report: Report, output: str) -> str | None:
    if output == "json":
        return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
    if output == "sarif":
        return orjson.dumps(render_sarif(report), option=orjson.OPT_INDENT_2).decode() + "\n"
    if output == "junit":
        return render_junit(report)
    return None


def _table_text(report: Report) -> str:
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=200, color_system=None, soft_wrap=True))
    return buffer.getvalue()


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        abort(f"cannot write {path}: {error.strerror or error}")
    err_console().print(f"[dim]wrote {path}[/]")
