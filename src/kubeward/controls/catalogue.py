"""The full catalogue: importing this module registers every control."""

from __future__ import annotations

from kubeward.controls import authn, authn_apiserver, authn_oidc, net, ns, pod, rbac  # noqa: F401 - registers the AUTHN, NET, NS, POD and RBAC controls
from kubeward.controls.registry import REGISTRY, Control, validate

__all__ = ["all_controls"]

_problems = validate()
if _problems:  # pragma: no cover - a broken catalogue must not ship
    raise RuntimeError("invalid control catalogue: " + "; ".join(_problems))


def all_controls() -> list[Control]:
    """Every registered control, in ID order."""
    return [REGISTRY[control_id] for control_id in sorted(REGISTRY)]
