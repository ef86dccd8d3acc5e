"""Connections: per protocol, the set of destination ports; and the rules behind each part.

A :class:`ConnectionSet` is what NetworkPolicy can express (TCP, UDP and SCTP, ports
1-65535), with union, intersection, difference and subset. An :class:`Explained` set keeps,
for each disjoint part, the policy rules that allow it (np-guard/netpol-analyzer's
"implying rules").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.k8s.objects import ObjectRef

__all__ = ["PORTS", "PROTOCOLS", "ConnectionSet", "Explained", "RuleRef", "explain"]

PROTOCOLS = ("TCP", "UDP", "SCTP")
MIN_PORT, MAX_PORT = 1, 65535
PORTS = IntervalSet([(MIN_PORT, MAX_PORT)])
_NO_PORTS = IntervalSet()


@dataclass(frozen=True, order=True)
class RuleRef:
    """One rule of one policy: the "why" of an allowed (or denied) connection."""

    policy: ObjectRef
    direction: str  # "ingress" | "egress"
    index: int

    def __str__(self) -> str:
        return f"{self.policy.kind} {self.policy.qualified_name} {self.direction}[{self.index}]"


class ConnectionSet:
    """Immutable: protocol -> IntervalSet of ports, for the three protocols of PROTOCOLS."""

    __slots__ = ("_empty", "_hash", "_json", "ports")

    ports: tuple[IntervalSet, IntervalSet, IntervalSet]

    def __init__(self, ports: Iterable[tuple[str, IntervalSet]] = ()) -> None:
        by_protocol = dict.fromkeys(PROTOCOLS, _NO_PORTS)
        for protocol, intervals in ports:
            by_protocol[protocol] = by_protocol[protocol] | (intervals & PORTS)
        self.ports = (by_protocol["TCP"], by_protocol["UDP"], by_protocol["SCTP"])
        self._empty = not any(self.ports)
        self._hash: int | None = None
        self._json: str | list[dict[str, Any]] | None = None

    @classmethod
    def _of(cls, ports: tuple[IntervalSet, IntervalSet, IntervalSet]) -> ConnectionSet:
        result = cls.__new__(cls)
        result.ports = ports
        result._empty = not (ports[0] or ports[1] or ports[2])
        result._hash = None
        result._json = None
        return result

    @classmethod
    def all(cls) -> ConnectionSet:
        return _ALL

    @classmethod
    def none(cls) -> ConnectionSet:
        return _NONE

    @classmethod
    def of(cls, protocol: str, start: int = MIN_PORT, end: int = MAX_PORT) -> ConnectionSet:
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r} (expected one of {', '.join(PROTOCOLS)})")
        return cls([(protocol, IntervalSet([(start, end)]))])

    def protocol(self, protocol: str) -> IntervalSet:
        return self.ports[PROTOCOLS.index(protocol)]

    def __or__(self, other: ConnectionSet) -> ConnectionSet:
        if self is _NONE or other is _ALL:
            return other
        if other is _NONE or self is _ALL:
            return self
        a, b = self.ports, other.ports
        return ConnectionSet._of((a[0] | b[0], a[1] | b[1], a[2] | b[2]))

    def __and__(self, other: ConnectionSet) -> ConnectionSet:
        if self is _ALL or other is _NONE or self is other:
            return other
        if other is _ALL or self is _NONE:
            return self
        a, b = self.ports, other.ports
        return ConnectionSet._of((a[0] & b[0], a[1] & b[1], a[2] & b[2]))

    def __sub__(self, other: ConnectionSet) -> ConnectionSet:
        if other is _NONE:
            return self
        a, b = self.ports, other.ports
        return ConnectionSet._of((a[0] - b[0], a[1] - b[1], a[2] - b[2]))

    def __le__(self, other: ConnectionSet) -> bool:
        return all(mine <= theirs for mine, theirs in zip(self.ports, other.ports, strict=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectionSet) and self.ports == other.ports

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self.ports)
        return self._hash

    def __bool__(self) -> bool:
        return not self._empty

    def is_all(self) -> bool:
        return all(ports == PORTS for ports in self.ports)

    def to_json(self) -> str | list[dict[str, Any]]:
        """``"all"``, or ``[{"protocol", "port"[, "endPort"]}]`` sorted by protocol then port.
        Computed once per set and shared: treat it as read-only."""
        if self._json is None:
            self._json = self._json_value()
        return self._json

    def _json_value(self) -> str | list[dict[str, Any]]:
        if self.is_all():
            return "all"
        entries: list[dict[str, Any]] = []
        for protocol, ports in sorted(zip(PROTOCOLS, self.ports, strict=True)):
            for start, end in ports:
                entry: dict[str, Any] = {"protocol": protocol, "port": start}
                if end != start:
                    entry["endPort"] = end
                entries.append(entry)
        return entries

    def __str__(self) -> str:
        if self.is_all():
            return "all"
        if not self:
            return "none"
        return "; ".join(
            f"{protocol} {'all ports' if ports == PORTS else ports}"
            for protocol, ports in zip(PROTOCOLS, self.ports, strict=True)
            if ports
        )

    def __repr__(self) -> str:
        return f"ConnectionSet({self})"


_ALL = ConnectionSet([(protocol, PORTS) for protocol in PROTOCOLS])
_NONE = ConnectionSet()


@dataclass(frozen=True)
class Explained:
    """A ConnectionSet split into disjoint parts, each with the rules that allow it.

    A part with no rules is allowed by default (the direction is not isolated)."""

    parts: tuple[tuple[ConnectionSet, frozenset[RuleRef]], ...] = ()

    def connections(self) -> ConnectionSet:
        result = ConnectionSet.none()
        for connections, _ in self.parts:
            result = result | connections
        return result

    def rules_for(self, connections: ConnectionSet) -> frozenset[RuleRef]:
        """The rules of every part overlapping ``connections``."""
        return frozenset(rule for part, rules in self.parts if part & connections for rule in rules)


def explain(allowed: Iterable[tuple[ConnectionSet, RuleRef | None]]) -> Explained:
    """Combine what each rule allows into disjoint parts with their rules (``None``: a
    default allowance, no rule)."""
    parts: list[tuple[ConnectionSet, frozenset[RuleRef]]] = []
    for connections, rule in allowed:
        if not connections:
            continue
        added = frozenset(() if rule is None else (rule,))
        remaining = connections
        next_parts: list[tuple[ConnectionSet, frozenset[RuleRef]]] = []
        for part, rules in parts:
            common = part & remaining
            if not common:
                next_parts.append((part, rules))
                continue
            rest = part - common
            if rest:
                next_parts.append((rest, rules))
            next_parts.append((common, rules | added))
            remaining = remaining - common
        if remaining:
            next_parts.append((remaining, added))
        parts = next_parts
    return Explained(tuple(sorted(parts, key=_part_order)))


def _part_order(part: tuple[ConnectionSet, frozenset[RuleRef]]) -> tuple[Any, ...]:
    return tuple(ports.intervals for ports in part[0].ports)
