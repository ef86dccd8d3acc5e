"""PodSecurityPolicy → Pod Security Standards, field by field, as the official mapping page
(kubernetes/website ``reference/access-authn-authz/psp-to-pod-security-standards.md``) says.

Each field either fits Baseline and Restricted, or only Baseline, or neither (Privileged);
a policy's level is the strongest its every field fits. A field outside the page's values
is a :class:`Difference` naming the value that makes the policy weaker. "No opinion" fields
(runAsGroup, supplementalGroups, fsGroup, readOnlyRootFilesystem, defaultAllowPrivilegeEscalation,
allowedHostPaths, allowedFlexVolumes, allowedCSIDrivers, forbiddenSysctls, runtimeClass and the
default profile annotations) never lower it.

Mutation is judged twice: ``mutating`` follows kubernetes-sigs/pspmigrator ``IsPSPMutating``
(its field and annotation list, verbatim), and ``must_set`` lists what the policy's defaulting
really sets (MutatePod), i.e. what manifests must now set themselves once PSP is gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.podsec.checks import capabilities_baseline
from kubeward.engines.podsec.psp_policy import (
    APPARMOR_ALLOWED,
    APPARMOR_DEFAULT,
    SECCOMP_ALLOWED,
    SECCOMP_DEFAULT,
    CompiledPolicy,
)
from kubeward.engines.podsec.psp_strategies import MUST_RUN_AS, MUST_RUN_AS_NON_ROOT, RUN_AS_ANY

__all__ = [
    "BASELINE_CAPABILITIES",
    "LEVEL_ORDER",
    "RESTRICTED_VOLUMES",
    "Difference",
    "Migration",
    "map_policy",
    "weakest_level",
]

PRIVILEGED, BASELINE, RESTRICTED = "privileged", "baseline", "restricted"
LEVEL_ORDER = (PRIVILEGED, BASELINE, RESTRICTED)
BASELINE_CAPABILITIES = capabilities_baseline.ALLOWED_CAPABILITIES
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
SELINUX_TYPES = frozenset({"container_t", "container_init_t", "container_kvm_t"})
PSPMIGRATOR_MUTATING_ANNOTATIONS = (SECCOMP_DEFAULT, APPARMOR_DEFAULT)


@dataclass(frozen=True)
class Difference:
    """A field whose value keeps the policy below Restricted: ``allows`` is the strongest
    level that value still fits (``baseline`` or ``privileged``)."""

    field: str
    value: Any
    allows: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "allows": self.allows, "reason": self.reason}


@dataclass(frozen=True)
class Migration:
    """What one PodSecurityPolicy becomes under Pod Security Admission."""

    policy: str
    level: str
    differences: tuple[Difference, ...]
    mutating: bool
    mutating_fields: tuple[str, ...]
    mutating_annotations: tuple[str, ...]
    must_set: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "level": self.level,
            "differences": [d.to_dict() for d in self.differences],
            "mutating": self.mutating,
            "mutatingFields": list(self.mutating_fields),
            "mutatingAnnotations": list(self.mutating_annotations),
            "mustSet": list(self.must_set),
        }


def weakest_level(levels: Iterable[str]) -> str | None:
    """The weakest of ``levels`` (what a namespace must allow for all of them), None if none."""
    ranked = [LEVEL_ORDER.index(level) for level in levels]
    return LEVEL_ORDER[min(ranked)] if ranked else None


def _differences(policy: CompiledPolicy) -> list[Difference]:
    spec = policy.spec
    out: list[Difference] = []

    def differ(field: str, value: Any, allows: str, reason: str) -> None:
        out.append(Difference(field, value, allows, reason))

    for key, name in (
        ("privileged", "privileged"),
        ("hostNetwork", "hostNetwork"),
        ("hostPID", "hostPID"),
        ("hostIPC", "hostIPC"),
    ):
        if spec.get(key) is True:
            differ(f"spec.{key}", True, PRIVILEGED, f"Baseline and Restricted need {name} false or unset")
    for key, values in (
        ("defaultAddCapabilities", policy.capabilities.default_add),
        ("allowedCapabilities", policy.capabilities.allowed),
    ):
        capabilities = list(values)
        outside = sorted(set(capabilities) - BASELINE_CAPABILITIES)
        if outside:
            allowed = ", ".join(sorted(BASELINE_CAPABILITIES))
            reason = f"Baseline allows only a subset of {allowed}; not {', '.join(outside)}"
            differ(f"spec.{key}", capabilities, PRIVILEGED, reason)
        elif set(capabilities) - {"NET_BIND_SERVICE"}:
            differ(
                f"spec.{key}", capabilities, BASELINE, "Restricted allows only NET_BIND_SERVICE (or nothing)"
            )
    drops = policy.capabilities.required_drop
    if "ALL" not in drops:
        differ("spec.requiredDropCapabilities", list(drops), BASELINE, "Restricted needs it to include ALL")
    volumes = sorted(policy.volumes)
    if "hostPath" in policy.volumes or "*" in policy.volumes:
        bad = [v for v in volumes if v in ("hostPath", "*")]
        differ(
            "spec.volumes",
            volumes,
            PRIVILEGED,
            f"Baseline allows any volume type but hostPath and *; has {', '.join(bad)}",
        )
    elif policy.volumes - RESTRICTED_VOLUMES:
        bad = sorted(policy.volumes - RESTRICTED_VOLUMES)
        reason = f"Restricted allows only {', '.join(sorted(RESTRICTED_VOLUMES))}; not {', '.join(bad)}"
        differ("spec.volumes", volumes, BASELINE, reason)
    if spec.get("hostPorts"):
        differ(
            "spec.hostPorts", spec.get("hostPorts"), PRIVILEGED, "Baseline and Restricted need no host ports"
        )
    out += _selinux(policy)
    if policy.run_as_user.rule != MUST_RUN_AS_NON_ROOT:
        differ("spec.runAsUser.rule", policy.run_as_user.rule, BASELINE, "Restricted needs MustRunAsNonRoot")
    if policy.allow_privilege_escalation:
        value = spec.get("allowPrivilegeEscalation")
        differ("spec.allowPrivilegeEscalation", value, BASELINE, "Restricted needs false (unset means true)")
    unsafe = list(policy.sysctls.allowed_unsafe)
    if unsafe:
        differ("spec.allowedUnsafeSysctls", unsafe, PRIVILEGED, "Baseline and Restricted need it empty")
    proc_mounts = list(policy.allowed_proc_mount_types)
    if set(proc_mounts) - {"Default"}:
        differ(
            "spec.allowedProcMountTypes",
            proc_mounts,
            PRIVILEGED,
            'Baseline and Restricted need ["Default"] or empty',
        )
    out += _profiles(policy.annotations, SECCOMP_ALLOWED, "seccomp", {""})
    out += _profiles(policy.annotations, APPARMOR_ALLOWED, "AppArmor", None)
    return out


def _selinux(policy: CompiledPolicy) -> list[Difference]:
    if policy.selinux.rule != MUST_RUN_AS:
        reason = "Baseline and Restricted need MustRunAs (any SELinux user, role and type is allowed)"
        return [Difference("spec.seLinux.rule", policy.selinux.rule, PRIVILEGED, reason)]
    options = dict(policy.selinux.options)
    out: list[Difference] = []
    for key in ("user", "role"):
        if options[key]:
            reason = f"Baseline and Restricted need seLinuxOptions.{key} unset"
            out.append(Difference(f"spec.seLinux.seLinuxOptions.{key}", options[key], PRIVILEGED, reason))
    if options["type"] and options["type"] not in SELINUX_TYPES:
        types = ", ".join(sorted(SELINUX_TYPES))
        reason = f"Baseline and Restricted need seLinuxOptions.type unset or one of {types}"
        out.append(Difference("spec.seLinux.seLinuxOptions.type", options["type"], PRIVILEGED, reason))
    return out


def _profiles(
    annotations: Mapping[str, str], key: str, what: str, absent: set[str] | None
) -> list[Difference]:
    """allowedProfileNames: Baseline ``runtime/default,`` (the empty name allows unset),
    Restricted ``runtime/default``; ``localhost/*`` fits both. ``absent`` is what a policy
    without the annotation allows (seccomp: only unset; AppArmor: anything, None)."""
    field = f"metadata.annotations[{key}]"
    if key not in annotations:
        if absent is None:
            reason = f'not set: any {what} profile is allowed (Baseline needs "runtime/default,")'
            return [Difference(field, None, PRIVILEGED, reason)]
        reason = f'not set: only an unset {what} profile is allowed (Restricted needs "runtime/default")'
        return [Difference(field, None, BASELINE, reason)]
    names = annotations[key].split(",")
    runtime = {"runtime/default", "docker/default"} if what == "seccomp" else {"runtime/default"}
    outside = [n for n in names if n not in runtime and n != "" and not n.startswith("localhost/")]
    if outside:
        reason = f"allows {', '.join(outside)}: Baseline allows only runtime/default, localhost/* or unset"
        return [Difference(field, annotations[key], PRIVILEGED, reason)]
    if "" in names:
        reason = "the empty name (a trailing comma) allows an unset profile: Restricted needs it set"
        return [Difference(field, annotations[key], BASELINE, reason)]
    return []


def _must_set(policy: CompiledPolicy) -> list[str]:
    """What MutatePod sets that pods must now set themselves."""
    out: list[str] = []
    caps = policy.capabilities
    if caps.default_add:
        out.append(f"containers: securityContext.capabilities.add {_json(caps.default_add)} (unless dropped)")
    if caps.required_drop:
        out.append(f"containers: securityContext.capabilities.drop {_json(caps.required_drop)}")
    if policy.selinux.rule == MUST_RUN_AS:
        out.append(f"pod: securityContext.seLinuxOptions {_json(policy.selinux.generate())}")
    if policy.run_as_user.rule == MUST_RUN_AS:
        out.append(f"containers (or pod): securityContext.runAsUser {policy.run_as_user.generate()}")
    elif policy.run_as_user.rule == MUST_RUN_AS_NON_ROOT:
        out.append("containers (or pod): securityContext.runAsNonRoot true (or a non-zero runAsUser)")
    if policy.run_as_group.rule == MUST_RUN_AS:
        out.append(f"containers (or pod): securityContext.runAsGroup {policy.run_as_group.generate_single()}")
    if policy.supplemental_groups.rule == MUST_RUN_AS:
        out.append(f"pod: securityContext.supplementalGroups {_json(policy.supplemental_groups.generate())}")
    if policy.fs_group.rule == MUST_RUN_AS:
        out.append(f"pod: securityContext.fsGroup {policy.fs_group.generate_single()}")
    if policy.read_only_root_filesystem:
        out.append("containers: securityContext.readOnlyRootFilesystem true")
    if policy.default_allow_privilege_escalation is not None:
        value = str(policy.default_allow_privilege_escalation).lower()
        out.append(f"containers: securityContext.allowPrivilegeEscalation {value}")
    elif not policy.allow_privilege_escalation:
        out.append("containers: securityContext.allowPrivilegeEscalation false")
    seccomp = policy.annotations.get(SECCOMP_DEFAULT)
    if seccomp:
        out.append(f"pod: securityContext.seccompProfile {_json(_seccomp_field(seccomp))} (was {seccomp})")
    apparmor = policy.annotations.get(APPARMOR_DEFAULT)
    if apparmor:
        out.append(f"containers: AppArmor profile {apparmor} (securityContext.appArmorProfile since v1.30)")
    if policy.runtime_class is not None and policy.runtime_class[1]:
        out.append(f"pod: runtimeClassName {policy.runtime_class[1]}")
    return out


def _json(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "))


def _seccomp_field(annotation: str) -> dict[str, str]:
    if annotation in ("runtime/default", "docker/default"):
        return {"type": "RuntimeDefault"}
    if annotation.startswith("localhost/"):
        return {"type": "Localhost", "localhostProfile": annotation.removeprefix("localhost/")}
    return {"type": "Unconfined"} if annotation == "unconfined" else {"annotation": annotation}


def _pspmigrator_mutating(policy: CompiledPolicy) -> tuple[list[str], list[str]]:
    """``IsPSPMutating``: the fields and annotations pspmigrator flags, in its order."""
    spec = policy.spec
    fields: list[str] = []
    if policy.capabilities.default_add:
        fields.append("DefaultAddCapabilities")
    if policy.capabilities.required_drop:
        fields.append("RequiredDropCapabilities")
    for key, name in (("seLinux", "SELinux"), ("runAsUser", "RunAsUser")):
        if _rule(spec, key) != RUN_AS_ANY:
            fields.append(name)
    if _rule(spec, "runAsGroup") == MUST_RUN_AS:
        fields.append("RunAsGroup")
    for key, name in (("supplementalGroups", "SupplementalGroups"), ("fsGroup", "FSGroup")):
        if _rule(spec, key) != RUN_AS_ANY:
            fields.append(name)
    if policy.read_only_root_filesystem:
        fields.append("ReadOnlyRootFilesystem")
    if policy.default_allow_privilege_escalation is not None:
        fields.append("DefaultAllowPrivilegeEscalation")
    if spec.get("allowPrivilegeEscalation") is False:
        fields.append("AllowPrivilegeEscalation")
    annotations = [key for key in PSPMIGRATOR_MUTATING_ANNOTATIONS if key in policy.annotations]
    return fields, annotations


def _rule(spec: Mapping[str, Any], key: str) -> str:
    options = spec.get(key)
    rule = options.get("rule") if isinstance(options, Mapping) else None
    return rule if isinstance(rule, str) else ""


def map_policy(policy: CompiledPolicy) -> Migration:
    """The strongest Pod Security Standards level ``policy`` fits, and why not a stronger one."""
    differences = tuple(_differences(policy))
    level = weakest_level([RESTRICTED, *(d.allows for d in differences)]) or RESTRICTED
    fields, annotations = _pspmigrator_mutating(policy)
    return Migration(
        policy.name,
        level,
        differences,
        bool(fields or annotations),
        tuple(fields),
        tuple(annotations),
        tuple(_must_set(policy)),
    )
