"""``kubeward authn``: client certificates, CSRs, OIDC and the API server's authentication
settings. Commands live in ``cli/authn_<area>.py`` modules that add themselves to this group."""

from __future__ import annotations

import click

__all__ = ["authn"]


@click.group()
def authn() -> None:
    """Authentication: client certificates, CSRs, OIDC, API-server settings."""
