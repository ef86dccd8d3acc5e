"""Section POD: pod security, as Pod Security Admission applies it and beyond it.

Workloads are judged once per top owner (a Deployment, not its ReplicaSets and Pods), from
its pod template, with the Pod Security Standards engine. A workload's namespace policy
comes from the Namespace object's ``pod-security.kubernetes.io/*`` labels, resolved as the
admission controller resolves them; a namespace that is not in the input has no labels, so
the admission defaults apply to it (``privileged:latest`` in every mode). Scans assume the
default admission configuration: no exemptions.

Enforce applies to Pods only: a Pod that violates it is rejected (KW-POD-001); a workload
whose template violates it is admitted, but every pod it creates is rejected (KW-POD-002).
Audit and warn apply to both (KW-POD-003). Workloads of the system namespaces belong to the
platform: they are judged against their namespace's labels (KW-POD-001 to 003) but not by
the other controls. Missing requests and limits are KW-NS-005.
"""

from __future__ import annotations

import posixpath
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.controls.finding import Finding, Severity, in_namespace
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines import podsec
from kubeward.engines.podsec import admission
from kubeward.engines.rbac.identity import Subject
from kubeward.engines.rbac.platform import EVERYONE
from kubeward.engines.rbac.world import world_of
from kubeward.k8s.containers import ALL_CONTAINERS, ContainerRef, iter_containers
from kubeward.k8s.objects import GroupKind, ObjectRef, Path
from kubeward.k8s.workloads import service_account, token_mounted
from kubeward.snapshot.snapshot import KubeObject, Snapshot, Workload

__all__ = ["image_reference", "normalise_host_path", "sensitive_host_path"]

RBAC = "rbac.authorization.k8s.io"
SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
ROLE_BINDING = GroupKind(RBAC, "RoleBinding")
CLUSTER_ROLE_BINDING = GroupKind(RBAC, "ClusterRoleBinding")

NSA_POD_SECURITY = "NSA/CISA Kubernetes Hardening Guidance v1.2: Kubernetes Pod security"
NSA_IMMUTABLE = "NSA/CISA Kubernetes Hardening Guidance v1.2: Immutable container file systems"
NSA_IMAGES = "NSA/CISA Kubernetes Hardening Guidance v1.2: Building secure container images"
NSA_TOKENS = "NSA/CISA Kubernetes Hardening Guidance v1.2: Protecting Pod service account tokens"
PSS = "Kubernetes documentation: Pod Security Standards"
PSA = "Kubernetes documentation: Pod Security Admission"

_BASELINE = podsec.Policy("baseline", None)
_RESTRICTED = podsec.Policy("restricted", None)
_HOST_NAMESPACES = (("hostPID", "PID"), ("hostNetwork", "network"), ("hostIPC", "IPC"))
_STATIC_CONTAINERS = ("initContainers", "containers")


def _cis(number: str) -> str:
    return f"CIS Kubernetes Benchmark v1.10 {number}"


# --- the namespace policy of each workload ----------------------------------------------


@dataclass(frozen=True, slots=True)
class _Admitted:
    workload: Workload
    policy: admission.NamespacePolicy
    origin: str  # where the policy comes from, for the finding's evidence
    decision: admission.Decision

    @property
    def is_pod(self) -> bool:
        return self.workload.source.group_kind == admission.POD


def _policy_origin(snapshot: Snapshot, namespace: str) -> tuple[admission.NamespacePolicy, str]:
    if not namespace:
        return admission.PRIVILEGED_DEFAULTS, "admission defaults (the manifest names no namespace)"
    if namespace not in snapshot.namespaces:
        return (
            admission.PRIVILEGED_DEFAULTS,
            f"admission defaults (namespace {namespace!r} is not in the input)",
        )
    return admission.namespace_policy(
        snapshot.namespace_labels(namespace)
    ), f"labels of namespace {namespace!r}"


_ADMITTED: dict[int, list[_Admitted]] = {}


