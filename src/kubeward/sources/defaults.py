"""The default RBAC policy of Kubernetes: what the API server's bootstrap policy creates.

Every API server creates, at start-up, the default ClusterRoles (``cluster-admin``,
``admin``/``edit``/``view`` and their ``system:aggregate-to-*`` parts, ``system:discovery``,
``system:node``, the ``system:controller:*`` roles ...), their ClusterRoleBindings and a few
Roles and RoleBindings in ``kube-system`` and ``kube-public``. Manifests never hold them, so
questions about ``system:authenticated`` or a binding to ``edit`` need them merged in
(``kubeward.load(..., with_defaults=VERSION)``, ``--with-defaults VERSION``).

The data ships in ``default_policy/v<MAJOR>.<MINOR>.json`` (its README says where it comes
from). The bodies returned here are ordinary Kubernetes objects; aggregated ClusterRoles
carry the rules the aggregation controller computes from the other default roles, as a
live cluster stores them.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from importlib import resources
from typing import Any

from kubeward.errors import UsageError
from kubeward.k8s import selectors
from kubeward.k8s.objects import Origin, Record

__all__ = ["KNOWN_VERSIONS", "LATEST", "default_policy_records", "origin_file", "resolve_version"]

KNOWN_VERSIONS: tuple[str, ...] = ("1.31",)
"""The minor versions whose default policy kubeward ships, oldest first."""
LATEST = KNOWN_VERSIONS[-1]

_RBAC = "rbac.authorization.k8s.io"
_SELECTORS = "clusterRoleSelectors"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def resolve_version(version: str) -> tuple[str, str | None]:
    """The known version to use for ``version`` (``latest``, ``1.31``, ``v1.31.2``) and a
    note when a newer version than kubeward knows was asked for (it uses the newest);
    :class:`UsageError` for anything else."""
    text = version.strip()
    if text.lower() == "latest":
        return LATEST, None
    match = _VERSION.match(text)
    known = ", ".join(KNOWN_VERSIONS)
    if match is None:
        raise UsageError(f"--with-defaults: {version!r} is not a Kubernetes version (known: {known}, latest)")
    asked = f"{int(match[1])}.{int(match[2])}"
    if asked in KNOWN_VERSIONS:
        return asked, None
    if _key(asked) > _key(LATEST):
        return LATEST, (
            f"the default RBAC policy of Kubernetes v{asked} is not known to this kubeward;"
            f" using the newest it knows, v{LATEST}"
        )
    raise UsageError(
        f"--with-defaults: the default RBAC policy of Kubernetes v{asked} is not known (known: {known})"
    )


def origin_file(version: str) -> str:
    """The pseudo file name the default objects of ``version`` are read from."""
    return f"<kubernetes default RBAC policy v{version}>"


def default_policy_records(version: str) -> list[Record]:
    """The default RBAC objects of Kubernetes ``version`` (see :func:`resolve_version`), in
    the order the bootstrap policy lists them; each call returns fresh bodies."""
    known, _ = resolve_version(version)
    file = origin_file(known)
    return [
        Record(copy.deepcopy(body), Origin(file, 0, None, ("items", index)))
        for index, body in enumerate(_bodies(known))
    ]


@functools.cache
def _bodies(version: str) -> tuple[dict[str, Any], ...]:
    text = resources.files(__package__).joinpath("default_policy", f"v{version}.json").read_text("utf-8")
    data = json.loads(text)
    bodies = [_body(entry) for entry in data["objects"]]
    _aggregate(bodies)
    return tuple(bodies)


def _body(entry: dict[str, Any]) -> dict[str, Any]:
    """A normalized data entry -> the object as the API server stores it."""
    metadata: dict[str, Any] = {"name": entry["name"]}
    if "namespace" in entry:
        metadata["namespace"] = entry["namespace"]
    metadata["labels"] = dict(entry.get("labels", {}))
    metadata["annotations"] = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    body: dict[str, Any] = {"apiVersion": f"{_RBAC}/v1", "kind": entry["kind"], "metadata": metadata}
    if "aggregationRule" in entry:
        body["aggregationRule"] = entry["aggregationRule"]
    if "rules" in entry:
        body["rules"] = entry["rules"]
    if "roleRef" in entry:
        body["roleRef"] = {"apiGroup": _RBAC, **entry["roleRef"]}
    if "subjects" in entry:
        body["subjects"] = [
            subject if subject["kind"] == "ServiceAccount" else {"apiGroup": _RBAC, **subject}
            for subject in entry["subjects"]
        ]
    return body


def _aggregate(bodies: list[dict[str, Any]]) -> None:
    """Fill in the rules of aggregated ClusterRoles as the aggregation controller does: for
    each selector in turn, the rules of every other matching ClusterRole by name, each
    rule once, repeated until nothing changes (``clusterroleaggregation_controller.go``)."""
    roles = {body["metadata"]["name"]: body for body in bodies if body["kind"] == "ClusterRole"}
    chosen = {
        name: [selectors.parse_label_selector(item) for item in body["aggregationRule"][_SELECTORS]]
        for name, body in roles.items()
        if "aggregationRule" in body
    }
    for _ in range(len(chosen) + 1):
        changed = False
        for name, picks in chosen.items():
            union: list[dict[str, Any]] = []
            for selector in picks:
                for other in sorted(roles):
                    if other == name or not selector.matches(roles[other]["metadata"]["labels"]):
                        continue
                    for rule in roles[other]["rules"]:
                        if rule not in union:
                            union.append(rule)
            if union != roles[name]["rules"]:
                roles[name]["rules"] = union
                changed = True
        if not changed:
            return
