"""The admin tiers (``policy.networking.k8s.io``): AdminNetworkPolicy and
BaselineAdminNetworkPolicy (v1alpha1), and their successor ClusterNetworkPolicy
(v1alpha2, v1beta1; ``tier: Admin | Baseline``).

Read into the engine's :class:`~kubeward.engines.netpol.policies.Policy`: a subject, ordered
rules with actions ``Allow`` (ANP Allow, CNP Accept), ``Deny`` and ``Pass``. Objects the
CRD validation would reject are ignored and reported. Not modelled: ``nodes`` and
``domainNames`` peers (reported; they match nothing here); ``networks`` match external
addresses only (np-guard/netpol-analyzer's reading; every version of the API, the v1alpha1
AdminNetworkPolicy as well as ClusterNetworkPolicy, says cluster-internal traffic is checked
against them too, which needs pod IPs that manifests do not have).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubeward.engines.netpol import policies
from kubeward.engines.netpol.connections import MAX_PORT, MIN_PORT, PROTOCOLS, RuleRef
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.engines.netpol.policies import (
    EGRESS,
    INGRESS,
    ActionRule,
    PeerSpec,
    Policy,
    PolicyProblem,
    Port,
    Problem,
)
from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef, Path

__all__ = ["READERS", "priority_clashes"]

_GROUP = "policy.networking.k8s.io"
_ACTIONS = {
    "AdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny", "Pass": "Pass"},
    "BaselineAdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny"},
    "ClusterNetworkPolicy": {"Accept": "Allow", "Deny": "Deny", "Pass": "Pass"},
}
_NOT_PODS = frozenset({"networks", "nodes", "domainNames"})
_MAX_RULES = {"AdminNetworkPolicy": 100, "BaselineAdminNetworkPolicy": 100, "ClusterNetworkPolicy": 25}


def read_admin(ref: ObjectRef, body: Mapping[str, Any]) -> tuple[Policy | None, list[PolicyProblem]]:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy."""
    problems: list[PolicyProblem] = []
    kind = ref.kind
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        return None, [PolicyProblem(("spec",), f"a {kind} needs a spec", "error")]
    tier, priority = _tier_and_priority(kind, ref, spec, problems)
    subject = _subject(kind, spec.get("subject"), ("spec", "subject"), problems)
    rules = {
        direction: tuple(
            rule
            for index, raw in enumerate(spec.get(direction) or ())
            if (rule := _rule(ref, direction, index, raw, problems, _canonical_networks(body))) is not None
        )
        for direction in (INGRESS, EGRESS)
    }
    for direction in (INGRESS, EGRESS):
        if len(spec.get(direction) or ()) > _MAX_RULES[kind]:
            problems.append(
                PolicyProblem(("spec", direction), f"at most {_MAX_RULES[kind]} rules are allowed", "error")
            )
    if subject is None or any(problem.severity == "error" for problem in problems):
        return None, problems
    policy = Policy(
        ref=ref,
        tier=tier,
        priority=priority,
        subject=subject,
        ingress=rules[INGRESS],
        egress=rules[EGRESS],
        isolates=frozenset(direction for direction in (INGRESS, EGRESS) if spec.get(direction)),
    )
    return policy, problems


def _canonical_networks(body: Mapping[str, Any]) -> bool:
    """ClusterNetworkPolicy v1beta1 requires canonical ``networks`` (CEL ``cidr(self) ==
    cidr(self).masked()``); v1alpha2 (``isCIDR(self)``) and v1alpha1 (net.ParseCIDR) do not."""
    return body.get("kind") == "ClusterNetworkPolicy" and body.get("apiVersion") == f"{_GROUP}/v1beta1"


def _tier_and_priority(
    kind: str, ref: ObjectRef, spec: Mapping[str, Any], problems: list[PolicyProblem]
) -> tuple[str, int]:
    if kind == "BaselineAdminNetworkPolicy":
        if ref.name != "default":
            problems.append(
                PolicyProblem(
                    ("metadata", "name"), 'only one BaselineAdminNetworkPolicy, named "default"', "error"
                )
            )
        return "Baseline", 0
    tier = "Admin"
    if kind == "ClusterNetworkPolicy":
        tier = spec.get("tier", "")
        if tier not in ("Admin", "Baseline"):
            problems.append(PolicyProblem(("spec", "tier"), f"{tier!r}: must be Admin or Baseline", "error"))
    priority = spec.get("priority")
    if not isinstance(priority, int) or not 0 <= priority <= 1000:
        problems.append(PolicyProblem(("spec", "priority"), "required, between 0 and 1000", "error"))
        priority = 0
    return tier, priority


