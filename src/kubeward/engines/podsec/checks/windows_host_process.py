"""Windows HostProcess containers must be disallowed (PSA ``check_windowsHostProcess.go``).

Restricted fields: ``securityContext.windowsOptions.hostProcess`` of the pod and of every
container. Allowed values: undefined, ``false``.
"""

from __future__ import annotations

from collections.abc import Mapping

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

__all__ = ["CHECK"]


def _host_process(context: Mapping[str, object]) -> bool:
    options = context.get("windowsOptions")
    return is_object(options) and options.get("hostProcess") is True


def windows_host_process_v1_0(pod: Pod) -> Result:
    bad = [name for name, _, context in pod.containers if _host_process(context)]
    setters = ["pod"] if _host_process(pod.security_context) else []
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if setters:
        return "hostProcess", (
            f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true"
        )
    return None


CHECK = Check("windowsHostProcess", "baseline", (VersionedCheck(Version(1, 0), windows_host_process_v1_0),))
