"""Privilege-escalation paths: from a subject, through the RBAC primitives that hand over
another identity, to the equivalent of cluster-admin.

Each step is a permission the authorizer grants (with the grant as evidence) and what it
yields (``../shared/reference/rbac-and-authn.md`` §3):

* **cluster-admin** is reached by holding ``*`` on ``*`` in every API group cluster-wide,
  by membership of ``system:masters``, by ``bind`` on ClusterRoles with ``create``
  ClusterRoleBindings (bind cluster-admin to oneself), by ``escalate`` with ``update`` on
  ClusterRoles, or by impersonating group ``system:masters``; a ClusterRoleBinding to
  ``cluster-admin`` counts also when the input does not hold that role (every cluster has
  it; other missing roles grant nothing here: ``--with-defaults`` supplies them);
* **run a pod** (create pods, or create/update/patch a pod controller) in a namespace
  yields every service account of that namespace; so does creating
  ``serviceaccounts/token`` (restricted to its resourceNames), and reading Secrets where a
  service account's token Secret is kept;
* **exec** into pods (``create pods/exec``) yields the accounts pods of that namespace run
  as, and **nodes/proxy** (``get`` suffices) those of every pod;
* **impersonate** service accounts or users yields them; a group is impersonated along
  with some user, so it takes impersonating groups and a user or service account
  (resourceNames restrict each; a RoleBinding's service accounts count, as impersonation
  does not look the account up);
* **certificate signing** (create CSRs, update ``certificatesigningrequests/approval``,
  ``approve`` on the ``kubernetes.io/kube-apiserver-client`` signer) yields any user and
  group but ``system:masters`` (the CertificateSubjectRestriction admission plugin).

RoleBindings grant only in their namespace and never the cluster-scoped primitives
(ClusterRoles, ClusterRoleBindings, nodes, users, groups, CSRs, signers). A subject's
permissions are those of its identity: a service account is also in
``system:serviceaccounts[:<ns>]`` and every subject in ``system:authenticated``.

:func:`escalation_paths` builds the graph once, with one node per subject and shared
nodes for "every service account of namespace N" and the like (so a cluster-wide grant is
one edge, not one per account), and walks it backwards from cluster-admin
(breadth-first, shared nodes cost nothing). Every subject gets its shortest path (fewest
steps); among equally short ones, running a pod is preferred to minting a token, to exec,
to reading a token Secret, to impersonation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.rbac.identity import MASTERS, Subject, split_service_account
from kubeward.engines.rbac.rules import UNLISTED, Request, rule_allows
from kubeward.engines.rbac.world import Binding, Grant, RbacWorld, Role
from kubeward.k8s.objects import GroupKind, ObjectRef
from kubeward.k8s.workloads import service_account
from kubeward.snapshot.snapshot import Snapshot

__all__ = ["CLUSTER_ADMIN", "Path", "Step", "escalation_paths"]

CLUSTER_ADMIN = Subject("Group", "<cluster-admin equivalent>")
_RBAC = "rbac.authorization.k8s.io"
_CERTIFICATES = "certificates.k8s.io"
_SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
_SECRET = GroupKind("", "Secret")
_CLUSTER_ADMIN_ROLE = ObjectRef("ClusterRole", "cluster-admin", "", _RBAC)
_SA_TOKEN_ANNOTATION = "kubernetes.io/service-account.name"
_POD_CONTROLLERS = (
    ("", "pods", ("create",)),
    ("", "replicationcontrollers", ("create", "update", "patch")),
    ("apps", "deployments", ("create", "update", "patch")),
    ("apps", "replicasets", ("create", "update", "patch")),
    ("apps", "statefulsets", ("create", "update", "patch")),
    ("apps", "daemonsets", ("create", "update", "patch")),
    ("batch", "jobs", ("create", "update", "patch")),
    ("batch", "cronjobs", ("create", "update", "patch")),
)
_IMPERSONATED = (("User", "users"), ("Group", "groups"), ("ServiceAccount", "serviceaccounts"))


def _label(subject: Subject) -> str:
    return "cluster-admin" if subject == CLUSTER_ADMIN else str(subject)


@dataclass(frozen=True)
class Step:
    """One move: from ``source``, the permission ``action`` (granted by ``grants``) yields
    ``target``."""

    source: Subject
    target: Subject
    action: str
    grants: tuple[Grant, ...] = ()

    def __str__(self) -> str:
        return f"{self.source} {self.action}: {_label(self.target)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source.to_dict(),
            "to": {"kind": "ClusterAdmin"} if self.target == CLUSTER_ADMIN else self.target.to_dict(),
            "action": self.action,
            "via": [grant.to_dict() for grant in self.grants],
        }


@dataclass(frozen=True)
class Path:
    subject: Subject
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        return " → ".join([str(self.subject), *(_label(step.target) for step in self.steps)])

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject.to_dict(), "steps": [step.to_dict() for step in self.steps]}


# --- what a role allows of the primitives -------------------------------------------------


def _first_rule(role: Role, request: Request) -> int | None:
    for index, rule in enumerate(role.rules):
        if rule_allows(rule, request):
            return index
    return None


def _named(role: Role, request: Callable[[str], Request]) -> dict[str, int]:
    """The names ``resourceNames`` grant ``request(name)`` for, with the first rule that does."""
    found: dict[str, int] = {}
    for index, rule in enumerate(role.rules):
        for name in rule.resource_names:
            if name not in found and rule_allows(rule, request(name)):
                found[name] = index
    return found


@dataclass(frozen=True)
class _Powers:
    """The rule index (None: not allowed) of each primitive a role allows: ``local`` ones
    are namespaced (granted in a RoleBinding's namespace, or everywhere by a
    ClusterRoleBinding), ``cluster`` ones only through a ClusterRoleBinding."""

    run_pods: tuple[str, int] | None
    tokens: int | None
    named_tokens: Mapping[str, int]
    exec: int | None
    secrets: int | None
    impersonate_accounts: int | None
    impersonated_accounts: Mapping[str, int]
    # cluster-scoped
    everything: int | None
    bind: int | None
    create_bindings: int | None
    escalate: int | None
    update_roles: int | None
    nodes_proxy: int | None
    impersonate_users: int | None
    impersonated_users: Mapping[str, int]
    impersonate_groups: int | None
    impersonated_groups: Mapping[str, int]
    csr_create: int | None
    csr_approval: int | None
    csr_sign: int | None


def _run_pods(role: Role) -> tuple[str, int] | None:
    for group, resource, verbs in _POD_CONTROLLERS:
        for verb in verbs:
            index = _first_rule(role, Request(verb, resource, group, namespace="ns"))
            if index is not None:
                return f"{verb} {resource}.{group}" if group else f"{verb} {resource}", index
    return None


def _powers(role: Role) -> _Powers:
    def first(verb: str, resource: str, group: str = "", subresource: str = "", name: str = "") -> int | None:
        return _first_rule(role, Request(verb, resource, group, subresource, name, "ns"))

    def impersonation(resource: str) -> Callable[[str], Request]:
        return lambda name: Request("impersonate", resource, "", name=name, namespace="ns")

    return _Powers(
        run_pods=_run_pods(role),
        tokens=first("create", "serviceaccounts", "", "token", UNLISTED),
        named_tokens=_named(role, lambda name: Request("create", "serviceaccounts", "", "token", name, "ns")),
        exec=first("create", "pods", "", "exec", UNLISTED),
        secrets=first("list", "secrets"),
        impersonate_accounts=first("impersonate", "serviceaccounts", name=UNLISTED),
        impersonated_accounts=_named(role, impersonation("serviceaccounts")),
        everything=first("*", "*", "*", name=UNLISTED),
        bind=first("bind", "clusterroles", _RBAC, name="cluster-admin"),
        create_bindings=first("create", "clusterrolebindings", _RBAC),
        escalate=first("escalate", "clusterroles", _RBAC, name=UNLISTED),
        update_roles=first("update", "clusterroles", _RBAC, name=UNLISTED),
        nodes_proxy=first("get", "nodes", "", "proxy", UNLISTED),
        impersonate_users=first("impersonate", "users", name=UNLISTED),
        impersonated_users=_named(role, impersonation("users")),
        impersonate_groups=first("impersonate", "groups", name=UNLISTED),
        impersonated_groups=_named(role, impersonation("groups")),
        csr_create=first("create", "certificatesigningrequests", _CERTIFICATES),
        csr_approval=first("update", "certificatesigningrequests", _CERTIFICATES, "approval", UNLISTED),
        csr_sign=first("approve", "signers", _CERTIFICATES, name="kubernetes.io/kube-apiserver-client"),
    )


# --- the graph ----------------------------------------------------------------------------

_Node = Subject | tuple[str, ...]
"""A subject, or a shared node that stands for a set of subjects: ``("pods", ns)`` (every
service account of ns), ``("exec", ns)``, ``("secrets", ns)``, ``("proxy",)`` (every
account a pod runs as), ``("users",)``, ``("groups",)``, ``("certificates",)``."""


@dataclass(frozen=True)
class _Edge:
    target: _Node
    action: str
    grants: tuple[Grant, ...]


def _is_service_account_user(subject: Subject) -> bool:
    return subject.kind == "User" and split_service_account(subject.name) is not None


def _normal(subject: Subject) -> Subject:
    """A User subject that names a service account's user name is that service account."""
    account = split_service_account(subject.name) if subject.kind == "User" else None
    return Subject("ServiceAccount", account[1], account[0]) if account else subject


