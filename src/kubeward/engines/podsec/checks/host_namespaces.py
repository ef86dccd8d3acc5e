"""Sharing the host namespaces must be disallowed (PSA ``check_hostNamespaces.go``).

Restricted fields: ``spec.hostNetwork``, ``spec.hostPID``, ``spec.hostIPC``.
Allowed values: undefined, ``false``.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import Check, Pod, Result, VersionedCheck
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def host_namespaces_v1_0(pod: Pod) -> Result:
    spec = pod.spec
    found = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field) is True]
    if found:
        return "host namespaces", ", ".join(found)
    return None


CHECK = Check("hostNamespaces", "baseline", (VersionedCheck(Version(1, 0), host_namespaces_v1_0),))
