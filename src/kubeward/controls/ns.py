"""Section NS: namespaces used on purpose, with quotas and limits (workload isolation)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from kubeward.controls.finding import Finding, Severity, in_namespace
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines import resources
from kubeward.k8s.containers import RESOURCE_CONTAINERS, iter_containers
from kubeward.k8s.objects import GroupKind, ObjectRef
from kubeward.snapshot.snapshot import KubeObject, Snapshot, Workload

__all__: list[str] = []

NAMESPACE = GroupKind("", "Namespace")
SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
RESOURCE_QUOTA = GroupKind("", "ResourceQuota")
LIMIT_RANGE = GroupKind("", "LimitRange")

NSA_NAMESPACES = "NSA/CISA Kubernetes Hardening Guidance v1.2: Namespaces"
NSA_RESOURCE_POLICIES = "NSA/CISA Kubernetes Hardening Guidance v1.2: Resource policies"

_CONTROL_PLANE_COMPONENTS = frozenset(
    {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "cloud-controller-manager"}
)
_STATIC_POD_ANNOTATIONS = (
    "kubernetes.io/config.mirror",
    "kubernetes.io/config.source",
    "kubernetes.io/config.hash",
)
_SYSTEM_PRIORITY_CLASSES = frozenset({"system-cluster-critical", "system-node-critical"})


# --- scopes: what each control evaluates ------------------------------------------------


def _workload_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [workload.ref for workload in snapshot.workloads]


def _system_namespace_workloads(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [w.ref for w in snapshot.workloads if w.namespace in ("kube-system", "kube-public")]


def _tenant_namespaces(snapshot: Snapshot, settings: Settings) -> list[KubeObject]:
    return [ns for name, ns in sorted(snapshot.namespaces.items()) if name not in settings.system_namespaces]


def _tenant_namespace_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [ns.ref for ns in _tenant_namespaces(snapshot, settings)]


def _quota_namespaces(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [quotas[0].ref for quotas in _quota_groups(snapshot, settings).values()]


def _tenant_workloads(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [w.ref for w in snapshot.workloads if w.namespace not in settings.system_namespaces]


def _default_service_accounts(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [ref for ref, _ in _default_accounts(snapshot, settings)]


def _namespaced_objects(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    if not snapshot.whole_cluster:
        return []
    covered = {id(member) for workload in snapshot.workloads for member in workload.members}
    refs = [obj.ref for obj in snapshot.objects if id(obj) not in covered]
    return [ref for ref in refs + [w.ref for w in snapshot.workloads] if ref.namespace]


# --- controls ---------------------------------------------------------------------------


@control(
    id="KW-NS-001",
    title="Workload runs in the default namespace",
    section="NS",
    severity=Severity.LOW,
    scope=_workload_refs,
    rationale="""
        The default namespace is where everything lands when nobody decided otherwise: it
        has no owner, no quota, no network or pod security policy of its own, and every
        user who can create objects "somewhere" can usually create them there. Workloads
        in it share one flat security boundary.
    """,
    remediation="""
        Give each application or team its own namespace (with quota, LimitRange, Pod
        Security labels and a default-deny NetworkPolicy) and move the workload there.
    """,
    references=(
        "CIS Kubernetes Benchmark v1.10 5.7.4",
        "CIS Kubernetes Benchmark v1.10 5.7.1",
        NSA_NAMESPACES,
    ),
)
def default_namespace(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload (any kind that makes pods) must not be in namespace ``default``.

    A manifest without ``metadata.namespace`` is not in ``default``: its namespace is
    chosen when it is applied (pass ``-n`` to scan it as applied to one)."""
    for workload in snapshot.workloads:
        if workload.namespace == "default":
            yield Finding(
                "KW-NS-001",
                workload.ref,
                workload.source.origin,
                "default-namespace",
                f"{workload.ref.named} runs in the default namespace",
                paths=(("metadata", "namespace"),),
            )


def _system_markers(workload: Workload) -> list[str]:
    """Why a workload in kube-system belongs to the platform (empty: a user workload)."""
    markers = []
    labels = {**workload.source.labels, **workload.labels}
    annotations = {**workload.source.annotations, **_annotations(workload.pod_metadata)}
    if any(name in annotations for name in _STATIC_POD_ANNOTATIONS):
        markers.append("static (mirror) pod")
    if labels.get("tier") == "control-plane" or labels.get("component") in _CONTROL_PLANE_COMPONENTS:
        markers.append("control-plane component")
    if "k8s-app" in labels:
        markers.append(f"cluster add-on (k8s-app={labels['k8s-app']})")
    if "addonmanager.kubernetes.io/mode" in labels or labels.get("kubernetes.io/cluster-service") == "true":
        markers.append("managed by the addon manager")
    if workload.pod_spec.get("priorityClassName") in _SYSTEM_PRIORITY_CLASSES:
        markers.append(f"priority class {workload.pod_spec['priorityClassName']}")
    return markers


