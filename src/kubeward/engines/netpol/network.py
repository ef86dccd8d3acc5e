"""The network a snapshot describes: workloads, external address atoms and the policies,
indexed once so that every question after that is set algebra.

Peers are numbered: the workloads (sorted) first, then the IP atoms. Each policy's
subject and each rule's peers are Python integers used as bitsets over those numbers,
computed once with cached selector matches, so a rule is matched against a peer with one
bit test and against a class of peers with one ``&`` (the reference's advice: equivalence
classes and per-rule precomputation instead of pairwise selector matching).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kubeward.engines.netpol import admin, policies
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.engines.netpol.policies import (
    IPV6_OFFSET,
    ActionRule,
    PeerSpec,
    Policy,
    Problem,
    ip_number,
)
from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef, Path
from kubeward.snapshot.snapshot import NAMESPACE_NAME_LABEL, KubeObject, Snapshot, Workload

__all__ = ["IpRange", "Network", "Peer", "Problem", "WorkloadPeer", "network_of", "peer_order"]

NETWORK_POLICY = GroupKind("networking.k8s.io", "NetworkPolicy")
_POD_TEMPLATE = GroupKind("", "PodTemplate")
_SPACE_END = IPV6_OFFSET + 2**128 - 1


@dataclass(frozen=True)
class WorkloadPeer:
    """A workload: its top owner (for a pod whose controller is absent, the owner it names)."""

    kind: str
    namespace: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name}

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class IpRange:
    """External addresses ``start``-``end`` (one family)."""

    start: ipaddress.IPv4Address | ipaddress.IPv6Address
    end: ipaddress.IPv4Address | ipaddress.IPv6Address

    def to_json(self) -> dict[str, str]:
        return {"ipRange": self._text}

    @cached_property
    def _text(self) -> str:
        return f"{self.start}-{self.end}"

    def cidrs(self) -> list[str]:
        return [str(network) for network in ipaddress.summarize_address_range(self.start, self.end)]

    def __str__(self) -> str:
        cidrs = self.cidrs()
        return cidrs[0] if len(cidrs) == 1 else f"{self.start}-{self.end}"


Peer = WorkloadPeer | IpRange


def peer_order(peer: Peer) -> tuple[Any, ...]:
    """Workloads by namespace, name and kind; then IPv4 ranges, then IPv6 ranges."""
    if isinstance(peer, WorkloadPeer):
        return (0, peer.namespace, peer.name, peer.kind)
    return (1, peer.start.version, int(peer.start), int(peer.end))


@dataclass(frozen=True)
class _WorkloadFacts:
    labels: Mapping[str, str]
    named_ports: Mapping[str, tuple[tuple[str, int], ...]]  # name -> ((protocol, port), ...)
    host_network: bool
    pods: tuple[str, ...]


class Network:
    """Built by :func:`network_of`; read-only afterwards."""

    workloads: tuple[WorkloadPeer, ...]
    atoms: tuple[IpRange, ...]
    problems: tuple[Problem, ...]
    policies: tuple[Policy, ...]

    def __init__(
        self,
        workloads: Iterable[tuple[WorkloadPeer, _WorkloadFacts]],
        namespace_labels: Mapping[str, Mapping[str, str]],
        policy_list: Iterable[Policy],
        problems: Iterable[Problem],
    ) -> None:
        pairs = sorted(workloads, key=lambda pair: peer_order(pair[0]))
        self.workloads = tuple(peer for peer, _ in pairs)
        self._facts = tuple(facts for _, facts in pairs)
        self._index = {peer: index for index, peer in enumerate(self.workloads)}
        self.policies = tuple(sorted(policy_list, key=_policy_order))
        self._namespace_labels = namespace_labels
        self._atom_starts = _atom_starts(self.policies)
        self.atoms = tuple(_ip_range(start, end) for start, end in _atom_bounds(self._atom_starts))
        self.problems = tuple(problems)
        workload_count = len(self.workloads)
        self.workload_bits = (1 << workload_count) - 1
        self.atom_bits = ((1 << len(self.atoms)) - 1) << workload_count
        self.host_network_bits = sum(
            1 << index for index, facts in enumerate(self._facts) if facts.host_network
        )
        self._namespace_bits: dict[str, int] = defaultdict(int)
        for index, peer in enumerate(self.workloads):
            self._namespace_bits[peer.namespace] |= 1 << index
        self._selected: dict[selectors.Selector, int] = {}
        self._label_index: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._declaring: dict[tuple[str, str | None], int] = defaultdict(int)
        for index, facts in enumerate(self._facts):
            for key, value in facts.labels.items():
                self._label_index[key][value].append(index)
            for name, ports in facts.named_ports.items():
                for protocol, _ in ports:
                    self._declaring[(name, protocol)] |= 1 << index
                    self._declaring[(name, None)] |= 1 << index
        self._namespaces_selected: dict[selectors.Selector, int] = {}
        self.subject_bits = {policy.ref: self._subject(policy) for policy in self.policies}
        self.rule_bits: dict[ActionRule, int] = {
            rule: self._rule_peers(policy, rule)
            for policy in self.policies
            for rule in policy.ingress + policy.egress
        }
        self._by_name = _names(self.workloads, self._facts)
        self.problems += tuple(self._unresolved_named_ports())

    # --- the public questions --------------------------------------------------------

    def find(self, text: str) -> Peer:
        """``ns/workload``, ``ns/Kind/name``, ``ns/pod-name`` (its workload) or an IP address
        (its atom)."""
        text = text.strip()
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            return self.atoms[self.atom_index(ip_number(address))]
        found = self._by_name.get(text)
        if found is None:
            raise KeyError(
                f"no workload or pod {text!r} (expected namespace/name, namespace/Kind/name or an IP address)"
            )
        if len(found) > 1:
            choices = ", ".join(f"{peer.namespace}/{peer.kind}/{peer.name}" for peer in found)
            raise KeyError(f"{text!r} is ambiguous: {choices}")
        return found[0]

    def labels(self, peer: WorkloadPeer) -> Mapping[str, str]:
        return self._facts[self._index[peer]].labels

    def host_network(self, peer: Peer) -> bool:
        return isinstance(peer, WorkloadPeer) and self._facts[self._index[peer]].host_network

    def named_ports(self, peer: Peer) -> Mapping[str, tuple[tuple[str, int], ...]]:
        """The destination's container ports by name (an address range has none)."""
        return self._facts[self._index[peer]].named_ports if isinstance(peer, WorkloadPeer) else {}

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        return self._namespace_labels.get(namespace) or {NAMESPACE_NAME_LABEL: namespace}

    def selected(self, policy: ObjectRef) -> tuple[WorkloadPeer, ...]:
        """The workloads a (valid) policy applies to; empty for a policy that is not."""
        bits = self.subject_bits.get(policy, 0)
        return tuple(peer for index, peer in enumerate(self.workloads) if bits >> index & 1)

    # --- numbering -------------------------------------------------------------------

    def peer_index(self, peer: Peer) -> int:
        if isinstance(peer, WorkloadPeer):
            return self._index[peer]
        return len(self.workloads) + self.atom_index(ip_number(peer.start))

    def atom_index(self, number: int) -> int:
        return bisect.bisect_right(self._atom_starts, number) - 1

    def atoms_in(self, peer: IpRange) -> range:
        """The atoms a range covers."""
        return range(self.atom_index(ip_number(peer.start)), self.atom_index(ip_number(peer.end)) + 1)

    def policies_selecting(self, index: int, direction: str) -> tuple[Policy, ...]:
        """Every policy (all tiers, in evaluation order) that applies to the workload in
        this direction."""
        bit = 1 << index
        return tuple(
            policy
            for policy in self.policies
            if self.subject_bits[policy.ref] & bit and (direction in policy.isolates)
        )

    # --- building --------------------------------------------------------------------

    def _unresolved_named_ports(self) -> Iterable[Problem]:
        """Named ports no possible destination declares: they allow nothing."""
        for policy in self.policies:
            for rules in (policy.ingress, policy.egress):
                for rule in rules:
                    destinations = (
                        self.subject_bits[policy.ref] if rules is policy.ingress else self.rule_bits[rule]
                    )
                    destinations &= self.workload_bits
                    if not destinations and rules is policy.egress:
                        continue  # addresses only: reported when the policy was read
                    for index, port in enumerate(rule.ports or ()):
                        if port.name and not self._declared(port.name, port.protocol, destinations):
                            protocol = f"/{port.protocol}" if port.protocol else ""
                            yield Problem(
                                policy.ref,
                                ("spec", rule.ref.direction, rule.ref.index, _ports_key(policy), index),
                                f"named port {port.name!r}{protocol} is declared by none of the pods "
                                f"{'the policy selects' if rules is policy.ingress else 'the rule allows'}: "
                                "it allows nothing",
                                "warning",
                            )

    def _declared(self, name: str, protocol: str | None, destinations: int) -> bool:
        return bool(destinations & self._declaring.get((name, protocol), 0))

    def _pods(self, selector: selectors.Selector) -> int:
        """The workloads the selector matches (candidates narrowed by the label index, as
        :meth:`Snapshot.select` does, then matched by the selector itself)."""
        bits = self._selected.get(selector)
        if bits is None:
            candidates: Iterable[int] = range(len(self._facts))
            for requirement in selector.requirements:
                if requirement.operator in ("Equals", "In"):
                    by_value = self._label_index.get(requirement.key, {})
                    candidates = {index for value in requirement.values for index in by_value.get(value, ())}
                    break
            facts = self._facts
            bits = sum(1 << index for index in candidates if selector.matches(facts[index].labels))
            self._selected[selector] = bits
        return bits

    def _namespaces(self, selector: selectors.Selector) -> int:
        bits = self._namespaces_selected.get(selector)
        if bits is None:
            bits = 0
            for namespace, members in self._namespace_bits.items():
                if selector.matches(self.namespace_labels(namespace)):
                    bits |= members
            self._namespaces_selected[selector] = bits
        return bits

    def peer_bits(self, peer: PeerSpec) -> int:
        if peer.addresses is not None:
            return self._atom_members(peer.addresses)
        if peer.namespaces is None:
            namespace_bits = self._namespace_bits.get(peer.namespace, 0)
        else:
            namespace_bits = self._namespaces(peer.namespaces)
        if not namespace_bits:
            return 0
        return namespace_bits & self._pods(peer.pods)

    def _atom_members(self, addresses: IntervalSet) -> int:
        bits = 0
        offset = len(self.workloads)
        for start, end in addresses:
            first, last = self.atom_index(start), self.atom_index(end)
            bits |= ((1 << (last - first + 1)) - 1) << (offset + first)
        return bits

    def _subject(self, policy: Policy) -> int:
        bits = self.peer_bits(policy.subject)
        if policy.tier != "NetworkPolicy":
            bits &= ~self.host_network_bits  # admin subjects and peers skip host-network pods
        return bits

    def _rule_peers(self, policy: Policy, rule: ActionRule) -> int:
        if rule.peers is None:
            return self.workload_bits | self.atom_bits
        bits = 0
        for peer in rule.peers:
            bits |= self.peer_bits(peer)
        if policy.tier != "NetworkPolicy":
            bits &= ~self.host_network_bits
        return bits


