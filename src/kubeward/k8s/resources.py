"""The API resource table: kind <-> plural, scope, versions and subresources.

Built from the resources a current Kubernetes release serves (``kubectl api-resources``,
Kubernetes 1.36), the legacy ones still found in old manifests (``extensions/v1beta1``,
``policy/v1beta1`` PodSecurityPolicy), and the custom resources of the policy engines and
meshes kubeward understands. :meth:`ResourceTable.with_crds` extends it with the
CustomResourceDefinitions found in the input, so a custom kind's scope is known exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.k8s.objects import GroupKind

__all__ = ["BUILTIN", "ResourceTable", "ResourceType"]


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One API resource: ``group``/``kind`` served as ``plural`` in ``versions`` (preferred first)."""

    group: str
    kind: str
    plural: str
    namespaced: bool
    versions: tuple[str, ...]
    subresources: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @property
    def singular(self) -> str:
        return self.kind.lower()


def _r(
    group: str,
    versions: str,
    kind: str,
    plural: str,
    namespaced: bool,
    subresources: str = "",
    short: str = "",
) -> ResourceType:
    return ResourceType(
        group,
        kind,
        plural,
        namespaced,
        tuple(versions.split()),
        tuple(subresources.split()),
        tuple(short.split()),
    )


NS, CLUSTER = True, False

