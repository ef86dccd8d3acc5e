"""A PodSecurityPolicy object read into its strategies (upstream ``factory.go`` + v1beta1 defaults).

A policy whose strategies cannot be built (an unknown rule, MustRunAs without ranges, SELinux
MustRunAs without options) has ``problems``: the admission controller logged "error creating
provider for PSP" and left it out, so it admits nothing and its errors are not reported.
Fields of the wrong type, and whatever the API server's validation of the object
(``pkg/apis/policy/validation``) refused, are problems too: such a policy could not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.podsec.psp_errors import (
    DUPLICATE,
    FORBIDDEN,
    INVALID,
    NOT_SUPPORTED,
    REQUIRED,
    FieldError,
    go_capabilities,
    go_quote,
)
from kubeward.engines.podsec.psp_strategies import (
    ALLOW_ALL,
    DOCKER_DEFAULT,
    FS_TYPES,
    MAY_RUN_AS,
    MUST_RUN_AS,
    MUST_RUN_AS_NON_ROOT,
    RUN_AS_ANY,
    RUNTIME_DEFAULT,
    AppArmorStrategy,
    CapabilitiesStrategy,
    GroupStrategy,
    IDRange,
    SeccompStrategy,
    SELinuxStrategy,
    SysctlsStrategy,
    UserStrategy,
)

__all__ = [
    "APPARMOR_ALLOWED",
    "APPARMOR_DEFAULT",
    "SECCOMP_ALLOWED",
    "SECCOMP_DEFAULT",
    "CompiledPolicy",
    "compile_policy",
]

_VOLUME_NAMES = FS_TYPES | {ALLOW_ALL}
"""What API validation accepts in ``spec.volumes`` (anything else and the policy could not exist)."""
SECCOMP_DEFAULT = "seccomp.security.alpha.kubernetes.io/defaultProfileName"
SECCOMP_ALLOWED = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"
APPARMOR_DEFAULT = "apparmor.security.beta.kubernetes.io/defaultProfileName"
APPARMOR_ALLOWED = "apparmor.security.beta.kubernetes.io/allowedProfileNames"


@dataclass(frozen=True)
class CompiledPolicy:
    """One PodSecurityPolicy, ready to mutate and validate pods."""

    name: str
    spec: Mapping[str, Any]
    annotations: Mapping[str, str]
    run_as_user: UserStrategy
    run_as_group: GroupStrategy
    supplemental_groups: GroupStrategy
    fs_group: GroupStrategy
    selinux: SELinuxStrategy
    capabilities: CapabilitiesStrategy
    seccomp: SeccompStrategy
    apparmor: AppArmorStrategy
    sysctls: SysctlsStrategy
    privileged: bool = False
    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    host_ports: tuple[IDRange, ...] = ()
    volumes: frozenset[str] = frozenset()
    allowed_host_paths: tuple[tuple[str, bool], ...] = ()
    allowed_flex_volumes: tuple[str, ...] = ()
    allowed_csi_drivers: tuple[str, ...] = ()
    read_only_root_filesystem: bool = False
    allow_privilege_escalation: bool = True  # v1beta1 defaults a missing value to true
    default_allow_privilege_escalation: bool | None = None
    allowed_proc_mount_types: tuple[str, ...] = ()
    runtime_class: tuple[tuple[str, ...], str | None] | None = None  # (allowed names, default)
    problems: tuple[str, ...] = ()

    @property
    def allows_all_volumes(self) -> bool:
        return ALLOW_ALL in self.volumes


class _Reader:
    """Typed reads of a PSP spec that collect type problems instead of raising."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.problems: list[str] = []

    def flag(self, key: str) -> bool:
        value = self.spec.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        self.problems.append(f"spec.{key} must be a boolean")
        return False

    def optional_flag(self, key: str) -> bool | None:
        value = self.spec.get(key)
        return None if value is None else self.flag(key)

    def strings(
        self, key: str, container: Mapping[str, Any] | None = None, where: str = ""
    ) -> tuple[str, ...]:
        value = (self.spec if container is None else container).get(key)
        if value is None:
            return ()
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problems.append(f"spec.{where}{key} must be a list of strings")
        return ()

    def items(self, key: str) -> list[Mapping[str, Any]]:
        value = self.spec.get(key)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            return value
        self.problems.append(f"spec.{key} must be a list of objects")
        return []

    def mapping(self, key: str) -> Mapping[str, Any] | None:
        value = self.spec.get(key)
        if value is None or isinstance(value, Mapping):
            return value
        self.problems.append(f"spec.{key} must be an object")
        return None

    def ranges(self, items: Any, where: str, low: str = "min", high: str = "max") -> tuple[IDRange, ...]:
        if items is None:
            return ()
        out: list[IDRange] = []
        for item in items if isinstance(items, list) else [None]:
            bounds = [item.get(low), item.get(high)] if isinstance(item, Mapping) else [None]
            if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                self.problems.append(f"spec.{where} must be a list of {{{low}, {high}}} integer ranges")
                return ()
            out.append(IDRange(int(bounds[0] or 0), int(bounds[1] or 0)))
        return tuple(out)