class _Graph:
    def __init__(self, world: RbacWorld, snapshot: Snapshot) -> None:
        self.world = world
        subjects = {_normal(subject) for binding in world.bindings for subject in binding.subjects}
        subjects = {s for s in subjects if s.kind != "ServiceAccount" or s.namespace}
        for obj in snapshot.of_kind(_SERVICE_ACCOUNT):
            subjects.add(Subject("ServiceAccount", obj.ref.name, obj.ref.namespace))
        running: dict[str, set[Subject]] = {}
        for workload in snapshot.workloads:
            account = Subject("ServiceAccount", service_account(workload.pod_spec)[0], workload.namespace)
            subjects.add(account)
            running.setdefault(workload.namespace, set()).add(account)
        self.subjects = sorted(subjects)
        self.accounts: dict[str, list[Subject]] = {}
        for subject in self.subjects:
            if subject.kind == "ServiceAccount":
                self.accounts.setdefault(subject.namespace, []).append(subject)
        token_secrets: dict[str, set[str]] = {}
        for secret in snapshot.of_kind(_SECRET):
            account_name = secret.annotations.get(_SA_TOKEN_ANNOTATION)
            if isinstance(account_name, str):
                token_secrets.setdefault(secret.ref.namespace, set()).add(account_name)
        self.members: dict[_Node, list[Subject]] = {}
        for namespace, accounts in self.accounts.items():
            readable = token_secrets.get(namespace, set())
            self.members[("pods", namespace)] = accounts
            self.members[("exec", namespace)] = sorted(running.get(namespace, ()))
            self.members[("secrets", namespace)] = [a for a in accounts if a.name in readable]
        everywhere = sorted(set().union(*running.values()))
        self.members[("pods", "*")] = [s for s in self.subjects if s.kind == "ServiceAccount"]
        self.members[("exec", "*")] = everywhere
        self.members[("secrets", "*")] = [
            s for s in self.members[("pods", "*")] if s.name in token_secrets.get(s.namespace, ())
        ]
        self.members[("proxy",)] = everywhere
        self.by_name: dict[str, list[Subject]] = {}
        for account in self.members[("pods", "*")]:
            self.by_name.setdefault(account.name, []).append(account)
        people = [s for s in self.subjects if s.kind == "User"]
        groups = [s for s in self.subjects if s.kind == "Group" and s.name != MASTERS]
        self.members[("users",)] = people
        self.members[("groups",)] = groups
        self.known = set(self.subjects)
        self.members[("certificates",)] = people + groups
        self.containing: dict[Subject, list[_Node]] = {}
        for shared, members in self.members.items():
            for member in members:
                self.containing.setdefault(member, []).append(shared)
        self._powers: dict[int, _Powers] = {}
        self._account_edges: dict[tuple[int, Subject], list[_Edge]] = {}

    def powers(self, role: Role) -> _Powers:
        found = self._powers.get(id(role))
        if found is None:
            found = self._powers[id(role)] = _powers(role)
        return found

    def edges(self, subject: Subject) -> list[_Edge]:
        """Every step out of ``subject``, in order of preference."""
        if subject.kind == "Group" and subject.name == MASTERS:
            return [_Edge(CLUSTER_ADMIN, "is in group system:masters, which RBAC never limits", ())]
        bindings = self.world.bindings_anywhere(subject.identity)
        held = [
            (binding, who, self.powers(binding.role)) for binding, who in bindings if binding.role is not None
        ]
        cluster = [item for item in held if item[0].is_cluster_binding]
        user = _impersonates_a_user(held)
        edges = self._admin(bindings, cluster, user)
        edges += self._namespaced(held)
        edges += self._cluster_wide(subject, cluster, user)
        return edges

    def _admin(
        self,
        bindings: list[tuple[Binding, Subject]],
        cluster: list[tuple[Binding, Subject, _Powers]],
        user: Grant | None,
    ) -> list[_Edge]:
        for binding, _ in bindings:
            if (
                binding.role is None
                and binding.role_ref == _CLUSTER_ADMIN_ROLE
                and binding.is_cluster_binding
            ):
                action = (
                    f"is bound to ClusterRole cluster-admin ({binding.ref.kind} {binding.ref.name};"
                    " the input does not hold the role, which Kubernetes creates with every permission)"
                )
                return [_Edge(CLUSTER_ADMIN, action, ())]
        options: list[tuple[str, tuple[str, ...]]] = [
            ("holds every verb on every resource", ("everything",)),
            ("binds any ClusterRole (cluster-admin) to itself", ("bind", "create_bindings")),
            ("adds any rule to a ClusterRole it holds", ("escalate", "update_roles")),
        ]
        for action, powers in options:
            grants = _all_of(cluster, powers)
            if grants is not None:
                return [_Edge(CLUSTER_ADMIN, action, grants)]
        masters = _any_named(cluster, "impersonate_groups", "impersonated_groups", MASTERS)
        if masters is not None and user is not None:
            return [_Edge(CLUSTER_ADMIN, "impersonates group system:masters", _distinct(masters, user))]
        return []

    def _namespaced(self, held: list[tuple[Binding, Subject, _Powers]]) -> list[_Edge]:
        """Steps to service accounts: in a RoleBinding's namespace, or (ClusterRoleBinding)
        in every namespace, through the shared node ``(kind, "*")``."""
        edges: list[_Edge] = []
        for binding, who, powers in held:
            key = (id(binding), who)
            cached = self._account_edges.get(key)
            if cached is None:
                cached = self._account_edges[key] = self._account_steps(binding, who, powers)
            edges += cached
        return edges

    def _account_steps(self, binding: Binding, who: Subject, powers: _Powers) -> list[_Edge]:
        """The steps to service accounts one binding gives (to whoever ``who`` matches)."""
        role = binding.role
        assert role is not None
        scope = "*" if binding.is_cluster_binding else binding.namespace
        if scope not in self.accounts and scope != "*":
            return []
        where = "in every namespace" if scope == "*" else f"in {scope}"
        tokens = f"creates a token for it (serviceaccounts/token {where})"
        impersonates = "impersonates it (serviceaccounts)"
        how, run_pods = powers.run_pods or ("", None)
        found: list[tuple[_Node, str, int | None]] = [
            (("pods", scope), f"runs a pod as it ({how} {where})", run_pods),
            (("pods", scope), tokens, powers.tokens),
            (("exec", scope), f"execs into a pod that runs as it (pods/exec {where})", powers.exec),
            (("secrets", scope), f"reads its token Secret {where}", powers.secrets),
            (("pods", scope), impersonates, powers.impersonate_accounts),
        ]
        for action, named in ((tokens, powers.named_tokens), (impersonates, powers.impersonated_accounts)):
            for name, index in named.items():
                for account in self.by_name.get(name, ()):
                    if scope in ("*", account.namespace):
                        found.append((account, action, index))
        return [
            _Edge(target, action, (Grant(binding, who, role, index),))
            for target, action, index in found
            if index is not None
        ]

    def _cluster_wide(
        self, subject: Subject, cluster: list[tuple[Binding, Subject, _Powers]], user: Grant | None
    ) -> list[_Edge]:
        edges: list[_Edge] = []
        proxy = _first_grant(cluster, "nodes_proxy")
        if proxy is not None:
            edges.append(_Edge(("proxy",), "execs into its pods through the kubelet (nodes/proxy)", (proxy,)))
        users = _first_grant(cluster, "impersonate_users")
        if users is not None:
            edges.append(_Edge(("users",), "impersonates it (users)", (users,)))
        for target, named in self._named_targets(cluster, "User", "impersonated_users"):
            if target != subject:
                edges.append(_Edge(target, "impersonates it (users)", (named,)))
        if user is not None:
            groups = _first_grant(cluster, "impersonate_groups")
            if groups is not None:
                edges.append(_Edge(("groups",), "impersonates it (groups)", _distinct(groups, user)))
            for target, named in self._named_targets(cluster, "Group", "impersonated_groups"):
                if target != subject and target.name != MASTERS:
                    edges.append(_Edge(target, "impersonates it (groups)", _distinct(named, user)))
        signing = _all_of(cluster, ("csr_create", "csr_approval", "csr_sign"))
        if signing is not None:
            edges.append(
                _Edge(("certificates",), "issues itself a client certificate for it (CSR approval)", signing)
            )
        return edges

    def _named_targets(
        self, cluster: list[tuple[Binding, Subject, _Powers]], kind: str, power: str
    ) -> list[tuple[Subject, Grant]]:
        """The known subjects of ``kind`` that ``resourceNames`` let ``power`` reach, each with
        the first grant that does, by name."""
        found: dict[Subject, Grant] = {}
        for binding, who, powers in cluster:
            role = binding.role
            assert role is not None
            for name, index in getattr(powers, power).items():
                target = Subject(kind, name)
                if target in self.known and target not in found:
                    found[target] = Grant(binding, who, role, index)
        return sorted(found.items())


