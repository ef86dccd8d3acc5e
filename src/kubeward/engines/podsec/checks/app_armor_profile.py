"""The default AppArmor profile must not be overridden or disabled (PSA ``check_appArmorProfile.go``).

Restricted fields: annotations ``container.apparmor.security.beta.kubernetes.io/*``
(allowed: empty, ``runtime/default``, ``localhost/*``) and ``securityContext.appArmorProfile.type``
of the pod and of every container (allowed: undefined, ``RuntimeDefault``, ``Localhost``).
The field check was added in Kubernetes 1.30 without a new policy version, so it applies at v1.0+.
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

__all__ = ["CHECK"]

_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _allowed_annotation_value(profile: str) -> bool:
    return not profile or profile == "runtime/default" or profile.startswith("localhost/")


def _bad_type(context: Mapping[str, object]) -> str | None:
    """The forbidden ``appArmorProfile.type`` this security context sets, if any."""
    profile = context.get("appArmorProfile")
    if not is_object(profile):
        return None
    profile_type = text(profile.get("type"))
    return None if profile_type in _ALLOWED_TYPES else profile_type


def app_armor_profile_v1_0(pod: Pod) -> Result:
    setters, bad_values = bad_setters(pod, _bad_type)
    forbidden_annotations = sorted(
        f"{key}={go_quote(value)}"
        for key, value in pod.annotations().items()
        if isinstance(key, str)
        and key.startswith(_ANNOTATION_PREFIX)
        and isinstance(value, str)
        and not _allowed_annotation_value(value)
    )
    bad_value_list = sorted(bad_values) + forbidden_annotations
    if forbidden_annotations:
        setters.append(pluralize("annotation", "annotations", len(forbidden_annotations)))
    if setters:
        return pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(bad_value_list)), (
            f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(bad_value_list)}"
        )
    return None


CHECK = Check("appArmorProfile", "baseline", (VersionedCheck(Version(1, 0), app_armor_profile_v1_0),))
