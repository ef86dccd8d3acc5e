"""Privileged pods disable most security mechanisms and must be disallowed (PSA ``check_privileged.go``).

Restricted fields: ``securityContext.privileged`` of every container.
Allowed values: ``false``, undefined.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck, join_quote, pluralize
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def privileged_v1_0(pod: Pod) -> Result:
    bad = [name for name, _, context in pod.containers if context.get("privileged") is True]
    if bad:
        return "privileged", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}"
            " must not set securityContext.privileged=true"
        )
    return None


CHECK = Check("privileged", "baseline", (VersionedCheck(Version(1, 0), privileged_v1_0),))
