"""``kubeward netpol generate`` (see :mod:`kubeward.cli.netpol`)."""

from __future__ import annotations

import os
from typing import Any

import click
from rich.markup import escape

from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.common import load_sources, print_json
from kubeward.cli.console import err_console
from kubeward.cli.netpol import netpol
from kubeward.errors import InputError
from kubeward.generators.netpol_from_flows import Check, Generated, generate, render_yaml
from kubeward.sources.files import STDIN
from kubeward.sources.flows import FlowsRead, read_flows

__all__ = ["generate_command"]

_DEFAULT_NAMESPACE = "default"  # where `kubectl apply` without -n puts a manifest that sets none


@netpol.command("generate")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@click.option(
    "--flows",
    "flow_files",
    multiple=True,
    metavar="FILE",
    help="Observed flows: Hubble JSON (hubble observe -o json) or CSV"
    " src_namespace,src_workload,dst_namespace,dst_workload_or_cidr,port,protocol. Repeatable.",
)
@click.option(
    "-n",
    "--namespace",
    "only_namespaces",
    multiple=True,
    metavar="NS",
    help="Write policies for this namespace only (repeatable; default: every namespace with a"
    " workload in the flows).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Verify as if the SOURCEs' NetworkPolicies in the generated namespaces were deleted"
    " (default: the generated policies are added to them).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Write one file per namespace (<namespace>.yaml) into this directory.",
)
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def generate_command(
    sources: tuple[str, ...],
    flow_files: tuple[str, ...],
    only_namespaces: tuple[str, ...],
    replace: bool,
    out_dir: str | None,
    output: str,
) -> None:
    """Write NetworkPolicies from observed traffic: per namespace a default-deny (ingress and
    egress) policy, then per workload an ingress policy allowing each observed source and an
    egress policy allowing DNS to kube-dns and each observed destination, on the observed
    ports (named where the pods name them).

    The policies are then checked with kubeward's NetworkPolicy engine against SOURCE plus the
    generated set: every observed flow must be allowed, and nothing else between the
    workloads involved (DNS and a pod to itself excepted). The YAML goes to standard output
    (the verification to standard error) or, with --out, to one file per namespace.
    Manifests that set no namespace are in "default".

    Only connection-opening flows count (Hubble: is_reply false, or a TCP SYN), whatever
    their verdict; ICMP and node traffic are skipped. Exit 0 when verified, 1 when the check
    fails, 2 on input errors (bad flow lines are reported and the rest is used). '-' reads
    the flows (or the SOURCE) from standard input."""
    if not flow_files:
        abort("give the observed flows with --flows FILE")
    if flow_files.count(STDIN) + sources.count(STDIN) > 1:
        abort("'-' (standard input) can be read once: as one --flows FILE or as one SOURCE")
    inputs = load_sources(sources, "the workloads the flows run between", namespace=_DEFAULT_NAMESPACE)
    read = FlowsRead()
    for file in flow_files:
        read.extend(read_flows(file))
    for error in read.errors:
        err_console().print(f"[yellow]input error:[/] {escape(str(error))}", soft_wrap=True)
    only = only_namespaces or None
    generated = generate(inputs.snapshot, read.flows, only_namespaces=only, replace=replace)
    header = _header(flow_files, sources, read, generated)
    written = _write(out_dir, generated, header) if out_dir is not None else []
    if output == "json":
        print_json(_json(generated, read, written, [*inputs.errors, *read.errors]))
    else:
        if out_dir is None:
            click.echo(render_yaml(generated.policies, header), nl=False)
        _report(generated, read, written, to_stderr=out_dir is None)
    if inputs.errors or read.errors:
        raise SystemExit(EXIT_USAGE)
    raise SystemExit(EXIT_OK if generated.verification.ok else EXIT_FINDINGS)


