"""The per-field strategies of PodSecurityPolicy, as ``pkg/security/podsecuritypolicy`` had them
(Kubernetes 1.24, the last release with PSP): user, group, selinux, capabilities, seccomp,
apparmor, sysctl and the volume helpers of ``util``.

Each strategy *generates* a default for an unset field (MutatePod) and *validates* the value
the pod ends up with (ValidatePod), returning upstream's field errors. Strategies are plain
frozen data built once per policy by :mod:`kubeward.engines.podsec.psp_policy`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeward.engines.podsec.psp_errors import (
    FORBIDDEN,
    INVALID,
    REQUIRED,
    FieldError,
    field_path,
    go_capabilities,
    go_groups,
    go_quote,
)

__all__ = [
    "ALLOW_ALL",
    "APPARMOR_CONTAINER_PREFIX",
    "DOCKER_DEFAULT",
    "FS_TYPES",
    "MAY_RUN_AS",
    "MUST_RUN_AS",
    "MUST_RUN_AS_NON_ROOT",
    "RUNTIME_DEFAULT",
    "RUN_AS_ANY",
    "SAFE_SYSCTLS",
    "SECCOMP_CONTAINER_PREFIX",
    "SECCOMP_POD_ANNOTATION",
    "VOLUME_SOURCES",
    "AppArmorStrategy",
    "CapabilitiesStrategy",
    "GroupStrategy",
    "IDRange",
    "SELinuxStrategy",
    "SeccompStrategy",
    "SysctlsStrategy",
    "UserStrategy",
    "allows_host_path",
    "has_path_prefix",
    "seccomp_annotation_for_field",
    "volume_fs_type",
]

MUST_RUN_AS, MAY_RUN_AS, RUN_AS_ANY, MUST_RUN_AS_NON_ROOT = (
    "MustRunAs",
    "MayRunAs",
    "RunAsAny",
    "MustRunAsNonRoot",
)
ALLOW_ALL = "*"

SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
APPARMOR_CONTAINER_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
RUNTIME_DEFAULT, DOCKER_DEFAULT = "runtime/default", "docker/default"
_ANNOTATIONS = ("pod", "metadata", "annotations")


@dataclass(frozen=True, slots=True)
class IDRange:
    min: int
    max: int

    def __contains__(self, value: int) -> bool:
        return self.min <= value <= self.max

    def __str__(self) -> str:  # Go's %v of a policy.IDRange
        return f"{{{self.min} {self.max}}}"


def _ranges_text(ranges: Sequence[IDRange]) -> str:
    return "[" + " ".join(str(r) for r in ranges) + "]"


# --- user (runAsUser) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserStrategy:
    rule: str  # MustRunAs, MustRunAsNonRoot or RunAsAny
    ranges: tuple[IDRange, ...] = ()

    def generate(self) -> int | None:
        """MustRunAs: the first range's min; the others leave runAsUser unset."""
        return self.ranges[0].min if self.rule == MUST_RUN_AS else None

    def validate(
        self, sc_path: str, run_as_non_root: bool | None, run_as_user: int | None
    ) -> list[FieldError]:
        if self.rule == MUST_RUN_AS:
            if run_as_user is None:
                return [FieldError(REQUIRED, f"{sc_path}.runAsUser")]
            if not any(run_as_user in r for r in self.ranges):
                detail = f"must be in the ranges: {_ranges_text(self.ranges)}"
                return [FieldError(INVALID, f"{sc_path}.runAsUser", detail, run_as_user, str(run_as_user))]
        elif self.rule == MUST_RUN_AS_NON_ROOT:
            # the kubelet checks the image's user when runAsUser is unset
            if run_as_non_root is None and run_as_user is None:
                return [FieldError(REQUIRED, f"{sc_path}.runAsNonRoot", "must be true")]
            if run_as_non_root is False:
                return [FieldError(INVALID, f"{sc_path}.runAsNonRoot", "must be true", False, "false")]
            if run_as_user == 0:
                detail = "running with the root UID is forbidden"
                return [FieldError(INVALID, f"{sc_path}.runAsUser", detail, 0, "0")]
        return []


# --- group (fsGroup, supplementalGroups, runAsGroup) --------------------------------------


