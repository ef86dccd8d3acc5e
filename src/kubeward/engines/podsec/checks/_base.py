"""What every check is made of: the check record, the pod view it reads, upstream's text helpers.

A check is PSA ``policy/checks.go`` ``Check``: an ID, a level and versioned implementations
(``VersionedCheck``: the first policy version it applies to, the function, and the baseline
checks it replaces in ``restricted``). A check function reads one :class:`Pod` and returns
``None`` (allowed) or ``(reason, detail)`` with upstream's exact ``ForbiddenReason`` and
``ForbiddenDetail``.

Values arrive as decoded YAML/JSON. The snapshot's field check has already dropped fields of
the wrong type, so a missing field and a wrongly typed one read the same here: as Go's zero
value (``""``, ``0``, ``false``, a nil pointer). The accessors below never raise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard

from kubeward.k8s.containers import iter_containers
from kubeward.k8s.versions import Version

__all__ = [
    "EMPTY",
    "Check",
    "CheckFn",
    "ContainerView",
    "Pod",
    "Result",
    "VersionedCheck",
    "go_quote",
    "integer",
    "is_object",
    "join_quote",
    "mapping",
    "mappings",
    "pluralize",
    "strings",
    "text",
]

Result = tuple[str, str] | None
"""``None`` when the check allows the pod, else ``(ForbiddenReason, ForbiddenDetail)``."""

EMPTY: Mapping[str, Any] = MappingProxyType({})


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """A nested object (set, and a mapping). Decoded JSON/YAML objects are dicts, checked first
    because the ``Mapping`` ABC check costs several times more."""
    return type(value) is dict or (value is not None and isinstance(value, Mapping))


def mapping(value: object) -> Mapping[str, Any]:
    """A nested object, or :data:`EMPTY` when it is unset (Go: a nil pointer reads as zero)."""
    return value if is_object(value) else EMPTY


def mappings(value: object) -> Sequence[Mapping[str, Any]]:
    """The objects of a list field (``volumes``, ``ports``, ``sysctls``); anything else is skipped."""
    if not isinstance(value, list):
        return ()
    return [item for item in value if is_object(item)]


def strings(value: object) -> Sequence[str]:
    """The strings of a ``[]string`` field (``capabilities.add``)."""
    if not isinstance(value, list):
        return ()
    return [item for item in value if isinstance(item, str)]


def text(value: object) -> str:
    """A string field; unset reads as ``""``."""
    return value if isinstance(value, str) else ""


def integer(value: object) -> int | None:
    """An integer field, ``None`` when unset (``1.0`` counts: JSON numbers are floats)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


ContainerView = tuple[str, Mapping[str, Any], Mapping[str, Any]]
"""``(name, container, securityContext)`` of one container."""


class Pod:
    """One pod (template) as the checks read it, with what many checks need computed once.

    ``containers`` are init, regular and ephemeral containers in that order (PSA
    ``visitContainers``); a container without a name is named ``""`` as in Go.
    """

    __slots__ = ("containers", "metadata", "security_context", "spec", "user_namespace", "windows")

    def __init__(self, metadata: object, spec: object) -> None:
        self.metadata = mapping(metadata)
        self.spec = pod_spec = mapping(spec)
        self.security_context = mapping(pod_spec.get("securityContext"))
        self.containers: tuple[ContainerView, ...] = tuple(
            (text(ref.container.get("name")), ref.container, mapping(ref.container.get("securityContext")))
            for ref in iter_containers(pod_spec)
        )
        # spec.os.name: the 1.25+ Windows exemptions key on this field only, not on node selectors.
        self.windows = mapping(pod_spec.get("os")).get("name") == "windows"
        # spec.hostUsers: false (PSA relaxPolicyForUserNamespacePod).
        self.user_namespace = pod_spec.get("hostUsers") is False

    def annotations(self) -> Mapping[str, Any]:
        return mapping(self.metadata.get("annotations"))


CheckFn = Callable[[Pod], Result]


@dataclass(frozen=True, slots=True)
class VersionedCheck:
    """One implementation of a check, used from policy version ``minimum`` on."""

    minimum: Version
    fn: CheckFn
    overrides: tuple[str, ...] = ()
    """Baseline check IDs this (restricted) implementation replaces (``OverrideCheckIDs``)."""


@dataclass(frozen=True, slots=True)
class Check:
    """A Pod Security Standards check: ``level`` is ``baseline`` or ``restricted``."""

    id: str
    level: str
    versions: tuple[VersionedCheck, ...]


# Upstream's text helpers (policy/helpers.go, fmt's %q).


def bad_setters(pod: Pod, bad_value: Callable[[Mapping[str, Any]], str | None]) -> tuple[list[str], set[str]]:
    """Who sets a forbidden value in a security context, worded as upstream's ``badSetters``
    (``pod``, then ``container "a"`` or ``containers "a", "b"``), and the forbidden values."""
    setters: list[str] = []
    values: set[str] = set()
    pod_value = bad_value(pod.security_context)
    if pod_value is not None:
        setters.append("pod")
        values.add(pod_value)
    containers: list[str] = []
    for name, _, context in pod.containers:
        value = bad_value(context)
        if value is not None:
            containers.append(name)
            values.add(value)
    if containers:
        setters.append(f"{pluralize('container', 'containers', len(containers))} {join_quote(containers)}")
    return setters, values


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def join_quote(items: Sequence[str]) -> str:
    """``"a", "b"``; no escaping, as upstream ``joinQuote``."""
    if not items:
        return ""
    return '"' + '", "'.join(items) + '"'


_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def go_quote(value: str) -> str:
    """Go's ``%q`` of a string (``strconv.Quote``): used for annotation values in details."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    out = ['"']
    for char in value:
        escaped = _GO_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char.isprintable():  # the same Unicode categories as Go's unicode.IsPrint
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)
