"""Probes and lifecycle handlers must not target another host
(PSA ``check_hostProbesAndhostLifecycle.go``).

Restricted fields: ``{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host`` and
``lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host`` of every container.
Allowed values: undefined, ``""`` (``localhost`` and ``127.0.0.1`` are forbidden too). v1.34+.
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
    text,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK"]

_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HOOKS = ("postStart", "preStop")
_ACTIONS = ("httpGet", "tcpSocket")


def _add_hosts(handler: object, hosts: set[str]) -> bool:
    """Add the hosts a probe or lifecycle handler sets; whether it sets any."""
    if not is_object(handler):
        return False
    found = False
    for action_name in _ACTIONS:
        action = handler.get(action_name)
        if is_object(action):
            host = text(action.get("host"))
            if host:
                hosts.add(host)
                found = True
    return found


def host_probes_and_host_lifecycle_v1_34(pod: Pod) -> Result:
    bad: set[str] = set()
    hosts: set[str] = set()
    for name, container, _ in pod.containers:
        for probe in _PROBES:
            if _add_hosts(container.get(probe), hosts):
                bad.add(name)
        lifecycle = container.get("lifecycle")
        if is_object(lifecycle):
            for hook in _HOOKS:
                if _add_hosts(lifecycle.get(hook), hosts):
                    bad.add(name)
    if bad:
        return "probe or lifecycle host", (
            f"{pluralize('container', 'containers', len(bad))} {join_quote(sorted(bad))}"
            f" {pluralize('uses', 'use', len(bad))}"
            f" {pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))}"
            f" {join_quote(sorted(hosts))}"
        )
    return None


CHECK = Check(
    "hostProbesAndHostLifecycle",
    "baseline",
    (VersionedCheck(Version(1, 34), host_probes_and_host_lifecycle_v1_34),),
)
