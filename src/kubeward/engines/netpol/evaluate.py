"""Verdicts: what one peer may open to another, and why; and every allowed connection.

Each direction is decided in tiers (network-policy-api ``ClusterNetworkPolicySpec.tier``):
admin-tier rules by priority then rule order (Allow and Deny decide, Pass hands over);
then the NetworkPolicies, which decide everything left if any selects the pod in that
direction (the union of their rules that match the peer); else the baseline tier; what no
tier decides is allowed. A connection between two pods needs the source's egress and the
destination's ingress; an external address has no side of its own.
"""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kubeward.engines.netpol.connections import ConnectionSet, Explained, RuleRef, explain
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.engines.netpol.network import IpRange, Network, Peer, WorkloadPeer
from kubeward.engines.netpol.policies import (
    EGRESS,
    INGRESS,
    PRIVATE_ADDRESSES,
    ActionRule,
    Policy,
    Port,
    ip_number,
)
from kubeward.k8s.objects import ObjectRef

__all__ = ["Connection", "Direction", "Verdict", "connlist", "verdict"]

_ALL = ConnectionSet.all()
_NONE = ConnectionSet.none()
NamedPorts = Mapping[str, tuple[tuple[str, int], ...]]


@dataclass(frozen=True)
class Direction:
    """One side of a connection. ``isolated``: some policy decides for this pod in this
    direction; ``allowed`` with the rules behind each part (no rules: allowed by default);
    ``denied``: what admin-tier Deny rules drop, with those rules."""

    isolated: bool
    allowed: Explained
    policies: tuple[ObjectRef, ...]
    denied: Explained = field(default_factory=Explained)


_OPEN = Direction(False, Explained(((_ALL, frozenset()),)), ())


@dataclass(frozen=True)
class Verdict:
    src: Peer
    dst: Peer
    egress: Direction
    ingress: Direction
    allowed: ConnectionSet
    notes: tuple[str, ...]

    def explain(self) -> list[str]:
        """Per allowed part, the rules of each side; per denied part, why."""
        lines: list[str] = []
        if self.src == self.dst:
            lines.append(f"{self.src} to itself: always allowed")
            return lines
        for egress_part, _ in self.egress.allowed.parts:
            for ingress_part, _ in self.ingress.allowed.parts:
                part = egress_part & ingress_part
                if part:
                    lines.append(
                        f"allowed {part}: egress {self._why(self.egress, part, self.src)}; "
                        f"ingress {self._why(self.ingress, part, self.dst)}"
                    )
        denied = _ALL - self.allowed
        for side, peer, name in ((self.egress, self.src, "egress"), (self.ingress, self.dst, "ingress")):
            missing = denied - side.allowed.connections()
            for part, rules in side.denied.parts:
                if part & missing:
                    by = ", ".join(str(rule) for rule in sorted(rules))
                    lines.append(f"denied {part & missing}: {name} of {peer} is denied by {by}")
            unmatched = missing - side.denied.connections()
            if unmatched:
                names = ", ".join(ref.qualified_name for ref in side.policies)
                lines.append(
                    f"denied {unmatched}: {name} of {peer} is isolated by {names} and no rule allows it"
                )
        return lines

    @staticmethod
    def _why(side: Direction, part: ConnectionSet, peer: Peer) -> str:
        rules = side.allowed.rules_for(part)
        if rules:
            return "by " + ", ".join(str(rule) for rule in sorted(rules))
        if isinstance(peer, IpRange):
            return f"open ({peer} is external: no policy applies to it)"
        if side.isolated:
            return "open (no tier decides it: allowed by default)"
        return "open (no policy selects it)"


def verdict(network: Network, src: Peer, dst: Peer) -> Verdict:
    """What ``src`` may open to ``dst``. An address range wider than one atom gets what every
    address in it gets (the explanation is the first atom's)."""
    for wide in (src, dst):
        if isinstance(wide, IpRange) and len(covered := network.atoms_in(wide)) > 1:
            verdicts = [
                _verdict(
                    network,
                    network.atoms[index] if wide is src else src,
                    network.atoms[index] if wide is dst else dst,
                )
                for index in covered
            ]
            allowed = verdicts[0].allowed
            for other in verdicts[1:]:
                allowed = allowed & other.allowed
            note = (
                f"{wide} spans {len(covered)} address ranges that policies tell apart; "
                f"allowed for all of them: {allowed}"
            )
            return replace(verdicts[0], src=src, dst=dst, allowed=allowed, notes=(*verdicts[0].notes, note))
    return _verdict(network, src, dst)