def _header(
    flow_files: tuple[str, ...], sources: tuple[str, ...], read: FlowsRead, generated: Generated
) -> list[str]:
    verification = generated.verification
    existing = "replacing" if verification.replaced else "added to"
    if verification.ok:
        result = [
            "every observed flow is allowed, and nothing else between the workloads involved",
            "(DNS to kube-dns and a pod to itself aside).",
        ]
    else:
        result = [
            f"NOT VERIFIED: {len(verification.missing)} observed connections not allowed,",
            f"{len(verification.extra)} connections allowed beyond the observed ones,"
            f" {len(verification.blocked)} unresolved flows blocked.",
        ]
    return [
        "Generated by kubeward netpol generate from observed traffic.",
        f"  flows: {', '.join(flow_files)} ({len(read.flows)} connection-opening flows)",
        f"  workloads: {', '.join(sources)}",
        "Per namespace a default-deny policy (ingress and egress), then per workload its observed",
        "ingress and egress, and DNS to kube-dns.",
        f"Checked with kubeward's NetworkPolicy engine ({existing} the input's NetworkPolicies):",
        *result,
    ]


def _write(out_dir: str, generated: Generated, header: list[str]) -> list[str]:
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as error:
        abort(f"--out {out_dir}: {error.strerror or error}")
    written = []
    for namespace in generated.namespaces:
        path = os.path.join(out_dir, f"{namespace}.yaml")
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(render_yaml(generated.in_namespace(namespace), header))
        except OSError as error:
            abort(f"{path}: cannot write: {error.strerror or error}")
        written.append(path)
    return written


def _json(
    generated: Generated, read: FlowsRead, written: list[str], errors: list[InputError]
) -> dict[str, Any]:
    return {
        "namespaces": list(generated.namespaces),
        "policies": list(generated.policies),
        "files": written,
        "flows": {
            "used": len(read.flows),
            "dns": generated.dns_flows,
            "skipped": dict(sorted(read.skipped.items())),
        },
        "observed": [observed.to_json() for observed in generated.observed],
        "unresolved": [unresolved.to_json() for unresolved in generated.unresolved],
        "warnings": list(generated.warnings),
        "notes": list(generated.notes),
        "verification": generated.verification.to_json(),
        "errors": [
            {"file": e.file, "line": e.line, "document": e.document, "message": e.message, "fatal": e.fatal}
            for e in errors
        ],
    }


def _report(generated: Generated, read: FlowsRead, written: list[str], *, to_stderr: bool) -> None:
    lines = [f"wrote {path}" for path in written]
    lines.append(
        f"flows: {len(read.flows)} used ({generated.dns_flows} DNS queries to kube-dns)"
        + "".join(f"; {count} skipped: {reason}" for reason, count in sorted(read.skipped.items()))
    )
    lines.extend(f"warning: {warning}" for warning in generated.warnings)
    lines.extend(f"note: {note}" for note in generated.notes)
    for unresolved in generated.unresolved:
        effect = "the generated policies block it" if unresolved.blocked else "ignored"
        lines.append(f"unresolved flow: {unresolved} ({effect})")
    verification = generated.verification
    policies = "replacing" if verification.replaced else "added to"
    lines.append(
        f"verification (generated policies {policies} the input's NetworkPolicies): "
        + ("OK" if verification.ok else "FAILED")
    )
    lines.extend(f"  missing: {_check(check, check.missing)}" for check in verification.missing)
    lines.extend(f"  extra:   {_check(check, check.extra)}" for check in verification.extra)
    lines.extend(f"  invalid: {problem}" for problem in verification.problems)
    if verification.blocked:
        lines.append(f"  {len(verification.blocked)} unresolved flows would be blocked (listed above)")
    lines.append(
        f"  {sum(1 for check in verification.checks if check.observed)} observed connections checked,"
        f" {len(verification.checks)} allowed pairs in all"
    )
    if to_stderr:
        console = err_console()
        for line in lines:
            console.print(escape(line), soft_wrap=True, highlight=False)
    else:
        for line in lines:
            click.echo(line)


def _check(check: Check, ports: object) -> str:
    return f"{check.src} -> {check.dst}: {ports}"
