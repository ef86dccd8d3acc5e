"""PodSecurityPolicy admission, as the removed controller (Kubernetes 1.24, ``policy/v1beta1``) ran it.

For a pod being created, ``computeSecurityContext`` (``plugin/pkg/admission/security/
podsecuritypolicy/admission.go``) took every policy sorted by name and, for each, mutated a
copy of the pod (``MutatePod``: defaults for unset fields) and validated it (``ValidatePod``).
The first policy that the pod's service account or the requesting user may ``use`` and that
admits the pod *unchanged* wins at once; otherwise the first such policy (by name) that admits
it after mutation. On update nothing may change, so only unchanged admissions count. A pod no
policy admits is refused with the errors of every *authorized* policy.

The engine never asks RBAC itself (engines are independent): callers pass ``may_use``, which
answers "may this user ``use`` this policy in this API group and namespace?" with evidence.

Before PSP, the ServiceAccount admission plugin (earlier in the plugin order) had set
``serviceAccountName`` (``default``) and added the projected token volume; :func:`admit`
does the same and does not count it as a PSP mutation. The pod registry's seccomp field →
annotation sync (``applySeccompVersionSkew``) ran only later, in ``PrepareForCreate``: so
PSP's own seccomp defaulting copies a pod-level ``seccompProfile`` into the annotation, and
that counts as a mutation, as it did upstream (the validating pass, after the sync, is not
re-run: it re-admits what the mutating pass chose).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubeward.engines.podsec.psp_errors import INVALID, FieldError, Mutation, field_path, go_quote, go_scalar
from kubeward.engines.podsec.psp_policy import CompiledPolicy, compile_policy
from kubeward.engines.podsec.psp_strategies import (
    APPARMOR_CONTAINER_PREFIX,
    MUST_RUN_AS_NON_ROOT,
    SECCOMP_POD_ANNOTATION,
    allows_host_path,
    volume_fs_type,
)
from kubeward.k8s.containers import ALL_CONTAINERS, RESOURCE_CONTAINERS
from kubeward.k8s.workloads import service_account

__all__ = [
    "API_GROUPS",
    "PSP_ANNOTATION",
    "Admission",
    "Attempt",
    "CompiledPolicy",
    "FieldError",
    "MayUse",
    "Mutation",
    "PolicyUser",
    "admit",
    "check",
    "compile_policy",
    "service_account_user",
]

PSP_ANNOTATION = "kubernetes.io/psp"
API_GROUPS = ("policy", "extensions")
"""``use`` is asked in ``policy``, then in ``extensions`` for backward compatibility."""
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_TOKEN_PREFIX = "kube-api-access-"
TOKEN_VOLUME = _TOKEN_PREFIX + "xxxxx"  # the API server appends 5 random characters
_SA_GROUP = "system:serviceaccounts"


@dataclass(frozen=True, slots=True)
class PolicyUser:
    """A user as the authorizer sees it: name and groups."""

    name: str
    groups: tuple[str, ...] = ()


def service_account_user(namespace: str, name: str) -> PolicyUser:
    """``serviceaccount.UserInfo``: what PSP asks about for the pod's service account (its
    groups, without ``system:authenticated``, which only authentication adds)."""
    return PolicyUser(f"system:serviceaccount:{namespace}:{name}", (_SA_GROUP, f"{_SA_GROUP}:{namespace}"))


MayUse = Callable[[PolicyUser, str, str, str], str | None]
"""``(user, api_group, policy_name, namespace) -> evidence``, or None if not allowed."""


@dataclass(frozen=True)
class Attempt:
    """One policy tried on the pod: what it changed, why it refused, who may use it."""

    policy: str
    errors: tuple[FieldError, ...]
    mutations: tuple[Mutation, ...]
    authorized_as: str | None  # "service account" or "user"; None: neither may use it
    evidence: str | None = None

    @property
    def admits(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "admits": self.admits,
            "mutating": bool(self.mutations),
            "mutations": [m.to_dict() for m in self.mutations],
            "errors": [e.to_dict() for e in self.errors],
            "authorized": self.authorized_as is not None,
            "authorizedAs": self.authorized_as,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Admission:
    """The controller's decision on one pod, with every attempt that explains it."""

    policy: str | None  # the admitting policy, or None if the pod is refused
    mutations: tuple[Mutation, ...]
    attempts: tuple[Attempt, ...]  # in the order tried
    invalid: tuple[tuple[str, tuple[str, ...]], ...]  # policies without a provider, and why
    message: str  # what the API server answered ("" when admitted)
    prepared: tuple[str, ...] = ()  # what the API server did before PSP (not PSP mutations)
    pod: Mapping[str, Any] = field(default_factory=dict)  # metadata + spec as admitted

    @property
    def allowed(self) -> bool:
        return self.policy is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "policy": self.policy,
            "mutations": [m.to_dict() for m in self.mutations],
            "message": self.message,
            "preparedByApiServer": list(self.prepared),
            "attempts": [a.to_dict() for a in self.attempts],
            "invalidPolicies": [
                {"policy": name, "problems": list(problems)} for name, problems in self.invalid
            ],
        }


