"""Deliberately naive references for the Pod Security Standards engine.

* :func:`naive_evaluate` picks the checks for a level and version by walking every registered
  check on each call (no table, no cache), applies overrides and orders them itself.
* :func:`independent_failures` restates a few checks from the standard's text, without the
  engine's helpers, and says which of them a pod fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubeward.engines.podsec import NEWEST, Policy, Violation
from kubeward.engines.podsec.checks import ALL_CHECKS
from kubeward.engines.podsec.checks._base import Pod
from kubeward.k8s.versions import Version

__all__ = ["INDEPENDENT_CHECKS", "independent_failures", "naive_evaluate"]


def naive_evaluate(
    policy: Policy, metadata: Mapping[str, Any], spec: Mapping[str, Any]
) -> tuple[Violation, ...]:
    if policy.level == "privileged":
        return ()
    version = NEWEST if policy.version is None or policy.version > NEWEST else policy.version
    running = []
    for check in ALL_CHECKS:
        if policy.level == "baseline" and check.level == "restricted":
            continue
        chosen = None
        for versioned in check.versions:
            if versioned.minimum <= version:
                chosen = versioned
        if chosen is not None:
            running.append((check, chosen))
    if policy.level == "restricted":
        overridden = {override for _, chosen in running for override in chosen.overrides}
        running = [(check, chosen) for check, chosen in running if check.id not in overridden]
    running.sort(key=lambda pair: (pair[0].level == "restricted", pair[0].id))
    violations = []
    for check, chosen in running:
        result = chosen.fn(Pod(metadata, spec))
        if result is not None:
            violations.append(Violation(check.id, *result))
    return tuple(violations)


def _containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        value = spec.get(field)
        if isinstance(value, list):
            found.extend(item for item in value if isinstance(item, dict))
    return found


def _context(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    value = obj.get("securityContext")
    return value if isinstance(value, dict) else {}


INDEPENDENT_CHECKS = (
    "hostNamespaces",
    "privileged",
    "hostPorts",
    "allowPrivilegeEscalation",
    "runAsNonRoot",
    "capabilities_restricted",
)

_SAFE_SYSCTLS_V1_0 = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
}


def independent_failures(version: Version, spec: Mapping[str, Any]) -> set[str]:
    """Which of :data:`INDEPENDENT_CHECKS` (and ``sysctls`` at v1.0-v1.26) a pod fails at ``version``."""
    containers = _containers(spec)
    windows = isinstance(spec.get("os"), dict) and spec["os"].get("name") == "windows"
    user_namespace = spec.get("hostUsers") is False
    failed = set()
    if any(spec.get(field) is True for field in ("hostNetwork", "hostPID", "hostIPC")):
        failed.add("hostNamespaces")
    if any(_context(c).get("privileged") is True for c in containers):
        failed.add("privileged")
    for container in containers:
        for port in container.get("ports") or []:
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                failed.add("hostPorts")
    exempt_windows = windows and version >= Version(1, 25)
    escalation_allowed = not all(_context(c).get("allowPrivilegeEscalation") is False for c in containers)
    if version >= Version(1, 8) and not exempt_windows and escalation_allowed:
        failed.add("allowPrivilegeEscalation")
    if not (user_namespace and version >= Version(1, 35)):
        pod_value = _context(spec).get("runAsNonRoot")
        values = [_context(c).get("runAsNonRoot") for c in containers]
        if pod_value is False or False in values or (pod_value is not True and None in values):
            failed.add("runAsNonRoot")
    if version >= Version(1, 22) and not exempt_windows:
        for container in containers:
            capabilities = _context(container).get("capabilities")
            capabilities = capabilities if isinstance(capabilities, dict) else {}
            if "ALL" not in (capabilities.get("drop") or []) or any(
                added != "NET_BIND_SERVICE" for added in capabilities.get("add") or []
            ):
                failed.add("capabilities_restricted")
    if version < Version(1, 27):
        names = [sysctl.get("name", "") for sysctl in _context(spec).get("sysctls") or []]
        if any(name not in _SAFE_SYSCTLS_V1_0 for name in names):
            failed.add("sysctls")
    return failed
