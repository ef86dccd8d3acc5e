"""Compare decoded values with their types: ``1``, ``1.0`` and ``True`` are different."""

from __future__ import annotations

from typing import Any


def canonical(value: Any) -> Any:
    """``value`` with every scalar replaced by (type name, repr), so equality sees types."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return (type(value).__name__, repr(value))
