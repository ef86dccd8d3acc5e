"""Field errors and mutations of the PodSecurityPolicy emulation, printed as upstream prints them.

The removed admission controller answered with ``field.ErrorList`` texts such as
``spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers
are not allowed``; :class:`FieldError` keeps the parts (kind, path, value, detail) and renders
that exact text (``field.Error.Error`` of apimachinery: strings quoted with ``%q``, numbers
and booleans bare, nil pointers as ``"null"``, slices in Go syntax).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DUPLICATE",
    "FORBIDDEN",
    "INVALID",
    "NOT_SUPPORTED",
    "NULL",
    "REQUIRED",
    "FieldError",
    "Mutation",
    "field_path",
    "go_capabilities",
    "go_groups",
    "go_quote",
    "go_scalar",
]

INVALID, REQUIRED, FORBIDDEN = "Invalid value", "Required value", "Forbidden"
NOT_SUPPORTED, DUPLICATE = "Unsupported value", "Duplicate value"
NULL = '"null"'
"""How ``field.Error`` prints a nil pointer value."""

PathPart = str | int | tuple[str]
"""A field name, a list index, or ``(key,)`` for a map key (``annotations[key]``)."""


def field_path(*parts: PathPart) -> str:
    """``field.Path.String()``: ``spec.containers[0].securityContext``, ``annotations[k]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, tuple):
            out += f"[{part[0]}]"
        else:
            out += f".{part}" if out else part
    return out


def go_quote(text: str) -> str:
    """Go's ``%q`` for the printable strings Kubernetes fields hold."""
    return json.dumps(text, ensure_ascii=False)


def go_scalar(value: bool | int | str | None) -> str:
    """A scalar field value as ``field.Error`` prints it."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return go_quote(value)


def go_groups(groups: Sequence[int] | None) -> str:
    """A ``[]int64`` printed with ``%#v``: ``[]int64{1, 2}``, ``[]int64(nil)``."""
    if groups is None:
        return "[]int64(nil)"
    return "[]int64{" + ", ".join(str(group) for group in groups) + "}"


def go_capabilities(capabilities: Sequence[str] | None) -> str:
    """A ``[]core.Capability`` printed with ``%#v``."""
    if capabilities is None:
        return "[]core.Capability(nil)"
    return "[]core.Capability{" + ", ".join(go_quote(c) for c in capabilities) + "}"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a policy rejects a pod: upstream's error type, field path, value, detail."""

    kind: str  # INVALID, REQUIRED, FORBIDDEN (NOT_SUPPORTED and DUPLICATE only for policies)
    path: str
    detail: str = ""
    value: Any = None  # the offending value as data (for -o json)
    rendered: str = NULL  # the value as upstream prints it (Invalid only)

    def __str__(self) -> str:
        body = (
            f"{self.kind}: {self.rendered}" if self.kind in (INVALID, NOT_SUPPORTED, DUPLICATE) else self.kind
        )
        return f"{self.path}: {body}: {self.detail}" if self.detail else f"{self.path}: {body}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "field": self.path,
            "value": self.value,
            "detail": self.detail,
            "message": str(self),
        }


@dataclass(frozen=True, slots=True)
class Mutation:
    """A field the policy sets on the pod (defaulting), with the value it sets."""

    path: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.path, "value": self.value}

    def __str__(self) -> str:
        return f"{self.path} = {json.dumps(self.value, ensure_ascii=False)}"
