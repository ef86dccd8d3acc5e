"""The RBAC state of a snapshot, resolved and indexed for questions (``rule.go`` ``VisitRulesFor``).

* ClusterRoleBindings apply to every request; RoleBindings only to requests in their own
  namespace, so a RoleBinding to a ClusterRole grants its rules in that namespace only and
  never cluster-scoped resources or non-resource URLs.
* A binding's ``roleRef`` names a Role in the binding's namespace or a ClusterRole; one
  that names nothing grants nothing (it is reported, and becomes live if the role is
  created later).
* A ServiceAccount subject without a namespace takes its RoleBinding's namespace; in a
  ClusterRoleBinding it matches nobody.
* Aggregated ClusterRoles (``aggregationRule.clusterRoleSelectors``): in manifests the rules
  are computed as the aggregation controller does (the union, by name order, of the rules
  of every other ClusterRole any selector matches, duplicates dropped, until nothing
  changes); in a whole cluster's state the stored rules already are that union.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.engines.rbac.identity import Identity, Subject, service_account_username
from kubeward.engines.rbac.rules import Request, Rule, rule_allows
from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef
from kubeward.snapshot.snapshot import KubeObject, Snapshot

__all__ = ["Binding", "Grant", "RbacWorld", "Role", "world_of"]

RBAC = "rbac.authorization.k8s.io"
ROLE = GroupKind(RBAC, "Role")
CLUSTER_ROLE = GroupKind(RBAC, "ClusterRole")
ROLE_BINDING = GroupKind(RBAC, "RoleBinding")
CLUSTER_ROLE_BINDING = GroupKind(RBAC, "ClusterRoleBinding")

_Key = tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Role:
    """A Role or ClusterRole and the rules the authorizer reads from it."""

    ref: ObjectRef
    obj: KubeObject
    rules: tuple[Rule, ...]
    aggregated: bool = False

    @property
    def is_cluster_role(self) -> bool:
        return self.ref.kind == "ClusterRole"


@dataclass(frozen=True, eq=False)
class Binding:
    """A RoleBinding (``namespace`` set) or ClusterRoleBinding, its subjects and its role."""

    ref: ObjectRef
    obj: KubeObject
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]
    role: Role | None

    @property
    def namespace(self) -> str:
        return self.ref.namespace

    @property
    def is_cluster_binding(self) -> bool:
        return self.ref.kind == "ClusterRoleBinding"

    @property
    def role_ref(self) -> ObjectRef:
        namespace = self.namespace if self.role_kind == "Role" else ""
        return ObjectRef(self.role_kind, self.role_name, namespace, RBAC)


@dataclass(frozen=True, eq=False)
class Grant:
    """Why a request is allowed: this binding, to this subject, of this role's rule."""

    binding: Binding
    subject: Subject
    role: Role
    rule_index: int

    @property
    def rule(self) -> Rule:
        return self.role.rules[self.rule_index]

    def __str__(self) -> str:
        binding, role = self.binding.ref, self.role.ref
        return f"{binding.label} of {role.label} to {self.subject} (rule {self.rule_index}: {self.rule})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "binding": self.binding.ref.to_dict(),
            "role": self.role.ref.to_dict(),
            "subject": self.subject.to_dict(),
            "rule": self.rule.to_dict(),
            "ruleIndex": self.rule_index,
        }


def _subject_key(subject: Subject) -> _Key:
    # A ServiceAccount subject names the user system:serviceaccount:<ns>:<name>, whatever the
    # name looks like (``MatchesUsername`` compares strings; ``SplitUsername`` is stricter).
    if subject.kind == "ServiceAccount":
        return ("User", service_account_username(subject.namespace, subject.name))
    return (subject.kind, subject.name)


def _identity_keys(identity: Identity) -> list[_Key]:
    return [("User", identity.user), *(("Group", group) for group in sorted(identity.groups))]


