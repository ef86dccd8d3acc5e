"""Seccomp profiles must be set, to the runtime default or a localhost profile
(PSA ``check_seccompProfile_restricted.go``).

Restricted fields: ``securityContext.seccompProfile.type`` of the pod and of every container.
Allowed values: ``RuntimeDefault``, ``Localhost``; a container may leave it undefined when the
pod sets an allowed type. From v1.25 a pod with ``spec.os.name: windows`` is exempt.
Replaces ``seccompProfile_baseline`` in restricted.
"""

from __future__ import annotations

from collections.abc import Mapping

from kubeward.engines.podsec.checks import seccomp_profile_baseline
from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    is_object,
    join_quote,
    pluralize,
    text,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def _profile_type(context: Mapping[str, object]) -> str | None:
    """``seccompProfile.type`` of a security context, ``None`` if it sets no profile."""
    profile = context.get("seccompProfile")
    return text(profile.get("type")) if is_object(profile) else None


def seccomp_profile_restricted_v1_19(pod: Pod) -> Result:
    valid_types = seccomp_profile_baseline.VALID_TYPES
    bad_setters: list[str] = []
    bad_values: set[str] = set()
    pod_seccomp_set = False
    pod_type = _profile_type(pod.security_context)
    if pod_type is not None:
        if pod_type in valid_types:
            pod_seccomp_set = True
        else:
            bad_setters.append("pod")
            bad_values.add(pod_type)
    explicitly_bad: list[str] = []
    implicitly_bad: list[str] = []
    for name, _, context in pod.containers:
        container_type = _profile_type(context)
        if container_type is None:
            if not pod_seccomp_set:
                implicitly_bad.append(name)
        elif container_type not in valid_types:
            explicitly_bad.append(name)
            bad_values.add(container_type)
    if explicitly_bad:
        bad_setters.append(
            f"{pluralize('container', 'containers', len(explicitly_bad))} {join_quote(explicitly_bad)}"
        )
    if bad_setters:
        return "seccompProfile", (
            f"{' and '.join(bad_setters)} must not set securityContext.seccompProfile.type to"
            f" {join_quote(sorted(bad_values))}"
        )
    if implicitly_bad:
        return "seccompProfile", (
            f"pod or {pluralize('container', 'containers', len(implicitly_bad))} {join_quote(implicitly_bad)}"
            ' must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
    return None


def seccomp_profile_restricted_v1_25(pod: Pod) -> Result:
    """Windows pods cannot set a seccomp profile (API validation), so they are exempt."""
    if pod.windows:
        return None
    return seccomp_profile_restricted_v1_19(pod)


_OVERRIDES = (seccomp_profile_baseline.CHECK_ID,)
CHECK = Check(
    "seccompProfile_restricted",
    "restricted",
    (
        VersionedCheck(Version(1, 19), seccomp_profile_restricted_v1_19, _OVERRIDES),
        VersionedCheck(Version(1, 25), seccomp_profile_restricted_v1_25, _OVERRIDES),
    ),
)
