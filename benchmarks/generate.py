"""Deterministic synthetic cluster state for kubeward benchmarks.

Two shapes of the same cluster:

* ``dump``: one ``kind: List`` file as ``kubectl get -A -o yaml|json`` prints it (items
  grouped by kind, sorted by namespace and name, with uids, owner references and status).
* ``manifests``: ``OUT/<namespace>/<kind>.yaml`` multi-document files as a GitOps repository
  holds them: only authored objects (no ReplicaSets, Jobs or controller-made Pods), and
  no status, owner references or server-set metadata.

The same arguments always give byte-identical output: everything random comes from one
``random.Random(seed)`` and the clock is fixed.

Usage: ``python benchmarks/generate.py --pods 2000 --namespaces 40 --seed 1 --out cluster.yaml``
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import yaml

__all__ = ["count_kinds", "generate", "to_manifest", "write"]

Obj = dict[str, Any]

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SAFE = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's rand.String alphabet (no vowels: no "7e5" floats)
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
INFRA_NAMESPACES = ("monitoring", "ingress-nginx")
# kubectl prints one list per resource type, in the order the types were asked for.
KIND_ORDER = (
    "Namespace", "ServiceAccount", "ConfigMap", "Secret", "ResourceQuota", "LimitRange", "Service", "Pod",
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "CronJob", "Job", "Ingress", "NetworkPolicy",
    "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
)  # fmt: skip
RBAC = "rbac.authorization.k8s.io/v1"
SERVER_ANNOTATIONS = (
    "deployment.kubernetes.io/",
    "deprecated.daemonset.template.generation",
)  # set by controllers
NETWORKING = "networking.k8s.io/v1"

TEAMS = (
    "payments", "checkout", "catalog", "search", "identity", "billing", "orders", "shipping", "inventory",
    "analytics", "reporting", "notifications", "messaging", "media", "recommendations", "pricing", "fraud",
    "support", "accounts", "loyalty", "marketing", "partners", "platform", "data", "ml", "growth", "ledger",
)  # fmt: skip
ENVS = ("prod", "staging", "dev", "qa")
COMPONENTS = (
    "api", "web", "worker", "frontend", "backend", "gateway", "consumer", "scheduler", "indexer", "sync",
    "notifier", "renderer", "importer", "exporter", "auth", "admin", "graphql", "events", "webhook", "proxy",
)  # fmt: skip
STATEFUL = (
    ("postgres", "postgres:15.6", 5432), ("redis", "redis:7.2.4", 6379),
    ("kafka", "bitnami/kafka:3.6.1", 9092),
    ("elasticsearch", "elasticsearch:8.12.2", 9200), ("rabbitmq", "rabbitmq:3.13-management", 5672),
)  # fmt: skip
JOBS = ("backup", "cleanup", "report", "sync-catalog", "rotate-keys", "reindex", "digest-mail", "export")
SIDECARS = {
    "envoy": ("envoyproxy/envoy:v1.29.2", 9901),
    "fluent-bit": ("fluent/fluent-bit:2.2.2", 2020),
    "otel-collector": ("otel/opentelemetry-collector:0.96.0", 8888),
}
REGISTRIES = ("ghcr.io/acme", "registry.example.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com")

# Bad practice, per workload (or per namespace), at a few percent.
P_NO_RESOURCES, P_PRIVILEGED, P_HOST_PATH, P_LATEST, P_IN_DEFAULT = 0.04, 0.02, 0.02, 0.03, 0.015
P_NO_QUOTA, P_DEFAULT_SA_TOKEN, P_NO_NETPOL = 0.1, 0.05, 0.1

# Fixed fragments, written as Kubernetes users read them.
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_SOURCES = yaml.safe_load("""
- serviceAccountToken: {expirationSeconds: 3607, path: token}
- configMap: {items: [{key: ca.crt, path: ca.crt}], name: kube-root-ca.crt}
- downwardAPI: {items: [{fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}, path: namespace}]}
""")
TOLERATIONS = yaml.safe_load("""
- {effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}
- {effect: NoExecute, key: node.kubernetes.io/unreachable, operator: Exists, tolerationSeconds: 300}
""")
PROBE_TIMING = {"initialDelaySeconds": 10, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1}
POD_SECURITY = {"fsGroup": 2000, "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 10001,
}
QUOTA = {
    "limits.cpu": "40",
    "limits.memory": "80Gi",
    "pods": "200",
    "requests.cpu": "20",
    "requests.memory": "40Gi",
}
LIMITS = yaml.safe_load("""
- default: {cpu: 500m, memory: 512Mi}
  defaultRequest: {cpu: 100m, memory: 128Mi}
  max: {cpu: "4", memory: 8Gi}
  type: Container
""")
ROLES = yaml.safe_load("""
developer:
- {apiGroups: ["", apps, batch], resources: [pods, pods/log, deployments, jobs, configmaps, services],
   verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods/exec, pods/portforward], verbs: [create]}
- {apiGroups: [apps], resources: [deployments/scale], verbs: [patch, update]}
config-reader:
- {apiGroups: [""], resources: [configmaps, secrets], verbs: [get, list, watch]}
""")
CLUSTER_ROLES = yaml.safe_load("""
cluster-admin:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
admin: [{apiGroups: ["", apps, batch], resources: ["*"], verbs: ["*"]}]
edit: [{apiGroups: ["", apps, batch], resources: [pods, deployments, services],
        verbs: [create, delete, patch, update, get, list, watch]}]
