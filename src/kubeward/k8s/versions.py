"""Kubernetes minor versions ``v1.N``, as Pod Security Admission parses and compares them.

The grammar is PSA ``api/helpers.go`` ``ParseVersion``: ``^v1\\.(0|[1-9][0-9]*)$`` and a minor
that fits a Go ``int`` (``strconv.Atoi``). ``latest`` is not a version here: the callers that
accept it (policy labels) map it to ``None`` themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Version", "parse_version"]

_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")
_MAX_GO_INT = 2**63 - 1


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A Kubernetes minor version; ordered as upstream orders them (major, then minor)."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"


def parse_version(text: str) -> Version:
    """``"v1.30"`` -> ``Version(1, 30)``; anything else raises :class:`ValueError`."""
    match = _VERSION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'invalid version {text!r}: must be "v1.x" (e.g. "v1.30")')
    minor = int(match.group(1))
    if minor > _MAX_GO_INT:
        raise ValueError(f"invalid version {text!r}: minor version out of range")
    return Version(1, minor)