_BUILTIN_TYPES: tuple[ResourceType, ...] = (
    # core
    _r("", "v1", "Binding", "bindings", NS),
    _r("", "v1", "ComponentStatus", "componentstatuses", CLUSTER, short="cs"),
    _r("", "v1", "ConfigMap", "configmaps", NS, short="cm"),
    _r("", "v1", "Endpoints", "endpoints", NS, short="ep"),
    _r("", "v1", "Event", "events", NS, short="ev"),
    _r("", "v1", "LimitRange", "limitranges", NS, short="limits"),
    _r("", "v1", "Namespace", "namespaces", CLUSTER, "finalize status", "ns"),
    _r("", "v1", "Node", "nodes", CLUSTER, "proxy status", "no"),
    _r("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", NS, "status", "pvc"),
    _r("", "v1", "PersistentVolume", "persistentvolumes", CLUSTER, "status", "pv"),
    _r(
        "",
        "v1",
        "Pod",
        "pods",
        NS,
        "attach binding ephemeralcontainers eviction exec log portforward proxy resize status",
        "po",
    ),
    _r("", "v1", "PodTemplate", "podtemplates", NS),
    _r("", "v1", "ReplicationController", "replicationcontrollers", NS, "scale status", "rc"),
    _r("", "v1", "ResourceQuota", "resourcequotas", NS, "status", "quota"),
    _r("", "v1", "Secret", "secrets", NS),
    _r("", "v1", "ServiceAccount", "serviceaccounts", NS, "token", "sa"),
    _r("", "v1", "Service", "services", NS, "proxy status", "svc"),
    # admissionregistration.k8s.io
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        CLUSTER,
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        CLUSTER,
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        CLUSTER,
        "status",
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        CLUSTER,
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1 v1beta1",
        "MutatingAdmissionPolicy",
        "mutatingadmissionpolicies",
        CLUSTER,
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1 v1beta1",
        "MutatingAdmissionPolicyBinding",
        "mutatingadmissionpolicybindings",
        CLUSTER,
    ),
    _r(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        CLUSTER,
        "status",
        "crd crds",
    ),
    _r("apiregistration.k8s.io", "v1", "APIService", "apiservices", CLUSTER, "status"),
    # apps
    _r("apps", "v1", "ControllerRevision", "controllerrevisions", NS),
    _r("apps", "v1", "DaemonSet", "daemonsets", NS, "status", "ds"),
    _r("apps", "v1", "Deployment", "deployments", NS, "scale status", "deploy"),
    _r("apps", "v1", "ReplicaSet", "replicasets", NS, "scale status", "rs"),
    _r("apps", "v1", "StatefulSet", "statefulsets", NS, "scale status", "sts"),
    # authentication / authorization (virtual, create-only)
    _r("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", CLUSTER),
    _r("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", CLUSTER),
    _r("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", NS),
    _r("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", CLUSTER),
    _r("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", CLUSTER),
    _r("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", CLUSTER),
    _r("autoscaling", "v2 v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", NS, "status", "hpa"),
    _r("batch", "v1 v1beta1", "CronJob", "cronjobs", NS, "status", "cj"),
    _r("batch", "v1", "Job", "jobs", NS, "status"),
    _r(
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        CLUSTER,
        "approval status",
        "csr",
    ),
    _r("certificates.k8s.io", "v1beta1", "ClusterTrustBundle", "clustertrustbundles", CLUSTER),
    _r("coordination.k8s.io", "v1", "Lease", "leases", NS),
    _r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", NS),
    _r("events.k8s.io", "v1", "Event", "events", NS, short="ev"),
    _r("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas", CLUSTER, "status"),
    _r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        CLUSTER,
        "status",
    ),
    _r("networking.k8s.io", "v1", "IngressClass", "ingressclasses", CLUSTER),
    _r("networking.k8s.io", "v1", "Ingress", "ingresses", NS, "status", "ing"),
    _r("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", NS, short="netpol"),
    _r("networking.k8s.io", "v1", "IPAddress", "ipaddresses", CLUSTER, short="ip"),
    _r("networking.k8s.io", "v1", "ServiceCIDR", "servicecidrs", CLUSTER, "status"),
    _r("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", CLUSTER),
    _r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", NS, "status", "pdb"),
    _r("policy", "v1beta1", "PodSecurityPolicy", "podsecuritypolicies", CLUSTER, short="psp"),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", CLUSTER),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", CLUSTER),
    _r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", NS),
    _r("rbac.authorization.k8s.io", "v1", "Role", "roles", NS),
    _r("resource.k8s.io", "v1", "DeviceClass", "deviceclasses", CLUSTER),
    _r("resource.k8s.io", "v1", "ResourceClaim", "resourceclaims", NS, "status"),
    _r("resource.k8s.io", "v1", "ResourceClaimTemplate", "resourceclaimtemplates", NS),
    _r("resource.k8s.io", "v1", "ResourceSlice", "resourceslices", CLUSTER),
    _r("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", CLUSTER, short="pc"),
    _r("storage.k8s.io", "v1", "CSIDriver", "csidrivers", CLUSTER),
    _r("storage.k8s.io", "v1", "CSINode", "csinodes", CLUSTER),
    _r("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", NS),
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", CLUSTER, short="sc"),
    _r("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", CLUSTER, "status"),
    _r("storage.k8s.io", "v1", "VolumeAttributesClass", "volumeattributesclasses", CLUSTER, short="vac"),
    # Legacy groups still met in old manifests and clusters.
    _r("extensions", "v1beta1", "DaemonSet", "daemonsets", NS, "status", "ds"),
    _r("extensions", "v1beta1", "Deployment", "deployments", NS, "scale status", "deploy"),
    _r("extensions", "v1beta1", "ReplicaSet", "replicasets", NS, "scale status", "rs"),
    _r("extensions", "v1beta1", "Ingress", "ingresses", NS, "status", "ing"),
    _r("extensions", "v1beta1", "NetworkPolicy", "networkpolicies", NS, short="netpol"),
    _r("extensions", "v1beta1", "PodSecurityPolicy", "podsecuritypolicies", CLUSTER, short="psp"),
    # Custom resources kubeward evaluates (used until a CRD in the input says otherwise).
    _r(
        "policy.networking.k8s.io",
        "v1alpha1",
        "AdminNetworkPolicy",
        "adminnetworkpolicies",
        CLUSTER,
        "status",
        "anp",
    ),
    _r(
        "policy.networking.k8s.io",
        "v1alpha1",
        "BaselineAdminNetworkPolicy",
        "baselineadminnetworkpolicies",
        CLUSTER,
        "status",
        "banp",
    ),
    _r(
        "policy.networking.k8s.io",
        "v1alpha2",
        "ClusterNetworkPolicy",
        "clusternetworkpolicies",
        CLUSTER,
        "status",
        "cnp",
    ),
    _r("security.istio.io", "v1 v1beta1", "PeerAuthentication", "peerauthentications", NS, "status", "pa"),
    _r("security.istio.io", "v1 v1beta1", "AuthorizationPolicy", "authorizationpolicies", NS, "status", "ap"),
    _r(
        "security.istio.io",
        "v1 v1beta1",
        "RequestAuthentication",
        "requestauthentications",
        NS,
        "status",
        "ra",
    ),
    _r(
        "networking.istio.io",
        "v1 v1beta1 v1alpha3",
        "DestinationRule",
        "destinationrules",
        NS,
        "status",
        "dr",
    ),
    _r("networking.istio.io", "v1 v1beta1 v1alpha3", "VirtualService", "virtualservices", NS, "status", "vs"),
    _r("networking.istio.io", "v1 v1beta1 v1alpha3", "Sidecar", "sidecars", NS, "status"),
    _r("networking.istio.io", "v1 v1beta1 v1alpha3", "Gateway", "gateways", NS, "status", "gw"),
    _r("networking.istio.io", "v1 v1beta1 v1alpha3", "ServiceEntry", "serviceentries", NS, "status", "se"),
    _r("policy.linkerd.io", "v1beta3 v1beta1", "Server", "servers", NS, short="srv"),
    _r("policy.linkerd.io", "v1beta1", "ServerAuthorization", "serverauthorizations", NS, short="saz"),
    _r("policy.linkerd.io", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", NS),
    _r("policy.linkerd.io", "v1alpha1", "MeshTLSAuthentication", "meshtlsauthentications", NS),
    _r("policy.linkerd.io", "v1alpha1", "NetworkAuthentication", "networkauthentications", NS),
    _r("policy.linkerd.io", "v1beta3 v1beta2 v1beta1", "HTTPRoute", "httproutes", NS),
    _r("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", NS, "status", "cnp ciliumnp"),
    _r(
        "cilium.io",
        "v2",
        "CiliumClusterwideNetworkPolicy",
        "ciliumclusterwidenetworkpolicies",
        CLUSTER,
        "status",
        "ccnp",
    ),
)