def _annotations(metadata: Mapping[str, object]) -> Mapping[str, str]:
    annotations = metadata.get("annotations")
    return annotations if isinstance(annotations, Mapping) else {}


@control(
    id="KW-NS-002",
    title="User workload runs in kube-system or kube-public",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_system_namespace_workloads,
    rationale="""
        kube-system holds the control plane and cluster add-ons, and its service accounts
        and secrets are among the most powerful in the cluster; kube-public is readable
        by everyone, unauthenticated users included. A workload placed there shares
        that trust and exposure.
    """,
    remediation="""
        Move the workload to a namespace of its own. Platform components that must stay
        in kube-system should be recognisable as such (a ``k8s-app`` label or a
        ``system-*-critical`` priority class).
    """,
    references=("Trivy KSV-0037", NSA_NAMESPACES),
)
def system_namespace_workloads(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No workload may run in ``kube-public``. A workload in ``kube-system`` must be a
    platform component: a static (mirror) pod, a control-plane component (label
    ``tier: control-plane``, or ``component`` one of kube-apiserver,
    kube-controller-manager, kube-scheduler, etcd, cloud-controller-manager), a cluster
    add-on (label ``k8s-app``, ``addonmanager.kubernetes.io/mode`` or
    ``kubernetes.io/cluster-service: "true"``) or run at priority class
    ``system-cluster-critical``/``system-node-critical``."""
    for workload in snapshot.workloads:
        if workload.namespace == "kube-public":
            detail = f"{workload.ref.named} runs in kube-public, which every user can read"
        elif workload.namespace == "kube-system" and not _system_markers(workload):
            detail = f"{workload.ref.named} runs in kube-system but carries no mark of a platform component"
        else:
            continue
        yield Finding(
            "KW-NS-002",
            workload.ref,
            workload.source.origin,
            "user-workload-in-system-namespace",
            detail,
            paths=(("metadata", "namespace"),),
            why=("checked: static pod annotations, tier/component/k8s-app/addon-manager labels, priority",),
        )


@control(
    id="KW-NS-003",
    title="Namespace has no ResourceQuota",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_tenant_namespace_refs,
    rationale="""
        Without a ResourceQuota nothing limits how much CPU, memory, storage or how many
        objects one namespace can take; one tenant (or one compromised workload) can
        starve every other.
    """,
    remediation="""
        Add a ResourceQuota to the namespace bounding requests.cpu, requests.memory,
        limits.cpu, limits.memory and object counts (pods, services, secrets, PVCs).
        ``kubeward`` namespace scaffolding writes one.
    """,
    references=(NSA_RESOURCE_POLICIES, "Trivy KSV-0040"),
    requires=(RESOURCE_QUOTA,),
)
def namespace_without_quota(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every namespace that is not a system namespace must hold at least one ResourceQuota."""
    for namespace in _tenant_namespaces(snapshot, settings):
        if not snapshot.in_namespace_of_kind(RESOURCE_QUOTA, namespace.ref.name):
            yield Finding(
                "KW-NS-003",
                namespace.ref,
                namespace.origin,
                "no-resource-quota",
                f"namespace {namespace.ref.name!r} has no ResourceQuota",
            )


def _quota_groups(snapshot: Snapshot, settings: Settings) -> dict[str, tuple[KubeObject, ...]]:
    groups: dict[str, list[KubeObject]] = {}
    for quota in snapshot.of_kind(RESOURCE_QUOTA):
        if quota.ref.namespace not in settings.system_namespaces:
            groups.setdefault(quota.ref.namespace, []).append(quota)
    return {
        namespace: tuple(sorted(quotas, key=lambda q: q.ref)) for namespace, quotas in sorted(groups.items())
    }


@control(
    id="KW-NS-004",
    title="ResourceQuotas do not bound CPU and memory",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_quota_namespaces,
    rationale="""
        A quota that only counts objects (or only covers some pods through its scopes)
        still lets the namespace consume unbounded CPU and memory. Once an unscoped quota
        bounds them, every new pod must declare requests and limits, which keeps
        scheduling honest too.
    """,
    remediation="""
        Give the namespace an unscoped ResourceQuota with ``requests.cpu``,
        ``requests.memory``, ``limits.cpu`` and ``limits.memory`` in ``spec.hard`` (or a
        pair of quotas with complementary scopes that both do).
    """,
    references=(NSA_RESOURCE_POLICIES,),
)
def quota_bounds(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """In a namespace with quotas, CPU and memory must each be bounded for every pod: by a
    quota without scopes naming ``cpu``/``requests.cpu``/``limits.cpu`` (likewise for
    memory) in ``spec.hard``, or by two quotas with complementary single scopes that both
    name it (``Terminating`` and ``NotTerminating``; ``PriorityClass`` ``Exists`` and
    ``DoesNotExist``, or ``In`` and ``NotIn`` the same classes). Reported on the
    namespace's first quota."""
    for namespace, quotas in _quota_groups(snapshot, settings).items():
        coverage = resources.quota_coverage(quotas)
        unbounded = coverage.unbounded
        if not unbounded:
            continue
        names = ", ".join(repr(quota.ref.name) for quota in quotas)
        yield Finding(
            "KW-NS-004",
            quotas[0].ref,
            quotas[0].origin,
            "quota-does-not-bound-" + "-and-".join(unbounded),
            f"no ResourceQuota {in_namespace(namespace)} bounds {' or '.join(unbounded)}"
            f" for every pod (quotas: {names})",
            paths=(("spec", "hard"),),
            why=tuple(
                f"{resource}: bounded by {', '.join(str(ref) for ref in coverage.bounded_by[resource])}"
                for resource in ("cpu", "memory")
                if coverage.bounded_by.get(resource)
            ),
        )


@control(
    id="KW-NS-005",
    title="Containers lack requests or limits and no LimitRange supplies them",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_tenant_workloads,
    rationale="""
        A container without requests is scheduled as if it needed nothing and is the
        first to be evicted; one without limits can take a whole node's CPU or memory.
        A LimitRange with Container defaults fills in what manifests forget, at
        admission, for every pod of the namespace.
    """,
    remediation="""
        Set ``resources.requests`` and ``resources.limits`` for cpu and memory on every
        container, and add a LimitRange with ``default`` and ``defaultRequest`` for type
        Container to the namespace so that nothing is left unbounded.
    """,
    references=(
        NSA_RESOURCE_POLICIES,
        "Polaris cpuRequestsMissing, cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing",
        "kubescape C-0050, C-0004",
    ),
    requires=(LIMIT_RANGE,),
)
def missing_requests_limits(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every init and regular container must end up with ``requests.cpu``,
    ``requests.memory``, ``limits.cpu`` and ``limits.memory`` once Kubernetes has
    defaulted it: a limit also sets a missing request (pod defaulting), and the
    namespace's LimitRanges of type Container fill in ``default`` limits and
    ``defaultRequest`` requests (``max`` defaults ``default``, ``default`` and ``min``
    default ``defaultRequest``)."""
    defaults_by_namespace: dict[str, resources.ContainerDefaults] = {}
    for workload in snapshot.workloads:
        namespace = workload.namespace
        if namespace in settings.system_namespaces:
            continue
        if namespace not in defaults_by_namespace:
            defaults_by_namespace[namespace] = resources.container_defaults(
                snapshot.in_namespace_of_kind(LIMIT_RANGE, namespace)
            )
        defaults = defaults_by_namespace[namespace]
        lacking = []
        paths = []
        for container in iter_containers(workload.pod_spec, RESOURCE_CONTAINERS):
            missing = resources.missing_resources(container.container, defaults)
            if missing:
                lacking.append(f"container {container.name!r} lacks {', '.join(missing)}")
                paths.append((*workload.spec_path, *container.path, "resources"))
        if not lacking:
            continue
        limit_ranges = snapshot.in_namespace_of_kind(LIMIT_RANGE, namespace)
        yield Finding(
            "KW-NS-005",
            workload.ref,
            workload.source.origin,
            "container-resources-unbounded",
            f"{'; '.join(lacking)}; no LimitRange {in_namespace(namespace)} supplies them",
            paths=tuple(paths),
            why=tuple(
                f"{limit_range.ref}: "
                + (
                    "supplies some Container defaults"
                    if limit_range.ref in defaults.sources
                    else "no Container defaults"
                )
                for limit_range in limit_ranges
            ),
        )


def _default_accounts(snapshot: Snapshot, settings: Settings) -> list[tuple[ObjectRef, KubeObject | None]]:
    """(the ref to report, the default ServiceAccount object or None when only implied)."""
    accounts = {
        obj.ref.namespace: obj for obj in snapshot.of_kind(SERVICE_ACCOUNT) if obj.ref.name == "default"
    }
    out: list[tuple[ObjectRef, KubeObject | None]] = []
    for namespace, account in sorted(accounts.items()):
        if namespace not in settings.system_namespaces:
            out.append((account.ref, account))
    if snapshot.of_kind(SERVICE_ACCOUNT) and snapshot.knows_all(SERVICE_ACCOUNT):
        # Kubernetes creates "default" in every namespace; if the input holds every
        # service account but not this one, the one that exists has the default settings.
        for namespace_object in _tenant_namespaces(snapshot, settings):
            if namespace_object.ref.name not in accounts:
                out.append((namespace_object.ref, None))
    return out


@control(
    id="KW-NS-006",
    title="The namespace's default ServiceAccount mounts its token automatically",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_default_service_accounts,
    rationale="""
        Every pod that names no service account runs as its namespace's ``default``
        account, and by default gets that account's API token mounted. Any permission
        granted to ``default`` (or to all service accounts) is then available to every
        such pod, and a compromised container can use the token at once.
    """,
    remediation="""
        Set ``automountServiceAccountToken: false`` on the ``default`` ServiceAccount of
        every namespace, and give workloads that need the API a dedicated service
        account.
    """,
    references=(
        "CIS Kubernetes Benchmark v1.10 5.1.5",
        "CIS Kubernetes Benchmark v1.10 5.1.6",
        "Checkov CKV_K8S_41",
    ),
)
def default_service_account_automount(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The ServiceAccount ``default`` of every namespace that is not a system namespace must
    set ``automountServiceAccountToken: false``. When the input holds service accounts but
    not a namespace's ``default``, the one Kubernetes creates has the field unset and the
    finding is reported on the Namespace."""
    for ref, account in _default_accounts(snapshot, settings):
        if account is None:
            namespace = snapshot.namespaces[ref.name]
            yield Finding(
                "KW-NS-006",
                ref,
                namespace.origin,
                "default-service-account-automounts",
                f"namespace {ref.name!r} declares no ServiceAccount 'default', so the one Kubernetes creates"
                " mounts its token into every pod that names no service account",
            )
        elif account.body.get("automountServiceAccountToken") is not False:
            value = account.body.get("automountServiceAccountToken")
            state = "is true" if value is True else "is not set (defaults to true)"
            yield Finding(
                "KW-NS-006",
                ref,
                account.origin,
                "default-service-account-automounts",
                f"ServiceAccount 'default' {in_namespace(ref.namespace)}:"
                f" automountServiceAccountToken {state}",
                paths=(("automountServiceAccountToken",),),
            )


@control(
    id="KW-NS-007",
    title="Object is in a namespace that does not exist",
    section="NS",
    severity=Severity.MEDIUM,
    scope=_namespaced_objects,
    rationale="""
        In a whole cluster's state an object whose namespace is missing cannot be
        applied (or is left behind by a deletion); a misspelt namespace in a GitOps
        repository means the policy, quota or workload meant for the real namespace is
        not where it should be.
    """,
    remediation="""
        Fix the namespace name, or declare the Namespace; remove objects left behind.
    """,
    references=("Kubernetes documentation: Namespaces",),
    requires=(NAMESPACE,),
)
def missing_namespace(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Only for a whole cluster's state (a live read, or an input holding the ``default``
    and ``kube-system`` Namespaces, or ``--whole-cluster``): every namespaced object's
    namespace must be declared by a Namespace object. A workload's objects (Deployment,
    ReplicaSets, Pods) are reported once, on its top owner."""
    if not snapshot.whole_cluster:
        return
    declared = snapshot.namespaces
    covered = {id(member) for workload in snapshot.workloads for member in workload.members}
    reports = [(obj.ref, obj.origin) for obj in snapshot.objects if id(obj) not in covered]
    reports += [(workload.ref, workload.source.origin) for workload in snapshot.workloads]
    for ref, origin in sorted(reports, key=lambda item: item[0]):
        if ref.namespace and ref.namespace not in declared:
            yield Finding(
                "KW-NS-007",
                ref,
                origin,
                "namespace-does-not-exist",
                f"{ref.named} is in namespace {ref.namespace!r}, which does not exist",
                paths=(("metadata", "namespace"),),
            )