def _verdict(network: Network, src: Peer, dst: Peer) -> Verdict:
    notes: list[str] = []
    src_index, dst_index = network.peer_index(src), network.peer_index(dst)
    named = network.named_ports(dst)
    egress = _OPEN if isinstance(src, IpRange) else _side(network, src_index, EGRESS, dst_index, named)
    ingress = _OPEN if isinstance(dst, IpRange) else _side(network, dst_index, INGRESS, src_index, named)
    allowed = egress.allowed.connections() & ingress.allowed.connections()
    if isinstance(src, IpRange) and isinstance(dst, IpRange):
        notes.append("both peers are external: NetworkPolicies do not apply")
    if src == dst:
        notes.append(
            f"a pod may always reach itself; between replicas of {src} "
            f"the policies allow: {allowed or 'nothing'}"
        )
        allowed = _ALL
    notes.extend(_notes(network, src, dst, egress, ingress))
    return Verdict(src, dst, egress, ingress, allowed, tuple(notes))


def _notes(network: Network, src: Peer, dst: Peer, egress: Direction, ingress: Direction) -> Iterable[str]:
    for peer in (src, dst):
        if network.host_network(peer):
            yield (
                f"{peer} uses hostNetwork: implementations differ (some police it like a pod, others "
                "treat it as node traffic, which is always allowed)"
            )
        if isinstance(peer, IpRange) and _private(peer):
            yield (
                f"{peer} is a private range: kubeward reads ipBlock as external addresses only "
                "(the documented reading); pod IPs are never matched by it, though some CNIs "
                "(Calico) do match them"
            )
    if isinstance(src, WorkloadPeer) and isinstance(dst, WorkloadPeer):
        blocks = _private_blocks(network, egress, EGRESS) | _private_blocks(network, ingress, INGRESS)
        if blocks:
            yield (
                "ipBlock rules covering private ranges apply here ("
                + ", ".join(sorted(blocks))
                + "): kubeward never matches pods with ipBlock (the documented reading); CNIs that match "
                "pod IPs (Calico) may allow more"
            )


def _private(peer: IpRange) -> bool:
    return bool(IntervalSet([(ip_number(peer.start), ip_number(peer.end))]) & PRIVATE_ADDRESSES)


def _private_blocks(network: Network, side: Direction, direction: str) -> set[str]:
    """The rules of the side's policies with an ipBlock (or networks) overlapping a private range."""
    selected = set(side.policies)
    return {
        str(rule.ref)
        for policy in network.policies
        if policy.ref in selected
        for rule in _rules(policy, direction)
        if any(peer.addresses is not None and peer.addresses & PRIVATE_ADDRESSES for peer in rule.peers or ())
    }


def _rules(policy: Policy, direction: str) -> tuple[ActionRule, ...]:
    return policy.ingress if direction == INGRESS else policy.egress


def resolve_ports(ports: tuple[Port, ...] | None, named: NamedPorts | None) -> ConnectionSet:
    """What a rule's ``ports`` mean for a destination with these named container ports
    (``None``: an address range, where a named port means nothing)."""
    if ports is None:
        return _ALL
    result = _NONE
    for port in ports:
        if not port.name:
            result = result | ConnectionSet([(port.protocol or "TCP", port.ports)])
            continue
        for protocol, number in (named or {}).get(port.name, ()):
            if (port.protocol is None or protocol == port.protocol) and protocol in ("TCP", "UDP", "SCTP"):
                result = result | ConnectionSet.of(protocol, number, number)
    return result


def _side(network: Network, selected: int, direction: str, other: int, named: NamedPorts | None) -> Direction:
    """The direction ``direction`` of workload ``selected`` towards peer ``other``."""
    policy_list = network.policies_selecting(selected, direction)
    if not policy_list:
        return _OPEN
    bit = 1 << other
    allowed, denied, isolated = decide(
        policy_list,
        direction,
        lambda rule: bool(network.rule_bits[rule] & bit),
        lambda rule: resolve_ports(rule.ports, named),
    )
    return Direction(
        isolated,
        explain(allowed),
        tuple(policy.ref for policy in policy_list),
        explain(denied),
    )


