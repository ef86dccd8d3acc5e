"""HostPorts must be forbidden (PSA ``check_hostPorts.go``; upstream allows no "known list").

Restricted field: ``ports[*].hostPort`` of every container. Allowed values: undefined, ``0``.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    integer,
    join_quote,
    mappings,
    pluralize,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]


def host_ports_v1_0(pod: Pod) -> Result:
    bad: list[str] = []
    forbidden: set[str] = set()
    for name, container, _ in pod.containers:
        ports = container.get("ports")
        if not ports:
            continue
        valid = True
        for port in mappings(ports):
            host_port = integer(port.get("hostPort"))
            if host_port:
                valid = False
                forbidden.add(str(host_port))
        if not valid:
            bad.append(name)
    if bad:
        # Upstream sorts the ports as strings ("10", "9").
        return "hostPort", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}"
            f" {pluralize('uses', 'use', len(bad))} {pluralize('hostPort', 'hostPorts', len(forbidden))}"
            f" {', '.join(sorted(forbidden))}"
        )
    return None


CHECK = Check("hostPorts", "baseline", (VersionedCheck(Version(1, 0), host_ports_v1_0),))
