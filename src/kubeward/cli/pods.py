"""``kubeward pods``: Pod Security Standards, PodSecurityPolicy and hardening."""

from __future__ import annotations

import click

__all__ = ["pods"]


@click.group()
def pods() -> None:
    """Pod security: check pods and templates against the Pod Security Standards, dry-run
    namespace labels, emulate PodSecurityPolicy and migrate from it, harden manifests."""
