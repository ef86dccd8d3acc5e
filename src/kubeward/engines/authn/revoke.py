"""How to cut an identity off: the RBAC changes that remove what each binding grants it,
and what no RBAC change can remove.

* A client certificate cannot be revoked: the API server checks no CRL or OCSP, so a
  certificate stays valid until it expires. Only the grants can be taken away.
* ``system:masters`` bypasses RBAC (the authorizer allows it before RBAC is consulted):
  there is no binding to remove.
* A binding that names the identity itself (User, ServiceAccount, or the ``--group``
  asked about) is deleted when those are its only subjects, otherwise patched to drop them.
* A Group subject the identity is in is *shared*: removing it cuts off every member, and the
  membership itself comes from the credential (the certificate's O), which cannot change.
  ``system:authenticated``/``system:unauthenticated`` are everyone.
* Bindings the API server reconciles at start-up (annotation
  ``rbac.authorization.kubernetes.io/autoupdate: "true"``, and ``system:`` bindings, the
  bootstrap policy) are re-created on restart unless the annotation is first set to
  ``"false"``; reconciliation only adds the bootstrap policy's own subjects back (it runs
  with ``RemoveExtraSubjects: false``, ``pkg/registry/rbac/rest/storage_rbac.go``), and
  those are ``system:`` users and groups or kube-system service accounts, so a removed
  subject of any other name stays removed.

The plan is computed from plain facts (the CLI reads them from the RBAC world), so this
engine stays independent of the RBAC one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AUTOUPDATE",
    "CA_ROTATION",
    "BindingFacts",
    "Change",
    "Plan",
    "SubjectFacts",
    "plan",
]

AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"
_MASTERS = "system:masters"
_WHO = {"system:authenticated": "authenticated", "system:unauthenticated": "anonymous"}
_EVERYONE = frozenset(_WHO)
CA_ROTATION = (
    "Client certificates cannot be revoked (no CRL/OCSP in the API server): remove the RBAC"
    " grants above and wait for the certificate to expire. The last resort is rotating the"
    " cluster CA: every certificate it signed (kubelets, control-plane components, every"
    " user's client certificate) must be re-issued and every kubeconfig, component and pod"
    " (kube-root-ca.crt) that trusts it updated, a planned outage; `kubeadm certs renew`"
    " does NOT rotate the CA (it re-signs with the same one), so old certificates stay valid."
)


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        if self.kind == "ServiceAccount":
            return f"ServiceAccount {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        return out


@dataclass(frozen=True, slots=True)
class BindingFacts:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding, every subject, and the indexes
    of the subjects that name the identity (``Subject.matches``)."""

    kind: str
    name: str
    namespace: str
    role_kind: str
    role_name: str
    subjects: tuple[SubjectFacts, ...]
    matching: tuple[int, ...]
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True, slots=True)
class Change:
    """What to do about one binding.

    ``action``: ``delete`` (the identity is its only subject), ``remove-subjects`` (patch),
    ``shared`` (only through a group others are in), ``everyone`` (through
    system:authenticated/unauthenticated). ``cuts_off``: whether applying ``command`` removes
    the identity's access through this binding for good."""

    binding: BindingFacts
    action: str
    cuts_off: bool
    command: str
    patch: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        b = self.binding
        return {
            "binding": {"kind": b.kind, "name": b.name, "namespace": b.namespace},
            "role": {"kind": b.role_kind, "name": b.role_name},
            "subjects": [b.subjects[i].to_dict() for i in b.matching],
            "action": self.action,
            "cutsOff": self.cuts_off,
            "command": self.command,
            "patch": list(self.patch),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Plan:
    user: str
    groups: tuple[str, ...]
    changes: tuple[Change, ...]
    blockers: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether applying every change cuts the identity off from all RBAC grants."""
        return not self.blockers and all(change.cuts_off for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "identity": {"user": self.user, "groups": list(self.groups)},
            "complete": self.complete,
            "blockers": list(self.blockers),
            "changes": [change.to_dict() for change in self.changes],
            "workaround": CA_ROTATION,
        }


def _recreated(binding: BindingFacts) -> bool:
    flag = binding.annotations.get(AUTOUPDATE)
    return flag == "true" or (binding.name.startswith("system:") and flag != "false")


def _bootstrap_subject(subject: SubjectFacts) -> bool:
    """Whether the bootstrap policy could list ``subject`` (and reconciliation restore it)."""
    if subject.kind == "ServiceAccount":
        return subject.namespace == "kube-system"
    return subject.name.startswith("system:")


def _kubectl(binding: BindingFacts) -> str:
    kind = binding.kind.lower()
    namespace = f" -n {binding.namespace}" if binding.namespace else ""
    return f"kubectl{namespace} {{verb}} {kind} {binding.name}"


def _removal(binding: BindingFacts, indexes: Sequence[int]) -> tuple[str, str, tuple[dict[str, Any], ...]]:
    """(action, kubectl command, JSON patch) dropping the subjects at ``indexes``: a guarded
    ``test`` + ``remove`` pair per subject, highest index first so the others keep theirs."""
    base = _kubectl(binding)
    if len(indexes) == len(binding.subjects):
        return "delete", base.format(verb="delete"), ()
    ops: list[dict[str, Any]] = []
    for index in sorted(indexes, reverse=True):
        subject = binding.subjects[index]
        ops.append({"op": "test", "path": f"/subjects/{index}/name", "value": subject.name})
        ops.append({"op": "remove", "path": f"/subjects/{index}"})
    command = base.format(verb="patch") + f" --type=json -p '{json.dumps(ops, separators=(',', ':'))}'"
    return "remove-subjects", command, tuple(ops)


def _change(binding: BindingFacts, target: SubjectFacts) -> Change:
    own = [i for i in binding.matching if _is_target(binding.subjects[i], target)]
    groups = [binding.subjects[i] for i in binding.matching if i not in own]
    notes: list[str] = []
    recreated = _recreated(binding) and any(
        _bootstrap_subject(binding.subjects[i]) for i in (own or binding.matching)
    )
    if recreated:
        notes.append(
            f'the API server reconciles this binding at start-up ({AUTOUPDATE} is not "false"):'
            f" a deleted binding or removed bootstrap subject comes back on restart; first run"
            f" `{_kubectl(binding).format(verb='annotate')} {AUTOUPDATE}=false --overwrite`"
        )
    elif _recreated(binding):
        notes.append(
            f'the API server re-creates this binding at start-up ({AUTOUPDATE} is not "false")'
            " with the bootstrap policy's subjects only: the subjects removed here stay removed"
        )
    if own:
        action, command, patch = _removal(binding, own)
    else:
        action, command, patch = _removal(binding, list(binding.matching))
        action = "everyone" if any(g.name in _EVERYONE for g in groups) else "shared"
    for group in groups:
        if group.name in _EVERYONE:
            notes.append(
                f"grants through {group}: every {_WHO[group.name]} user has it;"
                " it cannot be removed for this identity alone"
            )
        else:
            notes.append(
                f"grants through {group}, shared with every member: removing it cuts them all"
                " off, and the membership comes from the credential itself"
            )
    cuts_off = bool(own) and not groups and not recreated
    return Change(binding, action, cuts_off, command, patch, tuple(notes))


def _is_target(subject: SubjectFacts, target: SubjectFacts) -> bool:
    if target.kind == "Group":
        return subject.kind == "Group" and subject.name == target.name
    if subject.kind == "User":
        return subject.name == target.name
    return subject.kind == "ServiceAccount" and (
        target.name == f"system:serviceaccount:{subject.namespace}:{subject.name}"
    )


def plan(target: SubjectFacts, groups: Sequence[str], bindings: Sequence[BindingFacts]) -> Plan:
    """The plan that cuts off ``target`` (a ``User`` — with the groups it authenticates with,
    implicit ones included — or a ``Group``), from every binding that applies to it
    (``bindings``, with ``matching`` set). Changes keep the bindings' order."""
    blockers: list[str] = []
    if target.name == _MASTERS or _MASTERS in groups:
        blockers.append(
            "in system:masters: the API server allows it everything before RBAC is consulted;"
            " no binding can be removed — only an expired or CA-rotated certificate stops it"
        )
    changes = tuple(_change(binding, target) for binding in bindings if binding.matching)
    return Plan(target.name, tuple(sorted(groups)), changes, tuple(blockers))
