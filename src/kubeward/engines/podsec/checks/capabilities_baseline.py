"""Adding NET_RAW or capabilities beyond the default set must be disallowed
(PSA ``check_capabilities_baseline.go``).

Restricted fields: ``securityContext.capabilities.add`` of every container.
Allowed values: undefined, empty, or values from the container runtime's default set
``AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE SETFCAP SETGID
SETPCAP SETUID SYS_CHROOT``.
"""

from __future__ import annotations

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

__all__ = ["ALLOWED_CAPABILITIES", "CHECK", "CHECK_ID"]

CHECK_ID = "capabilities_baseline"

ALLOWED_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def capabilities_baseline_v1_0(pod: Pod) -> Result:
    bad: list[str] = []
    non_default: set[str] = set()
    for name, _, context in pod.containers:
        capabilities = context.get("capabilities")
        if not is_object(capabilities):
            continue
        added = capabilities.get("add")
        if not isinstance(added, list):
            continue
        valid = True
        for capability in added:
            if isinstance(capability, str) and capability not in ALLOWED_CAPABILITIES:
                valid = False
                non_default.add(capability)
        if not valid:
            bad.append(name)
    if bad:
        return "non-default capabilities", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}"
            f" must not include {join_quote(sorted(non_default))} in securityContext.capabilities.add"
        )
    return None


CHECK = Check(CHECK_ID, "baseline", (VersionedCheck(Version(1, 0), capabilities_baseline_v1_0),))
