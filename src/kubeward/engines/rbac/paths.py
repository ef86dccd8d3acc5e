"""Privilege-escalation paths: from a subject, through the RBAC primitives that hand over
another identity, to the equivalent of cluster-admin.

Each step is a permission the authorizer grants (with the grant as evidence) and what it
yields (``../shared/reference/rbac-and-authn.md`` §3):

* **cluster-admin** is reached by holding ``*`` on ``*`` in every API group cluster-wide,
  by membership of ``system:masters``, by ``bind`` on ClusterRoles with ``create``
  ClusterRoleBindings (bind cluster-admin to oneself), by ``escalate`` with ``update`` on
  ClusterRoles, or by impersonating group ``system:masters``;
* **run a pod** (create pods, or create/update/patch a pod controller) in a namespace
  yields every service account of that namespace; so does creating
  ``serviceaccounts/token`` (restricted to its resourceNames), and reading Secrets where a
  service account's token Secret is kept;
* **impersonate** users, groups or service accounts yields them (resourceNames restrict);
* **nodes/proxy** (``get`` suffices) yields every service account whose pods run on nodes;
* **certificate signing** (create CSRs, update ``certificatesigningrequests/approval``,
  ``approve`` on the ``kubernetes.io/kube-apiserver-client`` signer) yields any user and
  group but ``system:masters`` (the CertificateSubjectRestriction admission plugin).

:func:`escalation_paths` returns, per subject, the shortest path (fewest steps) to
cluster-admin, found breadth-first over the subjects the input names.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.rbac.identity import MASTERS, Identity, Subject, split_service_account
from kubeward.engines.rbac.rules import Request
from kubeward.engines.rbac.world import Grant, RbacWorld
from kubeward.k8s.objects import GroupKind
from kubeward.snapshot.snapshot import Snapshot

__all__ = ["CLUSTER_ADMIN", "Path", "Step", "escalation_paths", "steps_from"]

CLUSTER_ADMIN = Subject("Group", "<cluster-admin equivalent>")
_ANY_NAME = "\x00kubeward-any-name"  # a name no resourceNames lists: "on every object"
_SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
_SECRET = GroupKind("", "Secret")
_SA_TOKEN_ANNOTATION = "kubernetes.io/service-account.name"
_IMPERSONATED = {"User": "users", "Group": "groups", "ServiceAccount": "serviceaccounts"}
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


@dataclass(frozen=True)
class Step:
    """One move: from ``source``, the permission ``action`` (granted by ``grants``) yields
    ``target``."""

    source: Subject
    target: Subject
    action: str
    grants: tuple[Grant, ...] = ()


@dataclass(frozen=True)
class Path:
    subject: Subject
    steps: tuple[Step, ...]


def _first(world: RbacWorld, identity: Identity, request: Request) -> Grant | None:
    found = world.grants(identity, request, first_only=True)
    return found[0] if found else None


def _all_of(world: RbacWorld, identity: Identity, requests: Iterable[Request]) -> tuple[Grant, ...] | None:
    grants = []
    for request in requests:
        grant = _first(world, identity, request)
        if grant is None:
            return None
        grants.append(grant)
    return tuple(grants)


def _runs_as(pod_spec: Mapping[str, Any], namespace: str) -> Subject:
    """The service account a pod runs as (``serviceAccountName``, its deprecated alias
    ``serviceAccount``, else ``default``)."""
    name = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default"
    return Subject("ServiceAccount", name if isinstance(name, str) else "default", namespace)


class _Universe:
    """The subjects a path may pass through: every subject the bindings name, every
    service account of the input, per namespace."""

    def __init__(self, world: RbacWorld, snapshot: Snapshot) -> None:
        subjects = {subject for binding in world.bindings for subject in binding.subjects}
        for obj in snapshot.of_kind(_SERVICE_ACCOUNT):
            subjects.add(Subject("ServiceAccount", obj.ref.name, obj.ref.namespace))
        for workload in snapshot.workloads:
            subjects.add(_runs_as(workload.pod_spec, workload.namespace))
        self.subjects = sorted(subjects)
        self.accounts: dict[str, list[Subject]] = {}
        for subject in self.subjects:
            if subject.kind == "ServiceAccount":
                self.accounts.setdefault(subject.namespace, []).append(subject)
        self.namespaces = sorted(set(self.accounts) | set(snapshot.namespaces))
        self.running: dict[str, set[Subject]] = {}
        for workload in snapshot.workloads:
            self.running.setdefault(workload.namespace, set()).add(
                _runs_as(workload.pod_spec, workload.namespace)
            )
        self.token_secrets: dict[str, set[str]] = {}
        for secret in snapshot.of_kind(_SECRET):
            account = secret.annotations.get(_SA_TOKEN_ANNOTATION)
            if isinstance(account, str):
                self.token_secrets.setdefault(secret.ref.namespace, set()).add(account)


def _admin_steps(world: RbacWorld, subject: Subject, identity: Identity) -> Iterator[Step]:
    def step(action: str, *requests: Request) -> Iterator[Step]:
        grants = _all_of(world, identity, requests)
        if grants is not None:
            yield Step(subject, CLUSTER_ADMIN, action, grants)

    rbac = "rbac.authorization.k8s.io"
    yield from step("holds every verb on every resource", Request("*", "*", "*", name=_ANY_NAME))
    yield from step(
        "binds any ClusterRole (cluster-admin) to itself",
        Request("bind", "clusterroles", rbac, name="cluster-admin"),
        Request("create", "clusterrolebindings", rbac),
    )
    yield from step(
        "adds any rule to a ClusterRole it holds",
        Request("escalate", "clusterroles", rbac, name=_ANY_NAME),
        Request("update", "clusterroles", rbac, name=_ANY_NAME),
    )
    yield from step("impersonates group system:masters", Request("impersonate", "groups", "", name=MASTERS))


def _verbs_held(world: RbacWorld, identity: Identity, namespaces: Iterable[str]) -> set[str]:
    """Every verb any rule bound to ``identity`` names, anywhere (a cheap pre-check)."""
    verbs: set[str] = set()
    for namespace in ["", *namespaces]:
        for binding, _ in world.bindings_for(identity, namespace):
            if binding.role is not None:
                for rule in binding.role.rules:
                    verbs.update(rule.verbs)
    return verbs


def steps_from(world: RbacWorld, universe: _Universe, subject: Subject) -> Iterator[Step]:
    """Every step out of ``subject``."""
    identity = subject.identity
    if identity.is_master:
        yield Step(subject, CLUSTER_ADMIN, "is in group system:masters, which RBAC never limits")
        return
    held = _verbs_held(world, identity, universe.namespaces)
    if not held:
        return
    yield from _admin_steps(world, subject, identity)
    for namespace in universe.namespaces:
        accounts = universe.accounts.get(namespace, [])
        if not accounts or not any(True for _ in world.bindings_for(identity, namespace)):
            continue
        for group, resource, verbs in _POD_CONTROLLERS:
            found = next(
                (
                    (verb, g)
                    for verb in verbs
                    if (g := _first(world, identity, Request(verb, resource, group, namespace=namespace)))
                ),
                None,
            )
            if found is not None:
                verb, grant = found
                kind = resource if not group else f"{resource}.{group}"
                action = f"runs a pod as it ({verb} {kind} in {namespace})"
                for account in accounts:
                    yield Step(subject, account, action, (grant,))
                break
        for account in accounts if {"create", "*"} & held else ():
            token = _first(
                world, identity, Request("create", "serviceaccounts", "", "token", account.name, namespace)
            )
            if token is not None:
                yield Step(
                    subject,
                    account,
                    f"creates a token for it (serviceaccounts/token in {namespace})",
                    (token,),
                )
        running = universe.running.get(namespace, ())
        exec_grant = _first(world, identity, Request("create", "pods", "", "exec", _ANY_NAME, namespace))
        if exec_grant is not None:
            for account in running:
                yield Step(
                    subject,
                    account,
                    f"execs into a pod that runs as it (pods/exec in {namespace})",
                    (exec_grant,),
                )
        readable = universe.token_secrets.get(namespace, set())
        if readable:
            secrets = _first(world, identity, Request("list", "secrets", "", namespace=namespace))
            if secrets is not None:
                for account in accounts:
                    if account.name in readable:
                        yield Step(subject, account, f"reads its token Secret in {namespace}", (secrets,))
    proxy = _first(world, identity, Request("get", "nodes", "", "proxy", _ANY_NAME))
    if proxy is not None:
        for running in universe.running.values():
            for account in sorted(running):
                yield Step(
                    subject, account, "execs into its pods through the kubelet (nodes/proxy)", (proxy,)
                )
    for target in universe.subjects if {"impersonate", "*"} & held else ():
        if target == subject:
            continue
        impersonated = _IMPERSONATED.get(target.kind)
        if impersonated is None:
            continue
        namespace = target.namespace if target.kind == "ServiceAccount" else ""
        impersonation = _first(
            world, identity, Request("impersonate", impersonated, "", name=target.name, namespace=namespace)
        )
        if impersonation is not None:
            yield Step(subject, target, f"impersonates it ({impersonated})", (impersonation,))
    signing = _all_of(
        world,
        identity,
        (
            Request("create", "certificatesigningrequests", "certificates.k8s.io"),
            Request("update", "certificatesigningrequests", "certificates.k8s.io", "approval", _ANY_NAME),
            Request("approve", "signers", "certificates.k8s.io", name="kubernetes.io/kube-apiserver-client"),
        ),
    )
    if signing is not None:
        for target in universe.subjects:
            if target.kind in ("User", "Group") and target.name != MASTERS and target != subject:
                yield Step(
                    subject, target, "issues itself a client certificate for it (CSR approval)", signing
                )


def _is_service_account_user(subject: Subject) -> bool:
    return subject.kind == "User" and split_service_account(subject.name) is not None


def escalation_paths(
    world: RbacWorld, snapshot: Snapshot, subjects: Iterable[Subject] | None = None
) -> list[Path]:
    """The shortest path to cluster-admin of each subject (every subject the input names,
    when none are given) that has one; a subject that is cluster-admin already has a path
    of one step."""
    universe = _Universe(world, snapshot)
    edges: dict[Subject, list[Step]] = {}

    def out(subject: Subject) -> list[Step]:
        if subject not in edges:
            edges[subject] = list(steps_from(world, universe, subject))
        return edges[subject]

    paths = []
    for start in subjects if subjects is not None else universe.subjects:
        if _is_service_account_user(start):
            continue  # the same identity as its ServiceAccount subject
        previous: dict[Subject, Step] = {}
        queue = deque([start])
        seen = {start}
        while queue:
            current = queue.popleft()
            if current == CLUSTER_ADMIN:
                break
            for step in out(current):
                if step.target not in seen:
                    seen.add(step.target)
                    previous[step.target] = step
                    queue.append(step.target)
        if CLUSTER_ADMIN in previous:
            steps: list[Step] = []
            node = CLUSTER_ADMIN
            while node != start:
                steps.append(previous[node])
                node = previous[node].source
            paths.append(Path(start, tuple(reversed(steps))))
    return paths
