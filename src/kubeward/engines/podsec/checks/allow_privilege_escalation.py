"""Privilege escalation (set-user-ID or set-group-ID file modes) must not be allowed
(PSA ``check_allowPrivilegeEscalation.go``).

Restricted field: ``securityContext.allowPrivilegeEscalation`` of every container.
Allowed value: ``false`` (undefined fails). v1.8+ (the field appeared in Kubernetes 1.8); from
v1.25 a pod with ``spec.os.name: windows`` is exempt.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck, join_quote, pluralize
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def allow_privilege_escalation_v1_8(pod: Pod) -> Result:
    bad = [
        name for name, _, context in pod.containers if context.get("allowPrivilegeEscalation") is not False
    ]
    if bad:
        return "allowPrivilegeEscalation != false", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}"
            " must set securityContext.allowPrivilegeEscalation=false"
        )
    return None


def allow_privilege_escalation_v1_25(pod: Pod) -> Result:
    """Windows pods cannot set allowPrivilegeEscalation (API validation), so they are exempt."""
    if pod.windows:
        return None
    return allow_privilege_escalation_v1_8(pod)


CHECK = Check(
    "allowPrivilegeEscalation",
    "restricted",
    (
        VersionedCheck(Version(1, 8), allow_privilege_escalation_v1_8),
        VersionedCheck(Version(1, 25), allow_privilege_escalation_v1_25),
    ),
)