def compile_policy(name: str, body: Mapping[str, Any]) -> CompiledPolicy:
    """Read a PodSecurityPolicy object (``policy/v1beta1`` or ``extensions/v1beta1``)."""
    metadata = body.get("metadata")
    raw_annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    annotations = {
        k: v for k, v in (raw_annotations or {}).items() if isinstance(k, str) and isinstance(v, str)
    }
    spec = body.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    read = _Reader(spec)
    runtime_class = read.mapping("runtimeClass")
    default_class = runtime_class.get("defaultRuntimeClassName") if runtime_class else None
    supported = "supported values: " + ", ".join(go_quote(v) for v in sorted(_VOLUME_NAMES))
    problems = [
        str(FieldError(NOT_SUPPORTED, "spec.volumes", supported, volume, go_quote(volume)))
        for volume in read.strings("volumes")
        if volume not in _VOLUME_NAMES
    ]
    strategies: dict[str, Any] = {
        "run_as_user": UserStrategy(RUN_AS_ANY),
        "run_as_group": GroupStrategy(RUN_AS_ANY),
        "supplemental_groups": GroupStrategy(RUN_AS_ANY),
        "fs_group": GroupStrategy(RUN_AS_ANY),
        "selinux": SELinuxStrategy(RUN_AS_ANY),
    }
    user = _rule_options(read, "runAsUser", required=True)
    if user is not None:
        rule, ranges = user
        if rule == MUST_RUN_AS and not ranges:
            problems.append("MustRunAs requires at least one range")
        elif rule not in (MUST_RUN_AS, MUST_RUN_AS_NON_ROOT, RUN_AS_ANY):
            problems.append(f"Unrecognized RunAsUser strategy type {rule}")
        else:
            strategies["run_as_user"] = UserStrategy(rule, ranges)
    for key, attribute, label, required in (
        ("runAsGroup", "run_as_group", "RunAsGroup", False),
        ("supplementalGroups", "supplemental_groups", "SupplementalGroups", True),
        ("fsGroup", "fs_group", "FSGroup", True),
    ):
        options = _rule_options(read, key, required)
        if options is None:
            continue
        rule, ranges = options
        if rule in (MUST_RUN_AS, MAY_RUN_AS) and not ranges:
            problems.append(f"ranges must be supplied for {rule}")
        elif rule not in (MUST_RUN_AS, MAY_RUN_AS, RUN_AS_ANY):
            problems.append(f"Unrecognized {label} strategy type {rule}")
        else:
            strategies[attribute] = GroupStrategy(rule, ranges)
    selinux = read.mapping("seLinux") or {}
    rule = selinux.get("rule") or ""
    options = selinux.get("seLinuxOptions")
    if rule == MUST_RUN_AS:
        if not isinstance(options, Mapping):
            problems.append("MustRunAs requires SELinuxOptions")
        else:
            values = tuple((key, str(options.get(key) or "")) for key in ("level", "role", "type", "user"))
            strategies["selinux"] = SELinuxStrategy(MUST_RUN_AS, values)
    elif rule != RUN_AS_ANY:
        problems.append(f"Unrecognized SELinuxContext strategy type {rule}")
    return CompiledPolicy(
        name=name,
        spec=spec,
        annotations=annotations,
        privileged=read.flag("privileged"),
        host_network=read.flag("hostNetwork"),
        host_pid=read.flag("hostPID"),
        host_ipc=read.flag("hostIPC"),
        host_ports=read.ranges(spec.get("hostPorts"), "hostPorts"),
        volumes=frozenset(read.strings("volumes")),
        allowed_host_paths=tuple(
            (str(item.get("pathPrefix") or ""), item.get("readOnly") is True)
            for item in read.items("allowedHostPaths")
        ),
        allowed_flex_volumes=tuple(
            str(item.get("driver") or "") for item in read.items("allowedFlexVolumes")
        ),
        allowed_csi_drivers=tuple(str(item.get("name") or "") for item in read.items("allowedCSIDrivers")),
        read_only_root_filesystem=read.flag("readOnlyRootFilesystem"),
        allow_privilege_escalation=read.optional_flag("allowPrivilegeEscalation") is not False,
        default_allow_privilege_escalation=read.optional_flag("defaultAllowPrivilegeEscalation"),
        allowed_proc_mount_types=read.strings("allowedProcMountTypes"),
        runtime_class=(
            (
                read.strings("allowedRuntimeClassNames", runtime_class, "runtimeClass."),
                default_class if isinstance(default_class, str) else None,
            )
            if runtime_class is not None
            else None
        ),
        capabilities=CapabilitiesStrategy(
            read.strings("defaultAddCapabilities"),
            read.strings("requiredDropCapabilities"),
            read.strings("allowedCapabilities"),
        ),
        sysctls=SysctlsStrategy(read.strings("allowedUnsafeSysctls"), read.strings("forbiddenSysctls")),
        seccomp=_seccomp(annotations),
        apparmor=_apparmor(annotations),
        problems=(*read.problems, *problems, *_annotation_problems(annotations), *_api_problems(spec)),
        **strategies,
    )


