"""Containers must drop ALL capabilities and may only add back NET_BIND_SERVICE
(PSA ``check_capabilities_restricted.go``).

Restricted fields: ``securityContext.capabilities.drop`` of every container (must include the
literal, case-sensitive ``"ALL"``) and ``securityContext.capabilities.add`` (undefined, empty or
``NET_BIND_SERVICE`` only). From v1.25 a pod with ``spec.os.name: windows`` is exempt.
Replaces ``capabilities_baseline`` in restricted.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks import capabilities_baseline
from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    is_object,
    join_quote,
    pluralize,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def capabilities_restricted_v1_22(pod: Pod) -> Result:
    missing_drop_all: list[str] = []
    adding_forbidden: list[str] = []
    forbidden: set[str] = set()
    for name, _, context in pod.containers:
        capabilities = context.get("capabilities")
        if not is_object(capabilities):
            missing_drop_all.append(name)
            continue
        dropped = capabilities.get("drop")
        if not (isinstance(dropped, list) and "ALL" in dropped):
            missing_drop_all.append(name)
        added = capabilities.get("add")
        if isinstance(added, list):
            added_forbidden = False
            for capability in added:
                if isinstance(capability, str) and capability != "NET_BIND_SERVICE":
                    added_forbidden = True
                    forbidden.add(capability)
            if added_forbidden:
                adding_forbidden.append(name)
    details = []
    if missing_drop_all:
        details.append(
            f"{pluralize('container', 'containers', len(missing_drop_all))} {join_quote(missing_drop_all)}"
            ' must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding_forbidden:
        details.append(
            f"{pluralize('container', 'containers', len(adding_forbidden))} {join_quote(adding_forbidden)}"
            f" must not include {join_quote(sorted(forbidden))} in securityContext.capabilities.add"
        )
    if details:
        return "unrestricted capabilities", "; ".join(details)
    return None


def capabilities_restricted_v1_25(pod: Pod) -> Result:
    """Windows pods cannot set capabilities (API validation), so they are exempt."""
    if pod.windows:
        return None
    return capabilities_restricted_v1_22(pod)


_OVERRIDES = (capabilities_baseline.CHECK_ID,)
CHECK = Check(
    "capabilities_restricted",
    "restricted",
    (
        VersionedCheck(Version(1, 22), capabilities_restricted_v1_22, _OVERRIDES),
        VersionedCheck(Version(1, 25), capabilities_restricted_v1_25, _OVERRIDES),
    ),
)
