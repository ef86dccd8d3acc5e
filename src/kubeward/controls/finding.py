"""What a control reports: a :class:`Finding` about one object, with its evidence."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from kubeward.k8s.objects import ObjectRef, Origin, Path

__all__ = ["Finding", "Severity", "in_namespace"]


class Severity(enum.IntEnum):
    """Ordered severities; ``--fail-on`` and ``--min-severity`` compare with them."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(severity.label for severity in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One control's verdict on one object.

    ``reason`` is short and stable (``no-resource-quota``); ``detail`` is the specific
    sentence a human reads; ``paths`` are the fields involved (inside the object named by
    ``origin``); ``why`` is the evidence, one line each. ``key`` tells apart several
    findings of one control on one object (a container name, say) and is part of the
    :attr:`fingerprint` that baselines and SARIF use.
    """

    control_id: str
    ref: ObjectRef
    origin: Origin | None
    reason: str
    detail: str
    paths: tuple[Path, ...] = ()
    why: tuple[str, ...] = ()
    key: str = ""

    @property
    def fingerprint(self) -> str:
        ref = self.ref
        text = "|".join((self.control_id, ref.group, ref.kind, ref.namespace, ref.name, self.key))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def in_namespace(namespace: str) -> str:
    """``in namespace 'x'``, or what an empty namespace means in a manifest."""
    return f"in namespace {namespace!r}" if namespace else "in the namespace chosen when applied"
