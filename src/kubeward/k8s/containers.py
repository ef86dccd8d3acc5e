"""Every container of a pod spec, with its field path (PSA ``visitContainers``).

Pod Security and most hardening rules apply to init, regular *and* ephemeral containers;
resource requests and limits apply to init and regular ones only (ephemeral containers
cannot set resources). Callers pick with ``kinds``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.k8s.objects import Path

__all__ = ["ALL_CONTAINERS", "RESOURCE_CONTAINERS", "ContainerRef", "iter_containers"]

ALL_CONTAINERS = ("initContainers", "containers", "ephemeralContainers")
RESOURCE_CONTAINERS = ("initContainers", "containers")


@dataclass(frozen=True, slots=True)
class ContainerRef:
    """A container of a pod spec: which list it is in, its index, its body and path."""

    field: str
    index: int
    container: Mapping[str, Any]
    path: Path  # relative to the pod spec

    @property
    def name(self) -> str:
        name = self.container.get("name")
        return name if isinstance(name, str) and name else f"{self.field}[{self.index}]"


def iter_containers(
    pod_spec: Mapping[str, Any], kinds: tuple[str, ...] = ALL_CONTAINERS
) -> Iterator[ContainerRef]:
    """Yield the containers of ``pod_spec`` in ``kinds`` order (init, regular, ephemeral)."""
    for field in kinds:
        containers = pod_spec.get(field)
        if not isinstance(containers, list):
            continue
        for index, container in enumerate(containers):
            if isinstance(container, Mapping):
                yield ContainerRef(field, index, container, (field, index))
