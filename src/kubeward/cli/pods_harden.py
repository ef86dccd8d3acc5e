"""Commands of ``kubeward pods`` (see :mod:`kubeward.cli.pods`)."""

from __future__ import annotations

from kubeward.cli.pods import pods

__all__ = ["pods"]
