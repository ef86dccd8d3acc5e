"""Settings that change what controls consider (from flags and the configuration file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["DEFAULT_SYSTEM_NAMESPACES", "Settings"]

DEFAULT_SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


@dataclass(frozen=True, slots=True)
class Settings:
    """``system_namespaces`` belong to the platform: namespace-isolation controls that are
    about tenants (quotas, limits, default service accounts) skip them.
    ``include_system_rbac`` makes the RBAC controls judge the platform's own roles,
    bindings and subjects too (``system:*`` objects, controller service accounts), which
    they skip by default.
    ``now`` is the scan's time for controls about expiry (``None``: the clock when the
    control runs); tests pin it."""

    system_namespaces: frozenset[str] = DEFAULT_SYSTEM_NAMESPACES
    include_system_rbac: bool = False
    now: datetime | None = None

    def current_time(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)
