"""Object references, origins and field paths: how kubeward names an object and a place.

Raw Kubernetes objects stay plain dicts (``body``); these small frozen records say which
object a body is (:class:`ObjectRef`), where it was read (:class:`Origin`) and which field a
finding is about (a :data:`Path`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ID_TOKEN_VALIDITY",
    "GroupKind",
    "ObjectRef",
    "Origin",
    "Path",
    "Record",
    "format_path",
    "get_path",
    "is_kubeconfig",
    "split_api_version",
]

Path = tuple[str | int, ...]
"""A field path inside an object body: ``("spec", "containers", 0, "image")``."""


def format_path(path: Path) -> str:
    """``spec.containers[0].image``; keys that are not identifiers are quoted."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.replace("_", "a").replace("-", "a").isalnum():
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


def get_path(body: Any, path: Path) -> Any:
    """The value at ``path`` inside ``body``, or None where the path leaves the data."""
    for part in path:
        if isinstance(part, str) and isinstance(body, Mapping):
            body = body.get(part)
        elif isinstance(part, int) and isinstance(body, list) and 0 <= part < len(body):
            body = body[part]
        else:
            return None
    return body


ID_TOKEN_VALIDITY = "kubeward.io/id-token-validity"
"""The key under which a kubeconfig's ``auth-provider.config`` keeps the ``iat`` and ``exp``
claims of its ``id-token`` once the token itself is redacted at load: not secret (they say
how long the token is valid), and what the authentication controls judge."""


def is_kubeconfig(body: Mapping[str, Any]) -> bool:
    """A kubeconfig file (``apiVersion: v1``, ``kind: Config``): not an API object."""
    return body.get("kind") == "Config" and body.get("apiVersion") == "v1"


def split_api_version(api_version: str) -> tuple[str, str]:
    """``"apps/v1"`` -> ``("apps", "v1")``; ``"v1"`` -> ``("", "v1")`` (the core group)."""
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(frozen=True, slots=True, order=True)
class GroupKind:
    """An API group and kind: what a type *is*, independent of its version."""

    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """Which object: kind (with its API group), namespace and name.

    ``namespace`` is empty for cluster-scoped objects, and for namespaced objects whose
    manifest leaves the namespace to apply time (``kubectl apply -n``).
    """

    kind: str
    name: str
    namespace: str = ""
    group: str = ""

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @property
    def qualified_name(self) -> str:
        """``namespace/name``, or ``name`` without a namespace."""
        name = self.name or "<unnamed>"
        return f"{self.namespace}/{name}" if self.namespace else name

    @property
    def named(self) -> str:
        """``Kind 'name'``: how a finding's message names its own object."""
        return f"{self.kind} {self.name!r}"

    @property
    def label(self) -> str:
        """``Kind namespace/name``, without the API group: how messages name an object."""
        return f"{self.kind} {self.qualified_name}"

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind} {self.qualified_name}"

    def to_dict(self) -> dict[str, str]:
        return {"group": self.group, "kind": self.kind, "namespace": self.namespace, "name": self.name}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was read: file (``-`` for stdin, ``cluster:<context>`` when live), the
    0-based index of its YAML document, its 1-based line, its place inside the document
    (``("items", 3)`` for the fourth item of a List) and, for Helm-rendered streams, the
    chart template named by the ``# Source:`` comment."""

    file: str
    document: int = 0
    line: int | None = None
    path: Path = ()
    template: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "document": self.document, "line": self.line}
        if self.template is not None:
            out["template"] = self.template
        return out

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} ({self.template})" if self.template else where


@dataclass(frozen=True, slots=True)
class Record:
    """One object as a source read it: its body and where it came from."""

    body: dict[str, Any]
    origin: Origin