# --- what API validation (pkg/apis/policy/validation, ValidatePodSecurityPolicySpec) refused ------

_PROC_MOUNT_TYPES = ("Default", "Unmasked")
_SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_SYSCTL_PATTERN = "(" + _SYSCTL_SEGMENT + "[\\./])*" + "([a-z0-9][-_a-z0-9]*)?[a-z0-9*]"
_SYSCTL_MAX_LENGTH = 253


def _api_problems(spec: Mapping[str, Any]) -> list[str]:
    """The errors ``ValidatePodSecurityPolicySpec`` gave for what the strategy factory accepts
    (a policy the API server refused could not exist). Unsupported rules are left to the
    factory's own errors; name formats (DNS subdomains) are not checked."""
    read = _Reader(spec)  # type problems were reported by compile_policy already
    out: list[str] = []
    for key in ("runAsUser", "runAsGroup", "supplementalGroups", "fsGroup"):
        options = read.mapping(key) or {}
        ranges = read.ranges(options.get("ranges"), f"{key}.ranges")
        if key == "runAsGroup" and options.get("rule") == RUN_AS_ANY and ranges:
            items = ", ".join(f"policy.IDRange{{Min:{r.min}, Max:{r.max}}}" for r in ranges)
            value = f"[]policy.IDRange{{{items}}}"  # %#v
            out.append(
                str(FieldError(INVALID, "spec.runAsGroup.ranges", "Ranges must be empty", None, value))
            )
        for index, rng in enumerate(ranges):
            out += _id_range_problems(f"spec.{key}.ranges[{index}]", rng)
    out += _capability_problems(read)
    default_escalation = read.optional_flag("defaultAllowPrivilegeEscalation")
    if default_escalation and read.optional_flag("allowPrivilegeEscalation") is False:
        detail = (
            "Cannot set DefaultAllowPrivilegeEscalation to true without also setting"
            " AllowPrivilegeEscalation to true"
        )
        out.append(str(FieldError(INVALID, "spec.defaultAllowPrivilegeEscalation", detail, True, "true")))
    for index, proc_mount in enumerate(read.strings("allowedProcMountTypes")):
        if proc_mount not in _PROC_MOUNT_TYPES:
            detail = "supported values: " + ", ".join(go_quote(t) for t in _PROC_MOUNT_TYPES)
            path = f"spec.allowedProcMountTypes[{index}]"
            out.append(str(FieldError(NOT_SUPPORTED, path, detail, proc_mount, go_quote(proc_mount))))
    out += _host_path_problems(read)
    for index, item in enumerate(read.items("allowedFlexVolumes")):
        if not item.get("driver"):
            path = f"spec.allowedFlexVolumes.allowedFlexVolumes[{index}].driver"  # sic: upstream's path
            out.append(str(FieldError(REQUIRED, path, "must specify a driver")))
    allowed_sysctls, forbidden_sysctls = (
        read.strings("allowedUnsafeSysctls"),
        read.strings("forbiddenSysctls"),
    )
    out += _sysctl_problems("spec.allowedUnsafeSysctls", allowed_sysctls)
    out += _sysctl_problems("spec.forbiddenSysctls", forbidden_sysctls)
    out += _sysctl_overlaps(allowed_sysctls, forbidden_sysctls)
    runtime_class = read.mapping("runtimeClass")
    if runtime_class is not None:
        out += _runtime_class_problems(read, runtime_class)
    return out


