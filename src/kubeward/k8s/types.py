"""TypedDict views of the Kubernetes fields kubeward reads.

They serve twice: mypy checks the engines against them, and :mod:`kubeward.k8s.schema`
compiles them into the check that every object passes when the snapshot is built, so an
engine can trust that ``spec.containers`` *is* a list of mappings. Only the fields some
engine reads are declared; everything else in an object is kept and never checked.
Engines that read more fields add them here.
"""

from typing import Annotated, Required, TypedDict

__all__ = [
    "Container",
    "CronJob",
    "CustomResourceDefinition",
    "LimitRange",
    "LimitRangeItem",
    "Namespace",
    "ObjectMeta",
    "OwnerReference",
    "Pod",
    "PodSpec",
    "PodTemplate",
    "PodTemplateSpec",
    "QuantityValue",
    "ResourceQuota",
    "ResourceRequirements",
    "ServiceAccount",
    "TemplatedWorkload",
]

QUANTITY = "quantity"
QuantityValue = Annotated[str | int | float, QUANTITY]
"""A quantity as written: ``"500m"``, ``1``, ``0.5``; the field check parses it."""


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


class Container(TypedDict, total=False):
    name: str
    image: str
    resources: ResourceRequirements


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
    nodeName: str
    priorityClassName: str


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
