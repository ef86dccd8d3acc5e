"""Setting the SELinux type is restricted; a custom SELinux user or role is forbidden
(PSA ``check_seLinuxOptions.go``).

Restricted fields: ``securityContext.seLinuxOptions.type`` of the pod and of every container
(allowed: undefined/empty, ``container_t``, ``container_init_t``, ``container_kvm_t``, and from
v1.31 ``container_engine_t``); ``seLinuxOptions.user`` and ``.role`` (allowed: undefined/empty).
"""

from __future__ import annotations

from collections.abc import Mapping

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

_ALLOWED_TYPES_V1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_ALLOWED_TYPES_V1_31 = _ALLOWED_TYPES_V1_0 | {"container_engine_t"}


class _Findings:
    """What the pod's and containers' options set wrong, over all of them (as upstream's closure)."""

    __slots__ = ("bad_types", "set_role", "set_user")

    def __init__(self) -> None:
        self.bad_types: set[str] = set()
        self.set_user = False
        self.set_role = False

    def valid(self, context: Mapping[str, object], allowed: frozenset[str]) -> bool:
        options = context.get("seLinuxOptions")
        if not is_object(options):
            return True
        valid = True
        option_type = text(options.get("type"))
        if option_type not in allowed:
            valid = False
            self.bad_types.add(option_type)
        if text(options.get("user")):
            valid = False
            self.set_user = True
        if text(options.get("role")):
            valid = False
            self.set_role = True
        return valid


def _se_linux_options(pod: Pod, allowed: frozenset[str]) -> Result:
    findings = _Findings()
    bad_setters: list[str] = []
    if not findings.valid(pod.security_context, allowed):
        bad_setters.append("pod")
    bad_containers = [name for name, _, context in pod.containers if not findings.valid(context, allowed)]
    if bad_containers:
        bad_setters.append(
            f"{pluralize('container', 'containers', len(bad_containers))} {join_quote(bad_containers)}"
        )
    if not bad_setters:
        return None
    bad_data: list[str] = []
    if findings.bad_types:
        bad_types = sorted(findings.bad_types)
        bad_data.append(f"{pluralize('type', 'types', len(bad_types))} {join_quote(bad_types)}")
    if findings.set_user:
        bad_data.append("user may not be set")
    if findings.set_role:
        bad_data.append("role may not be set")
    return "seLinuxOptions", (
        f"{' and '.join(bad_setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(bad_data)}"
    )


def se_linux_options_v1_0(pod: Pod) -> Result:
    return _se_linux_options(pod, _ALLOWED_TYPES_V1_0)


def se_linux_options_v1_31(pod: Pod) -> Result:
    return _se_linux_options(pod, _ALLOWED_TYPES_V1_31)


CHECK = Check(
    "seLinuxOptions",
    "baseline",
    (
        VersionedCheck(Version(1, 0), se_linux_options_v1_0),
        VersionedCheck(Version(1, 31), se_linux_options_v1_31),
    ),
)
