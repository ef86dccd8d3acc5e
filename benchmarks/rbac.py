"""Time kubeward's RBAC engine on a generated cluster's RBAC state (issue 3, section 5).

Generates (into a temporary directory unless ``--keep``) a deterministic cluster of
``--roles`` Roles and ClusterRoles, ``--bindings`` RoleBindings and ClusterRoleBindings and
``--service-accounts`` ServiceAccounts over ``--namespaces`` namespaces, then measures each run
in a fresh Python process, so peak memory is that run's alone:

* ``load``: ``kubeward.load([path])`` (parse, then index the snapshot);
* ``index``: ``world_of(snapshot)``, the RBAC world every question is asked of;
* ``can-i``: ``query.can_i`` over random identity/request pairs (half of them built from a
  binding's rule, so allowed; half random, mostly denied): mean and p99 per query;
* ``who-can``: ``query.who_can`` for random requests in one namespace, and for namespaced
  requests in every namespace (``-A``);
* ``list``: ``query.permissions`` of a subject in every namespace, as ``kubeward rbac list`` asks;
* ``paths``: ``paths.escalation_paths`` from every subject, as ``kubeward rbac paths
  --include-system`` asks;
* ``scan``: ``kubeward.scan`` with the RBAC section's controls (in its own process, so
  the world is built inside the timed scan), once ``kubeward.controls.rbac`` exists.

Two shapes of the input: ``dump`` (one ``kind: List`` as ``kubectl get -A -o yaml`` prints it:
a whole cluster, so aggregated ClusterRoles carry their stored union) and ``manifests`` (a
GitOps tree without the system namespaces, so kubeward computes the aggregation itself).

The table shows the median of ``--repeat`` runs, in wall-clock time (what the targets are
judged on) and in the process's CPU time (what a quiet machine would show: the machine's load
average is printed too). ``--profile STAGE`` instead runs one measurement with that stage under
cProfile and prints where its time goes.

Usage: ``python benchmarks/rbac.py --roles 20000 --bindings 20000 --service-accounts 5000 --namespaces 200``
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import importlib.util
import io
import json
import math
import os
import pstats
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from generate import ENVS, SYSTEM_NAMESPACES, TEAMS, count_kinds, role_ref, sort_like_kubectl, subject, write

if TYPE_CHECKING:
    from kubeward.engines.rbac.identity import Identity, Subject
    from kubeward.engines.rbac.rules import Request
    from kubeward.engines.rbac.world import RbacWorld
    from kubeward.snapshot.snapshot import Snapshot

Obj = dict[str, Any]
Result = dict[str, Any]
T = TypeVar("T")
Table = dict[str, tuple[tuple[str, ...], int]]  # API group -> resources, weight

RBAC = "rbac.authorization.k8s.io/v1"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DEFAULT_FILE_MB = 32  # kubeward's Limits.max_file_bytes
STAGES = ("load", "index", "can-i", "who-can", "who-can-all", "list", "paths", "scan")
KINDS = ("Namespace", "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
OPTIONS = (
    "roles",
    "bindings",
    "service_accounts",
    "namespaces",
    "seed",
    "style",
    "repeat",
    "can_i_queries",
    "who_can_queries",
    "lists",
    "max_file_mb",
    "keep",
    "profile",
)  # fmt: skip  (reproduce() spells these out)

# --- what the generated policy is made of ----------------------------------------------

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete")
VERB_SETS: tuple[tuple[tuple[str, ...], float], ...] = (
    (READ, 40), (("get",), 8), (("get", "list"), 6), (READ + WRITE, 14), (WRITE, 6),
    (("create",), 5), (("update", "patch"), 5), (READ + WRITE + ("deletecollection",), 6), (("*",), 3),
)  # fmt: skip
# API group -> (resources, with subresources; weight); namespaced resources only
NAMESPACED: Table = {
    "": (
        ("pods", "pods/log", "pods/exec", "pods/attach", "pods/portforward", "pods/ephemeralcontainers",
         "pods/status", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "events",
         "serviceaccounts", "serviceaccounts/token", "replicationcontrollers", "resourcequotas",
         "limitranges"),
        40,
    ),
    "apps": (
        ("deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
         "statefulsets", "statefulsets/scale", "daemonsets", "controllerrevisions"),
        22,
    ),
    "batch": (("jobs", "jobs/status", "cronjobs", "cronjobs/status"), 10),
    "rbac.authorization.k8s.io": (("roles", "rolebindings"), 4),
    "networking.k8s.io": (("ingresses", "ingresses/status", "networkpolicies"), 5),
    "policy": (("poddisruptionbudgets",), 2),
    "autoscaling": (("horizontalpodautoscalers",), 3),
    "coordination.k8s.io": (("leases",), 4),
    "discovery.k8s.io": (("endpointslices",), 2),
    "monitoring.coreos.com": (("servicemonitors", "podmonitors", "prometheusrules"), 3),
    "cert-manager.io": (("certificates", "issuers", "certificaterequests"), 2),
    "argoproj.io": (("applications", "rollouts", "rollouts/status"), 2),
}  # fmt: skip
CLUSTER_SCOPED: Table = {
    "": (("nodes", "nodes/proxy", "nodes/status", "nodes/metrics", "namespaces", "persistentvolumes"), 12),
    "rbac.authorization.k8s.io": (("clusterroles", "clusterrolebindings"), 3),
    "certificates.k8s.io": (("certificatesigningrequests", "certificatesigningrequests/approval",
                             "certificatesigningrequests/status"), 2),
    "admissionregistration.k8s.io": (("mutatingwebhookconfigurations", "validatingwebhookconfigurations"), 2),
    "storage.k8s.io": (("storageclasses", "volumeattachments", "csinodes"), 3),
    "apiextensions.k8s.io": (("customresourcedefinitions",), 2),
    "scheduling.k8s.io": (("priorityclasses",), 1),
}  # fmt: skip
URLS = (
    ("/metrics",), ("/healthz", "/livez", "/readyz"), ("/version", "/version/"), ("/api", "/api/*"),
    ("/apis", "/apis/*"), ("/logs", "/logs/*"), ("/debug/pprof/*",), ("*",),
)  # fmt: skip
PURPOSES = (
    "reader", "viewer", "editor", "deployer", "operator", "manager", "controller", "leader-election",
    "config-reader", "secret-reader", "scaler", "debugger", "log-reader", "job-runner", "admin", "auditor",
)  # fmt: skip
COMPONENTS = (
    "api", "web", "worker", "frontend", "backend", "gateway", "consumer", "scheduler", "indexer", "sync",
    "notifier", "renderer", "importer", "exporter", "auth", "admin", "graphql", "events", "webhook", "proxy",
    "ci", "cd", "argocd", "flux", "vault", "external-secrets", "cert-manager", "keda", "prometheus",
)  # fmt: skip
FIRST = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
         "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yusuf")  # fmt: skip
LAST = ("smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson", "thomas", "moore",
        "martin", "lee", "perez", "white", "harris", "clark", "lewis", "young", "walker", "hall")  # fmt: skip
AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-"
BOOTSTRAP = {"kubernetes.io/bootstrapping": "rbac-defaults"}
# The API server's bootstrap policy, in brief: name -> labels, rules, aggregationRule's label
DEFAULT_CLUSTER_ROLES: dict[str, Obj] = yaml.safe_load("""
cluster-admin:
  rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}, {nonResourceURLs: ["*"], verbs: ["*"]}]
