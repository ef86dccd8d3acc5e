"""``kubeward netpol generate`` (see :mod:`kubeward.cli.netpol`)."""

from __future__ import annotations

from kubeward.cli.netpol import netpol

__all__ = ["netpol"]
