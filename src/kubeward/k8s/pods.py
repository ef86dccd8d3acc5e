"""A Pod as the API server stores it: what it changes in a new Pod before validating
admission (Pod Security) sees it.

Two changes apply to Pods only, never to the pod templates of workloads (and so to every
Pod a controller creates from a template):

* ``SetDefaults_Pod`` (``pkg/apis/core/v1/defaults.go``): with ``hostNetwork: true``, every
  port of the containers and init containers that sets no ``hostPort`` gets
  ``hostPort = containerPort`` (since v1.28 no longer done for templates: feature gate
  ``DefaultHostNetworkHostPortsInPodTemplates``, off);
* ``applyAppArmorVersionSkew`` (``pkg/registry/core/pod/strategy.go`` ``PrepareForCreate``,
  v1.30+): on a non-Windows pod, a container that sets no ``appArmorProfile`` gets the one
  its deprecated ``container.apparmor.security.beta.kubernetes.io/<name>`` annotation
  names, when that is a valid profile and differs from the pod's.

A sourceless volume becoming ``emptyDir`` (``SetDefaults_Volume``) applies to templates too;
the Pod Security engine reads it that way itself. The seccomp annotations are no longer
copied to fields (removed with the annotations' support).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["APPARMOR_ANNOTATION_PREFIX", "as_created"]

APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_MAX_LOCALHOST_PROFILE = 4095  # ValidateAppArmorProfileField: PATH_MAX - 1, in bytes
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
"""Go's ``unicode.IsSpace`` (what ``strings.TrimSpace`` trims); Python's ``str.strip()`` also
trims U+001C..U+001F, which Go keeps."""
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def as_created(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The pod spec of a Pod created from ``metadata`` and ``spec``: ``spec`` itself when the
    API server changes nothing, else a changed copy (``spec`` is never modified)."""
    return _app_armor_fields(metadata, _host_network_ports(spec))


def _host_network_ports(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    if spec.get("hostNetwork") is not True:
        return spec
    result = spec
    for field in ("containers", "initContainers"):
        containers = spec.get(field)
        if not isinstance(containers, list):
            continue
        new_containers = [_default_host_ports(container) for container in containers]
        if any(new is not old for new, old in zip(new_containers, containers, strict=True)):
            result = {**result, field: new_containers}
    return result


def _default_host_ports(container: Any) -> Any:
    ports = container.get("ports") if isinstance(container, Mapping) else None
    if not isinstance(ports, list):
        return container
    new_ports = [{**port, "hostPort": port["containerPort"]} if _defaults(port) else port for port in ports]
    if all(new is old for new, old in zip(new_ports, ports, strict=True)):
        return container
    return {**container, "ports": new_ports}


def _defaults(port: Any) -> bool:
    """Whether a port of a host-network pod gets ``hostPort = containerPort`` (``defaultHostNetworkPorts``:
    ``hostPort`` is 0 or unset; an unset ``containerPort`` would copy 0, which changes nothing)."""
    if not isinstance(port, Mapping):
        return False
    container_port = port.get("containerPort")
    return (
        not port.get("hostPort")
        and isinstance(container_port, int)
        and not isinstance(container_port, bool)
        and container_port != 0
    )


def _app_armor_field(annotation: str) -> dict[str, str] | None:
    """``ApparmorFieldForAnnotation``, then None for what ``ValidateAppArmorProfileField``
    rejects (the copy is skipped): a localhost profile that is empty, padded with whitespace
    (Go ``strings.TrimSpace``) or longer than 4095 bytes."""
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation == "runtime/default":
        return {"type": "RuntimeDefault"}
    profile = annotation.removeprefix("localhost/")
    if (
        profile != annotation
        and profile
        and profile.strip(_GO_SPACE) == profile
        and len(profile.encode("utf-8", "surrogatepass")) <= _MAX_LOCALHOST_PROFILE
    ):
        return {"type": "Localhost", "localhostProfile": profile}
    return None


def _same_profile(field: Mapping[str, Any], pod_profile: Any) -> bool:
    if not isinstance(pod_profile, Mapping):
        return False
    return (field.get("type"), field.get("localhostProfile")) == (
        pod_profile.get("type"),
        pod_profile.get("localhostProfile"),
    )


def _app_armor_fields(metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> Mapping[str, Any]:
    annotations = metadata.get("annotations")
    if not isinstance(annotations, Mapping) or not any(
        isinstance(key, str) and key.startswith(APPARMOR_ANNOTATION_PREFIX) for key in annotations
    ):
        return spec
    os = spec.get("os")
    if isinstance(os, Mapping) and os.get("name") == "windows":
        return spec
    pod_context = spec.get("securityContext")
    pod_profile = pod_context.get("appArmorProfile") if isinstance(pod_context, Mapping) else None
    result = spec
    for field in _CONTAINER_LISTS:
        containers = spec.get(field)
        if not isinstance(containers, list):
            continue
        new_containers = []
        for container in containers:
            new_containers.append(container)
            if not isinstance(container, Mapping) or not isinstance(container.get("name"), str):
                continue
            annotation = annotations.get(APPARMOR_ANNOTATION_PREFIX + container["name"])
            context = container.get("securityContext")
            context = context if isinstance(context, Mapping) else {}
            if not isinstance(annotation, str) or context.get("appArmorProfile") is not None:
                continue
            profile = _app_armor_field(annotation)
            if profile is not None and not _same_profile(profile, pod_profile):
                new_containers[-1] = {**container, "securityContext": {**context, "appArmorProfile": profile}}
        if any(new is not old for new, old in zip(new_containers, containers, strict=True)):
            result = {**result, field: new_containers}
    return result