admin: {aggregate: admin, rules: []}
edit: {aggregate: edit, labels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}, rules: []}
view: {aggregate: view, labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}, rules: []}
system:aggregate-to-admin:
  labels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}
  rules:
  - {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings, roles],
     verbs: [create, delete, deletecollection, get, list, patch, update, watch]}
  - {apiGroups: [authorization.k8s.io], resources: [localsubjectaccessreviews], verbs: [create]}
system:aggregate-to-edit:
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
  rules:
  - {apiGroups: [""], resources: [pods/attach, pods/exec, pods/portforward, pods/proxy, secrets,
                                  services/proxy], verbs: [get, list, watch]}
  - {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
  - {apiGroups: [""], resources: [pods, pods/attach, pods/exec, pods/portforward, pods/proxy],
     verbs: [create, delete, deletecollection, patch, update]}
  - {apiGroups: [apps], resources: [daemonsets, deployments, deployments/rollback, deployments/scale,
                                    replicasets, replicasets/scale, statefulsets, statefulsets/scale],
     verbs: [create, delete, deletecollection, patch, update]}
  - {apiGroups: [batch], resources: [cronjobs, jobs],
     verbs: [create, delete, deletecollection, patch, update]}
system:aggregate-to-view:
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
  rules:
  - {apiGroups: [""], resources: [configmaps, endpoints, persistentvolumeclaims, pods, replicationcontrollers,
                                  services, serviceaccounts], verbs: [get, list, watch]}
  - {apiGroups: [""], resources: [events, namespaces/status, pods/log, pods/status, resourcequotas],
     verbs: [get, list, watch]}
  - {apiGroups: [apps], resources: [controllerrevisions, daemonsets, deployments, deployments/scale,
                                    replicasets, statefulsets], verbs: [get, list, watch]}
  - {apiGroups: [batch], resources: [cronjobs, jobs], verbs: [get, list, watch]}
system:basic-user:
  rules:
  - {apiGroups: [authorization.k8s.io], resources: [selfsubjectaccessreviews, selfsubjectrulesreviews],
     verbs: [create]}
system:discovery:
  rules:
  - {nonResourceURLs: [/api, /api/*, /apis, /apis/*, /healthz, /livez, /openapi, /openapi/*, /readyz,
                       /version, /version/], verbs: [get]}
system:public-info-viewer:
  rules: [{nonResourceURLs: [/healthz, /livez, /readyz, /version, /version/], verbs: [get]}]
system:node-proxier:
  rules:
  - {apiGroups: [""], resources: [endpoints, services], verbs: [list, watch]}
  - {apiGroups: [""], resources: [nodes], verbs: [get, list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
system:kube-scheduler:
  rules:
  - {apiGroups: [""], resources: [pods/binding, bindings], verbs: [create]}
  - {apiGroups: [""], resources: [pods], verbs: [delete, get, list, watch]}
  - {apiGroups: [coordination.k8s.io], resources: [leases], resourceNames: [kube-scheduler],
     verbs: [get, update]}
system:certificates.k8s.io:certificatesigningrequests:nodeclient:
  rules:
  - {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/nodeclient], verbs: [create]}
system:controller:clusterrole-aggregation-controller:
  rules:
  - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles],
     verbs: [escalate, get, list, patch, update, watch]}
system:controller:certificate-controller:
  rules:
  - {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}
  - {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve],
     resourceNames: [kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/legacy-unknown]}
""")
# binding name -> cluster role, subjects
DEFAULT_CLUSTER_BINDINGS: dict[str, Obj] = yaml.safe_load("""
cluster-admin: {role: cluster-admin, subjects: [{kind: Group, name: "system:masters"}]}
system:basic-user: {role: "system:basic-user", subjects: [{kind: Group, name: "system:authenticated"}]}
system:discovery: {role: "system:discovery", subjects: [{kind: Group, name: "system:authenticated"}]}
system:public-info-viewer:
  role: "system:public-info-viewer"
  subjects: [{kind: Group, name: "system:authenticated"}, {kind: Group, name: "system:unauthenticated"}]
system:node-proxier:
  role: "system:node-proxier"
  subjects: [{kind: ServiceAccount, name: kube-proxy, namespace: kube-system}]
system:kube-scheduler:
  role: "system:kube-scheduler"
  subjects: [{kind: User, name: "system:kube-scheduler"}]
system:controller:clusterrole-aggregation-controller:
  role: "system:controller:clusterrole-aggregation-controller"
  subjects: [{kind: ServiceAccount, name: clusterrole-aggregation-controller, namespace: kube-system}]
system:controller:certificate-controller:
  role: "system:controller:certificate-controller"
  subjects: [{kind: ServiceAccount, name: certificate-controller, namespace: kube-system}]
kubeadm:node-autoapprove-bootstrap:
  role: "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
  subjects: [{kind: Group, name: "system:bootstrappers:kubeadm:default-node-token"}]
""")
SPECIAL_RULES: list[Obj] = yaml.safe_load("""
- {apiGroups: [""], resources: [users, groups, serviceaccounts], verbs: [impersonate]}
- {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve],
   resourceNames: [kubernetes.io/kube-apiserver-client]}
- {apiGroups: [""], resources: [nodes/proxy], verbs: [get]}
- {apiGroups: ["*"], resources: ["*/scale"], verbs: [get, update, patch]}
""")
SYSTEM_ACCOUNTS = (
    "kube-proxy", "coredns", "clusterrole-aggregation-controller", "certificate-controller",
    "deployment-controller", "replicaset-controller", "job-controller", "namespace-controller",
    "node-controller", "service-account-controller", "generic-garbage-collector", "metrics-server",
)  # fmt: skip


# --- the generator ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    roles: int
    bindings: int
    service_accounts: int
    namespaces: int

    @property
    def cluster_roles(self) -> int:
        """A tenth of the roles are ClusterRoles (at least the bootstrap ones)."""
        return max(len(DEFAULT_CLUSTER_ROLES) + 1, self.roles // 10)

    @property
    def cluster_bindings(self) -> int:
        return max(len(DEFAULT_CLUSTER_BINDINGS) + 1, self.bindings // 10)


def weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    """One of ``choices`` (``(value, weight)`` pairs), by weight."""
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def pick_group(rng: random.Random, table: Table) -> str:
    """An API group of ``table``, by weight."""
    return weighted(rng, [(group, weight) for group, (_, weight) in table.items()])


class Generator:
    """The RBAC objects of one synthetic cluster, from one seeded RNG."""

    def __init__(self, sizes: Sizes, seed: int, style: str) -> None:
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.style = style
        self.objects: list[Obj] = []
        combos = [f"{team}-{env}" for team in TEAMS for env in ENVS]
        self.rng.shuffle(combos)
        self.tenants = [
            combos[i % len(combos)] + (f"-{i // len(combos) + 1}" if i >= len(combos) else "")
            for i in range(sizes.namespaces)
        ]
        self.users = [f"{first}.{last}@example.com" for first in FIRST for last in LAST]
        self.accounts: dict[str, list[str]] = {}  # namespace -> service account names
        self.roles: dict[str, list[str]] = {}  # namespace -> Role names
        self.cluster_roles: list[str] = []

    # --- random values ----------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def meta(self, name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
        """ObjectMeta as the API server returns it."""
        meta: Obj = {"name": name}
        if namespace:
            meta["namespace"] = namespace
        meta["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        meta["resourceVersion"] = str(self.rng.randrange(10**6, 10**8))
        seconds = int(self.rng.uniform(0, 200) * 86400)
        meta["creationTimestamp"] = (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if labels:
            meta["labels"] = dict(labels)
        return meta

    def add(self, api_version: str, kind: str, metadata: Obj, **rest: Any) -> Obj:
        obj: Obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **rest}
        self.objects.append(obj)
        return obj

    def unique(self, taken: set[str], name: str) -> str:
        """``name``, or ``name-2``, ``name-3``... whichever ``taken`` does not hold yet."""
        base, number = name, 2
        while name in taken:
            name, number = f"{base}-{number}", number + 1
        taken.add(name)
        return name

    # --- rules ------------------------------------------------------------------------

    def rule(self, cluster: bool) -> Obj:
        """One PolicyRule: a few resources of one API group (sometimes several groups, a
        wildcard, or resourceNames), and a realistic verb set."""
        rng = self.rng
        if cluster and self.chance(0.04):
            return {"nonResourceURLs": list(rng.choice(URLS)), "verbs": ["get"]}
        if cluster and self.chance(0.003):
            return {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}
        table = CLUSTER_SCOPED if cluster and self.chance(0.3) else NAMESPACED
        group = pick_group(rng, table)
        choices = table[group][0]
        resources = sorted(rng.sample(choices, min(len(choices), rng.choice((1, 1, 1, 2, 2, 3, 4)))))
        groups = [group]
        if self.chance(0.05):
            resources = ["*"]
        elif group == "apps" and self.chance(0.05):
            resources, groups = ["*/scale"], ["apps", "extensions"]
        elif group == "" and table is NAMESPACED and self.chance(0.08):  # like the bootstrap roles
            groups = ["", "apps", "batch"]
            resources = sorted(
                {*resources, *rng.sample(("deployments", "jobs", "statefulsets", "cronjobs"), 2)}
            )
        verbs = list(weighted(rng, VERB_SETS))
        if any(
            res.startswith("pods/") and res.split("/")[1] in ("exec", "attach", "portforward")
            for res in resources
        ):
            verbs = rng.choice((["create"], ["get", "create"], verbs))
        if group == "rbac.authorization.k8s.io" and self.chance(0.15):
            verbs = [*verbs, rng.choice(("bind", "escalate"))]
        rule: Obj = {"apiGroups": groups, "resources": resources, "verbs": verbs}
        if resources != ["*"] and self.chance(0.08):
            component = rng.choice(COMPONENTS)
            names = [f"{component}-{rng.choice(('config', 'tls', 'token', 'lock', 'leader'))}"]
            rule["resources"] = resources[:1]
            rule["resourceNames"] = names + ([f"{component}-{rng.randrange(10)}"] if self.chance(0.3) else [])
            rule["verbs"] = [verb for verb in verbs if verb not in ("list", "watch", "create")] or ["get"]
        return rule

    def special_rule(self) -> Obj:
        """One of the rarer powerful grants: impersonation, CSR approval, node proxying."""
        return copy.deepcopy(self.rng.choice(SPECIAL_RULES))

    def rules(self, cluster: bool) -> list[Obj]:
        count = self.rng.choices(range(1, 9), (18, 22, 18, 13, 10, 8, 6, 5))[0]
        rules = [self.rule(cluster) for _ in range(count)]
        if cluster and self.chance(0.03):
            rules.append(self.special_rule())
        return rules

    # --- objects ----------------------------------------------------------------------

    def build(self) -> list[Obj]:
        sizes = self.sizes
        for name in SYSTEM_NAMESPACES:
            if self.style == "dump":  # a GitOps tree does not declare the system namespaces
                self.add("v1", "Namespace", self.meta(name), spec={"finalizers": ["kubernetes"]})
            self.accounts[name] = ["default"]
        self.accounts["kube-system"] += SYSTEM_ACCOUNTS
        for name in self.tenants:
            team, _, env = name.partition("-")
            labels = {"kubernetes.io/metadata.name": name, "team": team, "environment": env.split("-")[0]}
            self.add("v1", "Namespace", self.meta(name, labels=labels), spec={"finalizers": ["kubernetes"]})
            self.accounts[name] = ["default"]
        self.service_accounts()
        self.make_cluster_roles(sizes.cluster_roles)
        self.make_roles(sizes.roles - sizes.cluster_roles)
        self.make_cluster_bindings(sizes.cluster_bindings)
        self.make_role_bindings(sizes.bindings - sizes.cluster_bindings)
        return sort_like_kubectl(self.objects)

    def service_accounts(self) -> None:
        extra = max(0, self.sizes.service_accounts - sum(map(len, self.accounts.values())))
        for _ in range(extra):
            namespace = self.rng.choice(self.tenants)
            taken = set(self.accounts[namespace])
            name = self.unique(taken, f"{self.rng.choice(COMPONENTS)}-{self.rng.choice(PURPOSES)}")
            self.accounts[namespace].append(name)
        for namespace, names in self.accounts.items():
            for name in names:
                extra_fields: Obj = {"automountServiceAccountToken": False} if self.chance(0.2) else {}
                self.add("v1", "ServiceAccount", self.meta(name, namespace), **extra_fields)

    def make_cluster_roles(self, count: int) -> None:
        made: dict[str, Obj] = {}
        aggregators: dict[str, list[dict[str, str]]] = {}
        for name, spec in DEFAULT_CLUSTER_ROLES.items():
            labels = BOOTSTRAP | spec.get("labels", {})
            if "aggregate" in spec:
                aggregators[name] = [{f"{AGGREGATE}{spec['aggregate']}": "true"}]
            rules = copy.deepcopy(spec["rules"])
            made[name] = self.add(RBAC, "ClusterRole", self.meta(name, labels=labels), rules=rules)
        custom = max(1, count // 200)  # a few more aggregated ClusterRoles, as operators ship them
        for _ in range(custom):
            level = self.rng.choice(("view", "edit", "admin"))
            name = self.unique(set(aggregators), f"{self.rng.choice(TEAMS)}-{level}")
            aggregators[name] = [{f"rbac.example.com/aggregate-to-{name}": "true"}]
            made[name] = self.add(RBAC, "ClusterRole", self.meta(name), rules=[])
        labels_to = [key for selectors in aggregators.values() for selector in selectors for key in selector]
        taken = set(made)
        while len(made) < count:
            name = self.unique(
                taken,
                self.rng.choice(
                    (
                        f"{self.rng.choice(TEAMS)}-{self.rng.choice(PURPOSES)}",
                        f"{self.rng.choice(COMPONENTS)}-{self.rng.choice(PURPOSES)}",
                        f"{self.rng.choice(COMPONENTS)}:{self.rng.choice(PURPOSES)}",
                    )
                ),
            )
            labels = {"app.kubernetes.io/managed-by": self.rng.choice(("Helm", "argocd", "kustomize"))}
            if self.chance(0.05):
                labels[self.rng.choice(labels_to)] = "true"
            made[name] = self.add(RBAC, "ClusterRole", self.meta(name, labels=labels), rules=self.rules(True))
        for name, selectors in aggregators.items():
            made[name]["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": s} for s in selectors]}
        if self.style == "dump":  # a live cluster stores the aggregation controller's union
            aggregate(made, aggregators)
        self.cluster_roles = sorted(made)

    def make_roles(self, count: int) -> None:
        taken: dict[str, set[str]] = {}
        homes = [*self.tenants, "kube-system", "kube-system", "default"]
        for _ in range(count):
            namespace = self.rng.choice(homes)
            names = taken.setdefault(namespace, set())
            name = self.unique(names, f"{self.rng.choice(COMPONENTS)}-{self.rng.choice(PURPOSES)}")
            self.roles.setdefault(namespace, []).append(name)
            self.add(RBAC, "Role", self.meta(name, namespace), rules=self.rules(False))

    def subjects(self, namespace: str | None) -> list[Obj]:
        """1-4 subjects: service accounts (mostly of the binding's namespace), users, groups."""
        rng, found = self.rng, []
        for _ in range(rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0]):
            kind = weighted(rng, (("ServiceAccount", 55), ("User", 25), ("Group", 20)))
            if kind == "ServiceAccount":
                home = namespace if namespace and self.chance(0.8) else rng.choice(list(self.accounts))
                name = rng.choice(self.accounts[home]) if not self.chance(0.02) else "deleted-account"
                found.append(subject(kind, name, home))
                if namespace == home and self.chance(0.05):
                    del found[-1]["namespace"]  # defaults to the RoleBinding's namespace
            elif kind == "User":
                found.append(subject(kind, rng.choice(self.users)))
            else:
                team = rng.choice(TEAMS)
                choices = [(f"oidc:team-{team}", 60.0), (f"oidc:team-{team}-admins", 20.0)]
                if namespace:  # the broad groups, granted in a namespace only
                    choices += [(f"system:serviceaccounts:{namespace}", 5), ("system:serviceaccounts", 0.5)]
                    choices += [("system:authenticated", 0.5)]
                group = weighted(rng, choices)
                found.append(subject(kind, group))
        return found

    def make_cluster_bindings(self, count: int) -> None:
        taken: set[str] = set()
        for name, spec in DEFAULT_CLUSTER_BINDINGS.items():
            taken.add(name)
            subjects = [subject(who["kind"], who["name"], who.get("namespace")) for who in spec["subjects"]]
            reference = role_ref("ClusterRole", spec["role"])
            meta = self.meta(name, labels=BOOTSTRAP)
            self.add(RBAC, "ClusterRoleBinding", meta, roleRef=reference, subjects=subjects)
        for _ in range(count - len(DEFAULT_CLUSTER_BINDINGS)):
            role = self.rng.choice(self.cluster_roles) if not self.chance(0.01) else "removed-role"
            if self.chance(0.005):
                role = "cluster-admin"
            name = self.unique(taken, role.replace(":", "-"))
            subjects = self.subjects(None)
            self.add(
                RBAC,
                "ClusterRoleBinding",
                self.meta(name),
                roleRef=role_ref("ClusterRole", role),
                subjects=subjects,
            )

    def make_role_bindings(self, count: int) -> None:
        taken: dict[str, set[str]] = {}
        homes = [namespace for namespace in self.roles for _ in self.roles[namespace]] or self.tenants
        for _ in range(count):
            namespace = self.rng.choice(homes)
            draw = self.rng.random()
            if draw < 0.70 and namespace in self.roles:
                kind, role = "Role", self.rng.choice(self.roles[namespace])
            elif draw < 0.85:
                kind, role = "ClusterRole", self.rng.choice(("admin", "edit", "view", "view", "edit"))
            elif draw < 0.99:
                kind, role = "ClusterRole", self.rng.choice(self.cluster_roles)
            else:
                kind, role = "Role", "missing-role"
            name = self.unique(taken.setdefault(namespace, set()), role.replace(":", "-"))
            subjects = self.subjects(namespace)
            self.add(
                RBAC,
                "RoleBinding",
                self.meta(name, namespace),
                roleRef=role_ref(kind, role),
                subjects=subjects,
            )


def aggregate(cluster_roles: dict[str, Obj], aggregators: dict[str, list[dict[str, str]]]) -> None:
    """Store on each aggregated ClusterRole what the aggregation controller would: the union,
    by name order, of the rules of every ClusterRole its selectors match, until stable."""
    for _ in range(len(aggregators) + 1):
        changed = False
        for name, selectors in aggregators.items():
            union: list[Obj] = []
            for selector in selectors:
                for other in sorted(cluster_roles):
                    labels = cluster_roles[other]["metadata"].get("labels", {})
                    if other == name or any(labels.get(key) != value for key, value in selector.items()):
                        continue
                    for rule in cluster_roles[other]["rules"]:
                        if rule not in union:
                            union.append(rule)
            if union != cluster_roles[name]["rules"]:
                cluster_roles[name]["rules"], changed = union, True
        if not changed:
            return


# --- the measured workload ----------------------------------------------------------------


@dataclass
class Workload:
    """The random questions, drawn from the loaded world (so they are the same every run)."""

    can_i: list[tuple[Identity, Request]]
    who_can: list[Request]
    who_can_all: list[Request]
    subjects: list[Subject]


def _pick_verb(rng: random.Random, verbs: tuple[str, ...]) -> str:
    verb = rng.choice(verbs)
    return rng.choice(("get", "list", "create", "update", "delete")) if verb == "*" else verb


def random_request(rng: random.Random, namespaces: list[str]) -> Request:
    from kubeward.engines.rbac.rules import Request

    draw = rng.random()
    if draw < 0.07:
        path = rng.choice(("/healthz", "/metrics", "/version", "/api/v1", "/apis/apps", "/logs/kube.log"))
        return Request("get", path=path)
    table = CLUSTER_SCOPED if draw < 0.2 else NAMESPACED
    group = pick_group(rng, table)
    resource, _, sub = rng.choice(table[group][0]).partition("/")
    verb = rng.choice(
        ("get", "get", "list", "watch", "create", "update", "patch", "delete")
        if not sub
        else ("get", "create")
    )
    name = (
        f"{rng.choice(COMPONENTS)}-config"
        if verb not in ("list", "watch", "create") and rng.random() < 0.3
        else ""
    )
    namespace = rng.choice(namespaces) if table is NAMESPACED else ""
    return Request(verb, resource, group, sub, name, namespace)


def rule_request(rng: random.Random, world: RbacWorld, namespaces: list[str]) -> tuple[Subject, Request]:
    """A subject of a random binding, and a request one of its role's rules allows."""
    from kubeward.engines.rbac.rules import Request

    while True:
        binding = rng.choice(world.bindings)
        if binding.role is None or not binding.role.rules or not binding.subjects:
            continue
        rule = rng.choice(binding.role.rules)
        who = rng.choice(binding.subjects)
        verb = _pick_verb(rng, rule.verbs or ("get",))
        if rule.non_resource_urls:
            url = rng.choice(rule.non_resource_urls)
            path = (url.rstrip("*") or "/") + ("metrics" if url.endswith("*") else "")
            return who, Request(verb, path=path)
        if not rule.resources or not rule.api_groups:
            continue
        group = rng.choice(rule.api_groups)
        group = "apps" if group == "*" else group
        combined = rng.choice(rule.resources)
        combined = {"*": "pods", "*/scale": "deployments/scale"}.get(combined, combined)
        resource, _, sub = combined.partition("/")
        name = rng.choice(rule.resource_names) if rule.resource_names else ""
        namespace = binding.namespace or rng.choice(namespaces)
        return who, Request(verb, resource, group, sub, name, namespace)


def make_workload(world: RbacWorld, snapshot: Snapshot, seed: int, counts: tuple[int, int, int]) -> Workload:
    from kubeward.engines.rbac.identity import Subject, impersonate, service_account_username
    from kubeward.k8s.objects import GroupKind

    rng = random.Random(seed)
    namespaces = sorted(snapshot.namespaces) or ["default"]
    accounts = [obj.ref for obj in snapshot.of_kind(GroupKind("", "ServiceAccount"))]
    named = sorted({who for binding in world.bindings for who in binding.subjects})
    can_i_count, who_can_count, list_count = counts

    def random_identity() -> Identity:
        draw = rng.random()
        if draw < 0.5:
            account = rng.choice(accounts)
            return impersonate(service_account_username(account.namespace, account.name))
        if draw < 0.95:
            return rng.choice(named).identity
        return impersonate(rng.choice(("system:anonymous", "nobody@example.com")))

    pairs: list[tuple[Identity, Request]] = []
    for index in range(can_i_count):
        if index % 2 == 0:
            who, request = rule_request(rng, world, namespaces)
            pairs.append((who.identity, request))
        else:
            pairs.append((random_identity(), random_request(rng, namespaces)))
    who_can = [random_request(rng, namespaces) for _ in range(who_can_count)]
    every: list[Request] = []
    while len(every) < who_can_count:
        request = random_request(rng, namespaces)
        if request.is_resource_request and request.namespace:  # what ``who-can -A`` asks
            every.append(request)
    kinds = {"ServiceAccount": 0.5, "User": 0.3, "Group": 0.2}
    by_kind = {kind: [who for who in named if who.kind == kind] for kind in kinds}
    subjects: list[Subject] = []
    for _ in range(list_count):
        kind = rng.choices(list(kinds), list(kinds.values()))[0]
        subjects.append(rng.choice(by_kind[kind] or named or [Subject("User", "nobody")]))
    return Workload(pairs, who_can, every, subjects)


class Stopwatch:
    """Per-stage timings, with one stage optionally under cProfile."""

    def __init__(self, profile: str | None) -> None:
        self.profile = profile
        self.profiler: cProfile.Profile | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name == self.profile:
            self.profiler = cProfile.Profile()
            self.profiler.enable()
        try:
            yield
        finally:
            if name == self.profile and self.profiler is not None:
                self.profiler.disable()

    def report(self) -> None:
        if self.profiler is None:
            return
        for order in ("cumulative", "tottime"):
            text = io.StringIO()
            pstats.Stats(self.profiler, stream=text).strip_dirs().sort_stats(order).print_stats(30)
            print(f"--- profile of {self.profile!r}, by {order} ---\n{text.getvalue()}", file=sys.stderr)


class Samples:
    """Per-call wall-clock and CPU (this thread's) seconds: on a busy machine the CPU time is
    what the call would take on a quiet one."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.began = (0.0, 0.0)

    def start(self) -> None:
        self.began = (time.perf_counter(), time.thread_time())

    def stop(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self.wall.append(wall - self.began[0])
        self.cpu.append(cpu - self.began[1])

    def stats(self) -> Result:
        ordered = sorted(self.wall)
        p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else 0.0
        return {
            "n": len(ordered),
            "mean": statistics.fmean(ordered) if ordered else 0.0,
            "p99": p99,
            "max": ordered[-1] if ordered else 0.0,
            "cpu": statistics.fmean(self.cpu) if self.cpu else 0.0,
        }


def _load(path: str, max_file_mb: float | None) -> Any:
    import kubeward

    options: dict[str, Any] = {}
    if max_file_mb is not None:
        from kubeward.sources.files import Limits

        options["limits"] = Limits(max_file_bytes=int(max_file_mb * 1024 * 1024))
    return kubeward.load([path], **options)


def _peak() -> Result:
    return {"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}  # KiB on Linux


def measure_queries(args: argparse.Namespace, path: str) -> Result:
    """load, world_of, then every question, in this process."""
    from kubeward.engines.rbac import paths, query
    from kubeward.engines.rbac.world import world_of

    clock = Stopwatch(args.profile)
    load, index = Samples(), Samples()
    with clock.stage("load"):
        load.start()
        inputs = _load(path, args.max_file_mb)
        load.stop()
    snapshot = inputs.snapshot
    with clock.stage("index"):
        index.start()
        world = world_of(snapshot)  # as the commands do: built once, then frozen out of the collector
        index.stop()
    counts = (args.can_i_queries, args.who_can_queries, args.lists)
    workload = make_workload(world, snapshot, args.seed, counts)
    can_i, who_can, who_can_all, lists = Samples(), Samples(), Samples(), Samples()
    allowed, answers, rules = 0, [0, 0], 0
    with clock.stage("can-i"):
        for identity, request in workload.can_i:
            can_i.start()
            decision = query.can_i(world, identity, request)
            can_i.stop()
            allowed += decision.allowed
    with clock.stage("who-can"):
        for request in workload.who_can:
            who_can.start()
            found = query.who_can(world, request)
            who_can.stop()
            answers[0] += len(found)
    with clock.stage("who-can-all"):
        for request in workload.who_can_all:
            who_can_all.start()
            found = query.who_can(world, request, all_namespaces=True)
            who_can_all.stop()
            answers[1] += len(found)
    # what ``kubeward rbac list`` asks about: the declared namespaces and the bindings' ones
    namespaces = sorted({*snapshot.namespaces, *(binding.namespace for binding in world.bindings)})
    with clock.stage("list"):
        for who in workload.subjects:
            identity = who.identity
            lists.start()
            held = query.permissions(world, identity, namespaces)
            lists.stop()
            rules += len(held.rules)
    every_path = Samples()
    with clock.stage("paths"):
        every_path.start()
        found = paths.escalation_paths(world, snapshot)  # ``kubeward rbac paths --include-system``
        every_path.stop()
    clock.report()
    kinds = count_kinds({"kind": obj.ref.kind} for obj in snapshot.objects)
    return {
        "load": load.stats(),
        "index": index.stats(),
        "objects": len(snapshot.objects),
        "kinds": dict(kinds),
        "whole_cluster": snapshot.whole_cluster,
        "roles": len(world.roles),
        "aggregated": sum(role.aggregated for role in world.roles.values()),
        "bindings": len(world.bindings),
        "problems": len(world.problems),
        "can_i": can_i.stats(),
        "allowed": allowed,
        "who_can": who_can.stats(),
        "who_can_all": who_can_all.stats(),
        "answers": answers,
        "list": lists.stats(),
        "list_rules": rules,
        "paths": every_path.stats(),
        "path_count": len(found),
        "namespaces": len(namespaces),
        "errors": [str(error) for error in inputs.errors[:10]],
        "error_count": len(inputs.errors),
        **_peak(),
    }


RBAC_CONTROLS = "kubeward.controls.rbac"


def rbac_controls_exist() -> bool:
    return importlib.util.find_spec(RBAC_CONTROLS) is not None


def measure_scan(args: argparse.Namespace, path: str) -> Result:
    """load, then the RBAC section of ``scan`` (which builds the world itself), in this process."""
    import importlib

    import kubeward
    from kubeward.controls.catalogue import all_controls

    importlib.import_module(RBAC_CONTROLS)  # registers them, were the catalogue not to yet
    controls = [control for control in all_controls() if control.section == "RBAC"]
    clock = Stopwatch(args.profile)
    load, scan = Samples(), Samples()
    load.start()
    inputs = _load(path, args.max_file_mb)
    load.stop()
    with clock.stage("scan"):
        scan.start()
        result = kubeward.scan(inputs.snapshot, controls)
        scan.stop()
    clock.report()
    slowest = sorted(result.results, key=lambda r: -len(r.findings))[:5]
    return {
        "load": load.stats(),
        "scan": scan.stats(),
        "controls": len(controls),
        "findings": len(result.findings),
        "by_control": {r.control.id: len(r.findings) for r in slowest},
        "control_errors": [f"{r.control.id}: {r.error.splitlines()[-1]}" for r in result.results if r.error],
        **_peak(),
    }


# --- the parent: generate, run the children, report -----------------------------------------


def prepare(args: argparse.Namespace, target: Path) -> Result:
    """Generate and write the input, in this process; return what was written."""
    sizes = Sizes(args.roles, args.bindings, args.service_accounts, args.namespaces)
    objects = Generator(sizes, args.seed, args.style).build()
    files = write(objects, target, "yaml", args.style)
    return {
        "files": len(files),
        "bytes": sum(file.stat().st_size for file in files),
        "largest": max(file.stat().st_size for file in files),
        "kinds": dict(count_kinds(objects)),
    }


def run_child(*words: str) -> Result:
    """Run this script with ``words`` in a fresh interpreter and read its result (see
    ``run.py``: the parent never holds the generated cluster, so peaks are the child's)."""
    command = [sys.executable, str(Path(__file__).resolve()), *words]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"failed: {shlex.join(command)}\n{done.stderr}")
    if done.stderr:
        print(done.stderr, end="", file=sys.stderr)
    result: Result = json.loads(done.stdout.splitlines()[-1])
    return result


def reproduce(args: argparse.Namespace) -> str:
    """The command line that repeats this benchmark, every option spelled out."""
    words = [sys.executable, sys.argv[0]]
    for option in OPTIONS:
        value = getattr(args, option)
        if value is not None:
            words += [
                f"--{option.replace('_', '-')}",
                f"{value:g}" if isinstance(value, float) else str(value),
            ]
    pythonpath = os.environ.get("PYTHONPATH")
    return (f"PYTHONPATH={shlex.quote(pythonpath)} " if pythonpath else "") + shlex.join(words)


def child_options(args: argparse.Namespace, limit_mb: float | None) -> list[str]:
    words = ["--seed", str(args.seed), "--can-i-queries", str(args.can_i_queries)]
    words += ["--who-can-queries", str(args.who_can_queries), "--lists", str(args.lists)]
    if limit_mb is not None:
        words += ["--max-file-mb", f"{limit_mb:g}"]
    if args.profile:
        words += ["--profile", args.profile]
    return words


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    started = time.perf_counter()
    target = workdir / ("rbac-cluster.yaml" if args.style == "dump" else "rbac-cluster")
    if target.is_dir():
        shutil.rmtree(target)  # a tree from an earlier run with other sizes
    sizes = ["--roles", str(args.roles), "--bindings", str(args.bindings)]
    sizes += ["--service-accounts", str(args.service_accounts), "--namespaces", str(args.namespaces)]
    made = run_child("--prepare", str(target), *sizes, "--seed", str(args.seed), "--style", args.style)
    kinds = made["kinds"]
    print(
        f"generated {target}: {made['files']} file(s), {made['bytes'] / 1e6:.1f} MB in "
        f"{time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{kinds.get(kind, 0)} {kind}s" for kind in KINDS),
        flush=True,
    )
    limit = args.max_file_mb
    if limit is None and made["largest"] > DEFAULT_FILE_MB * 1024 * 1024:
        limit = float(math.ceil(made["largest"] / (1024 * 1024)) + 1)
        print(
            f"(the input is larger than kubeward's {DEFAULT_FILE_MB} MiB file limit: raised to {limit:g} MiB)"
        )
    options = child_options(args, limit)
    scan = rbac_controls_exist()
    if args.profile:
        stage = args.profile
        mode = "scan" if stage == "scan" else "queries"
        if mode == "scan" and not scan:
            sys.exit(f"{RBAC_CONTROLS} does not exist yet: nothing to profile")
        run_child("--measure", mode, str(target), *options)
        print(f"reproduce: {reproduce(args)}")
        return
    queries: list[Result] = []
    scans: list[Result] = []
    loads: list[float] = []  # the machine's, before each run: others' work slows ours
    for number in range(args.repeat):
        loads.append(os.getloadavg()[0])
        queries.append(run_child("--measure", "queries", str(target), *options))
        if scan:
            loads.append(os.getloadavg()[0])
            scans.append(run_child("--measure", "scan", str(target), *options))
        print(f"run {number + 1}/{args.repeat} done", flush=True)
    report(args, made, queries, scans, loads)


def median(results: list[Result], *keys: str) -> float:
    values = []
    for result in results:
        value: Any = result
        for key in keys:
            value = value[key]
        values.append(float(value))
    return float(statistics.median(values))


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def _ms(value: float) -> str:
    return f"{value * 1e3:.1f} ms"


def _us(value: float) -> str:
    return f"{value * 1e6:.0f} µs"


def report(
    args: argparse.Namespace, made: Result, queries: list[Result], scans: list[Result], loads: list[float]
) -> None:
    first = queries[0]
    if first["error_count"]:
        print(f"\n{first['error_count']} INPUT ERROR(S) - the numbers below do not measure a full load:")
        for error in first["errors"]:
            print(f"  {error}")
    rows: list[tuple[str, ...]] = []

    def timing(stage: str, runs: list[Result], key: str, unit: Callable[[float], str], target: float) -> None:
        mean, cpu = median(runs, key, "mean"), median(runs, key, "cpu")
        p99 = median(runs, key, "p99") if runs[0][key]["n"] > 1 else None
        met = "yes" if mean < target else ("NO (yes in CPU time)" if cpu < target else "NO")
        rows.append(
            (stage, unit(mean), "" if p99 is None else unit(p99), unit(cpu), f"< {unit(target)}", met)
        )

    load = median(queries, "load", "mean")
    rows.append(
        ("load (parse + snapshot)", _seconds(load), "", _seconds(median(queries, "load", "cpu")), "", "")
    )
    timing("index (world_of)", queries, "index", _seconds, 5.0)
    timing(f"can-i (x{first['can_i']['n']})", queries, "can_i", _us, 1e-3)
    timing(f"who-can -n NS (x{first['who_can']['n']})", queries, "who_can", _ms, 0.1)
    timing(f"who-can -A (x{first['who_can_all']['n']})", queries, "who_can_all", _ms, 0.1)
    timing(f"rbac list (x{first['list']['n']})", queries, "list", _ms, 0.2)
    timing("rbac paths, every subject", queries, "paths", _seconds, 10.0)
    if scans:
        timing("scan, RBAC section", scans, "scan", _seconds, 15.0)
    else:
        rows.append(("scan, RBAC section", "n/a", "", "", "< 15.00 s", f"not measurable: no {RBAC_CONTROLS}"))
    rows.append(("peak RSS, load+queries", f"{median(queries, 'peak_kib') / 1024:.0f} MiB", "", "", "", ""))
    if scans:
        rows.append(("peak RSS, load+scan", f"{median(scans, 'peak_kib') / 1024:.0f} MiB", "", "", "", ""))
    header = ("stage", "wall: mean", "p99", "CPU: mean", "target", "met")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for line in (header, tuple("-" * width for width in widths), *rows):
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [cell.ljust(width) if i in (0, 5) else cell.rjust(width) for i, (cell, width) in pairs]
        print("  ".join(cells).rstrip())
    kinds = first["kinds"]
    print(
        f"\nmedian of {args.repeat} ({args.style}, {made['bytes'] / 1e6:.1f} MB, {first['objects']} objects: "
        + ", ".join(f"{kinds.get(kind, 0)} {kind}s" for kind in KINDS)
        + f"); whole cluster: {first['whole_cluster']}"
    )
    print(
        f"world: {first['roles']} roles ({first['aggregated']} aggregated by kubeward), "
        f"{first['bindings']} bindings, "
        f"{first['problems']} binding problems; can-i allowed {first['allowed']}/{first['can_i']['n']}; "
        f"who-can subjects {first['answers'][0]} (-n) and {first['answers'][1]} (-A); "
        f"list: {first['list_rules']} rules over {first['namespaces']} namespaces; "
        f"{first['path_count']} subjects can become cluster-admin"
    )
    print(
        "max per query (median of runs): "
        f"can-i {_us(median(queries, 'can_i', 'max'))}, who-can {_ms(median(queries, 'who_can', 'max'))}, "
        f"who-can -A {_ms(median(queries, 'who_can_all', 'max'))}, list {_ms(median(queries, 'list', 'max'))}"
    )
    print("load runs (s):", *(f"{r['load']['mean']:.2f}" for r in queries), end="; ")
    print("index runs (s):", *(f"{r['index']['mean']:.2f}" for r in queries), end="")
    if scans:
        print("; scan runs (s):", *(f"{r['scan']['mean']:.2f}" for r in scans), end="")
        last = scans[0]
        most = ", ".join(f"{control} {count}" for control, count in last["by_control"].items())
        print(f"\nscan: {last['controls']} RBAC controls, {last['findings']} findings (most: {most})")
        for error in last["control_errors"]:
            print(f"  CONTROL ERROR {error}")
    else:
        print()
    print(
        f"machine: {os.cpu_count()} CPUs; 1-minute load average before each run:",
        *(f"{v:.1f}" for v in loads),
    )
    if max(loads) > 1.5:
        print("  (other processes were running: these timings are pessimistic; rerun on a quiet machine)")
    print(f"reproduce: {reproduce(args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=20000, help="Roles and ClusterRoles (a tenth)")
    parser.add_argument("--bindings", type=int, default=20000, help="RoleBindings and ClusterRoleBindings")
    parser.add_argument("--service-accounts", type=int, default=5000)
    parser.add_argument("--namespaces", type=int, default=200, help="besides the 4 system ones")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--style", choices=("dump", "manifests"), default="dump")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the input here and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--can-i-queries", type=int, default=2000)
    parser.add_argument("--who-can-queries", type=int, default=200, help="for -n NS, and as many for -A")
    parser.add_argument("--lists", type=int, default=100, help="subjects whose permissions are listed")
    parser.add_argument("--max-file-mb", type=float, help="Limits(max_file_bytes=...); default: what fits")
    parser.add_argument("--profile", choices=STAGES, help="profile one stage (one run) instead")
    parser.add_argument("--prepare", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure = measure_scan if args.measure[0] == "scan" else measure_queries
        print(json.dumps(measure(args, args.measure[1])))
    elif args.prepare:
        print(json.dumps(prepare(args, Path(args.prepare))))
    elif min(args.roles, args.bindings, args.namespaces, args.repeat, args.lists) < 1:
        parser.error("--roles, --bindings, --namespaces, --repeat and --lists must be at least 1")
    elif args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        benchmark(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="kubeward-rbac-bench-") as workdir:
            benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
