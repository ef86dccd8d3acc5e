"""The ``kubeward`` command (also ``kubectl kubeward``): exit codes 0, 1 and 2.

0: it ran and nothing reached ``--fail-on`` (or a yes/no question was answered yes).
1: findings at or above ``--fail-on`` (or the answer was no).
2: usage, configuration or input errors; raised through :func:`abort` only, never as a
traceback.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from kubeward import __version__
from kubeward.errors import KubewardError

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "abort", "cli", "main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def abort(message: str) -> NoReturn:
    """Print ``message`` as an error and exit with code 2 (its text as it is: brackets in
    field paths and regular expressions are not rich markup)."""
    from rich.markup import escape

    from kubeward.cli.console import err_console

    err_console().print(
        f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )
    raise SystemExit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kubeward")
def cli() -> None:
    """Audit, explain, generate and enforce the security controls of a Kubernetes cluster."""


def _register() -> None:
    from kubeward.cli import (
        authn,
        authn_certs,  # noqa: F401  (adds its commands to a group when imported)
        authn_identities,  # noqa: F401  (adds its commands to a group when imported)
        authn_oidc,  # noqa: F401  (adds its commands to a group when imported)
        catalogue,
        cluster_role,
        netpol,
        netpol_generate,  # noqa: F401  (adds its commands to a group when imported)
        pods,
        pods_harden,  # noqa: F401  (adds its commands to a group when imported)
        pods_psp,  # noqa: F401  (adds its commands to a group when imported)
        rbac,
        scan,
    )

    for group in (scan.scan, rbac.rbac, pods.pods, netpol.netpol, authn.authn):
        cli.add_command(group)
    cli.add_command(catalogue.controls)
    cli.add_command(catalogue.explain)
    cli.add_command(cluster_role.cluster_role)


_register()


def main(argv: list[str] | None = None) -> NoReturn:
    try:
        cli.main(args=argv, prog_name="kubeward", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
    except click.ClickException as error:
        error.show()
        raise SystemExit(EXIT_USAGE) from None
    except click.exceptions.Abort:
        raise SystemExit(130) from None
    except KubewardError as error:
        abort(str(error))
    except BrokenPipeError:
        sys.stderr.close()
        raise SystemExit(0) from None
    raise SystemExit(EXIT_OK)