@dataclass
class RbacWorld:
    """Roles, bindings and the indexes that answer "who may do what" quickly."""

    roles: Mapping[tuple[str, str], Role]  # (namespace, name); "" for ClusterRoles
    bindings: tuple[Binding, ...]
    problems: tuple[tuple[Binding, str], ...]
    _cluster_index: dict[_Key, list[tuple[Binding, Subject]]] = field(default_factory=dict, repr=False)
    _namespace_index: dict[str, dict[_Key, list[tuple[Binding, Subject]]]] = field(
        default_factory=dict, repr=False
    )
    _any_index: dict[_Key, list[Binding]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for binding in self.bindings:
            index = (
                self._cluster_index
                if binding.is_cluster_binding
                else self._namespace_index.setdefault(binding.namespace, {})
            )
            for subject in binding.subjects:
                key = _subject_key(subject)
                index.setdefault(key, []).append((binding, subject))
                if binding.is_cluster_binding or binding.namespace:
                    self._any_index.setdefault(key, []).append(binding)

    def role(self, namespace: str, name: str) -> Role | None:
        return self.roles.get((namespace, name))

    def bindings_for(self, identity: Identity, namespace: str) -> Iterator[tuple[Binding, Subject]]:
        """The bindings that apply to ``identity`` for a request in ``namespace`` (``""`` for
        cluster-scoped requests), each once, with the subject that names the identity."""
        indexes = [self._cluster_index]
        if namespace:
            indexes.append(self._namespace_index.get(namespace, {}))
        for index in indexes:
            found = {
                id(binding): binding for key in _identity_keys(identity) for binding, _ in index.get(key, ())
            }
            for binding in sorted(found.values(), key=lambda binding: binding.ref):
                # appliesTo: the first subject of the binding that names the identity
                subject = next((s for s in binding.subjects if s.matches(identity)), None)
                if subject is not None:
                    yield binding, subject

    def bindings_anywhere(self, identity: Identity) -> list[tuple[Binding, Subject]]:
        """The bindings that apply to ``identity`` for some request: every ClusterRoleBinding
        and every RoleBinding (in its namespace) that names it, each once, by reference,
        with the subject that names the identity."""
        found = {id(b): b for key in _identity_keys(identity) for b in self._any_index.get(key, ())}
        pairs = []
        for binding in sorted(found.values(), key=lambda binding: binding.ref):
            subject = next((s for s in binding.subjects if s.matches(identity)), None)
            if subject is not None:
                pairs.append((binding, subject))
        return pairs

    def grants(self, identity: Identity, request: Request, *, first_only: bool = False) -> list[Grant]:
        """Every (or the first) binding rule that allows ``request`` for ``identity``."""
        found: list[Grant] = []
        for binding, subject in self.bindings_for(identity, request.scope):
            if binding.role is None:
                continue
            for index, rule in enumerate(binding.role.rules):
                if rule_allows(rule, request):
                    found.append(Grant(binding, subject, binding.role, index))
                    if first_only:
                        return found
                    break
        return found

    def bindings_in_scope(self, namespace: str | None) -> Iterator[Binding]:
        """The bindings that can grant a request in ``namespace``: every ClusterRoleBinding
        and that namespace's RoleBindings (``None``: every binding, each in its own), so no
        RoleBinding for a cluster-scoped request (``""``). A RoleBinding without a namespace
        (a manifest that leaves it to ``kubectl -n``) is in none: as in ``bindings_for``, it
        grants nothing."""
        for binding in self.bindings:
            if binding.is_cluster_binding or (
                binding.namespace and (namespace is None or binding.namespace == namespace)
            ):
                yield binding


def _rules(obj: KubeObject) -> tuple[Rule, ...]:
    rules = obj.body.get("rules")
    return (
        tuple(Rule.from_policy_rule(rule) for rule in rules if isinstance(rule, Mapping))
        if isinstance(rules, list)
        else ()
    )


def _aggregated_rules(cluster_roles: Mapping[str, KubeObject]) -> dict[str, tuple[Rule, ...]]:
    """The aggregation controller's fixed point for every ClusterRole with an aggregationRule."""
    rules = {name: _rules(obj) for name, obj in cluster_roles.items()}
    aggregating: dict[str, list[selectors.Selector]] = {}
    for name, obj in cluster_roles.items():
        rule = obj.body.get("aggregationRule")
        found = rule.get("clusterRoleSelectors") if isinstance(rule, Mapping) else None
        if isinstance(found, list):
            parsed = []
            for selector in found:
                try:
                    parsed.append(selectors.parse_label_selector(selector))
                except selectors.SelectorError:
                    continue  # the API server refuses it; it selects nothing here
            aggregating[name] = parsed
    for _ in range(len(aggregating) + 1):
        changed = False
        for name, chosen in aggregating.items():
            union: list[Rule] = []
            for selector in chosen:
                for other in sorted(cluster_roles):
                    if other == name or not selector.matches(cluster_roles[other].labels):
                        continue
                    for rule in rules[other]:
                        if rule not in union:
                            union.append(rule)
            if tuple(union) != rules[name]:
                rules[name] = tuple(union)
                changed = True
        if not changed:
            break
    return {name: rules[name] for name in aggregating}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _subjects(obj: KubeObject, namespace: str) -> tuple[Subject, ...]:
    found = obj.body.get("subjects")
    subjects = []
    for subject in found if isinstance(found, list) else []:
        if not isinstance(subject, Mapping):
            continue
        kind, name = subject.get("kind"), subject.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        subject_namespace = _text(subject.get("namespace"))
        if kind == "ServiceAccount" and not subject_namespace:
            subject_namespace = namespace  # a RoleBinding's own namespace; "" in a ClusterRoleBinding
        subjects.append(Subject(kind, name, subject_namespace if kind == "ServiceAccount" else ""))
    return tuple(subjects)


def build_world(snapshot: Snapshot) -> RbacWorld:
    cluster_role_objects = {obj.ref.name: obj for obj in snapshot.of_kind(CLUSTER_ROLE)}
    aggregated = {} if snapshot.whole_cluster else _aggregated_rules(cluster_role_objects)
    roles: dict[tuple[str, str], Role] = {}
    for name, obj in cluster_role_objects.items():
        roles[("", name)] = Role(obj.ref, obj, aggregated.get(name, _rules(obj)), name in aggregated)
    for obj in snapshot.of_kind(ROLE):
        roles.setdefault((obj.ref.namespace, obj.ref.name), Role(obj.ref, obj, _rules(obj)))
    bindings: list[Binding] = []
    problems: list[tuple[Binding, str]] = []
    for obj in sorted(
        snapshot.of_kind(CLUSTER_ROLE_BINDING) + snapshot.of_kind(ROLE_BINDING), key=lambda o: o.ref
    ):
        namespace = obj.ref.namespace if obj.ref.kind == "RoleBinding" else ""
        role_ref = obj.body.get("roleRef")
        role_ref = role_ref if isinstance(role_ref, Mapping) else {}
        kind, name = _text(role_ref.get("kind")), _text(role_ref.get("name"))
        role = None
        if kind == "ClusterRole":
            role = roles.get(("", name))
        elif kind == "Role" and namespace:
            role = roles.get((namespace, name))
        binding = Binding(obj.ref, obj, kind, name, _subjects(obj, namespace), role)
        bindings.append(binding)
        if role is None and snapshot.knows_all(CLUSTER_ROLE if kind == "ClusterRole" else ROLE):
            problems.append((binding, role_ref_problem(binding)))
    return RbacWorld(roles, tuple(bindings), tuple(problems))


def role_ref_problem(binding: Binding, absent: str = "does not exist") -> str:
    """Why a binding without a role grants nothing: its role is ``absent``, or its roleRef
    can name none (another kind, or a Role from a ClusterRoleBinding or a namespace-less
    RoleBinding)."""
    kind, name = binding.role_kind, binding.role_name
    if kind == "ClusterRole":
        return f"its roleRef names ClusterRole {name!r}, which {absent}"
    if kind == "Role" and binding.namespace and not binding.is_cluster_binding:
        return f"its roleRef names Role {name!r} of namespace {binding.namespace!r}, which {absent}"
    return f"its roleRef ({kind or 'no kind'} {name!r}) cannot grant anything"


_WORLDS: dict[int, RbacWorld] = {}


def world_of(snapshot: Snapshot) -> RbacWorld:
    """The snapshot's RBAC world, built once per snapshot."""
    key = id(snapshot)
    world = _WORLDS.get(key)
    if world is None:
        world = _WORLDS[key] = build_world(snapshot)
        # long-lived and acyclic, like the loaded objects (``inputs``): keep the cyclic
        # collector from walking its hundreds of thousands of objects on every later query
        gc.freeze()
        weakref.finalize(snapshot, _WORLDS.pop, key, None)
    return world
