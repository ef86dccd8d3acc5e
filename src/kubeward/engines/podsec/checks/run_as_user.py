"""Containers must not set ``runAsUser: 0`` (PSA ``check_runAsUser.go``).

Restricted fields: ``securityContext.runAsUser`` of the pod and of every container.
Allowed values: non-zero values, undefined. v1.23+; from v1.35 skipped for pods with
``spec.hostUsers: false`` (user namespaces); older policy versions never relax.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    integer,
    join_quote,
    pluralize,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def run_as_user_v1_23(pod: Pod) -> Result:
    bad_setters = ["pod"] if integer(pod.security_context.get("runAsUser")) == 0 else []
    bad = [name for name, _, context in pod.containers if integer(context.get("runAsUser")) == 0]
    if bad:
        bad_setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if bad_setters:
        return "runAsUser=0", f"{' and '.join(bad_setters)} must not set runAsUser=0"
    return None


def run_as_user_v1_35(pod: Pod) -> Result:
    if pod.user_namespace:
        return None
    return run_as_user_v1_23(pod)


CHECK = Check(
    "runAsUser",
    "restricted",
    (
        VersionedCheck(Version(1, 23), run_as_user_v1_23),
        VersionedCheck(Version(1, 35), run_as_user_v1_35),
    ),
)