@dataclass(frozen=True, slots=True)
class GroupStrategy:
    rule: str  # MustRunAs, MayRunAs or RunAsAny
    ranges: tuple[IDRange, ...] = ()

    def generate(self) -> list[int] | None:
        """MustRunAs: ``[min of the first range]``; MayRunAs and RunAsAny: nothing."""
        return [self.ranges[0].min] if self.rule == MUST_RUN_AS else None

    def generate_single(self) -> int | None:
        return self.ranges[0].min if self.rule == MUST_RUN_AS else None

    def validate(self, path: str, groups: Sequence[int] | None) -> list[FieldError]:
        """``groups`` None is Go's nil slice (field unset), ``[]`` an empty one."""
        if self.rule == RUN_AS_ANY:
            return []
        errors: list[FieldError] = []
        rendered = go_groups(groups)
        if self.rule == MUST_RUN_AS and not groups:
            detail = "unable to validate empty groups against required ranges"
            errors.append(FieldError(INVALID, path, detail, groups, rendered))
        for group in groups or ():
            if not any(group in r for r in self.ranges):
                detail = f"group {group} must be in the ranges: {_ranges_text(self.ranges)}"
                errors.append(FieldError(INVALID, path, detail, list(groups or ()), rendered))
        return errors


# --- selinux ------------------------------------------------------------------------------

_SELINUX_FIELDS = ("level", "role", "type", "user")


@dataclass(frozen=True, slots=True)
class SELinuxStrategy:
    rule: str  # MustRunAs or RunAsAny
    options: tuple[tuple[str, str], ...] = ()  # (field, value) of seLinuxOptions, "" when unset

    def generate(self) -> dict[str, str] | None:
        if self.rule != MUST_RUN_AS:
            return None
        return {key: value for key, value in self.options if value}

    def validate(self, path: str, selinux: Mapping[str, Any] | None) -> list[FieldError]:
        if self.rule != MUST_RUN_AS:
            return []
        if selinux is None:
            return [FieldError(REQUIRED, path)]
        wanted = dict(self.options)
        errors: list[FieldError] = []
        for key in _SELINUX_FIELDS:
            found = selinux.get(key) or ""
            found = found if isinstance(found, str) else str(found)
            same = equal_levels(wanted[key], found) if key == "level" else found == wanted[key]
            if not same:
                detail = f"must be {wanted[key]}"
                errors.append(FieldError(INVALID, f"{path}.{key}", detail, found, go_quote(found)))
        return errors


def equal_levels(expected: str, actual: str) -> bool:
    """``equalLevels``: equal strings, or ``sensitivity:categories`` with the same sensitivity
    (compared as written) and the same comma-separated categories in any order
    (``s0:c6,c0`` equals ``s0:c0,c6``; ``s0-s0`` and ``c0.c2`` are not expanded)."""
    if expected == actual:
        return True
    expected_parts, actual_parts = expected.split(":", 1), actual.split(":", 1)
    if len(expected_parts) != 2 or len(actual_parts) != 2:
        return False
    if expected_parts[0] != actual_parts[0]:
        return False
    return sorted(expected_parts[1].split(",")) == sorted(actual_parts[1].split(","))


