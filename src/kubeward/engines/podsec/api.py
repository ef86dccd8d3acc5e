"""Evaluate a pod (template) against a Pod Security Standards policy, as PSA does.

``evaluate(policy, metadata, spec)`` runs the checks of the policy's level and version (see
:mod:`kubeward.engines.podsec.registry`) and returns one :class:`Violation` per failing check,
in PSA's order; ``()`` means the pod is allowed. ``privileged`` allows everything; ``latest``
and versions newer than :data:`NEWEST` are evaluated at :data:`NEWEST`, as upstream does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.podsec.checks._base import Pod
from kubeward.engines.podsec.registry import REGISTRY
from kubeward.k8s.versions import Version, parse_version

__all__ = ["LEVELS", "NEWEST", "Policy", "Violation", "check_ids", "evaluate", "parse_policy"]

LEVELS = ("privileged", "baseline", "restricted")
NEWEST = Version(1, 37)
"""The newest policy version known (PSA HEAD: the v1.37 sysctls)."""

if REGISTRY.newest != NEWEST:  # pragma: no cover - a check was added without updating NEWEST
    raise RuntimeError(f"the checks know policy version {REGISTRY.newest}, NEWEST says {NEWEST}")


@dataclass(frozen=True)
class Policy:
    """A level and a version; ``version=None`` is ``latest``."""

    level: str
    version: Version | None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:  # fail closed: an unknown level is a bug, never "allow all"
            raise ValueError(f"invalid level {self.level!r}: must be one of {', '.join(LEVELS)}")

    def __str__(self) -> str:
        """As PSA prints it: ``baseline:v1.30``, ``restricted:latest``."""
        return f"{self.level}:{'latest' if self.version is None else self.version}"


def parse_policy(level: str, version: str = "latest") -> Policy:
    """A policy from label-style values; raises :class:`ValueError` naming the bad value."""
    if level not in LEVELS:
        raise ValueError(f"invalid level {level!r}: must be one of {', '.join(LEVELS)}")
    if version == "latest":
        return Policy(level, None)
    try:
        return Policy(level, parse_version(version))
    except ValueError:
        raise ValueError(f'invalid version {version!r}: must be "latest" or "v1.x" (e.g. "v1.30")') from None


@dataclass(frozen=True, slots=True)
class Violation:
    """A failed check: upstream's check ID, ``ForbiddenReason`` and ``ForbiddenDetail``."""

    check: str
    reason: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "reason": self.reason, "detail": self.detail}


def evaluate(
    policy: Policy, pod_metadata: Mapping[str, Any], pod_spec: Mapping[str, Any]
) -> tuple[Violation, ...]:
    """The checks ``pod_spec`` (with ``pod_metadata``) fails at ``policy``, in PSA's order."""
    entries = REGISTRY.entries(policy.level, policy.version)
    if not entries:
        return ()
    pod = Pod(pod_metadata, pod_spec)
    violations = []
    for check_id, check in entries:
        result = check(pod)
        if result is not None:
            violations.append(Violation(check_id, *result))
    return tuple(violations)


def check_ids(policy: Policy) -> tuple[str, ...]:
    """The IDs of the checks that run at ``policy``, in evaluation order."""
    return tuple(check_id for check_id, _ in REGISTRY.entries(policy.level, policy.version))
