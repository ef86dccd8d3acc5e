"""``kubeward netpol``: what the NetworkPolicies allow, explained, compared and generated."""

from __future__ import annotations

import click

__all__ = ["netpol"]


@click.group()
def netpol() -> None:
    """Network policy: every allowed connection, can X reach Y (and why), what a change does,
    and policies generated from observed traffic."""