def _impersonates_a_user(held: list[tuple[Binding, Subject, _Powers]]) -> Grant | None:
    """A grant to impersonate some user, which impersonating a group needs: a user, or a
    service account, named or not (a RoleBinding's service accounts are those of its
    namespace, which need not hold them: impersonation does not look the account up)."""
    for binding, who, powers in held:
        users = (
            (powers.impersonate_users, *powers.impersonated_users.values())
            if binding.is_cluster_binding
            else ()
        )
        for index in (*users, powers.impersonate_accounts, *powers.impersonated_accounts.values()):
            grant = _grant_of(binding, who, index)
            if grant is not None:
                return grant
    return None


def _grant_of(binding: Binding, who: Subject, index: int | None) -> Grant | None:
    return None if index is None or binding.role is None else Grant(binding, who, binding.role, index)


def _first_grant(held: list[tuple[Binding, Subject, _Powers]], power: str) -> Grant | None:
    for binding, who, powers in held:
        grant = _grant_of(binding, who, getattr(powers, power))
        if grant is not None:
            return grant
    return None


def _named_grant(held: list[tuple[Binding, Subject, _Powers]], power: str, name: str) -> Grant | None:
    for binding, who, powers in held:
        grant = _grant_of(binding, who, getattr(powers, power).get(name))
        if grant is not None:
            return grant
    return None