Allowance = list[tuple[ConnectionSet, RuleRef | None]]


def decide(
    policy_list: Iterable[Policy],
    direction: str,
    matches: Callable[[ActionRule], bool],
    connections: Callable[[ActionRule], ConnectionSet],
) -> tuple[Allowance, Allowance, bool]:
    """(allowed parts with their rules, denied parts with their rules, isolated) for the
    policies applying to a pod in one direction, in tier order."""
    tiers: dict[str, list[Policy]] = defaultdict(list)
    for policy in policy_list:
        tiers[policy.tier].append(policy)
    allowed: Allowance = []
    denied: Allowance = []
    undecided, decided_by_admin = _tier(
        tiers["Admin"], direction, _ALL, matches, connections, allowed, denied
    )
    if tiers["NetworkPolicy"]:
        for policy in tiers["NetworkPolicy"]:
            for rule in _rules(policy, direction):
                if matches(rule):
                    allowed.append((connections(rule) & undecided, rule.ref))
        return allowed, denied, True
    rest, decided_by_baseline = _tier(
        tiers["Baseline"], direction, undecided, matches, connections, allowed, denied
    )
    allowed.append((rest, None))
    return allowed, denied, decided_by_admin or decided_by_baseline


def _tier(
    tier: list[Policy],
    direction: str,
    undecided: ConnectionSet,
    matches: Callable[[ActionRule], bool],
    connections: Callable[[ActionRule], ConnectionSet],
    allowed: Allowance,
    denied: Allowance,
) -> tuple[ConnectionSet, bool]:
    """Apply one admin tier's rules in order; return what it leaves to the next tier."""
    remaining = undecided
    passed = _NONE
    decided = False
    for policy in tier:
        for rule in _rules(policy, direction):
            if not remaining:
                break
            if not matches(rule):
                continue
            hit = connections(rule) & remaining
            if not hit:
                continue
            remaining = remaining - hit
            if rule.action == "Allow":
                allowed.append((hit, rule.ref))
                decided = True
            elif rule.action == "Deny":
                denied.append((hit, rule.ref))
                decided = True
            else:
                passed = passed | hit
    return remaining | passed, decided


# --- every connection ------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    src: Peer
    dst: Peer
    allowed: ConnectionSet

    def to_json(self) -> dict[str, Any]:
        return {"src": self.src.to_json(), "dst": self.dst.to_json(), "ports": self.allowed.to_json()}


def connlist(network: Network) -> list[Connection]:
    """Every ordered pair of distinct peers with a non-empty allowed set (workload to
    workload, workload to address range, address range to workload), sorted by source then
    destination. A workload to itself is left out (always allowed). Adjacent address atoms
    with the same connections everywhere are merged into one range.

    Peers are grouped into classes that no rule tells apart (same rules matching them as a
    peer, same policies selecting them, same named ports), and each class pair is decided
    once."""
    with _collector_paused():
        return _connlist(network)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Without pausing, the cyclic garbage collector walks the whole snapshot again and
    again while the list is built (it creates many small objects, none cyclic)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _connlist(network: Network) -> list[Connection]:
    classes = _Classes(network)
    results = classes.decide_all()
    units, unit_class = _units(network, classes, results)
    members: dict[int, list[int]] = defaultdict(list)
    for unit, class_id in enumerate(unit_class):
        members[class_id].append(unit)
    found: list[tuple[int, int, ConnectionSet]] = []
    for (src_class, dst_class), allowed in results.items():
        for src in members[src_class]:
            for dst in members[dst_class]:
                if src != dst:
                    found.append((src, dst, allowed))
    found.sort(key=lambda item: (item[0], item[1]))
    return [Connection(units[src], units[dst], allowed) for src, dst, allowed in found]


_ALWAYS = -1