def _annotation_problems(annotations: Mapping[str, str]) -> list[str]:
    """``ValidatePodSecurityPolicySpecificAnnotations``: every profile named must be one the
    pod validation accepts. An empty name (a trailing comma) passes for AppArmor but not for
    seccomp (``ValidateSeccompProfile("")``: "must be a valid seccomp profile")."""
    out: list[str] = []
    if default := annotations.get(APPARMOR_DEFAULT, ""):
        out += _apparmor_problems(APPARMOR_DEFAULT, default, default)
    if allowed := annotations.get(APPARMOR_ALLOWED, ""):
        for name in allowed.split(","):
            out += _apparmor_problems(APPARMOR_ALLOWED, name, allowed)
    if default := annotations.get(SECCOMP_DEFAULT, ""):
        out += _seccomp_problems(SECCOMP_DEFAULT, default)
    if allowed := annotations.get(SECCOMP_ALLOWED, ""):
        for name in allowed.split(","):
            out += _seccomp_problems(SECCOMP_ALLOWED, name) if name != ALLOW_ALL else []
    return out


def _apparmor_problems(key: str, name: str, value: str) -> list[str]:
    """``ValidateAppArmorProfileFormat``; the error shows the whole annotation value."""
    if name in ("", RUNTIME_DEFAULT, "unconfined") or name.startswith("localhost/"):
        return []
    detail = f"invalid AppArmor profile name: {go_quote(name)}"
    return [str(FieldError(INVALID, f"metadata.annotations[{key}]", detail, value, go_quote(value)))]