def _pods(kind: str, value: Any, path: Path, problems: list[PolicyProblem]) -> PeerSpec | None:
    """``pods: {namespaceSelector, podSelector}`` (empty selects all; v1alpha1 requires
    both, ClusterNetworkPolicy only ``podSelector``)."""
    required = ("podSelector",) if kind == "ClusterNetworkPolicy" else ("namespaceSelector", "podSelector")
    for key in required:
        if not isinstance(value, Mapping) or key not in value:
            problems.append(PolicyProblem((*path, key), "Required value", "error"))
            return None
    namespaces = policies.selector(value.get("namespaceSelector", {}), (*path, "namespaceSelector"), problems)
    pods = policies.selector(value["podSelector"], (*path, "podSelector"), problems)
    if namespaces is None or pods is None:
        return None
    return PeerSpec("", namespaces, pods)


def _one_of(value: Any, keys: tuple[str, ...], path: Path, problems: list[PolicyProblem]) -> str | None:
    present = [key for key in keys if isinstance(value, Mapping) and key in value]
    if len(present) != 1:
        problems.append(PolicyProblem(path, f"exactly one of {', '.join(keys)} must be set", "error"))
        return None
    return present[0]


def _subject(kind: str, value: Any, path: Path, problems: list[PolicyProblem]) -> PeerSpec | None:
    key = _one_of(value, ("namespaces", "pods"), path, problems)
    if key == "namespaces":
        namespaces = policies.selector(value["namespaces"], (*path, "namespaces"), problems)
        return None if namespaces is None else PeerSpec("", namespaces, selectors.EVERYTHING)
    if key == "pods":
        return _pods(kind, value["pods"], (*path, "pods"), problems)
    return None


def _rule(
    ref: ObjectRef,
    direction: str,
    index: int,
    raw: Mapping[str, Any],
    problems: list[PolicyProblem],
    canonical_networks: bool,
) -> ActionRule | None:
    path: Path = ("spec", direction, index)
    before = len(problems)
    action = _ACTIONS[ref.kind].get(raw.get("action", ""))
    if action is None:
        choices = ", ".join(_ACTIONS[ref.kind])
        problems.append(
            PolicyProblem((*path, "action"), f"{raw.get('action')!r}: must be one of {choices}", "error")
        )
    peers_key = "from" if direction == INGRESS else "to"
    raw_peers = raw.get(peers_key) or []
    if not raw_peers:
        problems.append(PolicyProblem((*path, peers_key), "at least one peer is required", "error"))
    peer_keys = (
        ("namespaces", "pods")
        if direction == INGRESS
        else ("namespaces", "pods", "nodes", "networks", "domainNames")
    )
    peers: list[PeerSpec] = []
    for peer_index, raw_peer in enumerate(raw_peers):
        peer_path = (*path, peers_key, peer_index)
        key = _one_of(raw_peer, peer_keys, peer_path, problems)
        peer = _peer(ref.kind, raw_peer, key, peer_path, problems, canonical_networks)
        if peer is not None:
            peers.append(peer)
    ports = _ports(raw, path, problems)
    addressed = any(isinstance(peer, Mapping) and _NOT_PODS & set(peer) for peer in raw_peers)
    if addressed and any(port.name for port in ports or ()):
        # the CRDs reject this only in the experimental channel: a warning, as for NetworkPolicy
        problems.append(
            PolicyProblem(
                path,
                "named ports resolve on the destination pod: to networks, nodes or domain names they "
                "match nothing (the experimental CRDs reject this rule)",
                "warning",
            )
        )
    if any(problem.severity == "error" for problem in problems[before:]):
        return None
    return ActionRule(RuleRef(ref, direction, index), tuple(peers), ports, action or "Deny")


def _peer(
    kind: str, raw: Any, key: str | None, path: Path, problems: list[PolicyProblem], canonical_networks: bool
) -> PeerSpec | None:
    if key == "namespaces":
        namespaces = policies.selector(raw["namespaces"], (*path, "namespaces"), problems)
        return None if namespaces is None else PeerSpec("", namespaces, selectors.EVERYTHING)
    if key == "pods":
        return _pods(kind, raw["pods"], (*path, "pods"), problems)
    if key == "networks":
        addresses = IntervalSet()
        for index, text in enumerate(raw["networks"]):
            network = policies.parse_cidr(
                text, (*path, "networks", index), problems, strict=True, canonical=canonical_networks
            )
            if network is not None:
                addresses = addresses | policies.cidr_addresses(network)
        if addresses & policies.PRIVATE_ADDRESSES:
            problems.append(
                PolicyProblem(
                    (*path, "networks"),
                    "networks cover private addresses, where pod IPs live: kubeward matches them against "
                    "external addresses only (as np-guard/netpol-analyzer does); the API says pod-to-pod "
                    "traffic is checked against them too (a Deny of 0.0.0.0/0 also denies IPv4 pod traffic)",
                    "note",
                )
            )
        return PeerSpec("", None, selectors.NOTHING, addresses)
    if key in ("nodes", "domainNames"):
        problems.append(
            PolicyProblem(
                (*path, key),
                f"{key} peers are not modelled (offline analysis knows no node addresses or DNS answers); "
                "kubeward treats this peer as matching nothing",
                "warning",
            )
        )
    return None


