"""Policies as the engine reads them: who they select, and their rules in order.

:func:`network_policy` reads a ``networking.k8s.io/v1`` NetworkPolicy and checks it as
the API server's validation does (``pkg/apis/networking/validation``): a policy the server
would reject does not exist, so it yields problems and no policy. The admin tiers
(:mod:`kubeward.engines.netpol.admin`) produce the same :class:`Policy` shape.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.engines.netpol.connections import MAX_PORT, MIN_PORT, PROTOCOLS, RuleRef
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.k8s import selectors
from kubeward.k8s.objects import ObjectRef, Path

__all__ = [
    "IPV6_OFFSET",
    "ActionRule",
    "PeerSpec",
    "Policy",
    "PolicyProblem",
    "Port",
    "Problem",
    "cidr_addresses",
    "ip_number",
    "network_policy",
]

IPV6_OFFSET = 2**32
"""IPv4 addresses are the numbers [0, 2^32); IPv6 addresses follow, shifted by 2^32."""
IPV4_SPACE = IntervalSet([(0, IPV6_OFFSET - 1)])
IPV6_SPACE = IntervalSet([(IPV6_OFFSET, IPV6_OFFSET + 2**128 - 1)])
INGRESS, EGRESS = "ingress", "egress"
_SERVICE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_HAS_LETTER = re.compile(r"[a-z]")
_HEX = re.compile(r"[0-9a-fA-F]+")


@dataclass(frozen=True)
class Problem:
    """An invalid policy (``error``: ignored, as the API server would reject it), a dubious
    part (``warning``) or a reading kubeward had to choose (``note``); ``path`` is inside
    the object."""

    ref: ObjectRef
    path: Path
    message: str
    severity: str

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.ref.to_dict(),
            "path": ".".join(str(part) for part in self.path),
            "message": self.message,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class PolicyProblem:
    """What is wrong with (part of) one policy; ``error``: the API server would reject it."""

    path: Path
    message: str
    severity: str  # "error" | "warning" | "note"


@dataclass(frozen=True)
class Port:
    """One ``ports`` entry: numeric ``ports`` of ``protocol``, or the port ``name`` on the
    destination pod (``protocol`` ``None``: any protocol the pod declares it with)."""

    protocol: str | None
    ports: IntervalSet
    name: str = ""


@dataclass(frozen=True)
class PeerSpec:
    """Pods in ``namespace`` (``namespaces`` ``None``) or in the namespaces ``namespaces``
    selects, matching ``pods``; or, when ``addresses`` is set, those IP addresses only."""

    namespace: str
    namespaces: selectors.Selector | None
    pods: selectors.Selector
    addresses: IntervalSet | None = None


@dataclass(frozen=True, eq=False)
class ActionRule:
    """One rule: ``peers`` ``None`` means every peer (pods and addresses), ``ports`` ``None``
    every port. ``action``: ``Allow`` (NetworkPolicy rules; ANP Allow; CNP Accept), ``Deny``
    or ``Pass``."""

    ref: RuleRef
    peers: tuple[PeerSpec, ...] | None
    ports: tuple[Port, ...] | None
    action: str = "Allow"


@dataclass(frozen=True, eq=False)
class Policy:
    """``tier``: ``Admin``, ``NetworkPolicy`` or ``Baseline``. ``subject`` selects the pods it
    applies to; ``isolates`` the directions a NetworkPolicy isolates (admin tiers: those
    with rules)."""

    ref: ObjectRef
    tier: str
    priority: int
    subject: PeerSpec
    ingress: tuple[ActionRule, ...]
    egress: tuple[ActionRule, ...]
    isolates: frozenset[str]


def ip_number(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    return int(address) + (IPV6_OFFSET if address.version == 6 else 0)


def cidr_addresses(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> IntervalSet:
    start = ip_number(network.network_address)
    return IntervalSet([(start, start + network.num_addresses - 1)])


PRIVATE_ADDRESSES = functools.reduce(
    IntervalSet.__or__,
    (
        cidr_addresses(ipaddress.ip_network(cidr))
        for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
    ),
)
"""Private (RFC 1918, RFC 6598 shared, IPv6 unique local) addresses, where pod IPs live."""
POD_IPS_NOTE = (
    "covers private addresses, where pod IPs live: kubeward reads ipBlock as external addresses "
    "only (the documented reading), so it never matches pods; some CNIs (Calico) match pod IPs too"
)


def parse_cidr(
    text: Any, path: Path, problems: list[PolicyProblem], *, strict: bool = False, canonical: bool = False
) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR as the API server reads an ipBlock (``netutils.ParseCIDRSloppy``: Go's net
    before 1.17): IPv4 parts may have leading zeros (decimal), an IPv4-mapped IPv6 CIDR is
    the IPv4 network it maps (``::ffff:10.0.0.0/104`` is ``10.0.0.0/8``), host bits set give
    the network; each a warning. ``strict`` (the admin CRDs' CIDR rules) rejects the first
    two; ``canonical`` (ClusterNetworkPolicy's ``cidr(self) == cidr(self).masked()``) also
    rejects host bits."""
    address, slash, prefix = text.partition("/") if isinstance(text, str) else ("", "", "")
    try:
        if not slash or not (prefix.isascii() and prefix.isdigit()) or "%" in address:
            raise ValueError(text)
        sloppy = address if strict else _sloppy_address(address)
        written = ipaddress.ip_address(sloppy)
        network = ipaddress.ip_network((written, int(prefix)), strict=False)
    except ValueError:
        problems.append(PolicyProblem(path, f"{text!r} is not a valid CIDR", "error"))
        return None
    mapped = written.ipv4_mapped if isinstance(written, ipaddress.IPv6Address) else None
    if mapped is not None and network.prefixlen >= 96:
        # Go's net.IPNet reads it as the IPv4 network (To4() of the address, the mask's last 32 bits)
        written, network = mapped, ipaddress.ip_network((mapped, network.prefixlen - 96), strict=False)
    if strict and mapped is not None:
        problems.append(PolicyProblem(path, f"{text!r}: IPv4-mapped IPv6 CIDRs are not supported", "error"))
        return None
    if mapped is not None or sloppy != address:
        problems.append(
            PolicyProblem(
                path,
                f"non-standard CIDR value {text!r} (the API server warns it will be considered invalid in a "
                f"future Kubernetes release): it means {network}, but implementations may read it "
                "differently (leading zeros as octal, an IPv4-mapped address as IPv6)",
                "warning",
            )
        )
    if network.network_address != written:
        problems.append(
            PolicyProblem(
                path,
                f"{text!r} has host bits set (not canonical): the API server accepts it, but "
                f"implementations differ (Antrea ignored such blocks); kubeward uses {network}"
                if not canonical
                else f"{text!r} has host bits set: the CRD requires a canonical CIDR ({network})",
                "error" if canonical else "warning",
            )
        )
        if canonical:
            return None
    return network


