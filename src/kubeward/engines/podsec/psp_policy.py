"""A PodSecurityPolicy object read into its strategies (upstream ``factory.go`` + v1beta1 defaults).

A policy whose strategies cannot be built (an unknown rule, MustRunAs without ranges, SELinux
MustRunAs without options) has ``problems``: the admission controller logged "error creating
provider for PSP" and left it out, so it admits nothing and its errors are not reported.
Fields of the wrong type are problems too (the API server would have refused the object).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    problems = [
        f'spec.volumes: Unsupported value: "{name}"'
        for name in read.strings("volumes")
        if name not in _VOLUME_NAMES
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
        problems=(*read.problems, *problems),
        **strategies,
    )


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