def _admitted(snapshot: Snapshot) -> list[_Admitted]:
    """Every workload with its namespace policy and admission decision, once per snapshot."""
    key = id(snapshot)
    found = _ADMITTED.get(key)
    if found is None:
        policies = {}
        found = []
        for workload in snapshot.workloads:
            namespace = workload.namespace
            if namespace not in policies:
                policies[namespace] = _policy_origin(snapshot, namespace)
            policy, origin = policies[namespace]
            decision = admission.admit(
                policy,
                workload.pod_metadata,
                workload.pod_spec,
                kind=workload.source.group_kind,
                namespace=namespace,
            )
            found.append(_Admitted(workload, policy, origin, decision))
        _ADMITTED[key] = found
        weakref.finalize(snapshot, _ADMITTED.pop, key, None)
    return found


def _evidence(violations: Iterable[podsec.Violation]) -> tuple[str, ...]:
    return tuple(f"{v.check}: {v.reason}" + (f" ({v.detail})" if v.detail else "") for v in violations)


def _workload_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [workload.ref for workload in snapshot.workloads]


def _tenant_workloads(snapshot: Snapshot, settings: Settings) -> list[Workload]:
    return [w for w in snapshot.workloads if w.namespace not in settings.system_namespaces]


def _tenant_workload_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [workload.ref for workload in _tenant_workloads(snapshot, settings)]


def _namespace_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [namespace.ref for _, namespace in sorted(snapshot.namespaces.items())]


def _tenant_namespaces(snapshot: Snapshot, settings: Settings) -> list[KubeObject]:
    return [ns for name, ns in sorted(snapshot.namespaces.items()) if name not in settings.system_namespaces]


def _tenant_namespace_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [namespace.ref for namespace in _tenant_namespaces(snapshot, settings)]


# --- namespace policy: enforce, audit, warn ---------------------------------------------


