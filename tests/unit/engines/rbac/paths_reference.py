"""A naive reference for :mod:`kubeward.engines.rbac.paths`, written from its module docstring.

It shares nothing with the engine: it reads the raw objects (dicts), asks the reference
authorizer of ``rbac_reference`` one explicit request per (source, target, primitive), and
finds the shortest distances to cluster-admin by a plain breadth-first search over an
explicit subject graph (no shared nodes). Slow, simple, meant for small worlds.

* **Subjects**: every binding subject (a User naming a service account's user name is that
  ServiceAccount; a ServiceAccount subject without a namespace names nobody), every
  ServiceAccount object, and the service account of every Pod (``serviceAccountName``,
  else ``default``).
* **Identity** of a subject, with the implicit groups of :func:`ref_impersonate`: a service
  account's user name (in ``system:serviceaccounts[:<ns>]``), a user's name, a synthetic
  member of a group.
* **Cluster-admin in one step** (:meth:`RefPaths.is_admin`): group ``system:masters``;
  ``*`` on ``*`` in group ``*`` cluster-wide (on a name no rule lists); ``bind``
  ClusterRole ``cluster-admin`` and ``create`` ClusterRoleBindings; ``escalate`` and
  ``update`` ClusterRoles; impersonating group ``system:masters`` and some user or service
  account (any name, any namespace: a RoleBinding that allows impersonating a service
  account in its namespace counts); a ClusterRoleBinding to ClusterRole ``cluster-admin``
  when the input lacks that role.
* **A service account N/S in one step** (:meth:`RefPaths._yields_account`): running a pod
  in N (``create pods``, or ``create``/``update``/``patch`` a pod controller), ``create
  serviceaccounts/token`` named S in N, impersonating service account S in N, ``create
  pods/exec`` in N when a pod of N runs as it, ``list secrets`` in N when a Secret of N
  is annotated as its token, ``get nodes/proxy`` when some pod runs as it.
* **A user or group in one step** (:meth:`RefPaths.yields`): impersonating it by name
  (a group also takes impersonating some user or service account), or issuing a client
  certificate (create CSRs, update their approval, approve for the
  ``kubernetes.io/kube-apiserver-client`` signer), never for group ``system:masters``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from unit.engines.rbac.rbac_reference import (
    RefWorld,
    Req,
    applies_to,
    ref_impersonate,
    split_username,
)

__all__ = [
    "ADMIN",
    "ANY_NAME",
    "RefPaths",
    "RefSubject",
]

Obj = Mapping[str, Any]
RefSubject = tuple[str, str, str]  # (kind, name, namespace); namespace only for ServiceAccounts
ADMIN: RefSubject = ("ClusterAdmin", "", "")
ANY_NAME = "\x00reference-any-name"  # a name no resourceNames lists: "every object"
MASTERS = "system:masters"
RBAC = "rbac.authorization.k8s.io"
CERTIFICATES = "certificates.k8s.io"
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
TOKEN_ANNOTATION = "kubernetes.io/service-account.name"
ELSEWHERE = "reference-elsewhere"  # a namespace no object lives in

# (api group, resource, verbs that run a pod)
POD_CONTROLLERS = (
    ("", "pods", ("create",)),
    ("", "replicationcontrollers", ("create", "update", "patch")),
    ("apps", "deployments", ("create", "update", "patch")),
    ("apps", "replicasets", ("create", "update", "patch")),
    ("apps", "statefulsets", ("create", "update", "patch")),
    ("apps", "daemonsets", ("create", "update", "patch")),
    ("batch", "jobs", ("create", "update", "patch")),
    ("batch", "cronjobs", ("create", "update", "patch")),
)


def _meta(obj: Obj, field: str) -> str:
    return str((obj.get("metadata") or {}).get(field) or "")


# --- the requests of each primitive ------------------------------------------------------------


def everything() -> Req:
    """Every verb on every resource of every group, cluster-wide, on any object."""
    return Req("*", "*", "*", name=ANY_NAME)


def bind_cluster_admin() -> list[Req]:
    return [
        Req("bind", RBAC, "clusterroles", name="cluster-admin"),
        Req("create", RBAC, "clusterrolebindings"),
    ]


def escalate_cluster_roles() -> list[Req]:
    return [
        Req("escalate", RBAC, "clusterroles", name=ANY_NAME),
        Req("update", RBAC, "clusterroles", name=ANY_NAME),
    ]


def run_pod(namespace: str) -> list[Req]:
    """Each request that runs a pod in ``namespace`` (any one suffices); ``create`` has no
    object name, ``update``/``patch`` must be allowed on any controller."""
    return [
        Req(verb, group, resource, name="" if verb == "create" else ANY_NAME, namespace=namespace)
        for group, resource, verbs in POD_CONTROLLERS
        for verb in verbs
    ]


def token(namespace: str, name: str) -> Req:
    return Req("create", "", "serviceaccounts", "token", name, namespace)


def exec_pods(namespace: str) -> Req:
    return Req("create", "", "pods", "exec", ANY_NAME, namespace)


def list_secrets(namespace: str) -> Req:
    return Req("list", "", "secrets", namespace=namespace)


def nodes_proxy() -> Req:
    return Req("get", "", "nodes", "proxy", ANY_NAME)


def impersonate_account(namespace: str, name: str) -> Req:
    return Req("impersonate", "", "serviceaccounts", name=name, namespace=namespace)


def impersonate_user(name: str) -> Req:
    return Req("impersonate", "", "users", name=name)


def impersonate_group(name: str) -> Req:
    return Req("impersonate", "", "groups", name=name)


def certificates() -> list[Req]:
    return [
        Req("create", CERTIFICATES, "certificatesigningrequests"),
        Req("update", CERTIFICATES, "certificatesigningrequests", "approval", ANY_NAME),
        Req("approve", CERTIFICATES, "signers", name=CLIENT_SIGNER),
    ]


# --- the graph ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pod:
    namespace: str
    account: str


class RefPaths:
    """The subjects of ``objects``, each one's successors, and their distances to cluster-admin."""

    def __init__(self, objects: Sequence[Obj], world: RefWorld) -> None:
        self.objects = objects
        self.world = world
        self._allowed: dict[tuple[RefSubject, Req], bool] = {}
        subjects: set[RefSubject] = set()
        for obj in objects:
            if obj.get("kind") not in ("RoleBinding", "ClusterRoleBinding"):
                continue
            binding_namespace = _meta(obj, "namespace") if obj["kind"] == "RoleBinding" else ""
            for subject in obj.get("subjects") or []:
                found = self._subject(subject, binding_namespace)
                if found is not None:
                    subjects.add(found)
        self.pods: list[_Pod] = []
        self.token_secrets: set[tuple[str, str]] = set()  # (namespace, account name)
        for obj in objects:
            kind, namespace = obj.get("kind"), _meta(obj, "namespace")
            if kind == "ServiceAccount":
                subjects.add(("ServiceAccount", _meta(obj, "name"), namespace))
            elif kind == "Pod":
                spec = obj.get("spec") or {}
                pod = _Pod(namespace, spec.get("serviceAccountName") or "default")
                self.pods.append(pod)
                subjects.add(("ServiceAccount", pod.account, namespace))
            elif kind == "Secret":
                annotations = (obj.get("metadata") or {}).get("annotations") or {}
                if TOKEN_ANNOTATION in annotations:
                    self.token_secrets.add((namespace, annotations[TOKEN_ANNOTATION]))
        self.subjects = sorted(subjects)

    @staticmethod
    def _subject(subject: Obj, binding_namespace: str) -> RefSubject | None:
        kind, name = subject.get("kind"), str(subject.get("name"))
        if kind == "ServiceAccount":
            namespace = subject.get("namespace") or binding_namespace
            return ("ServiceAccount", name, namespace) if namespace else None
        if kind == "User":
            account = split_username(name)
            return ("ServiceAccount", account[1], account[0]) if account else ("User", name, "")
        if kind == "Group":
            return ("Group", name, "")
        return None

    # --- who asks -----------------------------------------------------------------------------

    @staticmethod
    def identity(subject: RefSubject) -> tuple[str, list[str]]:
        kind, name, namespace = subject
        if kind == "ServiceAccount":
            return ref_impersonate(f"system:serviceaccount:{namespace}:{name}")
        if kind == "Group":
            return ref_impersonate(f"reference-member-of-{name}", [name])
        return ref_impersonate(name)

    def allowed(self, subject: RefSubject, request: Req) -> bool:
        key = (subject, request)
        found = self._allowed.get(key)
        if found is None:
            user, groups = self.identity(subject)
            found = self._allowed[key] = self.world.authorize(user, groups, request)
        return found

    def _all(self, subject: RefSubject, requests: Iterable[Req]) -> bool:
        return all(self.allowed(subject, request) for request in requests)

    def _any(self, subject: RefSubject, requests: Iterable[Req]) -> bool:
        return any(self.allowed(subject, request) for request in requests)

    # --- what the world holds -----------------------------------------------------------------

    @cached_property
    def names(self) -> list[str]:
        """Every name a request could usefully carry: a name no rule lists, and each one some rule lists."""
        listed = {
            name
            for obj in self.objects
            for rule in obj.get("rules") or []
            for name in rule.get("resourceNames") or []
        }
        return [ANY_NAME, *sorted(listed)]

    @cached_property
    def namespaces(self) -> list[str]:
        found = {_meta(obj, "namespace") for obj in self.objects} - {""}
        return [*sorted(found), ELSEWHERE]

    @cached_property
    def impersonate_someone(self) -> list[Req]:
        """Each request that impersonates some user or service account (any one suffices)."""
        users = [impersonate_user(name) for name in self.names]
        accounts = [impersonate_account(ns, name) for ns in self.namespaces for name in self.names]
        return users + accounts

    def _runs_as(self, account: RefSubject, namespace: str | None = None) -> bool:
        return any(
            (pod.namespace, pod.account) == (account[2], account[1])
            and (namespace is None or pod.namespace == namespace)
            for pod in self.pods
        )

    # --- the steps ----------------------------------------------------------------------------

    def is_admin(self, subject: RefSubject) -> bool:
        """One step to cluster-admin."""
        if subject == ("Group", MASTERS, ""):
            return True
        if self._bound_to_missing_cluster_admin(subject):
            return True
        return (
            self.allowed(subject, everything())
            or self._all(subject, bind_cluster_admin())
            or self._all(subject, escalate_cluster_roles())
            or (
                self.allowed(subject, impersonate_group(MASTERS))
                and self._any(subject, self.impersonate_someone)
            )
        )

    def _bound_to_missing_cluster_admin(self, subject: RefSubject) -> bool:
        if "cluster-admin" in self.world.cluster_roles:
            return False
        user, groups = self.identity(subject)
        return any(
            (binding.get("roleRef") or {}).get("kind") == "ClusterRole"
            and (binding.get("roleRef") or {}).get("name") == "cluster-admin"
            and applies_to(user, groups, binding.get("subjects") or [], "") is not None
            for binding in self.world.cluster_role_bindings
        )

    def yields(self, source: RefSubject, target: RefSubject) -> bool:
        """Whether one step from ``source`` reaches ``target`` (a subject, or ADMIN)."""
        if target == ADMIN:
            return self.is_admin(source)
        if source == ("Group", MASTERS, ""):
            return False  # its one step is to cluster-admin
        kind, name, _ = target
        if kind == "ServiceAccount":
            return self._yields_account(source, target)
        if kind == "User":
            return self.allowed(source, impersonate_user(name)) or self._certificate(source, target)
        if kind == "Group":
            if name == MASTERS:
                return False  # impersonating it is cluster-admin; no certificate names it
            return (
                self.allowed(source, impersonate_group(name)) and self._any(source, self.impersonate_someone)
            ) or self._certificate(source, target)
        return False

    def _yields_account(self, source: RefSubject, target: RefSubject) -> bool:
        _, name, namespace = target
        return (
            self._any(source, run_pod(namespace))
            or self.allowed(source, token(namespace, name))
            or self.allowed(source, impersonate_account(namespace, name))
            or (self._runs_as(target, namespace) and self.allowed(source, exec_pods(namespace)))
            or ((namespace, name) in self.token_secrets and self.allowed(source, list_secrets(namespace)))
            or (self._runs_as(target) and self.allowed(source, nodes_proxy()))
        )

    def _certificate(self, source: RefSubject, target: RefSubject) -> bool:
        return target != ("Group", MASTERS, "") and self._all(source, certificates())

    def successors(self, source: RefSubject) -> set[RefSubject]:
        found = {target for target in self.subjects if target != source and self.yields(source, target)}
        return found | ({ADMIN} if self.is_admin(source) else set())

    @cached_property
    def distances(self) -> dict[RefSubject, int]:
        """The fewest steps from each subject that has a path to cluster-admin."""
        predecessors: dict[RefSubject, list[RefSubject]] = {}
        for source in self.subjects:
            for target in self.successors(source):
                predecessors.setdefault(target, []).append(source)
        distance = {ADMIN: 0}
        queue = deque([ADMIN])
        while queue:
            node = queue.popleft()
            for source in predecessors.get(node, ()):
                if source not in distance:
                    distance[source] = distance[node] + 1
                    queue.append(source)
        del distance[ADMIN]
        return distance