@dataclass(frozen=True)
class ResourceTable:
    """Lookups over resource types by group+kind and by group+plural."""

    types: tuple[ResourceType, ...]
    _by_kind: Mapping[GroupKind, ResourceType] = field(init=False, repr=False, compare=False)
    _by_plural: Mapping[tuple[str, str], ResourceType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_kind: dict[GroupKind, ResourceType] = {}
        by_plural: dict[tuple[str, str], ResourceType] = {}
        for resource in self.types:  # later entries (CRDs from the input) win
            by_kind[resource.group_kind] = resource
            by_plural[(resource.group, resource.plural)] = resource
        object.__setattr__(self, "_by_kind", by_kind)
        object.__setattr__(self, "_by_plural", by_plural)

    def by_kind(self, group_kind: GroupKind) -> ResourceType | None:
        return self._by_kind.get(group_kind)

    def by_plural(self, group: str, plural: str) -> ResourceType | None:
        return self._by_plural.get((group, plural))

    def is_namespaced(self, group_kind: GroupKind) -> bool | None:
        """True/False when the scope is known, None for a kind nothing describes."""
        resource = self._by_kind.get(group_kind)
        return None if resource is None else resource.namespaced

    def with_crds(self, crds: Iterable[Mapping[str, Any]]) -> ResourceTable:
        """This table plus each CustomResourceDefinition body (invalid ones are skipped;
        the snapshot's field checks report them)."""
        extra = [resource for crd in crds if (resource := _from_crd(crd)) is not None]
        return ResourceTable(self.types + tuple(extra)) if extra else self


def _from_crd(crd: Mapping[str, Any]) -> ResourceType | None:
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        return None
    names = spec.get("names")
    group = spec.get("group")
    if not isinstance(names, Mapping) or not isinstance(group, str):
        return None
    kind, plural = names.get("kind"), names.get("plural")
    if not isinstance(kind, str) or not isinstance(plural, str):
        return None
    versions = spec.get("versions")
    served = tuple(
        version["name"]
        for version in (versions if isinstance(versions, list) else [])
        if isinstance(version, Mapping)
        and isinstance(version.get("name"), str)
        and version.get("served", True)
    )
    if not served and isinstance(spec.get("version"), str):  # apiextensions.k8s.io/v1beta1
        served = (spec["version"],)
    subresources: list[str] = []
    for version in [spec, *(versions if isinstance(versions, list) else [])]:  # v1beta1 keeps them in spec
        if isinstance(version, Mapping) and isinstance(version.get("subresources"), Mapping):
            subresources.extend(str(name) for name in version["subresources"])
    short = names.get("shortNames")
    return ResourceType(
        group=group,
        kind=kind,
        plural=plural,
        namespaced=spec.get("scope", "Namespaced") != "Cluster",
        versions=served,
        subresources=tuple(sorted(set(subresources))),
        short_names=tuple(str(name) for name in short) if isinstance(short, list) else (),
    )


BUILTIN = ResourceTable(_BUILTIN_TYPES)
