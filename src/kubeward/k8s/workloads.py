"""Workload kinds and where their pod template lives (PSA ``PodSpecExtractor``).

A *workload* is anything that makes pods: Pod, PodTemplate, ReplicationController,
Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and CronJob (in every API group that
served them), plus custom kinds whose ``spec.template.spec.containers`` is a list (Argo
Rollouts, OpenKruise CloneSets...), so controls see through custom controllers too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.k8s.objects import GroupKind, Path, split_api_version

__all__ = [
    "NOT_WORKLOAD_OWNERS",
    "POD",
    "WORKLOAD_KINDS",
    "ControllerRef",
    "TemplateLocation",
    "controller_ref",
    "service_account",
    "template_location",
    "token_mounted",
]


@dataclass(frozen=True, slots=True)
class TemplateLocation:
    """Paths, inside the workload's body, of its pod spec and of the pod metadata."""

    spec: Path
    metadata: Path


_POD = TemplateLocation(("spec",), ("metadata",))
_TEMPLATE = TemplateLocation(("spec", "template", "spec"), ("spec", "template", "metadata"))
_POD_TEMPLATE = TemplateLocation(("template", "spec"), ("template", "metadata"))
_CRON_JOB = TemplateLocation(
    ("spec", "jobTemplate", "spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "metadata"),
)

POD = GroupKind("", "Pod")

WORKLOAD_KINDS: Mapping[GroupKind, TemplateLocation] = {
    POD: _POD,
    GroupKind("", "PodTemplate"): _POD_TEMPLATE,
    GroupKind("", "ReplicationController"): _TEMPLATE,
    GroupKind("apps", "Deployment"): _TEMPLATE,
    GroupKind("apps", "ReplicaSet"): _TEMPLATE,
    GroupKind("apps", "StatefulSet"): _TEMPLATE,
    GroupKind("apps", "DaemonSet"): _TEMPLATE,
    GroupKind("extensions", "Deployment"): _TEMPLATE,
    GroupKind("extensions", "ReplicaSet"): _TEMPLATE,
    GroupKind("extensions", "DaemonSet"): _TEMPLATE,
    GroupKind("batch", "Job"): _TEMPLATE,
    GroupKind("batch", "CronJob"): _CRON_JOB,
}

NOT_WORKLOAD_OWNERS = frozenset({GroupKind("", "Node")})
"""Controllers that do not make pods from a template: a mirror pod's owner is its Node."""


def template_location(group_kind: GroupKind, body: Mapping[str, Any]) -> TemplateLocation | None:
    """Where ``body``'s pod template is, or None when it has none. A kind that is not a
    built-in workload kind is a workload when its ``spec.template.spec.containers`` is a
    list."""
    location = WORKLOAD_KINDS.get(group_kind)
    if location is not None:
        return location
    spec = body.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    pod_spec = template.get("spec") if isinstance(template, Mapping) else None
    if isinstance(pod_spec, Mapping) and isinstance(pod_spec.get("containers"), list):
        return _TEMPLATE
    return None


@dataclass(frozen=True, slots=True)
class ControllerRef:
    """The ``ownerReferences`` entry with ``controller: true``."""

    group_kind: GroupKind
    name: str
    uid: str


def controller_ref(metadata: Mapping[str, Any]) -> ControllerRef | None:
    owners = metadata.get("ownerReferences")
    if not isinstance(owners, list):
        return None
    for owner in owners:
        if not isinstance(owner, Mapping) or owner.get("controller") is not True:
            continue
        kind, name = owner.get("kind"), owner.get("name")
        api_version = owner.get("apiVersion")
        if isinstance(kind, str) and isinstance(name, str) and isinstance(api_version, str):
            uid = owner.get("uid")
            return ControllerRef(
                GroupKind(split_api_version(api_version)[0], kind), name, uid if isinstance(uid, str) else ""
            )
    return None


def service_account(pod_spec: Mapping[str, Any]) -> tuple[str, Path | None]:
    """The service account a pod runs as and the field that names it: ``serviceAccountName``,
    else its deprecated alias ``serviceAccount`` (the API server copies one to the other),
    else ``default`` (field None)."""
    for field in ("serviceAccountName", "serviceAccount"):
        value = pod_spec.get(field)
        if isinstance(value, str) and value:
            return value, (field,)
    return "default", None


def token_mounted(pod_spec: Mapping[str, Any], account: Mapping[str, Any] | None) -> bool:
    """Whether the pod gets its service account's token: automounted (the pod's
    ``automountServiceAccountToken``, else the account's (``account`` is its body), else
    true) or through a projected ``serviceAccountToken`` volume source."""
    automount = pod_spec.get("automountServiceAccountToken")
    if automount is None and account is not None:
        automount = account.get("automountServiceAccountToken")
    if automount is not False:
        return True
    volumes = pod_spec.get("volumes")
    for volume in volumes if isinstance(volumes, list) else []:
        projected = volume.get("projected") if isinstance(volume, Mapping) else None
        sources = projected.get("sources") if isinstance(projected, Mapping) else None
        for source in sources if isinstance(sources, list) else []:
            if isinstance(source, Mapping) and "serviceAccountToken" in source:
                return True
    return False