def _any_named(
    held: list[tuple[Binding, Subject, _Powers]], any_power: str, named_power: str, name: str
) -> Grant | None:
    return _first_grant(held, any_power) or _named_grant(held, named_power, name)


def _distinct(*grants: Grant) -> tuple[Grant, ...]:
    """The grants, each rule cited once (one rule may allow several of the requests)."""
    kept: list[Grant] = []
    for grant in grants:
        if not any(g.binding is grant.binding and g.rule_index == grant.rule_index for g in kept):
            kept.append(grant)
    return tuple(kept)


def _all_of(held: list[tuple[Binding, Subject, _Powers]], powers: Iterable[str]) -> tuple[Grant, ...] | None:
    grants = []
    for power in powers:
        grant = _first_grant(held, power)
        if grant is None:
            return None
        grants.append(grant)
    return _distinct(*grants)


def escalation_paths(
    world: RbacWorld,
    snapshot: Snapshot,
    subjects: Iterable[Subject] | None = None,
    *,
    select: Callable[[Subject], bool] | None = None,
) -> list[Path]:
    """The shortest path to cluster-admin of each subject that has one: of ``subjects``, or
    of every subject the input names for which ``select`` is true (a User subject naming
    a service account is that ServiceAccount). A subject that is cluster-admin already has
    a path of one step."""
    graph = _Graph(world, snapshot)
    if subjects is None:
        starts = [subject for subject in graph.subjects if select is None or select(subject)]
    else:
        starts = [_normal(subject) for subject in subjects if not _is_service_account_user(subject)]
    known = set(graph.subjects)
    extra = [subject for subject in starts if subject not in known]
    incoming: dict[_Node, list[tuple[Subject, _Edge]]] = {}
    for source in [*graph.subjects, *extra]:
        for edge in graph.edges(source):
            incoming.setdefault(edge.target, []).append((source, edge))
    # backwards from cluster-admin, breadth-first; shared nodes pass on for free (0-1 BFS):
    # a subject maps to its first edge, a shared node to the member it leads to
    toward: dict[_Node, _Edge | Subject] = {CLUSTER_ADMIN: CLUSTER_ADMIN}
    queue: deque[_Node] = deque([CLUSTER_ADMIN])
    while queue:
        node = queue.popleft()
        if isinstance(node, Subject):
            for shared in reversed(graph.containing.get(node, ())):
                if shared not in toward:
                    toward[shared] = node
                    queue.appendleft(shared)
        for source, edge in incoming.get(node, ()):
            if source not in toward:
                toward[source] = edge
                queue.append(source)
    return [Path(start, _steps(start, toward)) for start in starts if start in toward]


def _steps(start: Subject, toward: Mapping[_Node, _Edge | Subject]) -> tuple[Step, ...]:
    steps = []
    node = start
    while node != CLUSTER_ADMIN:
        edge = toward[node]
        assert isinstance(edge, _Edge)
        target = edge.target
        if not isinstance(target, Subject):
            member = toward[target]
            assert isinstance(member, Subject)
            target = member
        steps.append(Step(node, target, edge.action, edge.grants))
        node = target
    return tuple(steps)