def _seccomp_problems(key: str, name: str) -> list[str]:
    """``ValidateSeccompProfile`` (``localhost/`` paths: relative, without ``..``)."""
    path = f"metadata.annotations[{key}]"
    if name in (RUNTIME_DEFAULT, DOCKER_DEFAULT, "unconfined"):
        return []
    if not name.startswith("localhost/"):
        return [str(FieldError(INVALID, path, "must be a valid seccomp profile", name, go_quote(name)))]
    local = name.removeprefix("localhost/")
    out = []
    if local.startswith("/"):
        out.append(str(FieldError(INVALID, path, "must be a relative path", local, go_quote(local))))
    if ".." in local.split("/"):
        out.append(str(FieldError(INVALID, path, "must not contain '..'", local, go_quote(local))))
    return out


def _id_range_problems(path: str, rng: IDRange) -> list[str]:
    """``validateIDRanges``."""
    out = []
    if rng.min < 0:
        out.append(str(FieldError(INVALID, f"{path}.min", "min cannot be negative", rng.min, str(rng.min))))
    if rng.max < 0:
        out.append(str(FieldError(INVALID, f"{path}.max", "max cannot be negative", rng.max, str(rng.max))))
    if rng.min > rng.max:
        detail = "min cannot be greater than max"
        out.append(str(FieldError(INVALID, f"{path}.min", detail, rng.min, str(rng.min))))
    return out


def _capability_problems(read: _Reader) -> list[str]:
    """Required drops exclude a ``*`` allow-list and every default or allowed capability."""
    drops = read.strings("requiredDropCapabilities")
    out = []
    if drops and ALLOW_ALL in read.strings("allowedCapabilities"):
        detail = "must be empty when all capabilities are allowed by a wildcard"
        out.append(
            str(FieldError(INVALID, "requiredDropCapabilities", detail, list(drops), go_capabilities(drops)))
        )
    if read.spec.get("requiredDropCapabilities") is None:
        return out
    for key in ("defaultAddCapabilities", "allowedCapabilities"):
        for capability in read.strings(key):
            if capability in drops:
                detail = f"capability is listed in {key} and requiredDropCapabilities"
                out.append(str(FieldError(INVALID, key, detail, capability, go_quote(capability))))
    return out


def _host_path_problems(read: _Reader) -> list[str]:
    """``validatePSPAllowedHostPaths``: a prefix is required (checking stops there) and has no ``..``."""
    out = []
    for index, item in enumerate(read.items("allowedHostPaths")):
        prefix = item.get("pathPrefix")
        path = f"spec.allowedHostPaths[{index}]"
        if not prefix:
            out.append(str(FieldError(REQUIRED, path, "is required")))
            break
        if ".." in str(prefix).split("/"):
            out.append(str(FieldError(INVALID, path, "must not contain '..'", prefix, go_quote(str(prefix)))))
    return out


def _sysctl_problems(path: str, sysctls: tuple[str, ...]) -> list[str]:
    """``validatePodSecurityPolicySysctls``."""
    out = []
    covers_all = False
    for index, name in enumerate(sysctls):
        if not name:
            out.append(str(FieldError(INVALID, f"{path}[{index}]", "empty sysctl not allowed", name, '""')))
        elif len(name) > _SYSCTL_MAX_LENGTH or re.fullmatch(_SYSCTL_PATTERN, name) is None:
            detail = f"must have at most {_SYSCTL_MAX_LENGTH} characters and match regex {_SYSCTL_PATTERN}"
            out.append(str(FieldError(INVALID, f"{path}[{index}]", detail, name, go_quote(name))))
        elif name.startswith("*"):
            covers_all = True
    if covers_all and len(sysctls) > 1:
        out.append(
            str(FieldError(FORBIDDEN, f"{path}.items", "if '*' is present, must not specify other sysctls"))
        )
    return out


