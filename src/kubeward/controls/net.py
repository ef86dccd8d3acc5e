"""Section NET: NetworkPolicy (networking.k8s.io/v1), judged with the exact evaluator.

Connectivity questions (is this workload isolated? what may reach it from the internet? may
it reach kube-dns?) are answered by :mod:`kubeward.engines.netpol`, so a flow allowed by any
rule of any policy counts. The other controls read the policies' own fields, to point at
the rule to fix.

NetworkPolicies take effect only where the cluster's network plugin (CNI) implements them.
An offline scan cannot verify that it does: every finding (and every pass) here assumes it.

Workloads of the system namespaces belong to the platform: the posture controls about
workloads and namespaces (KW-NET-001 to 003, KW-NET-008) skip them, as KW-NS-003 and the
POD controls do. Controls about a policy's own correctness judge every policy.

Edge workloads (the ones meant to be reached from the internet) are, by a documented
heuristic: pods selected by a Service of type LoadBalancer or NodePort in their namespace,
pods labelled ``gateway.networking.k8s.io/gateway-name`` (Gateway API implementations), and
pods whose ``app``, ``app.kubernetes.io/name``, ``app.kubernetes.io/component`` or
``istio`` label names an ingress controller or gateway (it contains ``ingress`` or
``gateway``, or is one of traefik, contour, envoy, kong, haproxy, emissary, ambassador).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeward.controls.finding import Finding, Severity, in_namespace
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines.netpol import connections, evaluate, network, policies
from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef, Origin, Path
from kubeward.k8s.workloads import POD
from kubeward.snapshot.snapshot import KubeObject, Snapshot, Workload

__all__ = ["is_edge"]

NETWORK_POLICY = GroupKind("networking.k8s.io", "NetworkPolicy")
NAMESPACE = GroupKind("", "Namespace")
SERVICE = GroupKind("", "Service")

CIS_CNI = "CIS Kubernetes Benchmark v1.10 5.3.1"
CIS_POLICIES = "CIS Kubernetes Benchmark v1.10 5.3.2"
NSA_NETWORK = "NSA/CISA Kubernetes Hardening Guidance v1.2: Network separation and hardening"
K8S_NETPOL = "Kubernetes documentation: Network Policies"

_CNI_CAVEAT = """
    NetworkPolicies take effect only where the cluster's network plugin (CNI) implements
    them, which an offline scan cannot verify (CIS 5.3.1 asks to check it).
"""

_TYPES = {"ingress": "Ingress", "egress": "Egress"}
_PEERS = {"ingress": "from", "egress": "to"}
_EDGE_LABELS = ("app", "app.kubernetes.io/name", "app.kubernetes.io/component", "istio")
_EDGE_NAMES = frozenset({"traefik", "contour", "envoy", "kong", "haproxy", "emissary", "ambassador"})
_EDGE_SERVICE_TYPES = frozenset({"LoadBalancer", "NodePort"})
_GATEWAY_LABEL = "gateway.networking.k8s.io/gateway-name"
_DNS_NAMESPACE = "kube-system"
_DNS_LABELS = {"k8s-app": "kube-dns"}
_DNS = connections.ConnectionSet.of("UDP", 53, 53) | connections.ConnectionSet.of("TCP", 53, 53)
_NON_INTERNET = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
        "::/127",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
_EMPTY: Mapping[str, Any] = {}


# --- reading a NetworkPolicy ------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """A NetworkPolicy as the evaluator reads it (only valid ones: KW-NET-011 reports the
    others), with its object for origins and raw fields."""

    obj: KubeObject
    policy: policies.Policy

    @property
    def ref(self) -> ObjectRef:
        return self.obj.ref

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.obj.body.get("spec")
        return spec if isinstance(spec, Mapping) else _EMPTY

    def isolates(self, direction: str) -> bool:
        return direction in self.policy.isolates

    def rules(self, direction: str) -> tuple[policies.ActionRule, ...]:
        """The rules of a direction the policy isolates (Kubernetes ignores the others)."""
        return self.policy.ingress if direction == "ingress" else self.policy.egress

    def raw_rule(self, rule: policies.ActionRule) -> Mapping[str, Any]:
        rules = self.spec.get(rule.ref.direction)
        return rules[rule.ref.index] if isinstance(rules, list) else _EMPTY

    @property
    def selects_every_pod(self) -> bool:
        return self.policy.subject.pods.selects_everything


def _policies(snapshot: Snapshot) -> tuple[_Read, ...]:
    """The valid NetworkPolicies, as the evaluator read them, by reference."""
    return _model(snapshot).policies


def _allows_everything(rule: policies.ActionRule) -> bool:
    """A rule with neither peers nor ports: every source (or destination), every port."""
    return rule.peers is None and rule.ports is None


def _ports_text(rule: Mapping[str, Any]) -> str:
    ports = rule.get("ports")
    if not isinstance(ports, list) or not ports:
        return "on every port"
    parts = []
    for entry in ports:
        if not isinstance(entry, Mapping):
            continue
        protocol = entry.get("protocol") or "TCP"
        port, end = entry.get("port"), entry.get("endPort")
        if port is None:
            parts.append(f"{protocol} (every port)")
        elif end is not None:
            parts.append(f"{protocol} {port}-{end}")
        else:
            parts.append(f"{protocol} {port}")
    return "on " + ", ".join(parts)


def _connections_text(allowed: connections.ConnectionSet) -> str:
    return "on every port" if allowed.is_all() else f"on {allowed}"


def _rule_path(direction: str, index: int) -> Path:
    return ("spec", direction, index)


def _peer_path(direction: str, rule: int, peer: int) -> Path:
    return ("spec", direction, rule, _PEERS[direction], peer)


# --- the network, once per snapshot -----------------------------------------------------


Isolation = Mapping[str, Mapping[network.WorkloadPeer, tuple[ObjectRef, ...]]]
"""Per direction, the policies (all tiers, in evaluation order) that select each workload:
what ``evaluate.verdict(...).egress.policies`` (or ``.ingress``) says, for every workload at
once. A workload no policy selects in a direction is absent from it."""


def _isolation(net: network.Network) -> Isolation:
    """Read once from the policies' subjects, instead of one verdict per workload."""
    found: dict[str, dict[network.WorkloadPeer, list[ObjectRef]]] = {"ingress": {}, "egress": {}}
    for policy in net.policies:
        directions = [found[direction] for direction in sorted(policy.isolates)]
        for index in _bit_indices(net.subject_bits[policy.ref] & net.workload_bits):
            peer = net.workloads[index]
            for selecting in directions:
                selecting.setdefault(peer, []).append(policy.ref)
    return {
        direction: {peer: tuple(refs) for peer, refs in by_peer.items()}
        for direction, by_peer in found.items()
    }