def written_prefix_length(text: str) -> int:
    """The prefix length as written: Go's ``Mask.Size()``, which the API server's ``except``
    check compares (104 for ``::ffff:10.0.0.0/104``)."""
    return int(text.partition("/")[2])


def _sloppy_address(address: str) -> str:
    """The address without the leading zeros Go's old parser ignored: in decimal IPv4 parts
    (``010.001.002.003`` is 10.1.2.3) and in IPv6 groups of more than four hex digits."""
    parts = address.split(":")
    for index, part in enumerate(parts):
        if "." in part:
            octets = part.split(".")
            if all(octet.isascii() and octet.isdigit() for octet in octets):
                parts[index] = ".".join(str(int(octet)) for octet in octets)
        elif len(part) > 4 and _HEX.fullmatch(part):
            parts[index] = format(int(part, 16), "x")
    return ":".join(parts)


def valid_port_name(name: str) -> bool:
    """An IANA service name (``validation.IsValidPortName``)."""
    return (
        0 < len(name) <= 15
        and _SERVICE_NAME.fullmatch(name) is not None
        and "--" not in name
        and _HAS_LETTER.search(name) is not None
    )


def selector(value: Any, path: Path, problems: list[PolicyProblem]) -> selectors.Selector | None:
    """A label selector; a missing one (``None``) selects everything here, as in a policy."""
    if value is None:
        return selectors.EVERYTHING
    try:
        return selectors.parse_label_selector(value)
    except selectors.SelectorError as error:
        problems.append(PolicyProblem(path, str(error), "error"))
        return None


