"""TypedDict views of the Kubernetes fields kubeward reads.

They serve twice: mypy checks the engines against them, and :mod:`kubeward.k8s.schema`
compiles them into the check that every object passes when the snapshot is built, so an
engine can trust that ``spec.containers`` *is* a list of mappings. Only the fields some
engine reads are declared; everything else in an object is kept and never checked.
Engines that read more fields add them here.
"""

from typing import Annotated, Any, Required, TypedDict

__all__ = [
    "AdminNetworkPolicy",
    "AppArmorProfile",
    "Capabilities",
    "ClusterNetworkPolicy",
    "Container",
    "ContainerPort",
    "CronJob",
    "CustomResourceDefinition",
    "HostPathVolumeSource",
    "IPBlock",
    "Int32",
    "Int64",
    "LabelSelector",
    "Lifecycle",
    "LimitRange",
    "LimitRangeItem",
    "Namespace",
    "NetworkPolicy",
    "ObjectMeta",
    "OwnerReference",
    "Pod",
    "PodOS",
    "PodSecurityContext",
    "PodSpec",
    "PodTemplate",
    "PodTemplateSpec",
    "ProbeHandler",
    "QuantityValue",
    "ResourceQuota",
    "ResourceRequirements",
    "SELinuxOptions",
    "SeccompProfile",
    "SecurityContext",
    "ServiceAccount",
    "Sysctl",
    "TemplatedWorkload",
    "Volume",
    "VolumeMount",
    "WindowsSecurityContextOptions",
]

QUANTITY = "quantity"
QuantityValue = Annotated[str | int | float, QUANTITY]
"""A quantity as written: ``"500m"``, ``1``, ``0.5``; the field check parses it."""
Int32 = Annotated[int, range(-(2**31), 2**31)]
"""A Go ``int32`` field (ports): the API server cannot decode a number outside its range."""
Int64 = Annotated[int, range(-(2**63), 2**63)]
"""A Go ``int64`` field (user and group IDs)."""


class OwnerReference(TypedDict, total=False):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: bool


class ObjectMeta(TypedDict, total=False):
    name: str
    generateName: str
    namespace: str
    uid: str
    labels: dict[str, str]
    annotations: dict[str, str]
    ownerReferences: list[OwnerReference]


class ResourceRequirements(TypedDict, total=False):
    requests: dict[str, QuantityValue]
    limits: dict[str, QuantityValue]


class Capabilities(TypedDict, total=False):
    add: list[str]
    drop: list[str]


class SELinuxOptions(TypedDict, total=False):
    user: str
    role: str
    type: str
    level: str


class WindowsSecurityContextOptions(TypedDict, total=False):
    gmsaCredentialSpecName: str
    gmsaCredentialSpec: str
    runAsUserName: str
    hostProcess: bool


class SeccompProfile(TypedDict, total=False):
    type: str
    localhostProfile: str


class AppArmorProfile(TypedDict, total=False):
    type: str
    localhostProfile: str


class SecurityContext(TypedDict, total=False):
    """A container's ``securityContext``."""

    capabilities: Capabilities
    privileged: bool
    seLinuxOptions: SELinuxOptions
    windowsOptions: WindowsSecurityContextOptions
    runAsUser: Int64
    runAsGroup: Int64
    runAsNonRoot: bool
    readOnlyRootFilesystem: bool
    allowPrivilegeEscalation: bool
    procMount: str
    seccompProfile: SeccompProfile
    appArmorProfile: AppArmorProfile


class Sysctl(TypedDict, total=False):
    name: str
    value: str


class PodSecurityContext(TypedDict, total=False):
    seLinuxOptions: SELinuxOptions
    windowsOptions: WindowsSecurityContextOptions
    runAsUser: Int64
    runAsGroup: Int64
    runAsNonRoot: bool
    supplementalGroups: list[Int64]
    fsGroup: Int64
    sysctls: list[Sysctl]
    seccompProfile: SeccompProfile
    appArmorProfile: AppArmorProfile


class ContainerPort(TypedDict, total=False):
    name: str
    hostPort: Int32
    containerPort: Int32
    protocol: str
    hostIP: str


class _HostAction(TypedDict, total=False):
    """``httpGet`` / ``tcpSocket`` of a probe or lifecycle handler (only ``host`` is read)."""

    host: str


class ProbeHandler(TypedDict, total=False):
    """A probe or a lifecycle handler."""

    httpGet: _HostAction
    tcpSocket: _HostAction