def _bit_indices(bits: int) -> Iterator[int]:
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


@dataclass(frozen=True)
class _Model:
    """What the controls share about one snapshot, computed once."""

    net: network.Network
    isolation: Isolation
    workloads: Mapping[tuple[str, str, str], Workload]
    """The snapshot's workloads by (kind, namespace, name), as the engine names them."""
    by_namespace: Mapping[str, tuple[Workload, ...]]
    policies: tuple[_Read, ...]
    policies_in: Mapping[str, tuple[_Read, ...]]
    """The valid NetworkPolicies by namespace."""
    selected: Mapping[ObjectRef, tuple[Workload, ...]]
    """The workloads each valid NetworkPolicy selects."""
    internet: Mapping[int, tuple[network.IpRange, ...]]
    """The atoms holding internet addresses, by IP version."""
    services: Mapping[str, tuple[Mapping[str, Any], ...]]


_MODELS: dict[int, _Model] = {}


def _model(snapshot: Snapshot) -> _Model:
    key = id(snapshot)
    found = _MODELS.get(key)
    if found is None:
        found = _build_model(snapshot)
        _MODELS[key] = found
        weakref.finalize(snapshot, _MODELS.pop, key, None)
    return found


def _build_model(snapshot: Snapshot) -> _Model:
    net = network.network_of(snapshot)
    by_name = {(w.ref.kind, w.namespace, w.ref.name): w for w in snapshot.workloads}
    by_namespace: dict[str, list[Workload]] = {}
    for peer in net.workloads:  # the workloads that make pods (not PodTemplates)
        by_namespace.setdefault(peer.namespace, []).append(by_name[(peer.kind, peer.namespace, peer.name)])
    reads = []
    for policy in net.policies:
        obj = snapshot.get(NETWORK_POLICY, policy.ref.namespace, policy.ref.name)
        if policy.tier == "NetworkPolicy" and obj is not None:
            reads.append(_Read(obj, policy))
    reads.sort(key=lambda read: read.ref)
    policies_in: dict[str, list[_Read]] = {}
    for read in reads:
        policies_in.setdefault(read.ref.namespace, []).append(read)
    services: dict[str, list[Mapping[str, Any]]] = {}
    for service in snapshot.of_kind(SERVICE):
        services.setdefault(service.ref.namespace, []).append(service.body)
    return _Model(
        net=net,
        isolation=_isolation(net),
        workloads=by_name,
        by_namespace={namespace: tuple(found) for namespace, found in by_namespace.items()},
        policies=tuple(reads),
        policies_in={namespace: tuple(found) for namespace, found in policies_in.items()},
        selected={
            read.ref: tuple(
                by_name[(peer.kind, peer.namespace, peer.name)]
                for peer in (net.workloads[index] for index in _bit_indices(net.subject_bits[read.ref]))
            )
            for read in reads
        },
        internet={
            version: tuple(atom for atom in net.atoms if atom.start.version == version and _internet(atom))
            for version in (4, 6)
        },
        services={namespace: tuple(found) for namespace, found in services.items()},
    )


def _workload_of(model: _Model, peer: network.WorkloadPeer) -> Workload | None:
    return model.workloads.get((peer.kind, peer.namespace, peer.name))


def _system(namespace: str, settings: Settings) -> bool:
    return namespace in settings.system_namespaces


# --- edge workloads ---------------------------------------------------------------------


def is_edge(labels: Mapping[str, str], services: Iterable[Mapping[str, Any]] = ()) -> bool:
    """Whether pods with ``labels`` are an edge (see the module docstring): selected by one
    of ``services`` (Service bodies of their namespace) of type LoadBalancer or NodePort,
    or labelled as an ingress controller or gateway."""
    if _GATEWAY_LABEL in labels:
        return True
    for key in _EDGE_LABELS:
        value = labels.get(key, "").lower()
        if "ingress" in value or "gateway" in value or value in _EDGE_NAMES:
            return True
    return any(_exposes(service, labels) for service in services)