@control(
    id="KW-POD-001",
    title="Pod violates the Pod Security level its namespace enforces",
    section="POD",
    severity=Severity.HIGH,
    scope=_workload_refs,
    rationale="""
        Pod Security Admission rejects a pod that violates its namespace's enforce level.
        A manifest that does is refused when applied; a running pod that does was admitted
        before the level was set (or tightened) and will not come back once it is deleted
        or evicted. Either way the pod holds privileges its namespace forbids.
    """,
    remediation="""
        Change the pod so that it meets the level (``kubeward pods check`` lists each
        violated check; ``kubeward pods harden`` writes the securityContext changes), or
        run it in a namespace meant for it.
    """,
    references=(_cis("5.2.1"), PSA, NSA_POD_SECURITY),
)
def pod_violates_enforce(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A Pod (a pod object, not a controller's template) must pass its namespace's enforce
    policy, resolved from the ``pod-security.kubernetes.io/enforce`` and ``enforce-version``
    labels as Pod Security Admission does (an invalid level enforces ``restricted``)."""
    for item in _admitted(snapshot):
        enforce = item.decision.result("enforce")
        if not item.is_pod or enforce is None or enforce.allowed:
            continue
        workload = item.workload
        yield Finding(
            "KW-POD-001",
            workload.ref,
            workload.source.origin,
            "pod-violates-enforced-pod-security",
            f'Pod {workload.source.ref.name!r} violates PodSecurity "{enforce.policy}" enforced'
            f" {in_namespace(workload.namespace)}: {admission.forbidden_detail(enforce.violations)}",
            paths=(workload.spec_path,),
            why=(f"enforce policy from the {item.origin}", *_evidence(enforce.violations)),
        )


@control(
    id="KW-POD-002",
    title="Workload's pods would be rejected by the Pod Security level its namespace enforces",
    section="POD",
    severity=Severity.MEDIUM,
    scope=_workload_refs,
    rationale="""
        Pod Security Admission does not enforce on Deployments, Jobs and the other
        controllers: it only warns. The controller is created, but every pod it then
        makes is rejected, so the workload never runs, and the failure shows only in the
        controller's events.
    """,
    remediation="""
        Fix the pod template so that it meets the namespace's level (``kubeward pods
        check`` lists the violations, ``kubeward pods harden`` writes the changes).
    """,
    references=(_cis("5.2.1"), PSA),
)
def template_violates_enforce(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The pod template of a workload that is not itself a Pod must pass its namespace's
    enforce policy, which the pods it creates meet at admission."""
    for item in _admitted(snapshot):
        enforce = item.decision.result("enforce")
        if item.is_pod or enforce is None or enforce.allowed:
            continue
        workload = item.workload
        yield Finding(
            "KW-POD-002",
            workload.ref,
            workload.source.origin,
            "template-violates-enforced-pod-security",
            f'{workload.ref.named}: its pods would violate PodSecurity "{enforce.policy}" enforced'
            f" {in_namespace(workload.namespace)} and be rejected:"
            f" {admission.forbidden_detail(enforce.violations)}",
            paths=(workload.spec_path,),
            why=(f"enforce policy from the {item.origin}", *_evidence(enforce.violations)),
        )


@control(
    id="KW-POD-003",
    title="Pod or template violates the audit or warn Pod Security level of its namespace",
    section="POD",
    severity=Severity.LOW,
    scope=_workload_refs,
    rationale="""
        A namespace's audit and warn levels are where it is heading: admission still
        accepts the object, but records an audit annotation or returns a warning. Objects
        that violate them block the namespace from enforcing that level.
    """,
    remediation="""
        Bring the pod template up to the audit/warn level, then raise the namespace's
        enforce level to it (``kubeward pods dry-run-label`` shows what else would break).
    """,
    references=(PSA, NSA_POD_SECURITY),
)
def violates_audit_or_warn(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A pod or pod template that passes its namespace's enforce policy (KW-POD-001/002
    report the others) must pass its audit and warn policies too. An unset warn label
    follows a stricter enforce label, as admission resolves it. Kinds admission does not
    evaluate (custom controllers) are skipped. One finding per distinct policy (``key``: the
    policy)."""
    for item in _admitted(snapshot):
        decision = item.decision
        if not decision.allowed:
            continue
        modes: dict[podsec.Policy, list[admission.ModeResult]] = {}
        for mode in ("audit", "warn"):
            result = decision.result(mode)
            if (
                result is not None
                and result.applied
                and not result.allowed
                and result.policy != item.policy.enforce
            ):
                modes.setdefault(result.policy, []).append(result)
        workload = item.workload
        for policy, results in modes.items():
            names = " and ".join(result.mode for result in results)
            violations = results[0].violations
            yield Finding(
                "KW-POD-003",
                workload.ref,
                workload.source.origin,
                "violates-pod-security-" + "-and-".join(result.mode for result in results),
                f'{workload.ref.named} would violate PodSecurity "{policy}" ({names}'
                f" {in_namespace(workload.namespace)}): {admission.forbidden_detail(violations)}",
                paths=(workload.spec_path,),
                why=(f"{names} policy from the {item.origin}", *_evidence(violations)),
                key=str(policy),
            )


@control(
    id="KW-POD-004",
    title="Namespace enforces no Pod Security level",
    section="POD",
    severity=Severity.MEDIUM,
    scope=_tenant_namespace_refs,
    rationale="""
        Without a ``pod-security.kubernetes.io/enforce`` label (or with ``privileged``),
        admission lets any pod into the namespace: privileged containers, host namespaces
        and host paths included. Anyone who may create a pod there, or a Deployment, can
        take over the node it lands on.
    """,
    remediation="""
        Label the namespace ``pod-security.kubernetes.io/enforce: restricted`` (or
        ``baseline`` where restricted is not yet possible) with a pinned
        ``enforce-version``; check first with ``kubeward pods dry-run-label``.
    """,
    references=(_cis("5.2.1"), PSA, NSA_POD_SECURITY),
)
def namespace_without_enforce(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every namespace that is not a system namespace must enforce ``baseline`` or
    ``restricted``: its ``pod-security.kubernetes.io/enforce`` label must be set to one of
    them (the admission default, ``privileged``, applies without it)."""
    enforce_label = admission.label("enforce")
    for namespace in _tenant_namespaces(snapshot, settings):
        policy = admission.namespace_policy(snapshot.namespace_labels(namespace.ref.name))
        if policy.enforce.level != "privileged":
            continue
        name = namespace.ref.name
        if enforce_label in namespace.labels:
            detail = f'namespace {name!r} enforces PodSecurity "{policy.enforce}", which checks nothing'
            path: Path = ("metadata", "labels", enforce_label)
        else:
            detail = f"namespace {name!r} has no {enforce_label} label, so admission enforces nothing"
            path = ("metadata", "labels") if "labels" in namespace.metadata else ("metadata",)
        yield Finding(
            "KW-POD-004",
            namespace.ref,
            namespace.origin,
            "namespace-enforces-no-pod-security",
            detail,
            paths=(path,),
            why=tuple(f"{mode}: {policy.of(mode)}" for mode in admission.MODES),
        )


@control(
    id="KW-POD-005",
    title="Namespace has invalid Pod Security labels",
    section="POD",
    severity=Severity.MEDIUM,
    scope=_namespace_refs,
    rationale="""
        The API server refuses to create a namespace with invalid Pod Security labels, and
        to change them to invalid values; one that has them anyway (an old object, a
        manifest not yet applied) is judged with fallbacks nobody chose: an invalid
        enforce level enforces ``restricted``, an invalid audit or warn level is
        ``privileged``, an invalid version is ``latest``.
    """,
    remediation="""
        Set each level label to ``privileged``, ``baseline`` or ``restricted`` and each
        version label to ``latest`` or ``v1.N``.
    """,
    references=(PSA,),
)
def invalid_labels(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A namespace's ``pod-security.kubernetes.io/{enforce,audit,warn}`` labels must be
    ``privileged``, ``baseline`` or ``restricted``, and their ``-version`` labels ``latest``
    or ``v1.N`` (``^v1\\.(0|[1-9][0-9]*)$``)."""
    for name, namespace in sorted(snapshot.namespaces.items()):
        policy = admission.namespace_policy(snapshot.namespace_labels(name))
        if not policy.errors:
            continue
        yield Finding(
            "KW-POD-005",
            namespace.ref,
            namespace.origin,
            "invalid-pod-security-labels",
            f"namespace {name!r} has invalid Pod Security labels: "
            + "; ".join(str(error) for error in policy.errors)
            + f"; admission uses enforce={policy.enforce}, audit={policy.audit}, warn={policy.warn}",
            paths=tuple(("metadata", "labels", error.label) for error in policy.errors),
        )


# --- levels where nothing is enforced ---------------------------------------------------


def _unenforced(snapshot: Snapshot, settings: Settings) -> Iterator[_Admitted]:
    """Tenant workloads whose namespace enforces ``privileged`` (labels, or defaults)."""
    for item in _admitted(snapshot):
        if item.workload.namespace in settings.system_namespaces or item.decision.exempt:
            continue
        if item.policy.enforce.level == "privileged":
            yield item


def _unenforced_why(item: _Admitted) -> str:
    return f"enforce policy {item.policy.enforce}, from the {item.origin}"


@control(
    id="KW-POD-006",
    title="Workload fails the baseline Pod Security Standard where nothing enforces it",
    section="POD",
    severity=Severity.MEDIUM,
    scope=_tenant_workload_refs,
    rationale="""
        The baseline level forbids the known ways out of a container: privileged mode,
        host namespaces, host paths and ports, added capabilities, unsafe sysctls,
        unconfined AppArmor/SELinux/seccomp. A workload that fails it in a namespace that
        enforces nothing runs with those privileges, and nothing stops the next one.
    """,
    remediation="""
        Remove what baseline forbids from the pod template (``kubeward pods check --level
        baseline`` lists it), then label the namespace to enforce baseline or restricted.
        If the workload really needs it (a CNI or storage driver), run it in a dedicated,
        tightly controlled namespace.
    """,
    references=(_cis("5.2.2"), _cis("5.2.3"), _cis("5.2.5"), _cis("5.2.12"), PSS, NSA_POD_SECURITY),
)
def fails_baseline_unenforced(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload that is not in a system namespace, in a namespace whose enforce policy is
    ``privileged`` (label, or no label; a namespace not in the input counts as unlabelled),
    must pass ``baseline:latest``."""
    for item in _unenforced(snapshot, settings):
        workload = item.workload
        violations = podsec.evaluate(_BASELINE, workload.pod_metadata, workload.pod_spec)
        if violations:
            yield Finding(
                "KW-POD-006",
                workload.ref,
                workload.source.origin,
                "fails-baseline-unenforced",
                f'{workload.ref.named} violates PodSecurity "{_BASELINE}":'
                f" {admission.forbidden_detail(violations)}",
                paths=(workload.spec_path,),
                why=(_unenforced_why(item), *_evidence(violations)),
            )


@control(
    id="KW-POD-007",
    title="Workload fails the restricted Pod Security Standard where nothing enforces it",
    section="POD",
    severity=Severity.LOW,
    scope=_tenant_workload_refs,
    rationale="""
        The restricted level is current pod hardening practice: non-root, no privilege
        escalation, all capabilities dropped, a seccomp profile. A workload that passes
        baseline but not restricted is one compromise away from root in its container and
        a kernel exploit away from the node.
    """,
    remediation="""
        Set ``runAsNonRoot: true``, ``allowPrivilegeEscalation: false``,
        ``capabilities.drop: [ALL]`` and ``seccompProfile.type: RuntimeDefault``
        (``kubeward pods harden`` writes them), then enforce restricted on the namespace.
    """,
    references=(_cis("5.2.6"), _cis("5.2.7"), _cis("5.2.9"), _cis("5.7.2"), PSS, NSA_POD_SECURITY),
)
def fails_restricted_unenforced(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload that is not in a system namespace, in a namespace whose enforce policy is
    ``privileged``, and that passes ``baseline:latest`` (KW-POD-006 reports the others), must
    pass ``restricted:latest``."""
    for item in _unenforced(snapshot, settings):
        workload = item.workload
        if podsec.evaluate(_BASELINE, workload.pod_metadata, workload.pod_spec):
            continue
        violations = podsec.evaluate(_RESTRICTED, workload.pod_metadata, workload.pod_spec)
        if violations:
            yield Finding(
                "KW-POD-007",
                workload.ref,
                workload.source.origin,
                "fails-restricted-unenforced",
                f'{workload.ref.named} violates PodSecurity "{_RESTRICTED}":'
                f" {admission.forbidden_detail(violations)}",
                paths=(workload.spec_path,),
                why=(_unenforced_why(item), *_evidence(violations)),
            )


# --- hardening beyond the Pod Security Standards -----------------------------------------


def _security_context_path(workload: Workload, container: ContainerRef, name: str) -> Path:
    return (*workload.spec_path, *container.path, "securityContext", name)


def _containers(containers: Iterable[ContainerRef]) -> str:
    """``container "a"`` or ``containers "a", "b"``, as PSA names them."""
    names = [f'"{container.name}"' for container in containers]
    return f"container{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@control(
    id="KW-POD-008",
    title="Container root filesystem is writable",
    section="POD",
    severity=Severity.LOW,
    scope=_tenant_workload_refs,
    rationale="""
        A writable root filesystem lets an intruder change the container's binaries and
        configuration, drop tools and persist until the container is replaced. Immutable
        containers confine writes to the volumes that are meant for them.
    """,
    remediation="""
        Set ``securityContext.readOnlyRootFilesystem: true`` on every container and mount
        an ``emptyDir`` where the application must write (``/tmp``, caches).
    """,
    references=("Checkov CKV_K8S_22", "kubescape C-0017", NSA_IMMUTABLE),
)
def writable_root_filesystem(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every init and regular container of a workload that is not in a system namespace
    must set ``securityContext.readOnlyRootFilesystem: true`` (there is no pod-level
    setting). Windows pods (``spec.os.name: windows``) are
    skipped: Windows containers cannot have a read-only root filesystem."""
    for workload in _tenant_workloads(snapshot, settings):
        if _os_name(workload.pod_spec) == "windows":
            continue
        writable = [
            container
            for container in iter_containers(workload.pod_spec, _STATIC_CONTAINERS)
            if _security_context(container.container).get("readOnlyRootFilesystem") is not True
        ]
        if writable:
            yield Finding(
                "KW-POD-008",
                workload.ref,
                workload.source.origin,
                "writable-root-filesystem",
                f"{workload.ref.named}: {_containers(writable)} do{'es' if len(writable) == 1 else ''}"
                " not set securityContext.readOnlyRootFilesystem=true",
                paths=tuple(_security_context_path(workload, c, "readOnlyRootFilesystem") for c in writable),
            )


def _os_name(pod_spec: Mapping[str, Any]) -> Any:
    os = pod_spec.get("os")
    return os.get("name") if isinstance(os, Mapping) else None


def _security_context(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    context = mapping.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def image_reference(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference ``[host[:port]/]path[:tag][@digest]``
    (the distribution reference grammar): the tag is what follows the last ``:`` after the
    last ``/``, so ``localhost:5000/app`` has none."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def _image_containers(workload: Workload) -> Iterator[tuple[ContainerRef, str, str | None, str | None]]:
    for container in iter_containers(workload.pod_spec, ALL_CONTAINERS):
        image = container.container.get("image")
        if isinstance(image, str) and image.strip():
            yield (container, image, *image_reference(image.strip())[1:])


@control(
    id="KW-POD-009",
    title="Container image has no tag or uses :latest",
    section="POD",
    severity=Severity.MEDIUM,
    scope=_tenant_workload_refs,
    rationale="""
        An image without a tag means ``:latest``, and ``:latest`` moves: each node may run
        a different image, a rollback does not roll back, nobody can say which code ran,
        and a compromised registry push reaches every restart.
    """,
    remediation="""
        Refer to each image by an immutable version tag and, better, by digest
        (``registry/app:1.4.2@sha256:...``).
    """,
    references=("Checkov CKV_K8S_14", "kube-score container-image-tag", _cis("5.5.1"), NSA_IMAGES),
)
def unpinned_image_tag(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every container's ``image`` (workloads of the system namespaces excepted) must carry a
    digest (``@sha256:...``), or a tag other than ``latest``."""
    for workload in _tenant_workloads(snapshot, settings):
        found = [
            (container, image, "has no tag (so :latest)" if tag is None else "uses the tag :latest")
            for container, image, tag, digest in _image_containers(workload)
            if digest is None and (tag is None or tag == "latest")
        ]
        if found:
            yield Finding(
                "KW-POD-009",
                workload.ref,
                workload.source.origin,
                "image-latest-or-untagged",
                f"{workload.ref.named}: "
                + "; ".join(f"container {c.name!r} image {image!r} {what}" for c, image, what in found),
                paths=tuple((*workload.spec_path, *c.path, "image") for c, _, _ in found),
            )


@control(
    id="KW-POD-010",
    title="Container image is not pinned by digest",
    section="POD",
    severity=Severity.LOW,
    scope=_tenant_workload_refs,
    rationale="""
        Tags are mutable: whoever can push to the repository can change what ``app:1.4.2``
        is, and nodes pull the new image at their next pull. Only a digest names exactly
        the image that was reviewed and scanned.
    """,
    remediation="""
        Append the image's digest to its reference (``app:1.4.2@sha256:...``); let
        automation (Renovate, Dependabot) update tag and digest together.
    """,
    references=("Checkov CKV_K8S_43", _cis("5.5.1"), NSA_IMAGES),
)
def image_without_digest(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every container's ``image`` that has a tag other than ``latest`` (KW-POD-009 reports
    the others) must also carry a digest (``@sha256:...``). Workloads of the system
    namespaces are skipped."""
    for workload in _tenant_workloads(snapshot, settings):
        found = [
            (container, image)
            for container, image, tag, digest in _image_containers(workload)
            if digest is None and tag is not None and tag != "latest"
        ]
        if found:
            yield Finding(
                "KW-POD-010",
                workload.ref,
                workload.source.origin,
                "image-without-digest",
                f"{workload.ref.named}: "
                + "; ".join(f"container {c.name!r} image {image!r} has no digest" for c, image in found),
                paths=tuple((*workload.spec_path, *c.path, "image") for c, _ in found),
            )


@control(
    id="KW-POD-011",
    title="Pod mounts a service account token its account has no use for",
    section="POD",
    severity=Severity.LOW,
    scope=_tenant_workload_refs,
    rationale="""
        A mounted token is a credential for the API server, readable by every process in
        the pod. When no binding grants its account anything, the application does not
        call the API; the token only helps an intruder (discovery, and any permission
        later granted to the account or to all service accounts).
    """,
    remediation="""
        Set ``automountServiceAccountToken: false`` in the pod template (or on the
        ServiceAccount); mount a projected token only where the application calls the API.
    """,
    references=(_cis("5.1.6"), "Checkov CKV_K8S_38", NSA_TOKENS),
    requires=(ROLE_BINDING, CLUSTER_ROLE_BINDING),
)
def unneeded_token(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload that is not in a system namespace and gets its service account's token
    (automounted or projected, as KW-RBAC-015 decides it) must run as an account that some
    RoleBinding or ClusterRoleBinding grants something to: naming the account, or a group it
    is in other than the groups every account is in (``system:serviceaccounts``,
    ``system:authenticated``). Bindings whose role is missing from the input count as
    granting."""
    world = world_of(snapshot)
    for workload in _tenant_workloads(snapshot, settings):
        name, path = service_account(workload.pod_spec)
        namespace = workload.namespace
        account = snapshot.get(SERVICE_ACCOUNT, namespace, name)
        if not token_mounted(workload.pod_spec, account.body if account else None):
            continue
        identity = Subject("ServiceAccount", name, namespace).identity
        granting = [
            binding
            for binding, subject in world.bindings_anywhere(identity)
            if not (subject.kind == "Group" and subject.name in EVERYONE)
            and (binding.role is None or binding.role.rules)
        ]
        if granting:
            continue
        yield Finding(
            "KW-POD-011",
            workload.ref,
            workload.source.origin,
            "unneeded-service-account-token",
            f"{workload.ref.named} gets the token of ServiceAccount {name!r} {in_namespace(namespace)},"
            " which no binding grants anything",
            paths=((*workload.spec_path, "automountServiceAccountToken"),),
            why=(
                _automount_why(workload.pod_spec, account.body if account else None),
                f"service account named by {path[0] if path else 'default (no serviceAccountName)'}",
            ),
        )


def _automount_why(pod_spec: Mapping[str, Any], account: Mapping[str, Any] | None) -> str:
    """Where the token comes from: the pod's ``automountServiceAccountToken``, else its
    ServiceAccount's, else the default (true); or a projected token despite ``false``."""
    setting, where = pod_spec.get("automountServiceAccountToken"), ""
    if setting is None and account is not None:
        setting, where = account.get("automountServiceAccountToken"), " on the ServiceAccount"
    if setting is None:
        return (
            "automountServiceAccountToken is set neither on the pod nor on its ServiceAccount"
            " (defaults to true)"
        )
    if setting is False:
        return (
            f"automountServiceAccountToken is false{where},"
            " but a projected serviceAccountToken volume is mounted"
        )
    return f"automountServiceAccountToken is true{where}"


_SENSITIVE_HOST_PATHS = {
    "/": "the node's whole filesystem",
    "/etc": "the node's configuration, credentials included",
    "/proc": "every process of the node",
    "/var/lib/kubelet": "the kubelet's state: every pod's volumes, secrets and tokens",
    "/var/run/docker.sock": "the Docker socket: control of every container on the node",
    "/run/docker.sock": "the Docker socket: control of every container on the node",
    "/var/run/containerd/containerd.sock": "the containerd socket: control of every container on the node",
    "/run/containerd/containerd.sock": "the containerd socket: control of every container on the node",
    "/var/run/crio/crio.sock": "the CRI-O socket: control of every container on the node",
    "/run/crio/crio.sock": "the CRI-O socket: control of every container on the node",
}


_HARMLESS_HOST_PATHS = frozenset({"/etc/localtime", "/etc/timezone"})
"""Files inside ``/etc`` that hold no secret, which workloads commonly mount (read-only) to
run in the node's time zone."""


def normalise_host_path(path: str) -> str:
    """``path`` as the node resolves it lexically: repeated and trailing slashes dropped,
    ``.`` and ``..`` applied (``..`` stops at ``/``)."""
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else posixpath.normpath(path)


def sensitive_host_path(path: str) -> list[tuple[str, str]]:
    """The sensitive paths (with what they hold) that a hostPath of ``path`` exposes: the
    path itself, one it lies inside of (anything but ``/`` itself), or those inside it (``/``
    alone stands for them all). The node's time zone files are not sensitive."""
    normal = normalise_host_path(path)
    if normal in _HARMLESS_HOST_PATHS:
        return []
    if normal == "/":
        return [("/", _SENSITIVE_HOST_PATHS["/"])]
    inside = normal + "/"
    return [
        (sensitive, what)
        for sensitive, what in _SENSITIVE_HOST_PATHS.items()
        if normal == sensitive
        or (sensitive != "/" and normal.startswith(sensitive + "/"))
        or sensitive.startswith(inside)
    ]


def _mounts(pod_spec: Mapping[str, Any], volume: str) -> list[str]:
    mounts = []
    for container in iter_containers(pod_spec, ALL_CONTAINERS):
        volume_mounts = container.container.get("volumeMounts")
        for mount in volume_mounts if isinstance(volume_mounts, list) else []:
            if isinstance(mount, Mapping) and mount.get("name") == volume:
                access = "read-only" if mount.get("readOnly") is True else "read-write"
                mounts.append(f'"{container.name}" at {mount.get("mountPath")!s} ({access})')
    return mounts


@control(
    id="KW-POD-012",
    title="Pod mounts a sensitive path of the node",
    section="POD",
    severity=Severity.HIGH,
    scope=_tenant_workload_refs,
    rationale="""
        A hostPath volume of the node's root, ``/etc``, ``/proc``, the kubelet's directory
        or a container runtime socket is a way out of the container: reading credentials
        of the node and of every pod on it, or starting a privileged container through
        the runtime.
    """,
    remediation="""
        Remove the hostPath volume. Use a ConfigMap, Secret, projected or persistent
        volume instead; if a node agent really needs it, run it in a dedicated namespace
        with the narrowest path, read-only.
    """,
    references=(_cis("5.2.12"), "Checkov CKV_K8S_27", "kubescape C-0048", NSA_POD_SECURITY),
)
def sensitive_host_path_mount(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No workload outside the system namespaces may have a ``spec.volumes[].hostPath.path``
    that is ``/``, or is, contains or lies inside ``/etc``, ``/proc``, ``/var/lib/kubelet``,
    or the Docker, containerd or CRI-O socket (under ``/var/run`` or ``/run``), after
    normalising the path (repeated and trailing slashes, ``.`` and ``..``). The time zone
    files ``/etc/localtime`` and ``/etc/timezone`` are allowed. One finding per volume
    (``key``: its name)."""
    for workload in _tenant_workloads(snapshot, settings):
        volumes = workload.pod_spec.get("volumes")
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            host_path = volume.get("hostPath") if isinstance(volume, Mapping) else None
            path = host_path.get("path") if isinstance(host_path, Mapping) else None
            if not isinstance(path, str):
                continue
            exposed = sensitive_host_path(path)
            if not exposed:
                continue
            volume_name = str(volume.get("name", f"volumes[{index}]"))
            mounts = _mounts(workload.pod_spec, volume_name)
            where = (
                f"into container{'s' if len(mounts) > 1 else ''} {', '.join(mounts)}"
                if mounts
                else "but no container mounts it"
            )
            yield Finding(
                "KW-POD-012",
                workload.ref,
                workload.source.origin,
                "sensitive-host-path",
                f"{workload.ref.named}: volume {volume_name!r} mounts host path {path!r}"
                f" ({'; '.join(f'{s}: {what}' for s, what in exposed)}) {where}",
                paths=((*workload.spec_path, "volumes", index, "hostPath", "path"),),
                key=volume_name,
            )


@control(
    id="KW-POD-013",
    title="Privileged container in a pod that shares the node's namespaces",
    section="POD",
    severity=Severity.CRITICAL,
    scope=_tenant_workload_refs,
    rationale="""
        A privileged container has every capability and every device of the node; with
        the node's PID namespace it can enter any process (``nsenter -t 1``), with its
        network namespace it is the node on the network. Together they are root on the
        node in one command.
    """,
    remediation="""
        Drop ``privileged: true`` and the ``hostPID``/``hostNetwork``/``hostIPC`` settings;
        grant the specific capabilities a node agent needs instead, in a dedicated namespace.
    """,
    references=(_cis("5.2.2"), _cis("5.2.3"), _cis("5.2.4"), _cis("5.2.5"), NSA_POD_SECURITY),
)
def privileged_with_host_namespaces(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No pod outside the system namespaces may have a container with
    ``securityContext.privileged: true`` while it sets ``hostPID``, ``hostNetwork`` or
    ``hostIPC`` to true."""
    for workload in _tenant_workloads(snapshot, settings):
        shared = [(field, what) for field, what in _HOST_NAMESPACES if workload.pod_spec.get(field) is True]
        if not shared:
            continue
        privileged = [
            container
            for container in iter_containers(workload.pod_spec, ALL_CONTAINERS)
            if _security_context(container.container).get("privileged") is True
        ]
        if not privileged:
            continue
        yield Finding(
            "KW-POD-013",
            workload.ref,
            workload.source.origin,
            "privileged-with-host-namespaces",
            f"{workload.ref.named}: {_containers(privileged)} run{'s' if len(privileged) == 1 else ''}"
            f" privileged in a pod that shares the node's {_and([what for _, what in shared])} namespace"
            f"{'s' if len(shared) > 1 else ''} ({', '.join(f'{field}=true' for field, _ in shared)})",
            paths=(
                *((*workload.spec_path, field) for field, _ in shared),
                *(_security_context_path(workload, c, "privileged") for c in privileged),
            ),
        )