def _ports_key(policy: Policy) -> str:
    return (
        "ports"
        if policy.tier == "NetworkPolicy" or policy.ref.kind != "ClusterNetworkPolicy"
        else "protocols"
    )


def _policy_order(policy: Policy) -> tuple[Any, ...]:
    tier = ("Admin", "NetworkPolicy", "Baseline").index(policy.tier)
    return (tier, policy.priority, policy.ref.kind, policy.ref.namespace, policy.ref.name)


def _atom_starts(policy_list: Iterable[Policy]) -> list[int]:
    starts = {0, IPV6_OFFSET}
    for policy in policy_list:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                if peer.addresses is not None:
                    for start, end in peer.addresses:
                        starts.add(start)
                        if end < _SPACE_END:
                            starts.add(end + 1)
    return sorted(starts)


def _atom_bounds(starts: list[int]) -> Iterable[tuple[int, int]]:
    ends = [*starts[1:], _SPACE_END + 1]
    return ((start, end - 1) for start, end in zip(starts, ends, strict=True))


def _address(number: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if number < IPV6_OFFSET:
        return ipaddress.IPv4Address(number)
    return ipaddress.IPv6Address(number - IPV6_OFFSET)


def _ip_range(start: int, end: int) -> IpRange:
    return IpRange(_address(start), _address(end))


def _names(
    workloads: tuple[WorkloadPeer, ...], facts: tuple[_WorkloadFacts, ...]
) -> dict[str, list[WorkloadPeer]]:
    names: dict[str, list[WorkloadPeer]] = defaultdict(list)
    for peer, fact in zip(workloads, facts, strict=True):
        keys = {f"{peer.namespace}/{peer.name}", f"{peer.namespace}/{peer.kind}/{peer.name}"}
        keys.update(f"{peer.namespace}/{pod}" for pod in fact.pods)
        for key in keys:
            names[key].append(peer)
    # an exact workload name wins over a pod of that name
    for key, found in names.items():
        exact = [peer for peer in found if f"{peer.namespace}/{peer.name}" == key]
        if exact and len(found) > 1:
            names[key] = exact
    return dict(names)


# --- from a snapshot -----------------------------------------------------------------------


def network_of(snapshot: Snapshot) -> Network:
    """The network the snapshot describes. Invalid policies are left out (the API server
    would reject them) and listed in ``problems``, with every note kubeward had to make."""
    problems: list[Problem] = []
    rejected = _rejected_objects(snapshot)
    policy_list: list[Policy] = []
    for obj, read in _policy_objects(snapshot):
        if id(obj) in rejected:
            problems.append(
                Problem(
                    obj.ref,
                    rejected[id(obj)],
                    "the API server would reject this policy (a field has the wrong type); it is ignored",
                    "error",
                )
            )
            continue
        policy, found = read(obj.ref, obj.body)
        problems.extend(
            Problem(obj.ref, problem.path, problem.message, problem.severity) for problem in found
        )
        if policy is None:
            problems.append(
                Problem(obj.ref, (), "the API server would reject this policy; it is ignored", "error")
            )
        else:
            policy_list.append(policy)
    problems.extend(admin.priority_clashes(policy_list))
    workloads = [
        (WorkloadPeer(workload.ref.kind, workload.namespace, workload.ref.name), _facts(workload))
        for workload in snapshot.workloads
        if workload.source.group_kind != _POD_TEMPLATE
    ]
    problems.extend(
        Problem(
            workload.ref,
            (*workload.spec_path, "hostNetwork"),
            "a hostNetwork pod: implementations differ (policed like a pod, or treated as node "
            "traffic, which is always allowed); kubeward polices it like a pod",
            "note",
        )
        for workload in snapshot.workloads
        if workload.source.group_kind != _POD_TEMPLATE and workload.pod_spec.get("hostNetwork") is True
    )
    namespaces = (
        {peer.namespace for peer, _ in workloads}
        | {policy.ref.namespace for policy in policy_list if policy.ref.namespace}
        | set(snapshot.namespaces)
    )
    labels = {namespace: snapshot.namespace_labels(namespace) for namespace in namespaces}
    return Network(workloads, labels, policy_list, problems)


_Reader = Callable[[ObjectRef, Mapping[str, Any]], tuple[Policy | None, list[policies.PolicyProblem]]]


def _policy_objects(snapshot: Snapshot) -> Iterable[tuple[KubeObject, _Reader]]:
    for obj in snapshot.of_kind(NETWORK_POLICY):
        yield obj, policies.network_policy
    for group_kind, reader in admin.READERS.items():
        for obj in snapshot.of_kind(group_kind):
            yield obj, reader


def _rejected_objects(snapshot: Snapshot) -> dict[int, Path]:
    """Policies with a field of the wrong type (the snapshot dropped the field)."""
    kinds = {NETWORK_POLICY, *admin.READERS}
    return {id(obj): problem.path for obj, problem in snapshot.field_problems if obj.ref.group_kind in kinds}


def _facts(workload: Workload) -> _WorkloadFacts:
    named: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for container in workload.pod_spec.get("containers") or ():
        for port in container.get("ports") or ():
            name, number = port.get("name"), port.get("containerPort")
            if isinstance(name, str) and name and isinstance(number, int):
                named[name].append((str(port.get("protocol") or "TCP"), number))
    pods = tuple(member.ref.name for member in workload.members if member.ref.kind == "Pod")
    return _WorkloadFacts(
        labels=workload.labels,
        named_ports={name: tuple(sorted(set(ports))) for name, ports in named.items()},
        host_network=workload.pod_spec.get("hostNetwork") is True,
        pods=pods,
    )