def _sysctl_overlaps(allowed: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """``validatePodSecurityPolicySysctlListsDoNotOverlap``: a name or prefix in both lists."""
    out = []
    for i, allow in enumerate(allowed):
        for j, forbid in enumerate(forbidden):
            allow_prefix, forbid_prefix = allow.removesuffix("*"), forbid.removesuffix("*")
            on_allowed = f"spec.allowedUnsafeSysctls[{i}]", allow, forbid
            on_forbidden = f"spec.forbiddenSysctls[{j}]", forbid, allow
            hit: tuple[str, str, str] | None = None
            if allow.endswith("*") and forbid.endswith("*"):
                if allow_prefix.startswith(forbid_prefix):
                    hit = on_allowed
                elif forbid_prefix.startswith(allow_prefix):
                    hit = on_forbidden
            elif allow.endswith("*"):
                hit = on_forbidden if forbid.startswith(allow_prefix) else None
            elif forbid.endswith("*"):
                hit = on_allowed if allow.startswith(forbid_prefix) else None
            elif allow == forbid:
                hit = on_allowed
            if hit is not None:
                path, value, other = hit
                out.append(
                    str(FieldError(INVALID, path, f"sysctl overlaps with {other}", value, go_quote(value)))
                )
    return out


def _runtime_class_problems(read: _Reader, runtime_class: Mapping[str, Any]) -> list[str]:
    """``validateRuntimeClassStrategy`` (without the DNS-subdomain check of each name)."""
    path = "spec.runtimeClass.allowedRuntimeClassNames"
    names = read.strings("allowedRuntimeClassNames", runtime_class, "runtimeClass.")
    out = [
        str(FieldError(DUPLICATE, f"{path}[{index}]", "", name, go_quote(name)))
        for index, name in enumerate(names)
        if name in names[:index]
    ]
    default = runtime_class.get("defaultRuntimeClassName")
    if isinstance(default, str) and default not in names and ALLOW_ALL not in names:
        out.append(str(FieldError(REQUIRED, path, f"default {go_quote(default)} must be allowed")))
    if ALLOW_ALL in names and len(names) > 1:
        value = "[]string{" + ", ".join(go_quote(n) for n in names) + "}"
        detail = "if '*' is present, must not specify other RuntimeClass names"
        out.append(str(FieldError(INVALID, path, detail, list(names), value)))
    return out


def _rule_options(read: _Reader, key: str, required: bool) -> tuple[str, tuple[IDRange, ...]] | None:
    """(rule, ranges) of a user/group strategy; a missing optional one (runAsGroup) is None."""
    options = read.mapping(key)
    if options is None:
        return ("", ()) if required else None
    rule = options.get("rule")
    return (rule if isinstance(rule, str) else "", read.ranges(options.get("ranges"), f"{key}.ranges"))


def _profiles(annotations: Mapping[str, str], key: str) -> tuple[frozenset[str] | None, bool]:
    """(allowed profiles without ``*``, whether ``*`` is listed) of an allowedProfileNames annotation."""
    if key not in annotations:
        return None, False
    names = annotations[key].split(",")
    return frozenset(n for n in names if n != ALLOW_ALL), ALLOW_ALL in names


def _seccomp(annotations: Mapping[str, str]) -> SeccompStrategy:
    allowed, allow_any = _profiles(annotations, SECCOMP_ALLOWED)
    if allowed is not None and allowed & {RUNTIME_DEFAULT, DOCKER_DEFAULT}:
        # since 1.19 docker/default and runtime/default allow each other
        allowed = allowed | {RUNTIME_DEFAULT, DOCKER_DEFAULT}
    return SeccompStrategy(
        annotations.get(SECCOMP_DEFAULT, ""), allowed, allow_any, annotations.get(SECCOMP_ALLOWED, "")
    )


def _apparmor(annotations: Mapping[str, str]) -> AppArmorStrategy:
    allowed = annotations[APPARMOR_ALLOWED].split(",") if APPARMOR_ALLOWED in annotations else None
    return AppArmorStrategy(
        annotations.get(APPARMOR_DEFAULT, ""),
        frozenset(allowed) if allowed is not None else None,
        annotations.get(APPARMOR_ALLOWED, ""),
    )
