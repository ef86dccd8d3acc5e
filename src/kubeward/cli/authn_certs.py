"""``kubeward authn certs``: the client certificates of kubeconfigs, CSRs and PEM files, and
the user and groups the API server maps each to. Private keys are never read or printed
(the loader redacts them from kubeconfigs; ``--pem`` files are parsed for certificates and
requests only)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from kubeward.cli.app import EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.authn import authn
from kubeward.cli.common import load_sources, print_json
from kubeward.cli.console import out_console
from kubeward.controls.authn import CSR
from kubeward.engines.authn import x509
from kubeward.inputs import Inputs

__all__ = ["certs"]


@dataclass(frozen=True, slots=True)
class _Row:
    source: str
    info: x509.CertificateInfo | None = None
    csr: x509.CsrInfo | None = None
    reference: str = ""  # a client-certificate file a kubeconfig names, not read

    def to_dict(self) -> dict[str, Any]:
        if self.info is None:
            entry: dict[str, Any] = dict.fromkeys(
                ("user", "groups", "issuer", "serial", "not_before", "not_after", "key")
            )
            entry.update(source=self.source, file=self.reference)
            return entry
        entry = self.info.to_dict()
        entry["source"] = self.source
        if self.info.is_request:
            entry["request"] = True
        if self.csr is not None:
            entry["csr"] = self.csr.to_dict()
        return entry


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        abort(f"{path}: cannot read ({error.strerror or error})")


def _pem_rows(path: str) -> list[_Row]:
    try:
        infos = x509.decode_certificates(_read(path))
    except x509.DecodeError as error:
        abort(f"{path}: {error}")
    if not infos:
        abort(f"{path}: holds no certificate or certificate request")
    return [_Row(f"PEM {path}", info) for info in infos]


def _kubeconfig_rows(inputs: Inputs, readable: Iterable[str]) -> list[_Row]:
    """Rows for every kubeconfig of the input; a ``client-certificate`` file named by a
    kubeconfig given with ``--kubeconfig`` is read (relative to that kubeconfig), others
    are reported by path only."""
    given = {os.path.abspath(path) for path in readable}
    rows: list[_Row] = []
    for config in inputs.snapshot.kubeconfigs:
        file = config.origin.file if config.origin else config.ref.name
        for entry in x509.kubeconfig_certificates(config.body):
            source = f"kubeconfig {file} user {entry.user}"
            if entry.problem:
                abort(f"{file}: user {entry.user!r}: {entry.problem}")
            if entry.certificate is not None:
                rows.append(_Row(source, entry.certificate))
                continue
            path = os.path.join(os.path.dirname(file), os.path.expanduser(entry.path))
            if os.path.abspath(file) in given and os.path.isfile(path):
                try:
                    infos = x509.decode_certificates(_read(path))
                except x509.DecodeError as error:
                    abort(f"{path} (client-certificate of user {entry.user!r} in {file}): {error}")
                rows += [_Row(f"{source} ({entry.path})", info) for info in infos if not info.is_request]
            else:
                rows.append(_Row(source, reference=entry.path))
    return rows


def _csr_rows(inputs: Inputs) -> list[_Row]:
    rows: list[_Row] = []
    for obj in inputs.snapshot.of_kind(CSR):
        csr = x509.decode_csr_object(obj.body)
        where = f"{obj.origin.file}:{obj.origin.line}" if obj.origin else ""
        if csr.problems:
            abort(f"{where or csr.name}: CertificateSigningRequest {csr.name!r}: {'; '.join(csr.problems)}")
        source = f"CSR {csr.name} ({csr.state.lower()})"
        if csr.certificate is not None:
            rows.append(_Row(source, csr.certificate, csr))
        elif csr.request is not None:
            rows.append(_Row(source, csr.request, csr))
    return rows


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else ""


def _print_table(rows: list[_Row]) -> None:
    now = datetime.now(UTC)
    table = Table(show_edge=False, header_style="bold")
    for column in ("source", "user", "groups", "issuer", "valid", "key", "notes"):
        table.add_column(column, overflow="fold")
    for row in rows:
        info = row.info
        if info is None:
            table.add_row(escape(row.source), "", "", "", "", "", escape(f"file {row.reference} (not read)"))
            continue
        notes = []
        if info.is_request:
            notes.append("request")
        if not info.user:
            notes.append("no CN: not a valid user")
        if info.client_auth is False:
            notes.append("no clientAuth usage")
        if info.uid_problem:
            notes.append(f"rejected: {info.uid_problem}")
        if info.expired(now):
            notes.append("expired")
        valid = f"{_day(info.not_before)} to {_day(info.not_after)}" if info.not_after else ""
        table.add_row(
            escape(row.source),
            escape(info.user),
            escape(", ".join(info.groups)),
            escape(info.issuer),
            valid,
            escape(f"{info.key}, {info.signature}"),
            escape("; ".join(notes)),
        )
    out_console().print(table)


@authn.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--kubeconfig", "kubeconfigs", multiple=True, metavar="FILE", help="A kubeconfig file to read.")
@click.option("--pem", "pems", multiple=True, metavar="FILE", help="A PEM or DER certificate or CSR file.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def certs(sources: tuple[str, ...], kubeconfigs: tuple[str, ...], pems: tuple[str, ...], output: str) -> None:
    """The client certificates in kubeconfigs, CertificateSigningRequests (in the SOURCEs)
    and PEM files, with the identity the API server maps each to: user = Subject CN,
    groups = every O. Keys, tokens and passwords are never printed."""
    if not (sources or kubeconfigs or pems):
        abort("give SOURCEs, --kubeconfig or --pem files")
    rows: list[_Row] = []
    errors = False
    if sources or kubeconfigs:
        inputs = load_sources((*sources, *kubeconfigs), "kubeconfigs or CertificateSigningRequests")
        errors = bool(inputs.errors)
        rows += _kubeconfig_rows(inputs, kubeconfigs)
        rows += _csr_rows(inputs)
    for path in pems:
        rows += _pem_rows(path)
    if output == "json":
        print_json({"certificates": [row.to_dict() for row in rows]})
    else:
        _print_table(rows)
    raise SystemExit(EXIT_USAGE if errors else EXIT_OK)