def _ports(raw: Mapping[str, Any], path: Path, problems: list[PolicyProblem]) -> tuple[Port, ...] | None:
    """``ports`` (v1alpha1: portNumber | namedPort | portRange) or ``protocols`` (CNP)."""
    if raw.get("ports"):
        return tuple(
            port
            for index, entry in enumerate(raw["ports"])
            if (port := _anp_port(entry, (*path, "ports", index), problems)) is not None
        )
    if raw.get("protocols"):
        return tuple(
            port
            for index, entry in enumerate(raw["protocols"])
            if (port := _cnp_protocol(entry, (*path, "protocols", index), problems)) is not None
        )
    return None


def _range(
    start: Any, end: Any, path: Path, problems: list[PolicyProblem], single: bool = True
) -> IntervalSet | None:
    """Ports ``start``-``end``; ``single``: may the range be one port."""
    if not (MIN_PORT <= start <= MAX_PORT and MIN_PORT <= end <= MAX_PORT and start <= end) or (
        start == end and not single
    ):
        rule = "" if single else " (start must be less than end)"
        problems.append(PolicyProblem(path, f"invalid port range {start}-{end}{rule}", "error"))
        return None
    return IntervalSet([(start, end)])


def _protocol(value: Any, path: Path, problems: list[PolicyProblem]) -> str | None:
    protocol = value if value is not None else "TCP"
    if protocol not in PROTOCOLS:
        problems.append(PolicyProblem(path, f"unsupported protocol {protocol!r}", "error"))
        return None
    return str(protocol)


def _anp_port(entry: Any, path: Path, problems: list[PolicyProblem]) -> Port | None:
    key = _one_of(entry, ("portNumber", "namedPort", "portRange"), path, problems)
    if key == "namedPort":
        return Port(None, IntervalSet(), entry["namedPort"])
    if key == "portNumber":
        value = entry["portNumber"]
        protocol = _protocol(value.get("protocol"), (*path, key, "protocol"), problems)
        ports = _range(value.get("port"), value.get("port"), (*path, key, "port"), problems)
    elif key == "portRange":
        value = entry["portRange"]
        protocol = _protocol(value.get("protocol"), (*path, key, "protocol"), problems)
        ports = _range(value.get("start"), value.get("end"), (*path, key), problems)
    else:
        return None
    return None if protocol is None or ports is None else Port(protocol, ports)


def _cnp_protocol(entry: Any, path: Path, problems: list[PolicyProblem]) -> Port | None:
    key = _one_of(entry, ("tcp", "udp", "sctp", "destinationNamedPort"), path, problems)
    if key is None:
        return None
    if key == "destinationNamedPort":
        return Port(None, IntervalSet(), entry[key])
    destination = (entry[key] or {}).get("destinationPort")
    if destination is None:
        return Port(key.upper(), IntervalSet([(MIN_PORT, MAX_PORT)]))
    if "number" in destination:
        ports = _range(
            destination["number"], destination["number"], (*path, key, "destinationPort"), problems
        )
    elif "range" in destination:
        bounds = destination["range"]
        ports = _range(
            bounds.get("start"),
            bounds.get("end"),
            (*path, key, "destinationPort", "range"),
            problems,
            single=False,  # CEL: self.start < self.end
        )
    else:
        problems.append(
            PolicyProblem((*path, key, "destinationPort"), "number or range is required", "error")
        )
        return None
    return None if ports is None else Port(key.upper(), ports)


def priority_clashes(policy_list: Iterable[Policy]) -> list[Problem]:
    """Admin-tier policies sharing a priority: their order is up to the implementation."""

    by_priority: dict[tuple[str, int], list[ObjectRef]] = defaultdict(list)
    for policy in policy_list:
        if policy.tier == "Admin":
            by_priority[(policy.tier, policy.priority)].append(policy.ref)
    return [
        Problem(
            ref,
            ("spec", "priority"),
            f"priority {priority} is shared with {', '.join(other.name for other in refs if other != ref)}: "
            "which one wins where both match is up to the implementation (kubeward orders them by name)",
            "warning",
        )
        for (_, priority), refs in by_priority.items()
        if len(refs) > 1
        for ref in refs
    ]


READERS: Mapping[
    GroupKind, Callable[[ObjectRef, Mapping[str, Any]], tuple[Policy | None, list[PolicyProblem]]]
] = {GroupKind(_GROUP, kind): read_admin for kind in _ACTIONS}