# --- the pod being admitted ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A deep, mutable copy made of dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.copy(value)


class _Pod:
    """A mutable copy of the pod that records what each set changes (by field path)."""

    def __init__(self, metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        annotations = metadata.get("annotations")
        self.metadata: dict[str, Any] = {
            "annotations": dict(annotations) if isinstance(annotations, Mapping) else {}
        }
        self.spec: dict[str, Any] = _plain(spec)
        self._original: dict[str, Any] = {}
        self._current: dict[str, Any] = {}

    @property
    def annotations(self) -> dict[str, str]:
        annotations: dict[str, str] = self.metadata["annotations"]
        return annotations

    def set_annotation(self, key: str, value: str) -> None:
        self._record(field_path("metadata", "annotations", (key,)), self.annotations.get(key), value)
        self.annotations[key] = value

    def set(self, owner: dict[str, Any], key: str, value: Any, path: str) -> None:
        self._record(path, owner.get(key), value)
        owner[key] = value

    def _record(self, path: str, old: Any, new: Any) -> None:
        self._original.setdefault(path, copy.deepcopy(old))
        self._current[path] = copy.deepcopy(new)

    def mutations(self) -> tuple[Mutation, ...]:
        return tuple(
            Mutation(path, value) for path, value in self._current.items() if value != self._original[path]
        )

    def body(self) -> dict[str, Any]:
        return {"metadata": self.metadata, "spec": self.spec}


def _child(owner: dict[str, Any], key: str) -> dict[str, Any]:
    """``owner[key]`` as a dict, created empty when unset (the Go mutators' ``ensure...``)."""
    value = owner.get(key)
    if not isinstance(value, dict):
        value = {}
        owner[key] = value
    return value


def _get(owner: Mapping[str, Any] | None, key: str) -> Any:
    return owner.get(key) if isinstance(owner, Mapping) else None


def _containers(spec: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, container) over init, regular and ephemeral containers
    (``VisitContainersWithPath``)."""
    for kind in ALL_CONTAINERS:
        containers = spec.get(kind)
        for index, container in enumerate(containers if isinstance(containers, list) else []):
            if isinstance(container, dict):
                yield field_path("spec", kind, index), container


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# --- before PSP: what the API server does to every new pod ---------------------------------


def _prepare(pod: _Pod, account: Mapping[str, Any] | None) -> list[str]:
    """What the ServiceAccount admission plugin does to the pod before PSP sees it."""
    done: list[str] = []
    spec = pod.spec
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = service_account(spec)[0]
        done.append(
            f"spec.serviceAccountName = {go_quote(spec['serviceAccountName'])} (ServiceAccount plugin)"
        )
    volumes = spec.get("volumes")
    volumes = volumes if isinstance(volumes, list) else []
    if _automounts(spec, account) and _needs_token_volume(spec, volumes):
        spec["volumes"] = [*volumes, {"name": TOKEN_VOLUME, "projected": {"sources": []}}]
        done.append(
            f"spec.volumes[{len(volumes)}]: projected service account token volume {TOKEN_VOLUME}"
            " (ServiceAccount plugin)"
        )
    return done


def _automounts(spec: Mapping[str, Any], account: Mapping[str, Any] | None) -> bool:
    automount = spec.get("automountServiceAccountToken")
    if automount is None and account is not None:
        automount = account.get("automountServiceAccountToken")
    return automount is not False


def _needs_token_volume(spec: Mapping[str, Any], volumes: Sequence[Any]) -> bool:
    """``mountServiceAccountToken``: the volume is added unless the pod already has one named
    ``kube-api-access-*``, as soon as one init or regular container has no mount at the token
    path (ephemeral containers are not looked at)."""
    if any(isinstance(v, Mapping) and str(v.get("name", "")).startswith(_TOKEN_PREFIX) for v in volumes):
        return False
    return any(
        not any(
            isinstance(mount, Mapping) and mount.get("mountPath") == TOKEN_MOUNT_PATH
            for mount in _list(container.get("volumeMounts"))
        )
        for kind in RESOURCE_CONTAINERS
        for container in _list(spec.get(kind))
        if isinstance(container, Mapping)
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- MutatePod ----------------------------------------------------------------------------


def _mutate_pod(policy: CompiledPolicy, pod: _Pod) -> None:
    """``simpleProvider.MutatePod``: pod-level defaults, then each container's."""
    spec = pod.spec
    pod_sc = _get(spec, "securityContext")
    sc_path = field_path("spec", "securityContext")
    if _get(pod_sc, "supplementalGroups") is None:
        groups = policy.supplemental_groups.generate()
        if groups is not None:
            pod.set(
                _child(spec, "securityContext"), "supplementalGroups", groups, f"{sc_path}.supplementalGroups"
            )
    if _get(pod_sc, "fsGroup") is None:
        fs_group = policy.fs_group.generate_single()
        if fs_group is not None:
            pod.set(_child(spec, "securityContext"), "fsGroup", fs_group, f"{sc_path}.fsGroup")
    if _get(_get(spec, "securityContext"), "seLinuxOptions") is None:
        options = policy.selinux.generate()
        if options is not None:
            pod.set(_child(spec, "securityContext"), "seLinuxOptions", options, f"{sc_path}.seLinuxOptions")
    profile = policy.seccomp.generate(pod.annotations, spec)
    if profile:
        pod.set_annotation(SECCOMP_POD_ANNOTATION, profile)
    if policy.runtime_class is not None and spec.get("runtimeClassName") is None:
        default_class = policy.runtime_class[1]
        if default_class is not None:
            pod.set(spec, "runtimeClassName", default_class, "spec.runtimeClassName")
    for path, container in _containers(spec):
        _mutate_container(policy, pod, path, container)


def _mutate_container(policy: CompiledPolicy, pod: _Pod, path: str, container: dict[str, Any]) -> None:
    pod_sc = _get(pod.spec, "securityContext")
    sc_path = f"{path}.securityContext"

    def effective(key: str) -> Any:
        value = _get(container.get("securityContext"), key)
        return value if value is not None else _get(pod_sc, key)

    def set_effective(key: str, value: Any) -> None:
        """The effective mutator: the container is only set where the pod's value differs."""
        if effective(key) != value:
            pod.set(_child(container, "securityContext"), key, value, f"{sc_path}.{key}")

    def set_own(key: str, value: Any) -> None:
        """A container-only field (capabilities, readOnlyRootFilesystem, allowPrivilegeEscalation)."""
        pod.set(_child(container, "securityContext"), key, value, f"{sc_path}.{key}")

    if effective("runAsUser") is None:
        uid = policy.run_as_user.generate()
        if uid is not None:
            set_effective("runAsUser", uid)
    if effective("runAsGroup") is None:
        gid = policy.run_as_group.generate_single()
        if gid is not None:
            set_effective("runAsGroup", gid)
    if effective("seLinuxOptions") is None:
        options = policy.selinux.generate()
        if options is not None:
            set_effective("seLinuxOptions", options)
    name = str(container.get("name") or "")
    apparmor = policy.apparmor.generate(pod.annotations, name)
    if apparmor is not None:
        pod.set_annotation(APPARMOR_CONTAINER_PREFIX + name, apparmor)
    if (
        effective("runAsNonRoot") is None
        and effective("runAsUser") is None
        and policy.run_as_user.rule == MUST_RUN_AS_NON_ROOT
    ):
        set_effective("runAsNonRoot", True)
    capabilities = _get(container.get("securityContext"), "capabilities")
    generated = policy.capabilities.generate(capabilities if isinstance(capabilities, Mapping) else None)
    if generated is not capabilities:
        set_own("capabilities", generated)
    own = container.get("securityContext")
    if policy.read_only_root_filesystem and _get(own, "readOnlyRootFilesystem") is None:
        set_own("readOnlyRootFilesystem", True)
    if (
        policy.default_allow_privilege_escalation is not None
        and _get(own, "allowPrivilegeEscalation") is None
    ):
        set_own("allowPrivilegeEscalation", policy.default_allow_privilege_escalation)
    if (
        not policy.allow_privilege_escalation
        and _get(container.get("securityContext"), "allowPrivilegeEscalation") is None
    ):
        set_own("allowPrivilegeEscalation", False)


# --- ValidatePod --------------------------------------------------------------------------


def _validate_pod(policy: CompiledPolicy, pod: _Pod) -> list[FieldError]:
    """``simpleProvider.ValidatePod``: the pod, its volumes, then each container."""
    spec, annotations = pod.spec, pod.annotations
    pod_sc = _get(spec, "securityContext")
    sc_path = field_path("spec", "securityContext")
    errors: list[FieldError] = []
    fs_group = _int(_get(pod_sc, "fsGroup"))
    errors += policy.fs_group.validate(f"{sc_path}.fsGroup", [fs_group] if fs_group is not None else None)
    supplemental = _get(pod_sc, "supplementalGroups")
    groups = [g for g in supplemental if _int(g) is not None] if isinstance(supplemental, list) else None
    errors += policy.supplemental_groups.validate(f"{sc_path}.supplementalGroups", groups)
    errors += policy.seccomp.validate_pod(annotations, spec)
    selinux = _get(pod_sc, "seLinuxOptions")
    errors += policy.selinux.validate(
        f"{sc_path}.seLinuxOptions", selinux if isinstance(selinux, Mapping) else None
    )
    for key, allowed, what in (
        ("hostNetwork", policy.host_network, "Host network"),
        ("hostPID", policy.host_pid, "Host PID"),
        ("hostIPC", policy.host_ipc, "Host IPC"),
    ):
        if not allowed and spec.get(key) is True:
            errors.append(
                FieldError(INVALID, f"{sc_path}.{key}", f"{what} is not allowed to be used", True, "true")
            )
    sysctls = _get(pod_sc, "sysctls")
    errors += policy.sysctls.validate(sysctls if isinstance(sysctls, list) else [])
    errors += _validate_volumes(policy, spec)
    if policy.runtime_class is not None:
        errors += _validate_runtime_class(spec.get("runtimeClassName"), policy.runtime_class[0])
    for path, container in _containers(spec):
        errors += _validate_container(policy, pod, path, container)
    return errors


def _validate_volumes(policy: CompiledPolicy, spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    volumes = spec.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, Mapping):
            continue
        path = field_path("spec", "volumes", index)
        fs_type = volume_fs_type(volume)
        if fs_type is None:
            detail = f"unknown volume type for volume: {volume.get('name')!s}"
            errors.append(FieldError(INVALID, path, detail, "", '""'))
            continue
        if not policy.allows_all_volumes and fs_type not in policy.volumes:
            detail = f"{fs_type} volumes are not allowed to be used"
            errors.append(FieldError(INVALID, path, detail, fs_type, go_quote(fs_type)))
            continue
        source = volume.get("cephfs" if fs_type == "cephFS" else fs_type)
        if fs_type == "hostPath":
            host_path = str(_get(source, "path") or "")
            allowed, read_only = allows_host_path(policy.allowed_host_paths, host_path)
            if not allowed:
                value_path = f"{path}.hostPath.pathPrefix"
                errors.append(
                    FieldError(
                        INVALID, value_path, "is not allowed to be used", host_path, go_quote(host_path)
                    )
                )
            elif read_only:
                errors += _writable_mounts(spec, volume.get("name"))
        elif fs_type == "flexVolume" and policy.allowed_flex_volumes:
            driver = str(_get(source, "driver") or "")
            if driver not in policy.allowed_flex_volumes:
                detail = "Flexvolume driver is not allowed to be used"
                errors.append(FieldError(INVALID, f"{path}.driver", detail, driver, go_quote(driver)))
        elif fs_type == "csi" and policy.allowed_csi_drivers:
            driver = str(_get(source, "driver") or "")
            if driver not in policy.allowed_csi_drivers:
                detail = "Inline CSI driver is not allowed to be used"
                errors.append(FieldError(INVALID, f"{path}.csi.driver", detail, driver, go_quote(driver)))
    return errors


def _writable_mounts(spec: Mapping[str, Any], volume_name: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    for path, container in _containers(spec):
        mounts = container.get("volumeMounts")
        for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
            if (
                isinstance(mount, Mapping)
                and mount.get("name") == volume_name
                and mount.get("readOnly") is not True
            ):
                mount_path = f"{path}.volumeMounts[{index}].readOnly"
                errors.append(FieldError(INVALID, mount_path, "must be read-only", False, "false"))
    return errors


def _validate_runtime_class(actual: Any, allowed: Sequence[str]) -> list[FieldError]:
    if not isinstance(actual, str) or "*" in allowed or actual in allowed:
        return []  # an unset runtimeClassName is always allowed
    return [FieldError(INVALID, "spec.runtimeClassName", "", actual, go_quote(actual))]


def _validate_container(
    policy: CompiledPolicy, pod: _Pod, path: str, container: Mapping[str, Any]
) -> list[FieldError]:
    """``validateContainer``: each container with the pod's security context applied."""
    pod_sc = _get(pod.spec, "securityContext")
    own = container.get("securityContext")
    own = own if isinstance(own, Mapping) else None

    def effective(key: str) -> Any:
        value = _get(own, key)
        return value if value is not None else _get(pod_sc, key)

    sc_path = f"{path}.securityContext"
    errors = policy.run_as_user.validate(
        sc_path, _bool(effective("runAsNonRoot")), _int(effective("runAsUser"))
    )
    run_as_group = _int(effective("runAsGroup"))
    errors += policy.run_as_group.validate(sc_path, [run_as_group] if run_as_group is not None else None)
    selinux = effective("seLinuxOptions")
    errors += policy.selinux.validate(
        f"{sc_path}.seLinuxOptions", selinux if isinstance(selinux, Mapping) else None
    )
    name = str(container.get("name") or "")
    errors += policy.apparmor.validate(pod.annotations, name)
    errors += policy.seccomp.validate_container(pod.annotations, pod.spec, container)
    if not policy.privileged and _get(own, "privileged") is True:
        errors.append(
            FieldError(
                INVALID, f"{sc_path}.privileged", "Privileged containers are not allowed", True, "true"
            )
        )
    proc_mount = _get(own, "procMount") or "Default"
    if proc_mount not in (policy.allowed_proc_mount_types or ("Default",)):
        errors.append(
            FieldError(
                INVALID,
                f"{sc_path}.procMount",
                "ProcMountType is not allowed",
                proc_mount,
                go_quote(str(proc_mount)),
            )
        )
    capabilities = _get(own, "capabilities")
    errors += policy.capabilities.validate(
        f"{sc_path}.capabilities", capabilities if isinstance(capabilities, Mapping) else None
    )
    errors += _host_ports(policy, path, container)
    if policy.read_only_root_filesystem:
        read_only = _bool(_get(own, "readOnlyRootFilesystem"))
        if read_only is None:
            detail = "ReadOnlyRootFilesystem may not be nil and must be set to true"
            errors.append(
                FieldError(INVALID, f"{sc_path}.readOnlyRootFilesystem", detail, None, go_scalar(None))
            )
        elif not read_only:
            detail = "ReadOnlyRootFilesystem must be set to true"
            errors.append(FieldError(INVALID, f"{sc_path}.readOnlyRootFilesystem", detail, False, "false"))
    escalation = _bool(_get(own, "allowPrivilegeEscalation"))
    if not policy.allow_privilege_escalation and escalation is not False:
        detail = "Allowing privilege escalation for containers is not allowed"
        errors.append(
            FieldError(
                INVALID, f"{sc_path}.allowPrivilegeEscalation", detail, escalation, go_scalar(escalation)
            )
        )
    return errors


def _host_ports(policy: CompiledPolicy, path: str, container: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    ports = container.get("ports")
    allowed = ",".join(str(r.min) if r.min == r.max else f"{r.min}-{r.max}" for r in policy.host_ports)
    for port in ports if isinstance(ports, list) else []:
        host_port = _int(_get(port, "hostPort")) or 0
        if host_port > 0 and not any(host_port in r for r in policy.host_ports):
            detail = f"Host port {host_port} is not allowed to be used. Allowed ports: [{allowed}]"
            errors.append(FieldError(INVALID, f"{path}.hostPort", detail, host_port, str(host_port)))
    return errors


def check(
    policy: CompiledPolicy,
    pod_metadata: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    *,
    mutate: bool = True,
) -> tuple[tuple[FieldError, ...], tuple[Mutation, ...]]:
    """One policy on one pod, nothing else: (``MutatePod`` when ``mutate``, then) ``ValidatePod``."""
    pod = _Pod(pod_metadata, pod_spec)
    if mutate:
        _mutate_pod(policy, pod)
    return tuple(_validate_pod(policy, pod)), pod.mutations()


# --- computeSecurityContext ---------------------------------------------------------------


def _authorize(
    may_use: MayUse, users: Sequence[tuple[str, PolicyUser | None]], policy: str, namespace: str
) -> tuple[str | None, str | None]:
    """``isAuthorizedForPolicy``: the service account first, then the user; ``policy`` then
    ``extensions`` for each."""
    for label, user in users:
        if user is None:
            continue
        for group in API_GROUPS:
            evidence = may_use(user, group, policy, namespace)
            if evidence is not None:
                return label, evidence
    return None, None


def admit(
    pod_metadata: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    namespace: str,
    policies: Sequence[CompiledPolicy],
    may_use: MayUse,
    requester: PolicyUser | None = None,
    *,
    account: Mapping[str, Any] | None = None,
    mutation_allowed: bool = True,
) -> Admission:
    """Admit a pod (or pod template) in ``namespace`` as PodSecurityPolicy would.

    ``requester`` is who creates the pod (None: only its service account is asked);
    ``account`` the body of its ServiceAccount if known (automountServiceAccountToken);
    ``mutation_allowed`` False emulates an update (validation only, the ``kubernetes.io/psp``
    policy tried first)."""
    base = _Pod(pod_metadata, pod_spec)
    prepared = tuple(_prepare(base, account)) if mutation_allowed else ()  # the plugin only acts on CREATE
    account_user = service_account_user(namespace, service_account(base.spec)[0])
    users = (("service account", account_user), ("user", requester))
    hint = base.annotations.get(PSP_ANNOTATION, "") if not mutation_allowed else ""
    ordered = sorted(policies, key=lambda p: (p.name != hint if hint else False, p.name))
    invalid = tuple((p.name, p.problems) for p in ordered if p.problems)
    usable = [p for p in ordered if not p.problems]
    if not usable:
        message = "PodSecurityPolicy: no providers available to validate pod request"
        return Admission(None, (), (), invalid, message, prepared, base.body())
    attempts: list[Attempt] = []
    chosen: tuple[str, _Pod] | None = None
    first_mutated: tuple[str, _Pod] | None = None
    for policy in usable:
        pod = _Pod(base.metadata, base.spec)
        _mutate_pod(policy, pod)
        errors = tuple(_validate_pod(policy, pod))
        mutations = pod.mutations()
        authorized_as, evidence = _authorize(may_use, users, policy.name, namespace)
        attempts.append(Attempt(policy.name, errors, mutations, authorized_as, evidence))
        if errors or authorized_as is None or chosen is not None:
            continue
        if not mutations:
            chosen = (policy.name, pod)
        elif mutation_allowed and first_mutated is None:
            first_mutated = (policy.name, pod)
    winner = chosen or first_mutated
    if winner is not None:
        name, pod = winner
        return Admission(name, pod.mutations(), tuple(attempts), invalid, "", prepared, pod.body())
    refused = [str(e) for a in attempts if a.authorized_as is not None for e in a.errors]
    message = f"PodSecurityPolicy: unable to admit pod: [{' '.join(refused)}]"
    if not mutation_allowed:
        message = message.replace("unable to admit pod", "unable to validate pod")
    return Admission(None, (), tuple(attempts), invalid, message, prepared, base.body())