class Lifecycle(TypedDict, total=False):
    postStart: ProbeHandler
    preStop: ProbeHandler


class VolumeMount(TypedDict, total=False):
    name: str
    mountPath: str
    readOnly: bool


class Container(TypedDict, total=False):
    name: str
    image: str
    resources: ResourceRequirements
    securityContext: SecurityContext
    ports: list[ContainerPort]
    livenessProbe: ProbeHandler
    readinessProbe: ProbeHandler
    startupProbe: ProbeHandler
    lifecycle: Lifecycle
    volumeMounts: list[VolumeMount]


class HostPathVolumeSource(TypedDict, total=False):
    path: str
    type: str


class Volume(TypedDict, total=False):
    """A pod volume: its name and its source (one of the keys below; others are unknown)."""

    name: str
    hostPath: HostPathVolumeSource
    emptyDir: dict[str, Any]
    gcePersistentDisk: dict[str, Any]
    awsElasticBlockStore: dict[str, Any]
    gitRepo: dict[str, Any]
    secret: dict[str, Any]
    nfs: dict[str, Any]
    iscsi: dict[str, Any]
    glusterfs: dict[str, Any]
    persistentVolumeClaim: dict[str, Any]
    rbd: dict[str, Any]
    flexVolume: dict[str, Any]
    cinder: dict[str, Any]
    cephfs: dict[str, Any]
    flocker: dict[str, Any]
    downwardAPI: dict[str, Any]
    fc: dict[str, Any]
    azureFile: dict[str, Any]
    configMap: dict[str, Any]
    vsphereVolume: dict[str, Any]
    quobyte: dict[str, Any]
    azureDisk: dict[str, Any]
    photonPersistentDisk: dict[str, Any]
    projected: dict[str, Any]
    portworxVolume: dict[str, Any]
    scaleIO: dict[str, Any]
    storageos: dict[str, Any]
    csi: dict[str, Any]
    ephemeral: dict[str, Any]
    image: dict[str, Any]


class PodOS(TypedDict, total=False):
    name: str


class PodSpec(TypedDict, total=False):
    containers: Required[list[Container]]
    initContainers: list[Container]
    ephemeralContainers: list[Container]
    serviceAccountName: str
    serviceAccount: str
    automountServiceAccountToken: bool
    hostNetwork: bool
    hostPID: bool
    hostIPC: bool
    hostUsers: bool
    nodeName: str
    priorityClassName: str
    securityContext: PodSecurityContext
    volumes: list[Volume]
    os: PodOS


