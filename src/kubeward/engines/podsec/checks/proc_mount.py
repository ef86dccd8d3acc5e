"""The default /proc masks must be kept (PSA ``check_procMount_baseline.go``,
``check_procMount_restricted.go``).

Restricted field: ``securityContext.procMount`` of every container. Allowed values: undefined,
``Default``. Baseline from v1.35: any value when ``spec.hostUsers: false`` (the pod runs in a
user namespace). Restricted keeps the unconditional v1.0 rule (``procMount_restricted``, v1.35,
replaces ``procMount``).
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck, join_quote, pluralize
from kubeward.k8s.versions import Version

__all__ = ["BASELINE", "RESTRICTED"]

_BASELINE_ID = "procMount"


def proc_mount_v1_0(pod: Pod) -> Result:
    bad: list[str] = []
    forbidden: set[str] = set()
    for name, _, context in pod.containers:
        proc_mount = context.get("procMount")
        if isinstance(proc_mount, str) and proc_mount != "Default":
            bad.append(name)
            forbidden.add(proc_mount)
    if bad:
        return "procMount", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}"
            f" must not set securityContext.procMount to {join_quote(sorted(forbidden))}"
        )
    return None


def proc_mount_v1_35_baseline(pod: Pod) -> Result:
    if pod.user_namespace:
        return None
    return proc_mount_v1_0(pod)


BASELINE = Check(
    _BASELINE_ID,
    "baseline",
    (
        VersionedCheck(Version(1, 0), proc_mount_v1_0),
        VersionedCheck(Version(1, 35), proc_mount_v1_35_baseline),
    ),
)
RESTRICTED = Check(
    "procMount_restricted",
    "restricted",
    (VersionedCheck(Version(1, 35), proc_mount_v1_0, (_BASELINE_ID,)),),
)