# --- NetworkPolicy -----------------------------------------------------------------------


def network_policy(ref: ObjectRef, body: Mapping[str, Any]) -> tuple[Policy | None, list[PolicyProblem]]:
    """The policy, or ``None`` with errors when the API server would reject it."""
    problems: list[PolicyProblem] = []
    spec = body.get("spec") or {}  # an empty spec: select every pod, deny all ingress
    namespace = ref.namespace
    pods = selector(spec.get("podSelector"), ("spec", "podSelector"), problems)
    types = _policy_types(spec, problems)
    rules = {
        direction: [
            _rule(ref, namespace, direction, index, rule, problems)
            for index, rule in enumerate(spec.get(direction) or ())
        ]
        for direction in (INGRESS, EGRESS)
    }
    if pods is None or any(problem.severity == "error" for problem in problems):
        return None, problems
    policy = Policy(
        ref=ref,
        tier="NetworkPolicy",
        priority=0,
        subject=PeerSpec(namespace, None, pods),
        ingress=tuple(rule for rule in rules[INGRESS] if rule is not None) if INGRESS in types else (),
        egress=tuple(rule for rule in rules[EGRESS] if rule is not None) if EGRESS in types else (),
        isolates=types,
    )
    return policy, problems


def _policy_types(spec: Mapping[str, Any], problems: list[PolicyProblem]) -> frozenset[str]:
    """Declared, or inferred: Ingress always, Egress when there are egress rules."""
    declared = spec.get("policyTypes")
    if not declared:
        return frozenset((INGRESS, EGRESS) if spec.get("egress") else (INGRESS,))
    types: set[str] = set()
    for index, value in enumerate(declared):
        if value not in ("Ingress", "Egress"):
            problems.append(
                PolicyProblem(
                    ("spec", "policyTypes", index),
                    f'unsupported value {value!r}: supported values: "Ingress", "Egress"',
                    "error",
                )
            )
            continue
        types.add(value.lower())
    if len(declared) > 2:
        problems.append(
            PolicyProblem(("spec", "policyTypes"), "may not specify more than two policyTypes", "error")
        )
    return frozenset(types)


def _rule(
    ref: ObjectRef,
    namespace: str,
    direction: str,
    index: int,
    rule: Mapping[str, Any],
    problems: list[PolicyProblem],
) -> ActionRule | None:
    path: Path = ("spec", direction, index)
    peers_key = "from" if direction == INGRESS else "to"
    peers: list[PeerSpec] = []
    before = len(problems)
    for peer_index, peer in enumerate(rule.get(peers_key) or ()):
        parsed = _peer(namespace, peer, (*path, peers_key, peer_index), problems)
        if parsed is not None:
            peers.append(parsed)
    ports = [
        port
        for port_index, entry in enumerate(rule.get("ports") or ())
        if (port := _port(entry, (*path, "ports", port_index), problems)) is not None
    ]
    if len(problems) > before and any(problem.severity == "error" for problem in problems[before:]):
        return None
    if (
        direction == EGRESS
        and peers
        and all(peer.addresses is not None for peer in peers)
        and any(port.name for port in ports)
    ):
        problems.append(
            PolicyProblem(
                (*path, "ports"),
                "named ports resolve on the destination pod: to ipBlock addresses they allow nothing",
                "warning",
            )
        )
    return ActionRule(
        ref=RuleRef(ref, direction, index),
        peers=tuple(peers) if rule.get(peers_key) else None,
        ports=tuple(ports) if rule.get("ports") else None,
    )


