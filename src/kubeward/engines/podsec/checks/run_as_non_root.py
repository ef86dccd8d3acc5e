"""Containers must run as non-root users (PSA ``check_runAsNonRoot.go``).

Restricted fields: ``securityContext.runAsNonRoot`` of the pod and of every container.
Allowed values: ``true``; a container may leave it undefined when the pod sets ``true``. An
explicit ``false`` anywhere fails, and a non-zero ``runAsUser`` does not satisfy the rule.
From v1.35 the check is skipped for pods with ``spec.hostUsers: false`` (user namespaces);
older policy versions never relax.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck, join_quote, pluralize
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def run_as_non_root_v1_0(pod: Pod) -> Result:
    bad_setters: list[str] = []
    pod_run_as_non_root = False
    pod_value = pod.security_context.get("runAsNonRoot")
    if pod_value is False:
        bad_setters.append("pod")
    elif pod_value is True:
        pod_run_as_non_root = True
    explicitly_bad: list[str] = []
    implicitly_bad: list[str] = []
    for name, _, context in pod.containers:
        value = context.get("runAsNonRoot")
        if value is False:
            explicitly_bad.append(name)
        elif value is not True and not pod_run_as_non_root:
            implicitly_bad.append(name)
    if explicitly_bad:
        bad_setters.append(
            f"{pluralize('container', 'containers', len(explicitly_bad))} {join_quote(explicitly_bad)}"
        )
    if bad_setters:
        return "runAsNonRoot != true", (
            f"{' and '.join(bad_setters)} must not set securityContext.runAsNonRoot=false"
        )
    if implicitly_bad:
        return "runAsNonRoot != true", (
            f"pod or {pluralize('container', 'containers', len(implicitly_bad))} {join_quote(implicitly_bad)}"
            " must set securityContext.runAsNonRoot=true"
        )
    return None


def run_as_non_root_v1_35(pod: Pod) -> Result:
    if pod.user_namespace:
        return None
    return run_as_non_root_v1_0(pod)


CHECK = Check(
    "runAsNonRoot",
    "restricted",
    (
        VersionedCheck(Version(1, 0), run_as_non_root_v1_0),
        VersionedCheck(Version(1, 35), run_as_non_root_v1_35),
    ),
)