view: [{apiGroups: ["", apps, batch], resources: [pods, deployments, services], verbs: [get, list, watch]}]
system:node-proxier: [{apiGroups: [""], resources: [endpoints, services, nodes], verbs: [get, list, watch]}]
system:coredns: [{apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}]
system:metrics-server: [{apiGroups: [""], resources: [nodes/metrics, pods, nodes], verbs: [get, list, watch]}]
calico-node:
- {apiGroups: [""], resources: [pods, nodes, namespaces], verbs: [get, list, watch]}
- {apiGroups: [crd.projectcalico.org], resources: ["*"], verbs: ["*"]}
ingress-nginx: [{apiGroups: [""], resources: [configmaps, endpoints, pods, secrets], verbs: [list, watch]}]
prometheus:
- {apiGroups: [""], resources: [nodes, services, endpoints, pods], verbs: [get, list, watch]}
- {nonResourceURLs: [/metrics], verbs: [get]}
ci-deployer: [{apiGroups: ["", apps, batch, networking.k8s.io], resources: ["*"], verbs: ["*"]}]
namespace-reader: [{apiGroups: [""], resources: [namespaces], verbs: [get, list, watch]}]
""")
# binding name: [cluster role, subject kind, subject name, subject namespace]
CLUSTER_BINDINGS = yaml.safe_load("""
cluster-admin: [cluster-admin, Group, "system:masters"]
kube-proxy: ["system:node-proxier", ServiceAccount, kube-proxy, kube-system]
system:coredns: ["system:coredns", ServiceAccount, coredns, kube-system]
calico-node: [calico-node, ServiceAccount, calico-node, kube-system]
metrics-server: ["system:metrics-server", ServiceAccount, metrics-server, kube-system]
namespace-readers: [namespace-reader, Group, "system:authenticated"]
ingress-nginx: [ingress-nginx, ServiceAccount, ingress-nginx-controller, ingress-nginx]
prometheus: [prometheus, ServiceAccount, prometheus, monitoring]
""")
# kind, namespace, name, pods (0: one per node), image
ADDONS = (
    ("DaemonSet", "kube-system", "kube-proxy", 0, "registry.k8s.io/kube-proxy:v1.29.4"),
    ("DaemonSet", "kube-system", "calico-node", 0, "docker.io/calico/node:v3.27.2"),
    ("Deployment", "kube-system", "coredns", 2, "registry.k8s.io/coredns/coredns:v1.11.1"),
    ("Deployment", "kube-system", "metrics-server", 1,
     "registry.k8s.io/metrics-server/metrics-server:v0.7.0"),
    ("DaemonSet", "monitoring", "node-exporter", 0, "quay.io/prometheus/node-exporter:v1.7.0"),
    ("StatefulSet", "monitoring", "prometheus", 1, "quay.io/prometheus/prometheus:v2.50.1"),
    ("Deployment", "ingress-nginx", "ingress-nginx-controller", 2,
     "registry.k8s.io/ingress-nginx/controller:v1.10.0"),
)  # fmt: skip
CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
SYSTEM_ACCOUNTS = (
    "attachdetach-controller", "bootstrap-signer", "certificate-controller", "coredns", "cronjob-controller",
    "clusterrole-aggregation-controller", "daemon-set-controller", "deployment-controller", "job-controller",
    "disruption-controller", "endpoint-controller", "generic-garbage-collector", "kube-proxy",
    "namespace-controller", "node-controller", "replicaset-controller", "service-account-controller",
    "statefulset-controller", "ttl-controller", "calico-node", "metrics-server",
)  # fmt: skip
CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
    "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
    "distributions of Kubernetes clusters."
)


@dataclass
class Node:
    name: str
    ip: str
    index: int


@dataclass
class App:
    """One workload to make: its kind, place, pod count and pod template spec."""

    kind: str
    namespace: str
    name: str
    pods: int
    labels: dict[str, str]
    spec: Obj = field(default_factory=dict)
    node: Node | None = None  # where a static (mirror) pod runs

    @property
    def selector(self) -> dict[str, str]:
        """The workload's selector: its first label."""
        return dict(list(self.labels.items())[:1])


def counts(value: int, *keys: str) -> Obj:
    """A status block of replica counts."""
    return dict.fromkeys(keys, value)


def role_ref(kind: str, name: str) -> Obj:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name}


def subject(kind: str, name: str, namespace: str | None = None) -> Obj:
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": namespace}
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name}


