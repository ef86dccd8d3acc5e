"""The check registry, as PSA ``policy/registry.go``: validated once, expanded once.

For a policy version V a check runs its newest implementation whose minimum version is <= V
(and does not run at all below its first one). ``baseline`` runs the baseline checks;
``restricted`` runs the restricted checks plus every baseline check that no active restricted
implementation overrides. Each (level, version) from v1.0 to the newest minimum version known
is expanded into an ordered tuple of check functions when the registry is built: baseline IDs
sorted, then restricted IDs sorted, as upstream orders them for stable messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kubeward.engines.podsec.checks import ALL_CHECKS
from kubeward.engines.podsec.checks._base import Check, CheckFn, VersionedCheck
from kubeward.k8s.versions import Version

__all__ = ["CHECK_LEVELS", "REGISTRY", "Registry", "RegistryError", "active_version", "validate_checks"]

CHECK_LEVELS = ("baseline", "restricted")

CheckEntry = tuple[str, CheckFn]
"""A check ID and the implementation that runs."""


class RegistryError(ValueError):
    """The checks do not form a valid registry (a programming error, raised at import)."""


def active_version(check: Check, version: Version) -> VersionedCheck | None:
    """The implementation of ``check`` used at policy ``version``, if it runs at all."""
    chosen = None
    for versioned in check.versions:
        if versioned.minimum <= version:
            chosen = versioned
    return chosen


def validate_checks(checks: Sequence[Check]) -> None:
    """Raise :class:`RegistryError` unless the checks are valid (upstream ``validateChecks``):
    unique IDs, a known level, strictly increasing v1.x minimum versions, and overrides only
    from restricted checks and never onto a registered restricted check."""
    levels: dict[str, str] = {}
    for check in checks:
        if check.id in levels:
            raise RegistryError(f"multiple checks registered for ID {check.id}")
        levels[check.id] = check.level
        if check.level not in CHECK_LEVELS:
            raise RegistryError(f"check {check.id}: invalid level {check.level}")
        if not check.versions:
            raise RegistryError(f"check {check.id}: empty")
        previous = Version(1, -1)
        for versioned in check.versions:
            if versioned.minimum.major != 1 or versioned.minimum.minor < 0:
                raise RegistryError(f"check {check.id}: invalid version {versioned.minimum}")
            if versioned.minimum <= previous:
                raise RegistryError(f"check {check.id}: versions must be strictly increasing")
            previous = versioned.minimum
    for check in checks:
        for versioned in check.versions:
            if versioned.overrides and check.level != "restricted":
                raise RegistryError(f"check {check.id}: only restricted checks may set overrides")
            for override in versioned.overrides:
                if levels.get(override, "baseline") != "baseline":
                    raise RegistryError(f"check {check.id}: overrides {levels[override]} check {override}")


@dataclass(frozen=True)
class Registry:
    """Validated checks and their (level, version) expansion."""

    checks: tuple[Check, ...]
    newest: Version
    """The newest policy version any check knows; later versions are clamped to it."""
    table: Mapping[tuple[str, Version], tuple[CheckEntry, ...]]

    @classmethod
    def build(cls, checks: Iterable[Check]) -> Registry:
        checks = tuple(checks)
        validate_checks(checks)
        newest = max((check.versions[-1].minimum for check in checks), default=Version(1, 0))
        ordered = sorted(checks, key=lambda check: (CHECK_LEVELS.index(check.level), check.id))
        table: dict[tuple[str, Version], tuple[CheckEntry, ...]] = {}
        for minor in range(newest.minor + 1):
            version = Version(1, minor)
            active = [(check, active_version(check, version)) for check in ordered]
            running = [(check, versioned) for check, versioned in active if versioned is not None]
            overridden = {
                override
                for check, versioned in running
                if check.level == "restricted"
                for override in versioned.overrides
            }
            table["baseline", version] = tuple(
                (check.id, versioned.fn) for check, versioned in running if check.level == "baseline"
            )
            table["restricted", version] = tuple(
                (check.id, versioned.fn) for check, versioned in running if check.id not in overridden
            )
        return cls(checks, newest, table)

    def effective_version(self, version: Version | None) -> Version:
        """``None`` (latest) and versions above the newest known one become the newest."""
        if version is None or version > self.newest:
            return self.newest
        return version

    def entries(self, level: str, version: Version | None) -> tuple[CheckEntry, ...]:
        """The checks that run at ``level`` (``privileged`` runs none) and ``version``."""
        return self.table.get((level, self.effective_version(version)), ())


REGISTRY = Registry.build(ALL_CHECKS)