class _Classes:
    """Peers grouped by what the policies can tell of them."""

    def __init__(self, network: Network) -> None:
        self.network = network
        workload_count = len(network.workloads)
        peer_count = workload_count + len(network.atoms)
        everything = network.workload_bits | network.atom_bits
        bitset_ids: dict[int, int] = {}
        self.rule_bitset: dict[int, int] = {}  # by id(rule): hashing a rule costs more
        for rule, bits in network.rule_bits.items():
            self.rule_bitset[id(rule)] = (
                _ALWAYS if bits == everything else bitset_ids.setdefault(bits, len(bitset_ids))
            )
        signatures: list[list[int]] = [[] for _ in range(peer_count)]
        for bits, bitset_id in bitset_ids.items():
            for index in _bit_indices(bits):
                signatures[index].append(bitset_id)
        keys: dict[str, list[list[int]]] = {
            INGRESS: [[] for _ in range(workload_count)],
            EGRESS: [[] for _ in range(workload_count)],
        }
        for policy_index, policy in enumerate(network.policies):
            for direction in policy.isolates:
                for index in _bit_indices(network.subject_bits[policy.ref]):
                    keys[direction][index].append(policy_index)
        interned: dict[Any, int] = {}

        def intern(value: Any) -> int:
            return interned.setdefault(value, len(interned))

        self.signature_sets: dict[int, frozenset[int]] = {}
        self.port_maps: dict[int, NamedPorts | None] = {}
        self.policy_keys: dict[int, tuple[int, ...]] = {}
        peer_classes: dict[tuple[int, ...], int] = {}
        self.class_keys: list[tuple[int, int, int, int, bool]] = []
        self.peer_class: list[int] = []
        for index in range(peer_count):
            signature = frozenset(signatures[index])
            signature_id = intern(("signature", signature))
            self.signature_sets[signature_id] = signature
            if index < workload_count:
                named = network.named_ports(network.workloads[index])
                ports_id = intern(("ports", tuple(sorted(named.items()))))
                self.port_maps[ports_id] = named
                ingress_key = tuple(keys[INGRESS][index])
                egress_key = tuple(keys[EGRESS][index])
            else:
                ports_id = intern(("ports", None))
                self.port_maps[ports_id] = None
                ingress_key = egress_key = ()
            ingress_id, egress_id = intern(("policies", ingress_key)), intern(("policies", egress_key))
            self.policy_keys[ingress_id], self.policy_keys[egress_id] = ingress_key, egress_key
            key = (signature_id, ingress_id, egress_id, ports_id, index >= workload_count)
            class_id = peer_classes.setdefault(key, len(peer_classes))
            if class_id == len(self.class_keys):
                self.class_keys.append(key)
            self.peer_class.append(class_id)
        self.open_key = intern(("policies", ()))
        self._sides: dict[tuple[str, int, int, int], ConnectionSet] = {}
        self._resolved: dict[tuple[int, int], ConnectionSet] = {}

    def side(self, direction: str, policy_key: int, other_signature: int, ports_id: int) -> ConnectionSet:
        """What the policies ``policy_key`` allow in ``direction`` towards a peer with this
        signature, to a destination with these named ports."""
        cache_key = (direction, policy_key, other_signature, ports_id)
        found = self._sides.get(cache_key)
        if found is not None:
            return found
        policy_indices = self.policy_keys[policy_key]
        if not policy_indices:
            result = _ALL
        else:
            signature = self.signature_sets[other_signature]
            named = self.port_maps[ports_id]
            rule_bitset = self.rule_bitset

            def matches(rule: ActionRule) -> bool:
                bitset = rule_bitset[id(rule)]
                return bitset == _ALWAYS or bitset in signature

            def connections(rule: ActionRule) -> ConnectionSet:
                resolved_key = (id(rule.ports), ports_id)
                resolved = self._resolved.get(resolved_key)
                if resolved is None:
                    resolved = self._resolved[resolved_key] = resolve_ports(rule.ports, named)
                return resolved

            allowed, _, _ = decide(
                [self.network.policies[index] for index in policy_indices], direction, matches, connections
            )
            result = _NONE
            for part, _ in allowed:
                result = result | part
            if not result:
                result = _NONE
        self._sides[cache_key] = result
        return result

    def decide_all(self) -> dict[tuple[int, int], ConnectionSet]:
        """Every class pair with a non-empty allowed set.

        Only candidate pairs are decided: where NetworkPolicies alone isolate a class, the
        peers it can reach are those its rules match, found with bitsets over classes."""
        results: dict[tuple[int, int], ConnectionSet] = {}
        side, open_key = self.side, self.open_key
        keys = self.class_keys
        everyone = (1 << len(keys)) - 1
        atoms = sum(1 << class_id for class_id, key in enumerate(keys) if key[4])
        members_of = self._classes_by_bitset()
        ingress_candidates = [self._candidates(key[1], INGRESS, members_of, everyone) for key in keys]
        senders_by_bitset, always_senders = self._senders_by_bitset()
        for dst_class, (dst_signature, dst_ingress, _, dst_ports, dst_atom) in enumerate(keys):
            senders = always_senders
            for bitset in self.signature_sets[dst_signature]:
                senders |= senders_by_bitset.get(bitset, 0)
            sources = ingress_candidates[dst_class] & senders
            if dst_atom:
                sources &= ~atoms
            dst_open = dst_atom or dst_ingress == open_key
            for src_class in _bit_indices(sources):
                src_signature, _, src_egress, _, src_atom = keys[src_class]
                if src_atom or src_egress == open_key:
                    allowed = _ALL
                else:
                    allowed = side(EGRESS, src_egress, dst_signature, dst_ports)
                    if allowed is _NONE:
                        continue
                if not dst_open:
                    allowed = allowed & side(INGRESS, dst_ingress, src_signature, dst_ports)
                if allowed:
                    results[(src_class, dst_class)] = allowed
        return results

    def _classes_by_bitset(self) -> dict[int, int]:
        """For each rule bitset, the classes (as a bitset over classes) inside it."""
        members: dict[int, int] = defaultdict(int)
        for class_id, key in enumerate(self.class_keys):
            for bitset in self.signature_sets[key[0]]:
                members[bitset] |= 1 << class_id
        return members

    def _np_only(self, policy_key: int) -> tuple[Policy, ...] | None:
        """The policies of the key when they are NetworkPolicies only (else ``None``)."""
        found = tuple(self.network.policies[index] for index in self.policy_keys[policy_key])
        return found if found and all(policy.tier == "NetworkPolicy" for policy in found) else None

    def _candidates(
        self, policy_key: int, direction: str, members_of: Mapping[int, int], everyone: int
    ) -> int:
        """The classes a class with these policies may exchange anything with this way."""
        found = self._np_only(policy_key)
        if found is None:
            return everyone
        candidates = 0
        for policy in found:
            for rule in _rules(policy, direction):
                bitset = self.rule_bitset[id(rule)]
                if bitset == _ALWAYS:
                    return everyone
                candidates |= members_of.get(bitset, 0)
        return candidates

    def _senders_by_bitset(self) -> tuple[dict[int, int], int]:
        """(rule bitset -> the classes whose NetworkPolicy egress rules use it, the classes
        that may send to anyone: egress open, decided by admin tiers, or a rule to all)."""
        senders: dict[int, int] = defaultdict(int)
        always = 0
        for class_id, key in enumerate(self.class_keys):
            bit = 1 << class_id
            found = None if key[4] else self._np_only(key[2])
            if found is None:
                always |= bit
                continue
            for policy in found:
                for rule in policy.egress:
                    bitset = self.rule_bitset[id(rule)]
                    if bitset == _ALWAYS:
                        always |= bit
                    else:
                        senders[bitset] |= bit
        return senders, always