class Generator:
    """Builds every object of one synthetic cluster from a seeded RNG."""

    def __init__(self, pods: int, namespaces: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.total_pods = pods
        self.objects: list[Obj] = []
        self.token_mounted: dict[tuple[str, str], bool] = {}  # (namespace, service account) -> default
        self.ca = self.pem(600)
        self.nodes = [
            Node(f"ip-10-0-{i // 250}-{i % 250 + 4}.ec2.internal", f"10.0.{i // 250}.{i % 250 + 4}", i)
            for i in range(max(1, pods // 40))
        ]
        infra = list(INFRA_NAMESPACES) if namespaces >= 3 else []
        combos = [f"{team}-{env}" for team in TEAMS for env in ENVS]
        self.rng.shuffle(combos)
        self.tenants = [
            combos[i % len(combos)] + (f"-{i // len(combos) + 1}" if i >= len(combos) else "")
            for i in range(namespaces - len(infra))
        ]
        self.namespaces = infra + self.tenants

    # --- random values ----------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def suffix(self, length: int = 5) -> str:
        return "".join(self.rng.choices(SAFE, k=length))

    def hex(self, length: int) -> str:
        return self.rng.randbytes(length // 2).hex()

    def b64(self, size: int) -> str:
        return base64.b64encode(self.rng.randbytes(size)).decode()

    def pem(self, size: int) -> str:
        body = self.b64(size)
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"

    def stamp(self, max_days: float = 120, min_days: float = 0) -> str:
        seconds = int(self.rng.uniform(min_days, max_days) * 86400)
        return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- objects ----------------------------------------------------------------------

    def meta(
        self,
        name: str,
        namespace: str | None = None,
        *,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        created: str | None = None,
        generation: int | None = None,
        generate_name: str | None = None,
    ) -> Obj:
        """ObjectMeta as the API server returns it (Go field order, no managedFields)."""
        meta: Obj = {"name": name}
        if generate_name:
            meta["generateName"] = generate_name
        if namespace:
            meta["namespace"] = namespace
        meta["uid"] = self.uid()
        meta["resourceVersion"] = str(self.rng.randrange(10**6, 10**8))
        if generation is not None:
            meta["generation"] = generation
        meta["creationTimestamp"] = created or self.stamp()
        if labels:
            meta["labels"] = dict(labels)
        if annotations:
            meta["annotations"] = annotations
        return meta

    def add(self, api_version: str, kind: str, metadata: Obj, owner: Obj | None = None, **rest: Any) -> Obj:
        """Append an object; ``owner`` becomes its controller owner reference."""
        if owner is not None:
            meta = owner["metadata"]
            reference = {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"]}
            reference |= {"uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
            metadata["ownerReferences"] = [reference]
        obj: Obj = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **rest}
        self.objects.append(obj)
        return obj

    def build(self) -> list[Obj]:
        for name in SYSTEM_NAMESPACES:
            self.system_namespace(name)
        for name in self.namespaces:
            self.tenant_namespace(name)
        apps = self.system_apps()
        apps += self.tenant_apps(self.total_pods - sum(app.pods for app in apps))
        makers = {"Deployment": self.deployment, "StatefulSet": self.statefulset, "DaemonSet": self.daemonset}
        makers |= {"CronJob": self.cronjob, "Pod": self.bare_pod}
        for app in apps:
            makers[app.kind](app)
        self.network_policies(apps)
        self.ingresses(apps)
        self.cluster_rbac()
        return sort_like_kubectl(self.objects)

    def namespace(self, name: str, labels: dict[str, str], created: str) -> None:
        labels = {"kubernetes.io/metadata.name": name, **labels}
        self.add(
            "v1",
            "Namespace",
            self.meta(name, labels=labels, created=created),
            spec={"finalizers": ["kubernetes"]},
            status={"phase": "Active"},
        )
        self.config_map(
            name, "kube-root-ca.crt", {"ca.crt": self.ca}, {"kubernetes.io/description": CA_DESCRIPTION}
        )

    def system_namespace(self, name: str) -> None:
        self.namespace(name, {}, self.stamp(200, 199))
        self.service_account(name, "default", None)
        if name == "kube-system":
            for account in SYSTEM_ACCOUNTS:
                self.service_account(name, account, None)
            for config in ("coredns", "kube-proxy", "kubeadm-config", "kubelet-config", "calico-config"):
                self.config_map(
                    name, config, {"config": "".join(f"{k}: {self.suffix(12)}\n" for k in "abcdefgh")}
                )

    def tenant_namespace(self, name: str) -> None:
        team, _, env = name.partition("-")
        labels = {"team": team, "environment": env.split("-")[0] or "shared"}
        if self.chance(0.6):
            labels["pod-security.kubernetes.io/enforce"] = self.rng.choice(("baseline", "restricted"))
            labels["pod-security.kubernetes.io/enforce-version"] = "latest"
        if self.chance(0.3):
            labels["pod-security.kubernetes.io/warn"] = "restricted"
        self.namespace(name, labels, self.stamp(190, 120))
        self.service_account(name, "default", None if self.chance(P_DEFAULT_SA_TOKEN) else False)
        if not self.chance(P_NO_QUOTA):
            used = dict.fromkeys(QUOTA, "0")
            self.add(
                "v1",
                "ResourceQuota",
                self.meta("compute", name),
                spec={"hard": dict(QUOTA)},
                status={"hard": dict(QUOTA), "used": used},
            )
            self.add("v1", "LimitRange", self.meta("defaults", name), spec={"limits": LIMITS})
        if self.chance(0.2):  # a legacy long-lived token
            self.service_account(name, "ci-deployer", None)
            annotations = {
                "kubernetes.io/service-account.name": "ci-deployer",
                "kubernetes.io/service-account.uid": self.uid(),
            }
            data = {
                "ca.crt": self.b64(24),
                "namespace": base64.b64encode(name.encode()).decode(),
                "token": self.b64(48),
            }
            self.add(
                "v1",
                "Secret",
                self.meta("ci-deployer-token", name, annotations=annotations),
                data=data,
                type="kubernetes.io/service-account-token",
            )
        self.add(RBAC, "Role", self.meta("developer", name), rules=ROLES["developer"])
        self.add(
            RBAC,
            "RoleBinding",
            self.meta("developer", name),
            roleRef=role_ref("Role", "developer"),
            subjects=[subject("Group", f"oidc:team-{team}")],
        )
        self.add(RBAC, "Role", self.meta("config-reader", name), rules=ROLES["config-reader"])
        self.add(
            RBAC,
            "RoleBinding",
            self.meta("config-reader", name),
            roleRef=role_ref("Role", "config-reader"),
            subjects=[subject("ServiceAccount", "default", name)],
        )

    def service_account(self, namespace: str, name: str, automount: bool | None, **labels: str) -> None:
        self.token_mounted[(namespace, name)] = automount is not False
        extra: Obj = {} if automount is None else {"automountServiceAccountToken": automount}
        self.add("v1", "ServiceAccount", self.meta(name, namespace, labels=labels), **extra)

    def config_map(
        self, namespace: str, name: str, data: dict[str, str], notes: dict[str, str] | None = None
    ) -> None:
        self.add("v1", "ConfigMap", self.meta(name, namespace, annotations=notes), data=data)

    # --- workload plans ---------------------------------------------------------------

    def system_apps(self) -> list[App]:
        """Add-ons and control plane (at most a quarter of the pods)."""
        budget = self.total_pods // 4
        masters = self.nodes[:3] if self.total_pods >= 300 else []
        plans = [plan for plan in ADDONS if plan[1] in SYSTEM_NAMESPACES or plan[1] in self.namespaces]
        plans += [
            ("Pod", "kube-system", part, 1, f"registry.k8s.io/{part}:v1.29.4") for part in CONTROL_PLANE
        ]
        apps = []
        for kind, namespace, name, pods, image in plans:
            for node in masters if kind == "Pod" else [None]:
                size = pods or len(self.nodes)
                if size > budget:
                    continue
                budget -= size
                if node is not None:  # a static pod, seen through its mirror pod
                    labels = {"component": name, "tier": "control-plane"}
                elif namespace == "kube-system":
                    labels = {"k8s-app": "kube-dns" if name == "coredns" else name}
                else:
                    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace}
                    self.service_account(namespace, name, None, **{"app.kubernetes.io/name": name})
                full_name = name if node is None else f"{name}-{node.name}"
                app = App(kind, namespace, full_name, size, labels, node=node)
                host = kind in ("DaemonSet", "Pod")
                account = "default" if kind == "Pod" else name
                container = (name.split("-")[-1], image, 9100 if host else 8080)
                privileged = name in ("calico-node", "kube-proxy")
                app.spec = self.pod_spec(app, [container], account, host=host, privileged=privileged)
                if host:
                    app.spec |= {"hostNetwork": True, "priorityClassName": "system-node-critical"}
                apps.append(app)
        return apps

    def tenant_apps(self, budget: int) -> list[App]:
        """Deployments mostly, some StatefulSets and CronJobs, a few bare Pods, until ``budget`` pods."""
        apps: list[App] = []
        weights = [self.rng.uniform(0.3, 2.0) for _ in self.tenants]
        taken: set[tuple[str, str]] = set()
        while budget > 0:
            if len(apps) < len(self.tenants):
                namespace = self.tenants[len(apps)]  # every tenant namespace gets a workload first
            elif self.chance(P_IN_DEFAULT):
                namespace = "default"
            else:
                namespace = self.rng.choices(self.tenants, weights)[0]
            kind = self.rng.choices(("Deployment", "StatefulSet", "CronJob", "Pod"), (78, 7, 12, 1.5))[0]
            base, pods, image, port = self.shape(kind, namespace.split("-")[0])
            pods = min(pods, budget)
            budget -= pods
            name, number = base, 2
            while (namespace, name) in taken:
                name, number = f"{base}-{number}", number + 1
            taken.add((namespace, name))
            apps.append(self.tenant_app(App(kind, namespace, name, pods, {}), image, port))
        return apps

    def shape(self, kind: str, team: str) -> tuple[str, int, str, int]:
        """(base name, pods, image, port) of a new tenant workload of ``kind``."""
        if kind == "StatefulSet":
            base, image, port = self.rng.choice(STATEFUL)
            return base, self.rng.choice((1, 1, 3, 3, 5)), image, port
        if kind == "CronJob":  # one Pod per kept Job
            base = self.rng.choice(JOBS)
            return base, self.rng.choice((1, 1, 2, 3)), self.image(team, base), 0
        if kind == "Pod":
            base = self.rng.choice(("debug", "netshoot", "migrate", "toolbox"))
            return base, 1, "nicolaka/netshoot:latest" if self.chance(0.5) else self.image(team, base), 0
        base = self.rng.choice(COMPONENTS)
        return base, self.rng.choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6, 8)), self.image(team, base), 8080

    def image(self, team: str, base: str) -> str:
        version = f"{self.rng.randint(0, 4)}.{self.rng.randint(0, 30)}.{self.rng.randint(0, 12)}"
        return f"{self.rng.choice(REGISTRIES)}/{team}/{base}:{'latest' if self.chance(P_LATEST) else version}"

    def tenant_app(self, app: App, image: str, port: int) -> App:
        """Fill in ``app``: labels, service account, containers, and its ConfigMap and Secret."""
        name, namespace, team = app.name, app.namespace, app.namespace.split("-")[0]
        app.labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": team}
        if self.chance(0.5):
            app.labels |= {
                "app.kubernetes.io/instance": f"{name}-{team}",
                "app.kubernetes.io/managed-by": "Helm",
            }
        account = "default"
        if app.kind != "Pod" and self.chance(0.8):
            account = name
            automount = False if self.chance(0.4) else None
            self.service_account(namespace, name, automount, **{"app.kubernetes.io/name": name})
        containers = [("app" if app.kind == "Deployment" else name, image, port)]
        sidecars = self.rng.sample(sorted(SIDECARS), self.rng.choices((0, 1, 2), (88, 10, 2))[0])
        containers += [(sidecar, *SIDECARS[sidecar]) for sidecar in sidecars]
        app.spec = self.pod_spec(
            app,
            containers,
            account,
            host=self.chance(P_HOST_PATH),
            privileged=self.chance(P_PRIVILEGED),
            resources=not self.chance(P_NO_RESOURCES),
        )
        if app.kind in ("Deployment", "StatefulSet") and self.chance(0.5):
            flags = "".join(f"feature_{self.suffix(6)}: {self.rng.choice(('on', 'off'))}\n" for _ in range(6))
            config = {"application.yaml": f"server:\n  port: 8080\n{flags}"}
            self.config_map(namespace, f"{name}-config", config)
            app.spec["containers"][0]["envFrom"] = [{"configMapRef": {"name": f"{name}-config"}}]
        if self.chance(0.4):
            data = {key: self.b64(self.rng.randint(8, 24)) for key in ("username", "password", "url")}
            meta = self.meta(f"{name}-credentials", namespace, labels={"app": name})
            self.add("v1", "Secret", meta, data=data, type="Opaque")
        return app

    def pod_spec(
        self,
        app: App,
        containers: list[tuple[str, str, int]],
        account: str,
        *,
        privileged: bool = False,
        host: bool = False,
        resources: bool = True,
    ) -> Obj:
        """A pod template spec with the API server's defaults filled in."""
        built = [
            self.container(
                app, name, image, port, privileged=privileged and not index, resources=resources or index > 0
            )
            for index, (name, image, port) in enumerate(containers)
        ]
        volumes = []
        if host:
            volumes.append({"hostPath": {"path": "/var/log", "type": "Directory"}, "name": "varlog"})
            built[0]["volumeMounts"] = [{"mountPath": "/var/log", "name": "varlog", "readOnly": True}]
        if app.kind in ("Deployment", "StatefulSet") and self.chance(0.5):
            volumes.append({"emptyDir": {}, "name": "tmp"})
            built[0].setdefault("volumeMounts", []).append({"mountPath": "/tmp", "name": "tmp"})
        spec: Obj = {"volumes": volumes} if volumes else {}
        spec |= {
            "containers": built,
            "restartPolicy": "OnFailure" if app.kind == "CronJob" else "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
        }
        if account != "default" or app.kind != "Pod":
            spec |= {"serviceAccountName": account, "serviceAccount": account}
        spec["securityContext"] = dict(POD_SECURITY) if self.chance(0.5) else {}
        if app.kind in ("Deployment", "StatefulSet") and app.pods > 1 and self.chance(0.25):
            term = {"labelSelector": {"matchLabels": app.selector}, "topologyKey": "kubernetes.io/hostname"}
            spec["affinity"] = {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"podAffinityTerm": term, "weight": 100}
                    ]
                }
            }
        spec["schedulerName"] = "default-scheduler"
        self.token_mounted.setdefault((app.namespace, account), True)
        return spec

    def container(
        self, app: App, name: str, image: str, port: int, *, privileged: bool, resources: bool
    ) -> Obj:
        """One container as the API server returns it."""
        container: Obj = {"name": name, "image": image}
        if app.kind == "CronJob" and not port:
            container |= {"command": ["/bin/sh", "-c"], "args": [f"/app/{app.name} --once --log-format=json"]}
        if port:
            container["ports"] = [
                {"containerPort": port, "name": "http" if port == 8080 else "metrics", "protocol": "TCP"}
            ]
        env: list[Obj] = [{"name": "LOG_LEVEL", "value": self.rng.choice(("info", "debug", "warn"))}]
        if self.chance(0.3):
            field_ref = {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}
            env.append({"name": "POD_NAME", "valueFrom": field_ref})
        if self.chance(0.25):
            secret = {"key": "password", "name": f"{app.name}-credentials"}
            env.append({"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": secret}})
        if self.chance(0.3):
            env.append(
                {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.monitoring:4317"}
            )
        container["env"] = env
        container["resources"] = {}
        if resources:
            cpu = self.rng.choice((50, 100, 250, 500, 1000))
            memory = self.rng.choice((64, 128, 256, 512, 1024))
            limits = {"cpu": f"{cpu * 2}m", "memory": f"{memory * 2}Mi"}
            if self.chance(0.3):
                limits = {"memory": f"{memory}Mi"}
            container["resources"] = {
                "limits": limits,
                "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
            }
        if port and app.kind != "CronJob" and self.chance(0.4):
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/ready")):
                http = {"path": path, "port": port, "scheme": "HTTP"}
                container[probe] = {"failureThreshold": 3, "httpGet": http, **PROBE_TIMING}
        container |= {"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
        container["imagePullPolicy"] = "Always" if image.endswith(":latest") else "IfNotPresent"
        if privileged:
            container["securityContext"] = {"privileged": True}
        elif self.chance(0.5):
            container["securityContext"] = dict(RESTRICTED)
        return container

    # --- workload objects -------------------------------------------------------------

    def template(self, labels: dict[str, str], spec: Obj) -> Obj:
        return {"metadata": {"creationTimestamp": None, "labels": dict(labels)}, "spec": copy.deepcopy(spec)}

    def service(self, app: App, headless: bool = False) -> None:
        ports = []
        for port in app.spec["containers"][0].get("ports", []):
            number = 80 if port["name"] == "http" else port["containerPort"]
            ports.append(
                {"name": port["name"], "port": number, "protocol": "TCP", "targetPort": port["name"]}
            )
        if not ports:
            return
        ip = "None" if headless else f"10.96.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"
        spec = {
            "clusterIP": ip,
            "clusterIPs": [ip],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": ports,
            "selector": app.selector,
            "sessionAffinity": "None",
            "type": "ClusterIP",
        }
        self.add(
            "v1",
            "Service",
            self.meta(app.name, app.namespace, labels=app.labels),
            spec=spec,
            status={"loadBalancer": {}},
        )

    def condition(self, kind: str, reason: str, message: str) -> Obj:
        return {
            "lastTransitionTime": self.stamp(30),
            "lastUpdateTime": self.stamp(30),
            "message": message,
            "reason": reason,
            "status": "True",
            "type": kind,
        }

    def deployment(self, app: App) -> None:
        revision = self.rng.randint(1, 12)
        notes = {"deployment.kubernetes.io/revision": str(revision), "meta.helm.sh/release-name": app.name}
        spec = {
            "progressDeadlineSeconds": 600,
            "replicas": app.pods,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": app.selector},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": self.template(app.labels, app.spec),
        }
        status = counts(app.pods, "availableReplicas", "readyReplicas", "replicas", "updatedReplicas") | {
            "observedGeneration": revision,
            "conditions": [
                self.condition(
                    "Available", "MinimumReplicasAvailable", "Deployment has minimum availability."
                ),
                self.condition(
                    "Progressing",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{app.name}" has successfully progressed.',
                ),
            ],
        }
        meta = self.meta(app.name, app.namespace, labels=app.labels, annotations=notes, generation=revision)
        deployment = self.add("apps/v1", "Deployment", meta, spec=spec, status=status)
        old = min(revision - 1, self.rng.choice((0, 1, 1, 2)))  # old ReplicaSets, scaled to 0
        for number in range(revision - old, revision + 1):
            replicas = app.pods if number == revision else 0
            pod_hash = self.suffix(self.rng.choice((9, 10)))
            labels = {**app.labels, "pod-template-hash": pod_hash}
            notes = {
                "deployment.kubernetes.io/desired-replicas": str(app.pods),
                "deployment.kubernetes.io/max-replicas": str(app.pods + 1),
                "deployment.kubernetes.io/revision": str(number),
            }
            spec = {
                "replicas": replicas,
                "selector": {"matchLabels": {**app.selector, "pod-template-hash": pod_hash}},
                "template": self.template(labels, app.spec),
            }
            status = counts(
                replicas, "availableReplicas", "fullyLabeledReplicas", "readyReplicas", "replicas"
            )
            meta = self.meta(
                f"{app.name}-{pod_hash}", app.namespace, labels=labels, annotations=notes, generation=1
            )
            replica_set = self.add(
                "apps/v1",
                "ReplicaSet",
                meta,
                deployment,
                spec=spec,
                status=status | {"observedGeneration": 1},
            )
        for _ in range(app.pods):
            self.pod(app, f"{replica_set['metadata']['name']}-{self.suffix()}", replica_set, labels)
        self.service(app)

    def statefulset(self, app: App) -> None:
        revision = f"{app.name}-{self.suffix(10)}"
        claim = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"creationTimestamp": None, "name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}
            | {"storageClassName": "gp3", "volumeMode": "Filesystem"},
        }
        app.spec["containers"][0].setdefault("volumeMounts", []).append(
            {"mountPath": "/data", "name": "data"}
        )
        spec = {
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "podManagementPolicy": "OrderedReady",
            "replicas": app.pods,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": app.selector},
            "serviceName": app.name,
            "template": self.template(app.labels, app.spec),
            "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"},
            "volumeClaimTemplates": [claim],
        }
        status = counts(
            app.pods, "availableReplicas", "currentReplicas", "readyReplicas", "replicas", "updatedReplicas"
        )
        status |= {
            "collisionCount": 0,
            "currentRevision": revision,
            "observedGeneration": 1,
            "updateRevision": revision,
        }
        meta = self.meta(app.name, app.namespace, labels=app.labels, generation=1)
        statefulset = self.add("apps/v1", "StatefulSet", meta, spec=spec, status=status)
        for ordinal in range(app.pods):
            name = f"{app.name}-{ordinal}"
            labels = app.labels | {
                "apps.kubernetes.io/pod-index": str(ordinal),
                "controller-revision-hash": revision,
                "statefulset.kubernetes.io/pod-name": name,
            }
            self.pod(app, name, statefulset, labels, generate=False)
        self.service(app, headless=True)

    def daemonset(self, app: App) -> None:
        spec = {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": app.selector},
            "template": self.template(app.labels, app.spec),
            "updateStrategy": {
                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                "type": "RollingUpdate",
            },
        }
        status = counts(
            app.pods, "currentNumberScheduled", "desiredNumberScheduled", "numberAvailable", "numberReady"
        )
        status |= {"numberMisscheduled": 0, "observedGeneration": 1, "updatedNumberScheduled": app.pods}
        notes = {"deprecated.daemonset.template.generation": "1"}
        meta = self.meta(app.name, app.namespace, labels=app.labels, annotations=notes, generation=1)
        daemonset = self.add("apps/v1", "DaemonSet", meta, spec=spec, status=status)
        labels = app.labels | {"controller-revision-hash": self.suffix(10), "pod-template-generation": "1"}
        for node in self.nodes[: app.pods]:
            self.pod(app, f"{app.name}-{self.suffix()}", daemonset, labels, node=node)

    def cronjob(self, app: App) -> None:
        schedule = f"{self.rng.randint(0, 59)} */{self.rng.choice((1, 2, 6, 12))} * * *"
        spec = {
            "concurrencyPolicy": "Forbid",
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {"creationTimestamp": None},
                "spec": {"backoffLimit": 2, "template": self.template(app.labels, app.spec)},
            },
            "schedule": schedule,
            "successfulJobsHistoryLimit": 3,
            "suspend": False,
        }
        status: Obj = {"lastScheduleTime": self.stamp(0.1), "lastSuccessfulTime": self.stamp(0.1)}
        meta = self.meta(app.name, app.namespace, labels=app.labels, generation=1)
        cronjob = self.add("batch/v1", "CronJob", meta, spec=spec, status=status)
        for run in range(app.pods):
            name = f"{app.name}-{28_620_000 + run * 60 + self.rng.randint(0, 59)}"
            meta = self.meta(name, app.namespace, generation=1, created=self.stamp(1))
            uid = meta["uid"]
            meta["labels"] = labels = app.labels | {
                "batch.kubernetes.io/controller-uid": uid,
                "batch.kubernetes.io/job-name": name,
                "controller-uid": uid,
                "job-name": name,
            }
            spec = {
                "backoffLimit": 2,
                "completionMode": "NonIndexed",
                "completions": 1,
                "manualSelector": False,
                "parallelism": 1,
                "podReplacementPolicy": "TerminatingOrFailed",
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}},
                "suspend": False,
                "template": self.template(labels, app.spec),
            }
            done = meta["creationTimestamp"]
            complete = {
                "lastProbeTime": done,
                "lastTransitionTime": done,
                "status": "True",
                "type": "Complete",
            }
            status = {
                "completionTime": done,
                "conditions": [complete],
                "ready": 0,
                "startTime": done,
                "succeeded": 1,
            }
            job = self.add(
                "batch/v1", "Job", meta, cronjob, spec=spec, status=status | {"uncountedTerminatedPods": {}}
            )
            self.pod(app, f"{name}-{self.suffix()}", job, labels, phase="Succeeded")

    def pod(
        self,
        app: App,
        name: str,
        owner: Obj | None,
        labels: dict[str, str],
        *,
        generate: bool = True,
        node: Node | None = None,
        phase: str = "Running",
    ) -> Obj:
        """A Pod made from ``app``'s template, admitted and scheduled, with its status."""
        node = node or self.rng.choice(self.nodes)
        created = self.stamp(14) if phase == "Running" else self.stamp(1)
        prefix = name.rsplit("-", 1)[0] + "-" if owner is not None and generate else None
        meta = self.meta(name, app.namespace, labels=labels, created=created, generate_name=prefix)
        spec = copy.deepcopy(app.spec)
        account = spec.get("serviceAccountName", "default")
        if self.token_mounted[(app.namespace, account)] and app.node is None:  # static pods get no token
            volume = f"kube-api-access-{self.suffix()}"
            projected = {"defaultMode": 420, "sources": TOKEN_SOURCES}
            spec.setdefault("volumes", []).append({"name": volume, "projected": projected})
            for container in spec["containers"]:
                mount = {"mountPath": TOKEN_PATH, "name": volume, "readOnly": True}
                container.setdefault("volumeMounts", []).append(mount)
        priority = 2000001000 if spec.get("priorityClassName") else 0
        spec |= {"serviceAccountName": account, "serviceAccount": account, "nodeName": node.name}
        spec |= {"enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority", "priority": priority}
        spec["tolerations"] = TOLERATIONS
        return self.add(
            "v1", "Pod", meta, owner, spec=spec, status=self.pod_status(spec, node, created, phase)
        )

    def pod_status(self, spec: Obj, node: Node, created: str, phase: str) -> Obj:
        running = phase == "Running"
        pod_ip = (
            node.ip if spec.get("hostNetwork") else f"10.244.{node.index % 256}.{self.rng.randint(2, 254)}"
        )
        statuses = []
        for container in spec["containers"]:
            image = container["image"]
            if running:
                state: Obj = {"running": {"startedAt": created}}
            else:
                state = {
                    "terminated": {
                        "containerID": f"containerd://{self.hex(64)}",
                        "exitCode": 0,
                        "finishedAt": created,
                    }
                    | {"reason": "Completed", "startedAt": created}
                }
            statuses.append(
                {
                    "containerID": f"containerd://{self.hex(64)}",
                    "image": image,
                    "imageID": f"{image.rsplit(':', 1)[0]}@sha256:{self.hex(64)}",
                    "lastState": {},
                    "name": container["name"],
                    "ready": running,
                    "restartCount": self.rng.choice((0, 0, 0, 0, 1, 2)) if running else 0,
                    "started": running,
                    "state": state,
                }
            )
        conditions = []
        for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled"):
            condition = {"lastProbeTime": None, "lastTransitionTime": created, "status": "True", "type": kind}
            if not running and kind in ("Ready", "ContainersReady"):
                condition |= {"reason": "PodCompleted", "status": "False"}
            conditions.append(condition)
        return {
            "conditions": conditions,
            "containerStatuses": statuses,
            "hostIP": node.ip,
            "hostIPs": [{"ip": node.ip}],
            "phase": phase,
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "qosClass": qos_class(spec["containers"]),
            "startTime": created,
        }

    def bare_pod(self, app: App) -> None:
        if app.node is None:
            self.pod(app, app.name, None, app.labels)
            return
        pod = self.pod(app, app.name, None, app.labels, node=app.node)  # the mirror pod of a static pod
        hashes = {"kubernetes.io/config.hash": self.hex(32), "kubernetes.io/config.mirror": self.hex(32)}
        pod["metadata"]["annotations"] = hashes | {"kubernetes.io/config.source": "file"}
        pod["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "controller": True, "kind": "Node", "name": app.node.name, "uid": self.uid()}
        ]

    # --- policies ---------------------------------------------------------------------

    def network_policies(self, apps: list[App]) -> None:
        served = defaultdict(list)
        for app in apps:
            if app.kind == "Deployment":
                served[app.namespace].append(app)
        dns = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
        from_ingress = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
        }
        for namespace in self.tenants:
            if self.chance(P_NO_NETPOL):
                continue
            policies = {
                "default-deny-all": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
                "allow-dns": {
                    "egress": [{"ports": [{"port": 53, "protocol": p} for p in ("UDP", "TCP")], "to": [dns]}],
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                },
            }
            for app in served[namespace][: self.rng.randint(0, 3)]:
                policies[f"allow-ingress-to-{app.name}"] = {
                    "ingress": [
                        {
                            "from": [from_ingress, {"podSelector": {}}],
                            "ports": [{"port": 8080, "protocol": "TCP"}],
                        }
                    ],
                    "podSelector": {"matchLabels": app.selector},
                    "policyTypes": ["Ingress"],
                }
            for name, spec in policies.items():
                self.add(NETWORKING, "NetworkPolicy", self.meta(name, namespace, generation=1), spec=spec)

    def ingresses(self, apps: list[App]) -> None:
        for app in apps:
            exposed = app.kind == "Deployment" and app.name.split("-")[0] in (
                "web",
                "frontend",
                "gateway",
                "graphql",
            )
            if not exposed or not self.chance(0.5):
                continue
            host = f"{app.name}.{app.namespace}.example.com"
            backend = {"service": {"name": app.name, "port": {"name": "http"}}}
            spec = {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": host,
                        "http": {"paths": [{"backend": backend, "path": "/", "pathType": "Prefix"}]},
                    }
                ],
                "tls": [{"hosts": [host], "secretName": f"{app.name}-tls"}],
            }
            notes = {"cert-manager.io/cluster-issuer": "letsencrypt"}
            meta = self.meta(app.name, app.namespace, labels=app.labels, annotations=notes, generation=1)
            status = {"loadBalancer": {"ingress": [{"hostname": "lb-123.elb.eu-west-1.amazonaws.com"}]}}
            self.add(NETWORKING, "Ingress", meta, spec=spec, status=status)

    def cluster_rbac(self) -> None:
        for name, rules in CLUSTER_ROLES.items():
            default = ":" in name or name in ("cluster-admin", "admin", "edit", "view")
            labels = {"kubernetes.io/bootstrapping": "rbac-defaults"} if default else None
            self.add(
                RBAC, "ClusterRole", self.meta(name, labels=labels, created=self.stamp(200, 199)), rules=rules
            )
        bindings = dict(CLUSTER_BINDINGS)
        ci = [namespace for namespace in self.tenants if (namespace, "ci-deployer") in self.token_mounted]
        if ci:  # bad practice: a CI account bound to cluster-admin
            bindings["ci-admin"] = ["cluster-admin", "ServiceAccount", "ci-deployer", ci[0]]
        for name, (role, *who) in bindings.items():
            if len(who) == 3 and who[2] not in SYSTEM_NAMESPACES + tuple(self.namespaces):
                continue
            self.add(
                RBAC,
                "ClusterRoleBinding",
                self.meta(name),
                roleRef=role_ref("ClusterRole", role),
                subjects=[subject(*who)],
            )


