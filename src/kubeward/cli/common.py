"""What the question-answering commands share: reading the SOURCEs, ``-o json``, exit codes
and the ``--with-defaults`` option."""

from __future__ import annotations

from typing import Any, NoReturn

import click
import orjson
from rich.markup import escape

import kubeward
from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.console import err_console
from kubeward.inputs import Inputs

__all__ = ["WITH_DEFAULTS", "exit_with", "load_sources", "print_json"]

WITH_DEFAULTS = click.option(
    "--with-defaults",
    metavar="VERSION",
    help="Merge in the default RBAC policy of this Kubernetes version (or 'latest')"
    " where the SOURCEs do not define the same objects.",
)


def load_sources(
    sources: tuple[str, ...], what: str, *, namespace: str | None = None, with_defaults: str | None = None
) -> Inputs:
    """The SOURCEs (which hold ``what``) as a snapshot; ``namespace`` is given to manifests
    that set none, as ``kubectl apply -n`` does. Input errors are printed and the valid
    objects kept."""
    if not sources:
        abort(f"give the files, directories or '-' holding {what}")
    inputs = kubeward.load(list(sources), default_namespace=namespace, with_defaults=with_defaults)
    for error in inputs.errors:
        err_console().print(f"[yellow]input error:[/] {escape(str(error))}")
    return inputs


def exit_with(inputs: Inputs, failed: bool) -> NoReturn:
    """Exit 2 if an input could not be read (the rest was still reported), else 1 if
    ``failed``, else 0."""
    raise SystemExit(EXIT_USAGE if inputs.errors else EXIT_FINDINGS if failed else EXIT_OK)


def print_json(data: Any) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