# --- capabilities -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CapabilitiesStrategy:
    default_add: tuple[str, ...] = ()
    required_drop: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    def generate(self, capabilities: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """Add the default adds the container does not drop and the required drops. The
        container's own value comes back unchanged when that adds nothing; otherwise a new
        value with both lists sorted and de-duplicated (as ``sets.String.List``)."""
        container_add = set(_strings(capabilities, "add"))
        container_drop = set(_strings(capabilities, "drop"))
        combined_add = (set(self.default_add) - container_drop) | container_add
        combined_drop = set(self.required_drop) | container_drop
        if len(combined_add) == len(container_add) and len(combined_drop) == len(container_drop):
            return capabilities
        generated: dict[str, Any] = {}
        if combined_add:
            generated["add"] = sorted(combined_add)
        if combined_drop:
            generated["drop"] = sorted(combined_drop)
        return generated

    def validate(self, path: str, capabilities: Mapping[str, Any] | None) -> list[FieldError]:
        if capabilities is None:
            if not self.default_add and not self.required_drop:
                return []
            detail = "required capabilities are not set on the securityContext"
            return [FieldError(INVALID, path, detail)]
        if ALLOW_ALL in self.allowed:
            return []
        errors: list[FieldError] = []
        for capability in _strings(capabilities, "add"):
            if capability not in self.default_add and capability not in self.allowed:
                rendered = go_quote(capability)
                errors.append(
                    FieldError(INVALID, f"{path}.add", "capability may not be added", capability, rendered)
                )
        drops = capabilities.get("drop")
        drop_list = list(_strings(capabilities, "drop")) if isinstance(drops, list) else None
        for required in self.required_drop:
            if required not in (drop_list or ()):
                detail = f"{required} is required to be dropped but was not found"
                errors.append(
                    FieldError(INVALID, f"{path}.drop", detail, drop_list, go_capabilities(drop_list))
                )
        return errors


def _strings(mapping: Mapping[str, Any] | None, key: str) -> tuple[str, ...]:
    values = mapping.get(key) if mapping is not None else None
    return tuple(v for v in values if isinstance(v, str)) if isinstance(values, list) else ()


# --- seccomp (PSP annotations; pod and container fields read since 1.19) ------------------


def seccomp_annotation_for_field(profile: Any) -> str:
    """``podutil.SeccompAnnotationForField``: the annotation value of a seccompProfile field."""
    if not isinstance(profile, Mapping):
        return ""
    kind = profile.get("type")
    if kind == "Unconfined":
        return "unconfined"
    if kind == "RuntimeDefault":
        return RUNTIME_DEFAULT
    localhost = profile.get("localhostProfile")
    if kind == "Localhost" and isinstance(localhost, str):
        return "localhost/" + localhost
    return ""


@dataclass(frozen=True, slots=True)
class SeccompStrategy:
    default_profile: str = ""
    allowed: frozenset[str] | None = None  # None: the annotation is absent
    allow_any: bool = False
    allowed_text: str = ""  # the annotation as written, for messages

    def generate(self, annotations: Mapping[str, str], pod_spec: Mapping[str, Any]) -> str:
        if annotations.get(SECCOMP_POD_ANNOTATION):
            return annotations[SECCOMP_POD_ANNOTATION]
        field = _mapping(pod_spec, "securityContext").get("seccompProfile")
        if field is not None:  # a set field wins over the default, even one that translates to ""
            return seccomp_annotation_for_field(field)
        return self.default_profile

    def validate_pod(self, annotations: Mapping[str, str], pod_spec: Mapping[str, Any]) -> list[FieldError]:
        profile = annotations.get(SECCOMP_POD_ANNOTATION, "")
        if not profile:
            profile = seccomp_annotation_for_field(
                _mapping(pod_spec, "securityContext").get("seccompProfile")
            )
        return self._validate(field_path(*_ANNOTATIONS, (SECCOMP_POD_ANNOTATION,)), profile)

    def validate_container(
        self, annotations: Mapping[str, str], pod_spec: Mapping[str, Any], container: Mapping[str, Any]
    ) -> list[FieldError]:
        name = _name(container)
        key = SECCOMP_CONTAINER_PREFIX + name
        return self._validate(
            field_path(*_ANNOTATIONS, (key,)), _container_profile(annotations, pod_spec, container)
        )

    def _validate(self, path: str, profile: str) -> list[FieldError]:
        if not self.allow_any and not self.allowed and profile:
            return [FieldError(FORBIDDEN, path, "seccomp may not be set")]
        if not self.allowed and not profile:
            return []
        if self.allow_any or profile in (self.allowed or ()):
            return []
        detail = f"{profile} is not an allowed seccomp profile. Valid values are {self.allowed_text}"
        return [FieldError(FORBIDDEN, path, detail)]


def _container_profile(
    annotations: Mapping[str, str], pod_spec: Mapping[str, Any], container: Mapping[str, Any]
) -> str:
    """The container's field, else its annotation, else the pod's field, else its annotation."""
    field = _mapping(container, "securityContext").get("seccompProfile")
    if field is not None:
        return seccomp_annotation_for_field(field)
    key = SECCOMP_CONTAINER_PREFIX + _name(container)
    if key in annotations:
        return annotations[key]
    pod_field = _mapping(pod_spec, "securityContext").get("seccompProfile")
    if pod_field is not None:
        return seccomp_annotation_for_field(pod_field)
    return annotations.get(SECCOMP_POD_ANNOTATION, "")


# --- apparmor (PSP annotations) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppArmorStrategy:
    default_profile: str = ""
    allowed: frozenset[str] | None = None  # None: the annotation is absent (anything goes)
    allowed_text: str = ""

    def generate(self, annotations: Mapping[str, str], container_name: str) -> str | None:
        """The default profile to set on a container that has none, or None."""
        key = APPARMOR_CONTAINER_PREFIX + container_name
        if annotations.get(key) or not self.default_profile:
            return None
        return self.default_profile

    def validate(self, annotations: Mapping[str, str], container_name: str) -> list[FieldError]:
        if self.allowed is None:
            return []
        key = APPARMOR_CONTAINER_PREFIX + container_name
        path = field_path(*_ANNOTATIONS, (key,))
        profile = annotations.get(key, "")
        if not profile:
            return [FieldError(FORBIDDEN, path, "AppArmor profile must be set")] if self.allowed else []
        if profile not in self.allowed:
            detail = f"{profile} is not an allowed profile. Allowed values: {go_quote(self.allowed_text)}"
            return [FieldError(FORBIDDEN, path, detail)]
        return []


# --- sysctls ------------------------------------------------------------------------------

SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
)
"""``sysctl.SafeSysctlAllowlist()`` of Kubernetes 1.24."""


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


