"""The questions: can this identity do this (``can_i``)? who can do this (``who_can``)?
what may this subject do (``permissions``)? Every answer carries its grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubeward.engines.rbac.identity import MASTERS, Identity, Subject
from kubeward.engines.rbac.rules import Request, Rule, rule_allows
from kubeward.engines.rbac.world import Binding, Grant, RbacWorld, Role, role_ref_problem

__all__ = ["Decision", "Permission", "WhoCan", "can_i", "permissions", "who_can"]

MASTERS_REASON = "member of group system:masters: allowed everything before RBAC is consulted"


@dataclass(frozen=True)
class Decision:
    """The answer to "can ``identity`` do ``request``?", with every grant (or why not)."""

    allowed: bool
    identity: Identity
    request: Request
    grants: tuple[Grant, ...] = ()
    masters: bool = False
    unresolved: tuple[Binding, ...] = ()
    """Bindings of the identity, in the request's scope, whose role is not in the input (the
    authorizer records "not found" for each and they grant nothing)."""

    @property
    def reasons(self) -> list[str]:
        if self.masters:
            return [MASTERS_REASON]
        if not self.allowed:
            return [f"no binding grants {self.request} to {self.identity.user}"] + [
                f"{binding.ref.kind} {binding.ref.name} grants nothing: "
                + role_ref_problem(binding, "is not in the input")
                + (
                    " (--with-defaults adds Kubernetes' default roles)"
                    if binding.role_kind == "ClusterRole"
                    else ""
                )
                for binding in self.unresolved
            ]
        return [f"RBAC: allowed by {grant}" for grant in self.grants]


def can_i(world: RbacWorld, identity: Identity, request: Request) -> Decision:
    if identity.is_master:
        return Decision(True, identity, request, masters=True)
    grants = tuple(world.grants(identity, request))
    if grants:
        return Decision(True, identity, request, grants)
    unresolved = tuple(b for b, _ in world.bindings_for(identity, request.scope) if b.role is None)
    return Decision(False, identity, request, unresolved=unresolved)


@dataclass(frozen=True)
class WhoCan:
    """A subject that may do the request, and the grants that say so."""

    subject: Subject
    grants: tuple[Grant, ...]
    namespaces: tuple[str, ...] = ()  # where, when asked for every namespace ("" = cluster-wide)


def _role_allows(role: Role, request: Request) -> int | None:
    for index, rule in enumerate(role.rules):
        if rule_allows(rule, request):
            return index
    return None


def who_can(world: RbacWorld, request: Request, *, all_namespaces: bool = False) -> list[WhoCan]:
    """The subjects named in bindings that grant ``request`` (in ``request.namespace``, or in
    any namespace with ``all_namespaces``, which only a namespaced resource has), sorted;
    group ``system:masters`` always can."""
    allowed_by_role: dict[int, int | None] = {}
    found: dict[Subject, list[tuple[Grant, str]]] = {}
    scope = request.scope
    for binding in world.bindings_in_scope(None if all_namespaces and scope else scope):
        role = binding.role
        if role is None:
            continue
        if id(role) not in allowed_by_role:
            allowed_by_role[id(role)] = _role_allows(role, request)
        index = allowed_by_role[id(role)]
        if index is None:
            continue
        for subject in dict.fromkeys(binding.subjects):  # a subject the binding names twice: once
            found.setdefault(subject, []).append((Grant(binding, subject, role, index), binding.namespace))
    answers = [
        WhoCan(subject, tuple(grant for grant, _ in grants), tuple(sorted({where for _, where in grants})))
        for subject, grants in found.items()
    ]
    masters = Subject("Group", MASTERS)
    if masters not in found:
        answers.append(WhoCan(masters, ()))
    return sorted(answers, key=lambda answer: answer.subject)


@dataclass(frozen=True)
class Permission:
    """A rule an identity holds, where (``""``: cluster-wide) and through which binding."""

    rule: Rule
    namespace: str
    binding: Binding
    role: Role
    subject: Subject


@dataclass(frozen=True)
class Permissions:
    identity: Identity
    masters: bool
    rules: tuple[Permission, ...] = field(default_factory=tuple)


def permissions(world: RbacWorld, identity: Identity, namespaces: Iterable[str]) -> Permissions:
    """Every rule ``identity`` holds cluster-wide and in each of ``namespaces``."""
    found: list[Permission] = []
    for namespace in ["", *sorted(set(namespaces) - {""})]:
        for binding, subject in world.bindings_for(identity, namespace):
            if binding.role is None or (namespace and binding.is_cluster_binding):
                continue  # ClusterRoleBindings are listed once, cluster-wide
            for rule in binding.role.rules:
                found.append(Permission(rule, binding.namespace, binding, binding.role, subject))
    return Permissions(identity, identity.is_master, tuple(found))