def qos_class(containers: list[Obj]) -> str:
    """The pod's QoS class from its containers' resources."""
    resources = [container.get("resources") or {} for container in containers]
    if not any(r.get("limits") or r.get("requests") for r in resources):
        return "BestEffort"
    guaranteed = all(
        set(r.get("limits", {})) >= {"cpu", "memory"}
        and r.get("requests", r.get("limits")) == r.get("limits")
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"


def sort_like_kubectl(objects: list[Obj]) -> list[Obj]:
    """Group by kind in ``KIND_ORDER``, then by namespace and name (etcd key order)."""
    rank = {kind: index for index, kind in enumerate(KIND_ORDER)}
    return sorted(
        objects, key=lambda o: (rank[o["kind"]], o["metadata"].get("namespace", ""), o["metadata"]["name"])
    )


def generate(pods: int, namespaces: int, seed: int = 1) -> list[Obj]:
    """Every object of a cluster with ``pods`` Pods over ``namespaces`` namespaces (plus the system ones)."""
    if pods < 1 or namespaces < 1:
        raise ValueError("pods and namespaces must be at least 1")
    return Generator(pods, namespaces, seed).build()


def count_kinds(objects: Iterable[Obj]) -> Counter[str]:
    return Counter(obj["kind"] for obj in objects)


def to_manifest(obj: Obj) -> Obj | None:
    """The object as a GitOps repository holds it, or None if the cluster makes it."""
    meta = obj["metadata"]
    if (
        obj["kind"] in ("ReplicaSet", "Job")
        or meta.get("ownerReferences")
        or meta["name"] == "kube-root-ca.crt"
    ):
        return None
    if obj.get("type") == "kubernetes.io/service-account-token":
        return None
    if (
        obj["kind"] == "ServiceAccount"
        and meta["name"] == "default"
        and "automountServiceAccountToken" not in obj
    ):
        return None
    result = {key: value for key, value in obj.items() if key != "status"}
    result["metadata"] = {key: meta[key] for key in ("name", "namespace", "labels") if key in meta}
    notes = {k: v for k, v in meta.get("annotations", {}).items() if not k.startswith(SERVER_ANNOTATIONS)}
    if notes:
        result["metadata"]["annotations"] = notes
    if obj["kind"] == "Service" and obj["spec"]["clusterIP"] != "None":
        result["spec"] = {k: v for k, v in obj["spec"].items() if k not in ("clusterIP", "clusterIPs")}
    return result


class _Dumper(yaml.CSafeDumper):
    """PyYAML's C emitter, never writing anchors for repeated values (kubectl does not)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(documents: list[Obj], handle: TextIO, fmt: str) -> None:
    """YAML: the documents, ``---`` between them; JSON: one value (a List of them if several)."""
    if fmt == "json":
        value = (
            documents[0] if len(documents) == 1 else {"apiVersion": "v1", "items": documents, "kind": "List"}
        )
        json.dump(value, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    else:
        yaml.dump_all(documents, handle, Dumper=_Dumper, sort_keys=True, explicit_start=len(documents) > 1)


def write(objects: list[Obj], out: Path, fmt: str = "yaml", style: str = "dump") -> list[Path]:
    """Write ``objects`` to ``out`` (a file for ``dump``, a directory for ``manifests``); return the files."""
    if style == "dump":
        out.parent.mkdir(parents=True, exist_ok=True)
        listing = {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""}}
        with out.open("w", encoding="utf-8") as handle:
            _dump([listing], handle, fmt)
        return [out]
    groups: dict[tuple[str, str], list[Obj]] = defaultdict(list)
    for obj in objects:
        manifest = to_manifest(obj)
        if manifest is not None:
            meta = manifest["metadata"]
            folder = meta.get("namespace") or (meta["name"] if obj["kind"] == "Namespace" else "_cluster")
            groups[(folder, obj["kind"].lower())].append(manifest)
    files = []
    for (folder, kind), documents in sorted(groups.items()):
        path = out / folder / f"{kind}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            _dump(documents, handle, fmt)
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--pods", type=int, required=True, help="Pod objects in the cluster")
    parser.add_argument("--namespaces", type=int, required=True, help="namespaces besides the 4 system ones")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output file (dump) or directory (manifests)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--style", choices=("dump", "manifests"), default="dump")
    args = parser.parse_args()
    objects = generate(args.pods, args.namespaces, args.seed)
    files = write(objects, args.out, args.format, args.style)
    size = sum(path.stat().st_size for path in files)
    print(f"{args.out}: {len(files)} file(s), {size / 1e6:.1f} MB; a cluster of {len(objects)} objects")


if __name__ == "__main__":
    main()