@dataclass(frozen=True, slots=True)
class SysctlsStrategy:
    allowed_unsafe: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()

    def validate(self, sysctls: Sequence[Any]) -> list[FieldError]:
        errors: list[FieldError] = []
        for index, sysctl in enumerate(sysctls):
            name = sysctl.get("name") if isinstance(sysctl, Mapping) else None
            name = name if isinstance(name, str) else ""
            path = field_path("pod", "spec", "securityContext", "sysctls", index)
            if _matches(name, self.forbidden):
                errors.append(FieldError(FORBIDDEN, path, f"sysctl {go_quote(name)} is not allowed"))
            elif name not in SAFE_SYSCTLS and not _matches(name, self.allowed_unsafe):
                errors.append(FieldError(FORBIDDEN, path, f"unsafe sysctl {go_quote(name)} is not allowed"))
        return errors


# --- volumes (util.go) --------------------------------------------------------------------

VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "storageos",
    "projected",
    "portworxVolume",
    "scaleIO",
    "csi",
    "ephemeral",
)
"""Volume source fields in ``GetVolumeFSType``'s order (Kubernetes 1.24)."""

_FS_TYPE_OF_SOURCE = {"cephfs": "cephFS"}
"""The FSType names that differ from the source field (``policy.CephFS = "cephFS"``)."""
FS_TYPES = frozenset(_FS_TYPE_OF_SOURCE.get(source, source) for source in VOLUME_SOURCES)


def volume_fs_type(volume: Mapping[str, Any]) -> str | None:
    """The PSP FSType name of a pod volume, or None for a volume of no known type."""
    for source in VOLUME_SOURCES:
        if isinstance(volume.get(source), Mapping):
            return _FS_TYPE_OF_SOURCE.get(source, source)
    return None


def has_path_prefix(path: str, prefix: str) -> bool:
    """``hasPathPrefix``: equal, or ``prefix`` followed by ``/`` in ``path``, after dropping
    one trailing ``/`` from each (so ``/foo`` covers ``/foo/bar`` but not ``/foobar``)."""
    path, prefix = path.removesuffix("/"), prefix.removesuffix("/")
    if not path.startswith(prefix):
        return False
    return len(path) == len(prefix) or path[len(prefix)] == "/"


def allows_host_path(allowed: Sequence[tuple[str, bool]], path: str) -> tuple[bool, bool]:
    """``AllowsHostVolumePath``: (allowed, must be read-only). No allowedHostPaths allows any
    path; a read-write entry that matches wins over read-only ones."""
    if not allowed:
        return True, False
    allows = read_only = False
    for prefix, must_be_read_only in allowed:
        if has_path_prefix(path, prefix):
            if not must_be_read_only:
                return True, False
            allows = read_only = True
    return allows, read_only


def _mapping(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _name(container: Mapping[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else ""
