"""Every Pod Security Standards check, one module per upstream ``policy/check_*.go`` file."""

from __future__ import annotations

from kubeward.engines.podsec.checks import (
    allow_privilege_escalation,
    app_armor_profile,
    capabilities_baseline,
    capabilities_restricted,
    host_namespaces,
    host_path_volumes,
    host_ports,
    host_probes_and_host_lifecycle,
    privileged,
    proc_mount,
    restricted_volumes,
    run_as_non_root,
    run_as_user,
    se_linux_options,
    seccomp_profile_baseline,
    seccomp_profile_restricted,
    sysctls,
    windows_host_process,
)
from kubeward.engines.podsec.checks._base import Check

__all__ = ["ALL_CHECKS"]

ALL_CHECKS: tuple[Check, ...] = (
    # baseline
    host_namespaces.CHECK,
    privileged.CHECK,
    capabilities_baseline.CHECK,
    host_path_volumes.CHECK,
    host_ports.CHECK,
    app_armor_profile.CHECK,
    se_linux_options.CHECK,
    proc_mount.BASELINE,
    seccomp_profile_baseline.CHECK,
    sysctls.CHECK,
    windows_host_process.CHECK,
    host_probes_and_host_lifecycle.CHECK,
    # restricted
    restricted_volumes.CHECK,
    allow_privilege_escalation.CHECK,
    run_as_non_root.CHECK,
    run_as_user.CHECK,
    seccomp_profile_restricted.CHECK,
    capabilities_restricted.CHECK,
    proc_mount.RESTRICTED,
)
