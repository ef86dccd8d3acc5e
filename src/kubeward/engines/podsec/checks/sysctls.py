"""Sysctls can disable security mechanisms or affect all containers on a host; only a "safe"
subset, namespaced and isolated per pod, is allowed (PSA ``check_sysctls.go``).

Restricted field: ``spec.securityContext.sysctls[*].name`` (matched literally). Allowed values
grow with the policy version: v1.0 ``kernel.shm_rmid_forced``, ``net.ipv4.ip_local_port_range``,
``net.ipv4.tcp_syncookies``, ``net.ipv4.ping_group_range``, ``net.ipv4.ip_unprivileged_port_start``;
v1.27 + ``net.ipv4.ip_local_reserved_ports``; v1.29 + ``net.ipv4.tcp_keepalive_time``,
``net.ipv4.tcp_fin_timeout``, ``net.ipv4.tcp_keepalive_intvl``, ``net.ipv4.tcp_keepalive_probes``;
v1.32 + ``net.ipv4.tcp_rmem``, ``net.ipv4.tcp_wmem``; v1.37 + ``net.ipv4.tcp_slow_start_after_idle``,
``net.ipv4.tcp_notsent_lowat``.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck, mappings, text
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]

_ALLOWED_V1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
_ALLOWED_V1_27 = _ALLOWED_V1_0 | {"net.ipv4.ip_local_reserved_ports"}
_ALLOWED_V1_29 = _ALLOWED_V1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
_ALLOWED_V1_32 = _ALLOWED_V1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_ALLOWED_V1_37 = _ALLOWED_V1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _sysctls(pod: Pod, allowed: frozenset[str]) -> Result:
    sysctls = pod.security_context.get("sysctls")
    if not sysctls:
        return None
    # Every forbidden entry, in order and with repeats, as upstream lists them.
    forbidden = [
        name for name in (text(sysctl.get("name")) for sysctl in mappings(sysctls)) if name not in allowed
    ]
    if forbidden:
        return "forbidden sysctls", ", ".join(forbidden)
    return None


def sysctls_v1_0(pod: Pod) -> Result:
    return _sysctls(pod, _ALLOWED_V1_0)


def sysctls_v1_27(pod: Pod) -> Result:
    return _sysctls(pod, _ALLOWED_V1_27)


def sysctls_v1_29(pod: Pod) -> Result:
    return _sysctls(pod, _ALLOWED_V1_29)


def sysctls_v1_32(pod: Pod) -> Result:
    return _sysctls(pod, _ALLOWED_V1_32)


def sysctls_v1_37(pod: Pod) -> Result:
    return _sysctls(pod, _ALLOWED_V1_37)


CHECK = Check(
    "sysctls",
    "baseline",
    (
        VersionedCheck(Version(1, 0), sysctls_v1_0),
        VersionedCheck(Version(1, 27), sysctls_v1_27),
        VersionedCheck(Version(1, 29), sysctls_v1_29),
        VersionedCheck(Version(1, 32), sysctls_v1_32),
        VersionedCheck(Version(1, 37), sysctls_v1_37),
    ),
)