def _peer(
    namespace: str, peer: Mapping[str, Any], path: Path, problems: list[PolicyProblem]
) -> PeerSpec | None:
    present = [key for key in ("podSelector", "namespaceSelector", "ipBlock") if key in peer]
    if not present:
        problems.append(
            PolicyProblem(path, "must specify a peer (podSelector, namespaceSelector or ipBlock)", "error")
        )
        return None
    if "ipBlock" in present:
        if len(present) > 1:
            problems.append(PolicyProblem(path, "may not specify both ipBlock and another peer", "error"))
            return None
        addresses = ip_block(peer["ipBlock"], (*path, "ipBlock"), problems)
        if addresses is None:
            return None
        if addresses & PRIVATE_ADDRESSES:
            problems.append(PolicyProblem((*path, "ipBlock"), f"ipBlock {POD_IPS_NOTE}", "note"))
        return PeerSpec(namespace, None, selectors.NOTHING, addresses)
    pods = selector(peer.get("podSelector"), (*path, "podSelector"), problems)
    namespaces = (
        selector(peer["namespaceSelector"], (*path, "namespaceSelector"), problems)
        if "namespaceSelector" in peer
        else None
    )
    if pods is None or ("namespaceSelector" in peer and namespaces is None):
        return None
    return PeerSpec(namespace, namespaces, pods)


def ip_block(block: Mapping[str, Any], path: Path, problems: list[PolicyProblem]) -> IntervalSet | None:
    """``cidr`` minus each ``except`` (which must be a strict subset of ``cidr``)."""
    if "cidr" not in block:
        problems.append(PolicyProblem((*path, "cidr"), "Required value", "error"))
        return None
    network = parse_cidr(block["cidr"], (*path, "cidr"), problems)
    if network is None:
        return None
    addresses = cidr_addresses(network)
    valid = True
    for index, text in enumerate(block.get("except") or ()):
        excluded = parse_cidr(text, (*path, "except", index), problems)
        if excluded is None:
            valid = False
            continue
        # ValidateIPBlock: !cidrIPNet.Contains(exceptCIDR.IP) || cidrMaskLen >= exceptMaskLen
        if (
            excluded.version != network.version
            or excluded.network_address not in network
            or written_prefix_length(block["cidr"]) >= written_prefix_length(text)
        ):
            problems.append(
                PolicyProblem(
                    (*path, "except", index), f"{text!r} must be a strict subset of `cidr`", "error"
                )
            )
            valid = False
            continue
        addresses = addresses - cidr_addresses(excluded)
    return addresses if valid else None


def _port(entry: Mapping[str, Any], path: Path, problems: list[PolicyProblem]) -> Port | None:
    protocol = entry.get("protocol", "TCP")
    if protocol not in PROTOCOLS:
        problems.append(
            PolicyProblem(
                (*path, "protocol"),
                f'unsupported value {protocol!r}: supported values: "SCTP", "TCP", "UDP"',
                "error",
            )
        )
        return None
    port, end_port = entry.get("port"), entry.get("endPort")
    if port is None:
        if end_port is not None:
            problems.append(
                PolicyProblem(
                    (*path, "endPort"), "may not be specified when `port` is not specified", "error"
                )
            )
            return None
        return Port(protocol, IntervalSet([(MIN_PORT, MAX_PORT)]))
    if isinstance(port, str):
        if end_port is not None:
            problems.append(
                PolicyProblem((*path, "endPort"), "may not be specified when `port` is non-numeric", "error")
            )
            return None
        if not valid_port_name(port):
            problems.append(PolicyProblem((*path, "port"), f"{port!r} is not a valid port name", "error"))
            return None
        return Port(protocol, IntervalSet(), port)
    if not MIN_PORT <= port <= MAX_PORT:
        problems.append(
            PolicyProblem((*path, "port"), f"{port} must be between 1 and 65535, inclusive", "error")
        )
        return None
    end = port if end_port is None else end_port
    if end_port is not None and not MIN_PORT <= end_port <= MAX_PORT:
        problems.append(
            PolicyProblem((*path, "endPort"), f"{end_port} must be between 1 and 65535, inclusive", "error")
        )
        return None
    if end < port:
        problems.append(PolicyProblem((*path, "endPort"), "must be greater than or equal to `port`", "error"))
        return None
    return Port(protocol, IntervalSet([(port, end)]))
