"""If a seccomp profile is set, only the runtime default and localhost profiles are allowed
(PSA ``check_seccompProfile_baseline.go``).

v1.0-v1.18: annotations ``seccomp.security.alpha.kubernetes.io/pod`` and
``container.seccomp.security.alpha.kubernetes.io/<container name>``; allowed values
``runtime/default``, ``docker/default``, ``localhost/*``, undefined (an empty value is denied).
v1.19+: the fields only, ``securityContext.seccompProfile.type`` of the pod and of every
container; allowed values ``RuntimeDefault``, ``Localhost``, undefined.
"""

from __future__ import annotations

from collections.abc import Mapping

from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    bad_setters,
    go_quote,
    is_object,
    join_quote,
    pluralize,
    text,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK", "CHECK_ID", "VALID_TYPES"]

CHECK_ID = "seccompProfile_baseline"
VALID_TYPES = frozenset({"RuntimeDefault", "Localhost"})
_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def _valid_annotation_value(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def _bad_type(context: Mapping[str, object]) -> str | None:
    """The forbidden ``seccompProfile.type`` a security context sets (``""`` if the type is unset)."""
    profile = context.get("seccompProfile")
    if not is_object(profile):
        return None
    profile_type = text(profile.get("type"))
    return None if profile_type in VALID_TYPES else profile_type


def seccomp_profile_baseline_v1_0(pod: Pod) -> Result:
    annotations = pod.annotations()
    if not annotations:
        return None
    forbidden: set[str] = set()
    value = annotations.get(_POD_ANNOTATION)
    if isinstance(value, str) and not _valid_annotation_value(value):
        forbidden.add(f"{_POD_ANNOTATION}={go_quote(value)}")
    for name, _, _ in pod.containers:
        key = _CONTAINER_ANNOTATION_PREFIX + name
        value = annotations.get(key)
        if isinstance(value, str) and not _valid_annotation_value(value):
            forbidden.add(f"{key}={go_quote(value)}")
    if forbidden:
        return "seccompProfile", (
            f"forbidden {pluralize('annotation', 'annotations', len(forbidden))}"
            f" {', '.join(sorted(forbidden))}"
        )
    return None


def seccomp_profile_baseline_v1_19(pod: Pod) -> Result:
    setters, bad_values = bad_setters(pod, _bad_type)
    if setters:
        return "seccompProfile", (
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to"
            f" {join_quote(sorted(bad_values))}"
        )
    return None


CHECK = Check(
    CHECK_ID,
    "baseline",
    (
        VersionedCheck(Version(1, 0), seccomp_profile_baseline_v1_0),
        VersionedCheck(Version(1, 19), seccomp_profile_baseline_v1_19),
    ),
)