class PodTemplateSpec(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[PodSpec]


class Pod(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[PodSpec]


class PodTemplate(TypedDict, total=False):
    metadata: ObjectMeta
    template: Required[PodTemplateSpec]


class _TemplateSpec(TypedDict, total=False):
    template: Required[PodTemplateSpec]


class TemplatedWorkload(TypedDict, total=False):
    """Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job."""

    metadata: ObjectMeta
    spec: Required[_TemplateSpec]


class _JobTemplateSpec(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[_TemplateSpec]


class _CronJobSpec(TypedDict, total=False):
    jobTemplate: Required[_JobTemplateSpec]


class CronJob(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[_CronJobSpec]


class Namespace(TypedDict, total=False):
    metadata: ObjectMeta


class ServiceAccount(TypedDict, total=False):
    metadata: ObjectMeta
    automountServiceAccountToken: bool


class _ScopedResourceSelectorRequirement(TypedDict, total=False):
    scopeName: Required[str]
    operator: Required[str]
    values: list[str]


class _ScopeSelector(TypedDict, total=False):
    matchExpressions: list[_ScopedResourceSelectorRequirement]


class _ResourceQuotaSpec(TypedDict, total=False):
    hard: dict[str, QuantityValue]
    scopes: list[str]
    scopeSelector: _ScopeSelector


class ResourceQuota(TypedDict, total=False):
    metadata: ObjectMeta
    spec: _ResourceQuotaSpec


class LimitRangeItem(TypedDict, total=False):
    type: Required[str]
    default: dict[str, QuantityValue]
    defaultRequest: dict[str, QuantityValue]
    max: dict[str, QuantityValue]
    min: dict[str, QuantityValue]
    maxLimitRequestRatio: dict[str, QuantityValue]


class _LimitRangeSpec(TypedDict, total=False):
    limits: Required[list[LimitRangeItem]]


class LimitRange(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[_LimitRangeSpec]


class _CRDNames(TypedDict, total=False):
    kind: Required[str]
    plural: Required[str]
    shortNames: list[str]


class _CRDVersion(TypedDict, total=False):
    name: Required[str]
    served: bool


class _CRDSpec(TypedDict, total=False):
    group: Required[str]
    names: Required[_CRDNames]
    scope: str
    versions: list[_CRDVersion]


class CustomResourceDefinition(TypedDict, total=False):
    metadata: ObjectMeta
    spec: Required[_CRDSpec]


# --- network policies (networking.k8s.io/v1; policy.networking.k8s.io) ---------------------


class _LabelSelectorRequirement(TypedDict, total=False):
    key: str
    operator: str
    values: list[str]


class LabelSelector(TypedDict, total=False):
    matchLabels: dict[str, str]
    matchExpressions: list[_LabelSelectorRequirement]


IPBlock = TypedDict("IPBlock", {"cidr": str, "except": list[str]}, total=False)


class _NetworkPolicyPeer(TypedDict, total=False):
    podSelector: LabelSelector
    namespaceSelector: LabelSelector
    ipBlock: IPBlock


class _NetworkPolicyPort(TypedDict, total=False):
    protocol: str
    port: int | str  # IntOrString
    endPort: Int32


# "from" and "except" are Python keywords: those TypedDicts use the functional syntax
_NetworkPolicyIngressRule = TypedDict(
    "_NetworkPolicyIngressRule",
    {"ports": list[_NetworkPolicyPort], "from": list[_NetworkPolicyPeer]},
    total=False,
)


class _NetworkPolicyEgressRule(TypedDict, total=False):
    ports: list[_NetworkPolicyPort]
    to: list[_NetworkPolicyPeer]


class _NetworkPolicySpec(TypedDict, total=False):
    podSelector: LabelSelector
    policyTypes: list[str]
    ingress: list[_NetworkPolicyIngressRule]
    egress: list[_NetworkPolicyEgressRule]


class NetworkPolicy(TypedDict, total=False):
    metadata: ObjectMeta
    spec: _NetworkPolicySpec


class _AdminPodsSelector(TypedDict, total=False):
    namespaceSelector: LabelSelector  # required in v1alpha1, optional in ClusterNetworkPolicy
    podSelector: Required[LabelSelector]


class _AdminSubject(TypedDict, total=False):
    namespaces: LabelSelector
    pods: _AdminPodsSelector


class _AdminPeer(TypedDict, total=False):
    namespaces: LabelSelector
    pods: _AdminPodsSelector
    nodes: LabelSelector
    networks: list[str]
    domainNames: list[str]


class _AdminPortNumber(TypedDict, total=False):
    protocol: str
    port: Required[Int32]


class _AdminPortRange(TypedDict, total=False):
    protocol: str
    start: Required[Int32]
    end: Required[Int32]


class _AdminPort(TypedDict, total=False):
    portNumber: _AdminPortNumber
    namedPort: str
    portRange: _AdminPortRange


class _CNPPortRange(TypedDict, total=False):
    start: Required[Int32]
    end: Required[Int32]


class _CNPDestinationPort(TypedDict, total=False):
    number: Int32
    range: _CNPPortRange


class _CNPProtocolPort(TypedDict, total=False):
    destinationPort: _CNPDestinationPort


class _CNPProtocol(TypedDict, total=False):
    tcp: _CNPProtocolPort
    udp: _CNPProtocolPort
    sctp: _CNPProtocolPort
    destinationNamedPort: str


_AdminIngressRule = TypedDict(
    "_AdminIngressRule",
    {
        "name": str,
        "action": str,
        "from": list[_AdminPeer],
        "ports": list[_AdminPort],
        "protocols": list[_CNPProtocol],
    },
    total=False,
)


class _AdminEgressRule(TypedDict, total=False):
    name: str
    action: str
    to: list[_AdminPeer]
    ports: list[_AdminPort]
    protocols: list[_CNPProtocol]


class _AdminNetworkPolicySpec(TypedDict, total=False):
    tier: str
    priority: Int32
    subject: _AdminSubject
    ingress: list[_AdminIngressRule]
    egress: list[_AdminEgressRule]


class AdminNetworkPolicy(TypedDict, total=False):
    """AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1)."""

    metadata: ObjectMeta
    spec: _AdminNetworkPolicySpec


class ClusterNetworkPolicy(TypedDict, total=False):
    """ClusterNetworkPolicy (v1alpha2, v1beta1): the admin spec with ``tier``."""

    metadata: ObjectMeta
    spec: _AdminNetworkPolicySpec