def _exposes(service: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    spec = service.get("spec")
    if not isinstance(spec, Mapping) or spec.get("type") not in _EDGE_SERVICE_TYPES:
        return False
    selector = spec.get("selector")
    if not isinstance(selector, Mapping) or not selector:
        return False  # a Service without selector selects no pod
    try:
        return selectors.from_match_labels(selector).matches(labels)
    except selectors.SelectorError:
        return False


def _edge_workload(snapshot: Snapshot, workload: Workload) -> bool:
    return is_edge(workload.labels, _model(snapshot).services.get(workload.namespace, ()))


def _in_namespace(snapshot: Snapshot, namespace: str) -> tuple[Workload, ...]:
    return _model(snapshot).by_namespace.get(namespace, ())


def _selected(snapshot: Snapshot, policy: _Read) -> tuple[Workload, ...]:
    return _model(snapshot).selected[policy.ref]


# --- scopes -----------------------------------------------------------------------------


def _tenant_namespaces(snapshot: Snapshot, settings: Settings) -> list[tuple[ObjectRef, Origin | None]]:
    """Declared namespaces, and the namespaces workloads are in, but not system ones."""
    found: dict[str, tuple[ObjectRef, Origin | None]] = {
        name: (namespace.ref, namespace.origin) for name, namespace in snapshot.namespaces.items()
    }
    for workload in snapshot.workloads:
        if workload.namespace and workload.namespace not in found:
            found[workload.namespace] = (ObjectRef("Namespace", workload.namespace), None)
    return [entry for name, entry in sorted(found.items()) if not _system(name, settings)]


def _tenant_namespace_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [ref for ref, _ in _tenant_namespaces(snapshot, settings)]


def _tenant_workload_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [w.ref for w in snapshot.workloads if not _system(w.namespace, settings)]


def _policy_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [policy.ref for policy in _policies(snapshot)]


# --- default deny -----------------------------------------------------------------------


def _default_deny(snapshot: Snapshot, namespace: str, direction: str) -> tuple[str | None, tuple[str, ...]]:
    """(what is wrong, or None when the namespace denies ``direction`` by default; evidence)."""
    here = _model(snapshot).policies_in.get(namespace, ())
    word = _TYPES[direction].lower()
    if not here:
        valid = " valid" if snapshot.in_namespace_of_kind(NETWORK_POLICY, namespace) else ""
        return f"has no{valid} NetworkPolicy, so every pod accepts and opens any connection", ()
    isolating = [p for p in here if p.selects_every_pod and p.isolates(direction)]
    if not isolating:
        why = tuple(
            f"{p.ref}: selects every pod but isolates only {_types_text(p)}"
            for p in here
            if p.selects_every_pod
        )
        return (
            f"has no default-deny {word} policy: no NetworkPolicy in it selects every pod"
            f" (podSelector: {{}}) and isolates {word}",
            why,
        )
    undoing = [
        f"{p.ref.name!r} {direction}[{rule.ref.index}]"
        for p in isolating
        for rule in p.rules(direction)
        if _allows_everything(rule)
    ]
    if undoing:
        party = "source" if direction == "ingress" else "destination"
        return (
            f"isolates {word} of every pod, but NetworkPolicy {', '.join(undoing)} allows every {party}"
            " on every port to every pod",
            tuple(f"{p.ref}: selects every pod and isolates {word}" for p in isolating),
        )
    return None, ()


def _types_text(policy: _Read) -> str:
    types = [_TYPES[direction] for direction in ("ingress", "egress") if policy.isolates(direction)]
    return " and ".join(types) if types else "nothing"


def _default_deny_findings(
    control_id: str, direction: str, snapshot: Snapshot, settings: Settings
) -> Iterator[Finding]:
    for ref, origin in _tenant_namespaces(snapshot, settings):
        problem, why = _default_deny(snapshot, ref.name, direction)
        if problem is not None:
            yield Finding(
                control_id,
                ref,
                origin,
                f"no-default-deny-{direction}",
                f"namespace {ref.name!r} {problem}",
                why=why,
            )


@control(
    id="KW-NET-001",
    title="Namespace does not deny ingress by default",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_tenant_namespace_refs,
    rationale="""
        A pod that no policy isolates for ingress accepts connections from every pod of the
        cluster and every address that can route to it; a workload added to the namespace
        later is open until somebody remembers to write its policy. Starting from "deny
        all" and allowing each needed flow is what makes the namespace a boundary.
    """
    + _CNI_CAVEAT,
    remediation="""
        Add a NetworkPolicy ``default-deny-ingress`` with ``podSelector: {}`` and
        ``policyTypes: [Ingress]`` (no ``ingress`` rules) to the namespace, then one policy
        per flow that must reach its pods.
    """,
    references=(CIS_POLICIES, CIS_CNI, NSA_NETWORK, K8S_NETPOL),
    requires=(NETWORK_POLICY,),
)
def default_deny_ingress(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The namespace denies ingress by default when a NetworkPolicy in it selects every pod
    (``podSelector: {}``, or omitted) and isolates ingress (``policyTypes`` lists Ingress,
    or is omitted), and no such policy has an ingress rule with neither ``from`` nor
    ``ports`` (which allows everything back). Then every pod of the namespace, present and
    future, is isolated for ingress and only what the namespace's policies allow gets in.
    Default deny does not mean that nothing is allowed: other policies add to it
    (KW-NET-006 reports rules that admit every pod or address). Judged on every declared
    namespace and every namespace holding a workload, system namespaces excepted."""
    yield from _default_deny_findings("KW-NET-001", "ingress", snapshot, settings)


@control(
    id="KW-NET-002",
    title="Namespace does not deny egress by default",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_tenant_namespace_refs,
    rationale="""
        A pod that no policy isolates for egress may open connections to every pod and
        every address: a compromised container can reach databases of other namespaces,
        the cloud metadata endpoint and the whole internet (to exfiltrate data or fetch
        tools). Egress isolation limits it to the flows the workload needs.
    """
    + _CNI_CAVEAT,
    remediation="""
        Add a NetworkPolicy with ``podSelector: {}`` and ``policyTypes: [Egress]`` to the
        namespace, a policy allowing DNS to kube-system/kube-dns on UDP and TCP 53 for every
        pod, and one policy per flow the workloads need.
    """,
    references=(CIS_POLICIES, CIS_CNI, NSA_NETWORK, K8S_NETPOL),
    requires=(NETWORK_POLICY,),
)
def default_deny_egress(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The namespace denies egress by default when a NetworkPolicy in it selects every pod
    (``podSelector: {}``, or omitted) and isolates egress (``policyTypes`` lists Egress; a
    policy without ``policyTypes`` isolates egress only when it has ``egress`` rules), and no
    such policy has an egress rule with neither ``to`` nor ``ports``. Then every pod of the
    namespace, present and future, is isolated for egress and only what the namespace's
    policies allow goes out (KW-NET-006 reports rules that allow every destination).
    Judged on the same namespaces as KW-NET-001."""
    yield from _default_deny_findings("KW-NET-002", "egress", snapshot, settings)


# --- workloads no policy selects --------------------------------------------------------


@control(
    id="KW-NET-003",
    title="Workload is selected by no NetworkPolicy",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_tenant_workload_refs,
    rationale="""
        A pod that no NetworkPolicy selects is isolated in neither direction: it accepts
        connections from every pod and every address that routes to it, and may open
        connections anywhere. It is the first stop of lateral movement.
    """
    + _CNI_CAVEAT,
    remediation="""
        Deny by default in the namespace (KW-NET-001, KW-NET-002) and allow the workload's
        flows with policies that select its pods by label (``kubeward netpol generate``
        writes them from observed traffic).
    """,
    references=(CIS_POLICIES, CIS_CNI, NSA_NETWORK),
    requires=(NETWORK_POLICY,),
)
def unselected_workload(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every workload outside the system namespaces must be isolated in at least one
    direction: selected by a NetworkPolicy for ingress or egress, or the subject of an
    admin-tier policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
    with rules in that direction, as the evaluator decides. A workload isolated in one direction only
    is not reported here (KW-NET-001 and KW-NET-002 report its namespace). Workloads on the
    host network are not judged: most network plugins do not apply NetworkPolicies to them,
    so selecting them would not isolate them (KW-POD reports ``hostNetwork``)."""
    model = _model(snapshot)
    net = model.net
    for peer in net.workloads:
        workload = _workload_of(model, peer)
        if workload is None or _system(workload.namespace, settings) or net.host_network(peer):
            continue
        if peer in model.isolation["ingress"] or peer in model.isolation["egress"]:
            continue
        yield Finding(
            "KW-NET-003",
            workload.ref,
            workload.source.origin,
            "not-selected-by-any-network-policy",
            f"{workload.ref.named} is selected by no NetworkPolicy: its pods accept"
            " connections from, and open them to, every pod and every address",
            paths=((*workload.location.metadata, "labels"),),
        )


# --- selectors that match nothing -------------------------------------------------------


def _label_hints(workloads: Sequence[Workload], selector: selectors.Selector) -> tuple[str, ...]:
    """The values the selector's keys take on the given pods (a misspelt label shows)."""
    hints = []
    for key in sorted({requirement.key for requirement in selector.requirements}):
        values = sorted({w.labels[key] for w in workloads if key in w.labels})
        if values:
            hints.append(f"pods here with label {key}: {', '.join(values)}")
    return tuple(hints)


@control(
    id="KW-NET-004",
    title="NetworkPolicy selects no pod",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        A policy whose podSelector matches no pod does nothing. Usually a label is misspelt
        or out of date: the flow it was meant to allow stays denied behind the namespace's
        default deny, or the pods it was meant to isolate stay open.
    """,
    remediation="""
        Make ``spec.podSelector`` match the labels of the pods' template (``kubectl get pods
        --show-labels``), or delete the policy.
    """,
    references=(K8S_NETPOL, NSA_NETWORK),
    requires=(POD,),
)
def policy_selects_nothing(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A NetworkPolicy's ``spec.podSelector`` must match the pod labels of at least one
    workload in the policy's namespace. An empty selector (every pod) is not judged: a
    default deny is right even in a namespace with no pods yet."""
    for policy in _policies(snapshot):
        selector = policy.policy.subject.pods
        if selector.selects_everything or _selected(snapshot, policy):
            continue
        namespace = policy.ref.namespace
        here = _in_namespace(snapshot, namespace)
        yield Finding(
            "KW-NET-004",
            policy.ref,
            policy.obj.origin,
            "policy-selects-no-pod",
            f"NetworkPolicy {policy.ref.name!r}: podSelector {selector} matches no pod"
            f" {in_namespace(namespace)}",
            paths=(("spec", "podSelector"),),
            why=_label_hints(here, selector) or (f"no workload of the input is {in_namespace(namespace)}",),
        )


def _peer_problem(
    snapshot: Snapshot, peer: policies.PeerSpec, matched: dict[selectors.Selector, list[str]]
) -> tuple[str, str, str] | None:
    """(field, reason, what) when the peer's selectors match no namespace or no pod
    (``matched``: the declared namespaces each namespaceSelector matched so far)."""
    if peer.addresses is not None:
        return None
    if peer.namespaces is not None:
        if not snapshot.whole_cluster or not snapshot.knows_all(NAMESPACE):
            return None  # other namespaces may exist
        selector = peer.namespaces
        namespaces = matched.get(selector)
        if namespaces is None:
            namespaces = matched[selector] = [
                name for name in snapshot.namespaces if selector.matches(snapshot.namespace_labels(name))
            ]
        if not namespaces:
            return (
                "namespaceSelector",
                "peer-matches-no-namespace",
                f"namespaceSelector {selector} matches no namespace",
            )
        where = f"in namespaces {', '.join(sorted(namespaces))}"
    else:
        where = in_namespace(peer.namespace)
    net = _model(snapshot).net
    if peer.pods.selects_everything or net.peer_bits(peer) & net.workload_bits:
        return None
    return "podSelector", "peer-matches-no-pod", f"podSelector {peer.pods} matches no pod {where}"


@control(
    id="KW-NET-005",
    title="NetworkPolicy peer matches no namespace or no pod",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        A ``from`` or ``to`` peer whose selectors match nothing allows nothing: the flow the
        rule was written for stays denied (often a misspelt label, or a namespace selected by
        a label it does not carry; namespaces carry ``kubernetes.io/metadata.name``).
    """,
    remediation="""
        Fix the selector to match the peers' labels, or select the namespace by
        ``kubernetes.io/metadata.name``; remove peers that are no longer needed.
    """,
    references=(K8S_NETPOL,),
    requires=(POD,),
)
def peer_matches_nothing(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """In each direction a NetworkPolicy isolates, every peer of every rule that selects by
    label must match something: a ``podSelector`` alone must match a workload's pods in the
    policy's namespace; a ``namespaceSelector`` must match a namespace and, with a
    ``podSelector``, pods in one of those namespaces. Peers with a ``namespaceSelector`` are
    judged only on a whole cluster's state (other namespaces may exist otherwise); empty
    selectors are not judged."""
    matched: dict[selectors.Selector, list[str]] = {}
    for policy in _policies(snapshot):
        for direction in ("ingress", "egress"):
            for rule in policy.rules(direction):
                for number, peer in enumerate(rule.peers or ()):
                    problem = _peer_problem(snapshot, peer, matched)
                    if problem is None:
                        continue
                    field, reason, what = problem
                    where = f"{direction}[{rule.ref.index}].{_PEERS[direction]}[{number}]"
                    yield Finding(
                        "KW-NET-005",
                        policy.ref,
                        policy.obj.origin,
                        reason,
                        f"NetworkPolicy {policy.ref.name!r} {where}: {what}",
                        paths=((*_peer_path(direction, rule.ref.index, number), field),),
                        key=where,
                    )


# --- rules that allow too much ----------------------------------------------------------


def _everyone(rule: policies.ActionRule, direction: str) -> list[tuple[Path, str]]:
    """(path inside the rule, what) for each part of the rule that admits every pod."""
    peers = _PEERS[direction]
    if rule.peers is None:
        party = "source" if direction == "ingress" else "destination"
        return [((), f"has no {peers}, so it allows every {party} (every pod and every address)")]
    return [
        ((peers, number), f"{peers}[{number}] (namespaceSelector: {{}}) allows every pod of every namespace")
        for number, peer in enumerate(rule.peers)
        if peer.namespaces is not None and peer.namespaces.selects_everything and peer.pods.selects_everything
    ]


@control(
    id="KW-NET-006",
    title="NetworkPolicy rule allows every pod or every address",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        A rule with no ``from``/``to`` allows every source or destination, pods of every
        namespace and every address; a peer ``namespaceSelector: {}`` (with no or an empty
        ``podSelector``) allows every pod of every namespace. Either makes the policy a
        formality: any compromised pod in the cluster gets through.
    """,
    remediation="""
        List the peers that need the flow: pods by label, namespaces by
        ``kubernetes.io/metadata.name``, external ranges by ``ipBlock``.
    """,
    references=(NSA_NETWORK, K8S_NETPOL),
)
def rule_allows_everyone(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """In each direction a NetworkPolicy isolates, no rule may omit its peers (``from``/
    ``to`` missing or empty) and no peer may be ``namespaceSelector: {}`` alone or with
    ``podSelector: {}``. Ingress rules of a policy that selects only edge workloads
    (ingress controllers, gateways, pods behind a LoadBalancer or NodePort Service) may
    admit every source: that is their job (KW-NET-008 judges the others)."""
    for policy in _policies(snapshot):
        selected = _selected(snapshot, policy)
        edge_only = bool(selected) and all(_edge_workload(snapshot, w) for w in selected)
        for direction in ("ingress", "egress"):
            if direction == "ingress" and edge_only:
                continue
            for rule in policy.rules(direction):
                for where, what in _everyone(rule, direction):
                    path = (*_rule_path(direction, rule.ref.index), *where)
                    yield Finding(
                        "KW-NET-006",
                        policy.ref,
                        policy.obj.origin,
                        f"{direction}-rule-allows-everyone",
                        f"NetworkPolicy {policy.ref.name!r} {direction}[{rule.ref.index}] {what}"
                        f" {_ports_text(policy.raw_rule(rule))}",
                        paths=(path,),
                        key=".".join(str(part) for part in path[1:]),
                    )


def _whole_space(raw_rule: Mapping[str, Any], number: int) -> tuple[str, str] | None:
    """(the cidr, its except list as text) when peer ``number`` of an egress rule is an
    ipBlock of prefix length 0."""
    block = raw_rule["to"][number]["ipBlock"]
    cidr = ipaddress.ip_network(block["cidr"], strict=False)  # valid: the policy was read
    if cidr.prefixlen:
        return None
    excepted = block.get("except") or []
    return f"IPv{cidr.version}", f"{cidr}" + (f" except {', '.join(excepted)}" if excepted else "")


@control(
    id="KW-NET-007",
    title="NetworkPolicy allows egress to the whole internet",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        An egress rule to ``0.0.0.0/0`` or ``::/0`` lets the pods reach any address: a
        compromised container can send data anywhere and fetch anything. On every port it
        undoes egress isolation towards the outside; even on one port (443) it is the usual
        exfiltration channel. Excepting the private ranges does not change that.
    """,
    remediation="""
        Allow only the ranges the workload talks to (a provider's published ranges, a
        proxy or NAT gateway), or route egress through an egress gateway or proxy that
        filters by name (a CNI with FQDN policies can do it in-cluster).
    """,
    references=(NSA_NETWORK, K8S_NETPOL),
)
def egress_to_internet(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """In a NetworkPolicy that isolates egress, no egress peer may be an ``ipBlock`` whose
    ``cidr`` has prefix length 0 (``0.0.0.0/0``, ``::/0``), whatever its ``except`` list and
    ports. A rule with no ``to`` at all is KW-NET-006."""
    for policy in _policies(snapshot):
        for rule in policy.rules("egress"):
            raw = policy.raw_rule(rule)
            for number, peer in enumerate(rule.peers or ()):
                whole = _whole_space(raw, number) if peer.addresses is not None else None
                if whole is None:
                    continue
                family, block = whole
                index = rule.ref.index
                yield Finding(
                    "KW-NET-007",
                    policy.ref,
                    policy.obj.origin,
                    "egress-to-whole-internet",
                    f"NetworkPolicy {policy.ref.name!r} egress[{index}] allows every {family} address"
                    f" ({block}) {_ports_text(raw)}",
                    paths=((*_peer_path("egress", index, number), "ipBlock", "cidr"),),
                    key=f"egress[{index}].to[{number}]",
                )


def _internet(atom: network.IpRange) -> bool:
    """Whether the range holds an internet address (it is not inside a private, loopback,
    link-local, shared, multicast or reserved network)."""
    return not any(atom.start in cidr and atom.end in cidr for cidr in _NON_INTERNET)


_Exposure = tuple[str, connections.ConnectionSet, frozenset[connections.RuleRef]] | None


def _open_to_internet(model: _Model, peer: network.WorkloadPeer) -> _Exposure:
    """(address family, the ports every internet address may use, the rules allowing them)
    when every internet address of IPv4 (or else of IPv6) may connect to the workload on
    some port. The rules are those that allow the common ports to some of the addresses
    (all that allow any, when no port is common): a rule that admits one range on another
    port is not to blame."""
    for version in (4, 6):
        atoms = model.internet[version]
        common = connections.ConnectionSet.all()
        found: list[connections.Explained] = []
        for atom in atoms:
            allowed = evaluate.verdict(model.net, atom, peer).ingress.allowed
            if not allowed.connections():
                break
            common = common & allowed.connections()
            found.append(allowed)
        else:
            if atoms:
                rules = frozenset(
                    rule
                    for allowed in found
                    for part, part_rules in allowed.parts
                    if not common or part & common
                    for rule in part_rules
                )
                return f"IPv{version}", common, rules
    return None


def _origin(snapshot: Snapshot, ref: ObjectRef) -> Origin | None:
    found = snapshot.get(ref.group_kind, ref.namespace, ref.name)
    return found.origin if found is not None else None


@control(
    id="KW-NET-008",
    title="Workload that is not an edge admits connections from the whole internet",
    section="NET",
    severity=Severity.HIGH,
    scope=_tenant_workload_refs,
    rationale="""
        Only the edge of the cluster (ingress controllers, gateways, pods behind a
        LoadBalancer) should accept connections from any address. An internal workload
        whose policies admit the whole internet is one misrouted Service or leaked node
        port away from exposure, and defeats the layered design where the edge terminates
        TLS and authenticates first.
    """,
    remediation="""
        Admit the workload's real clients: the ingress controller's or gateway's pods
        (``namespaceSelector`` + ``podSelector``) or the internal ranges that need it;
        if the workload must be public, put it behind the ingress controller or a
        LoadBalancer Service.
    """,
    references=(NSA_NETWORK, K8S_NETPOL),
    requires=(SERVICE,),
)
def internet_ingress(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload isolated for ingress, outside the system namespaces and not an edge (see
    below), must not admit connections from every internet address of IPv4 or of IPv6:
    every address outside 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
    192.168/16, 224/3 (multicast and reserved), ::/127, fc00::/7, fe80::/10 and ff00::/8 may
    connect on some port, as the evaluator computes it over the union of all rules (the
    finding lists the ports every one of them may use). Edge workloads: pods selected by a
    LoadBalancer or NodePort Service, labelled ``gateway.networking.k8s.io/gateway-name``,
    or whose ``app``, ``app.kubernetes.io/name``, ``app.kubernetes.io/component`` or
    ``istio`` label contains ``ingress`` or ``gateway`` or names traefik, contour, envoy,
    kong, haproxy, emissary or ambassador. Reported on each policy whose rules admit it
    (a workload not isolated for ingress is KW-NET-003's or KW-NET-001's)."""
    model = _model(snapshot)
    net = model.net
    # what an address may open to a workload depends only on the policies selecting it for
    # ingress and on its ports those policies name: decided once per such class of workloads
    by_ref = {policy.ref: policy for policy in net.policies}
    names: dict[tuple[ObjectRef, ...], frozenset[str]] = {}
    decided: dict[tuple[Any, ...], _Exposure] = {}
    for peer in net.workloads:
        workload = _workload_of(model, peer)
        if workload is None or _system(workload.namespace, settings) or _edge_workload(snapshot, workload):
            continue
        isolating = model.isolation["ingress"].get(peer)
        if not isolating:
            continue
        if isolating not in names:
            names[isolating] = frozenset(
                port.name
                for ref in isolating
                for rule in by_ref[ref].ingress
                for port in rule.ports or ()
                if port.name
            )
        declared = net.named_ports(peer)
        key = (isolating, tuple((name, declared.get(name)) for name in sorted(names[isolating])))
        if key not in decided:
            decided[key] = _open_to_internet(model, peer)
        found = decided[key]
        if found is None:
            continue
        family, ports, rules = found
        by_policy: dict[ObjectRef, list[connections.RuleRef]] = {}
        for rule in sorted(rules):
            by_policy.setdefault(rule.policy, []).append(rule)
        for policy, policy_rules in sorted(by_policy.items()):
            yield Finding(
                "KW-NET-008",
                policy,
                _origin(snapshot, policy),
                "internet-ingress-to-non-edge-workload",
                f"{policy.named} admits every {family} internet address to"
                f" {workload.ref.named}, which is not an edge workload,"
                f" {_connections_text(ports) if ports else 'on ports that differ by address range'}",
                paths=tuple(_rule_path(rule.direction, rule.index) for rule in policy_rules),
                why=tuple(str(rule) for rule in policy_rules),
                key=str(workload.ref),
            )


# --- DNS --------------------------------------------------------------------------------


_ASSUMED_DNS = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "kube-dns-assumed", "namespace": _DNS_NAMESPACE, "labels": dict(_DNS_LABELS)},
    "spec": {
        "containers": [
            {
                "name": "coredns",
                "image": "registry.k8s.io/coredns/coredns",
                "ports": [
                    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                ],
            }
        ]
    },
}


def _is_dns(net: network.Network, peer: network.WorkloadPeer) -> bool:
    labels = net.labels(peer)
    return peer.namespace == _DNS_NAMESPACE and all(labels.get(k) == v for k, v in _DNS_LABELS.items())


_DNS_MODELS: dict[int, tuple[network.Network, Isolation, bool]] = {}


def _dns_network(snapshot: Snapshot) -> tuple[network.Network, Isolation, bool]:
    """The network to judge DNS in, its isolation, and whether its kube-dns pods are
    assumed: when the input has none, a pod like kubeadm's CoreDNS (kube-system, ``k8s-app:
    kube-dns``, ports dns 53/UDP and dns-tcp 53/TCP) is added."""
    key = id(snapshot)
    found = _DNS_MODELS.get(key)
    if found is None:
        model = _model(snapshot)
        net = model.net
        if any(_is_dns(net, peer) for peer in net.workloads):
            found = (net, model.isolation, False)
        else:
            body = _ASSUMED_DNS
            assumed = KubeObject(
                body, ObjectRef("Pod", "kube-dns-assumed", _DNS_NAMESPACE), Origin("<assumed kube-dns>"), "v1"
            )
            net = network.network_of(dataclasses.replace(snapshot, objects=(*snapshot.objects, assumed)))
            found = (net, _isolation(net), True)
        _DNS_MODELS[key] = found
        weakref.finalize(snapshot, _DNS_MODELS.pop, key, None)
    return found


@control(
    id="KW-NET-009",
    title="Egress policy leaves workloads without DNS",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        Once a pod is isolated for egress, DNS is denied like everything else unless a rule
        allows it; lookups time out and the workload fails in ways that rarely point at
        the policy (a classic outage after "adding a default deny"). CoreDNS answers on UDP
        53 and, for large answers and retries, on TCP 53: both are needed.
    """,
    remediation="""
        Add an egress rule (or a namespace-wide policy with ``podSelector: {}``) allowing
        ``to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name:
        kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]`` on UDP 53 and
        TCP 53.
    """,
    references=(NSA_NETWORK, K8S_NETPOL, "Kubernetes documentation: Debugging DNS Resolution"),
    requires=(NETWORK_POLICY,),
)
def egress_without_dns(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every workload isolated for egress must be allowed to reach the kube-dns pods
    (kube-system pods labelled ``k8s-app: kube-dns``) on both UDP 53 and TCP 53: the
    evaluator's answer, so a route allowed by any rule of any policy counts, and the DNS
    pods' own ingress policies apply too. When the input holds no kube-dns pods, a CoreDNS
    pod with the standard labels and ports is assumed. Workloads on the host network are
    not judged (policies may not apply to them). Reported on each policy that isolates
    such a workload for egress, naming the workloads."""
    model = _model(snapshot)
    net, isolation, assumed = _dns_network(snapshot)
    servers = [peer for peer in net.workloads if _is_dns(net, peer)]
    by_ref = {policy.ref: policy for policy in net.policies}
    # what a client may open to the servers depends only on the policies selecting it for
    # egress and on which rules of the servers' ingress policies match it: decided once
    server_rules = [
        net.rule_bits[rule]
        for server in servers
        for ref in isolation["ingress"].get(server, ())
        for rule in by_ref[ref].ingress
    ]
    decided: dict[tuple[Any, ...], connections.ConnectionSet] = {}
    stranded: dict[ObjectRef, list[tuple[network.WorkloadPeer, connections.ConnectionSet, str]]] = {}
    for peer in net.workloads:
        if _workload_of(model, peer) is None or _is_dns(net, peer) or net.host_network(peer):
            continue
        egress = isolation["egress"].get(peer)
        if not egress:
            continue
        bit = 1 << net.peer_index(peer)
        key = (egress, tuple(bool(bits & bit) for bits in server_rules))
        missing = decided.get(key)
        if missing is None:
            allowed = connections.ConnectionSet.none()
            for server in servers:
                allowed = allowed | evaluate.verdict(net, peer, server).allowed
            missing = decided[key] = _DNS - allowed
        isolating = ", ".join(str(ref) for ref in egress)
        for policy in egress if missing else ():
            stranded.setdefault(policy, []).append((peer, missing, isolating))
    note = (
        ["no kube-dns pods in the input: assumed kube-system pods labelled k8s-app=kube-dns"]
        if assumed
        else []
    )
    for policy, workloads in sorted(stranded.items()):
        obj = snapshot.get(policy.group_kind, policy.namespace, policy.name)
        spec = obj.body.get("spec") if obj is not None else None
        spec = spec if isinstance(spec, Mapping) else _EMPTY
        names = ", ".join(f"{peer} (denied: {missing})" for peer, missing, _ in workloads)
        yield Finding(
            "KW-NET-009",
            policy,
            obj.origin if obj is not None else None,
            "egress-without-dns",
            f"{policy.named} isolates egress of {names}, and no policy lets them reach"
            " kube-dns on UDP and TCP 53",
            paths=(("spec", "egress") if "egress" in spec else ("spec", "policyTypes"),),
            why=tuple(
                note + [f"{peer}: isolated for egress by {isolating}" for peer, _, isolating in workloads]
            ),
        )


# --- policyTypes ------------------------------------------------------------------------


@control(
    id="KW-NET-010",
    title="NetworkPolicy with egress rules and no policyTypes also denies all ingress",
    section="NET",
    severity=Severity.MEDIUM,
    scope=_policy_refs,
    rationale="""
        Without ``policyTypes`` the API server makes a policy isolate Ingress always (and
        Egress because it has egress rules). A policy written to restrict egress thus also
        isolates its pods for ingress, and with no ingress rules it admits nothing: the
        pods silently stop accepting connections unless another policy allows them.
    """,
    remediation="""
        Set ``policyTypes: [Egress]`` if the policy is about egress only, or add the
        ingress rules the pods need (and ``policyTypes: [Ingress, Egress]``, to say so).
    """,
    references=(K8S_NETPOL,),
)
def missing_policy_types(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A NetworkPolicy without ``policyTypes`` (or with an empty list) that has ``egress``
    rules must have ``ingress`` rules too. A policy with neither ``ingress`` nor ``egress``
    rules is the documented default-deny-ingress idiom and passes."""
    for policy in _policies(snapshot):
        spec = policy.spec
        if spec.get("policyTypes") or spec.get("ingress") or not spec.get("egress"):
            continue
        yield Finding(
            "KW-NET-010",
            policy.ref,
            policy.obj.origin,
            "egress-policy-denies-ingress",
            f"NetworkPolicy {policy.ref.name!r} has egress rules but no policyTypes and no ingress rules,"
            " so it also denies all ingress to the pods it selects",
            paths=(("spec",),),
            why=(f"selects: {', '.join(str(w.ref) for w in _selected(snapshot, policy)) or 'no pod'}",),
        )


# --- problems the evaluator found -------------------------------------------------------


def _invalid_policies(snapshot: Snapshot) -> dict[ObjectRef, list[network.Problem]]:
    found: dict[ObjectRef, list[network.Problem]] = {}
    for problem in _model(snapshot).net.problems:
        if problem.severity == "error":
            found.setdefault(problem.ref, []).append(problem)
    return found


def _invalid_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [policy.ref for policy in _policies(snapshot)] + list(_invalid_policies(snapshot))


def _warning_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [policy.ref for policy in _policies(snapshot)]


@control(
    id="KW-NET-011",
    title="Network policy is invalid",
    section="NET",
    severity=Severity.HIGH,
    scope=_invalid_refs,
    rationale="""
        The API server rejects an invalid policy (or a part of it), and network plugins
        differ in what they make of what gets through: the isolation the manifest promises
        does not exist. The evaluator reads the rest of the policy as Kubernetes would.
    """,
    remediation="""
        Fix the field named in the finding (``kubectl apply --dry-run=server`` shows the API
        server's own message).
    """,
    references=(K8S_NETPOL,),
)
def invalid_policy(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every NetworkPolicy (and admin-tier policy) must be valid: the evaluator's errors
    (an invalid selector, CIDR, port, protocol or ``endPort``, a peer that mixes
    ``ipBlock`` with selectors, an ``except`` outside its ``cidr``...) are reported."""
    for ref, problems in sorted(_invalid_policies(snapshot).items()):
        messages = [problem.message for problem in problems if problem.path] or [problems[0].message]
        yield Finding(
            "KW-NET-011",
            ref,
            _origin(snapshot, ref),
            "invalid-network-policy",
            f"{ref.named} would be rejected by the API server, so it is not in force: " + "; ".join(messages),
            paths=tuple(tuple(problem.path) for problem in problems if problem.path),
        )


@control(
    id="KW-NET-012",
    title="Network policy has a field network plugins read differently",
    section="NET",
    severity=Severity.LOW,
    scope=_warning_refs,
    rationale="""
        Some valid forms are read differently by different network plugins or mean nothing:
        a CIDR with host bits set (``10.0.1.12/24``) is accepted by the API server but
        ignored by some plugins; a named port no destination pod declares allows nothing.
    """,
    remediation="""
        Write CIDRs in canonical form (network address), and use port numbers or names the
        destination pods declare with the right protocol.
    """,
    references=(K8S_NETPOL, "kubernetes/website blog 2021-04-20: Defining Network Policy Conformance"),
)
def policy_warnings(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The evaluator's warnings about NetworkPolicies and admin-tier policies are reported:
    non-canonical CIDRs, named ports that resolve on no destination pod, and the other
    forms it flags as read differently by network plugins."""
    for problem in _model(snapshot).net.problems:
        if problem.severity == "warning":
            yield Finding(
                "KW-NET-012",
                problem.ref,
                _origin(snapshot, problem.ref),
                "network-policy-warning",
                f"{problem.ref.named}: {problem.message}",
                paths=(tuple(problem.path),) if problem.path else (),
                key=f"{'.'.join(map(str, problem.path))}: {problem.message}",
            )
