"""HostPath volumes must be forbidden (PSA ``check_hostPathVolumes.go``).

Restricted field: ``spec.volumes[*].hostPath``. Allowed value: undefined.
Replaced by ``restrictedVolumes`` in restricted.
"""

from __future__ import annotations

from kubeward.engines.podsec.checks._base import (
    Check,
    Pod,
    Result,
    VersionedCheck,
    is_object,
    join_quote,
    mappings,
    pluralize,
    text,
)
from kubeward.k8s.versions import Version

__all__ = ["CHECK", "CHECK_ID"]

CHECK_ID = "hostPathVolumes"


def host_path_volumes_v1_0(pod: Pod) -> Result:
    volumes = pod.spec.get("volumes")
    if not volumes:
        return None
    names = [text(volume.get("name")) for volume in mappings(volumes) if is_object(volume.get("hostPath"))]
    if names:
        return "hostPath volumes", f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}"
    return None


CHECK = Check(CHECK_ID, "baseline", (VersionedCheck(Version(1, 0), host_path_volumes_v1_0),))