def _bit_indices(bits: int) -> Iterable[int]:
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _units(
    network: Network, classes: _Classes, results: Mapping[tuple[int, int], ConnectionSet]
) -> tuple[list[Peer], list[int]]:
    """The peers of the list in order (workloads, then merged address ranges) and their
    classes. Adjacent atoms of one family merge when their connections are the same."""
    rows: dict[int, set[tuple[int, int, ConnectionSet]]] = defaultdict(set)
    for (src_class, dst_class), allowed in results.items():
        rows[src_class].add((0, dst_class, allowed))
        rows[dst_class].add((1, src_class, allowed))
    units: list[Peer] = list(network.workloads)
    unit_class = classes.peer_class[: len(units)]
    offset = len(units)
    row_of: dict[int, frozenset[tuple[int, int, ConnectionSet]]] = {}
    start = 0
    atoms = network.atoms
    for index in range(1, len(atoms) + 1):
        if index < len(atoms):
            previous_class, this_class = (
                classes.peer_class[offset + index - 1],
                classes.peer_class[offset + index],
            )
            for class_id in (previous_class, this_class):
                if class_id not in row_of:
                    row_of[class_id] = frozenset(rows.get(class_id, ()))
            if (
                atoms[index].start.version == atoms[start].start.version
                and row_of[previous_class] == row_of[this_class]
            ):
                continue
        units.append(IpRange(atoms[start].start, atoms[index - 1].end))
        unit_class.append(classes.peer_class[offset + start])
        start = index
    return units, unit_class
