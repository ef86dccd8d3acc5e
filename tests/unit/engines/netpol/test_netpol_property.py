"""The network-policy engine against a naive per-pod-pair, per-port reference
(``netpol_reference``) on random small clusters: 2-3 namespaces (some without a Namespace
object), bare pods (a few with hostNetwork) with random labels and named container ports in
every protocol, and NetworkPolicies using every feature (empty and absent podSelector,
policyTypes present, absent or empty, ingress/egress missing, ``[]`` and ``[{}]``, every kind of
peer including AND, ipBlocks with ``except`` in IPv4 and IPv6 (a few not canonical), ports with
and without protocol, ``endPort``, named ports), plus sometimes admin-tier policies
(AdminNetworkPolicy + BaselineAdminNetworkPolicy, or ClusterNetworkPolicy in both tiers).

Each pod is its own workload, so the comparison is per pod. Ports are sampled at every interval
boundary the cluster mentions (and next to it), so the answers between samples are constant and
the comparison is exact; addresses likewise at every CIDR boundary."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.engines.netpol import connections, evaluate, network
from kubeward.k8s.objects import Origin, Record
from kubeward.snapshot import snapshot
from unit.engines.netpol.netpol_reference import Endpoint, IpAddress, Reference

Obj = dict[str, Any]
EnginePeer = network.WorkloadPeer | network.IpRange

NAME_LABEL = "kubernetes.io/metadata.name"
NAMESPACES = ("ns1", "ns2", "ns3")
POD_LABELS = {"app": ("a", "b"), "tier": ("x", "y")}
NAMESPACE_LABELS = {"env": ("prod", "dev"), NAME_LABEL: NAMESPACES}
PROTOCOLS = connections.PROTOCOLS
PORT_NAMES = ("http", "dns", "metrics")
CONTAINER_PORTS = (53, 80, 81, 8080)
POLICY_PORTS = (1, 53, 80, 81, 443, 8080, 65535)
IPV4_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.168.0.0/16")
IPV6_CIDRS = ("::/0", "2001:db8::/32", "2001:db8:1::/48", "fd00::/8")
REFERENCE_CASES = Path(__file__).parents[3] / "data" / "netpol" / "property" / "reference_cases.yaml"
EDGES = ("0.0.0.0", "255.255.255.255", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8.8.8.8")
ADMIN_V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
CNP_VERSIONS = ("policy.networking.k8s.io/v1alpha2", "policy.networking.k8s.io/v1beta1")

# --- strategies --------------------------------------------------------------------------------


def _selectors(labels: Mapping[str, tuple[str, ...]]) -> st.SearchStrategy[Obj]:
    keys = st.sampled_from(sorted(labels))
    match_labels = keys.flatmap(lambda key: st.sampled_from(labels[key]).map(lambda value: {key: value}))
    expression = keys.flatmap(
        lambda key: st.one_of(
            st.builds(
                lambda operator, values: {"key": key, "operator": operator, "values": values},
                st.sampled_from(("In", "NotIn")),
                st.lists(st.sampled_from(labels[key]), min_size=1, max_size=2, unique=True),
            ),
            st.sampled_from(("Exists", "DoesNotExist")).map(
                lambda operator: {"key": key, "operator": operator}
            ),
        )
    )
    return st.one_of(
        st.just({}),
        match_labels.map(lambda labels_: {"matchLabels": labels_}),
        st.lists(expression, min_size=1, max_size=2).map(lambda found: {"matchExpressions": found}),
    )


pod_selectors = _selectors(POD_LABELS)
namespace_selectors = _selectors(NAMESPACE_LABELS)


@st.composite
def cidr_blocks(draw: st.DrawFn) -> Obj:
    cidr = ipaddress.ip_network(draw(st.sampled_from(IPV4_CIDRS + IPV6_CIDRS)))
    block: Obj = {"cidr": str(cidr)}
    room = cidr.max_prefixlen - cidr.prefixlen
    if room and draw(st.booleans()):
        excepts = set()
        for _ in range(draw(st.integers(1, 2))):
            extra = draw(st.integers(1, min(room, 24)))
            subnets = 1 << extra
            index = draw(st.sampled_from((0, subnets // 2 - 1, subnets // 2, subnets - 1)))
            prefix = cidr.prefixlen + extra
            first = cidr.network_address + (index << (cidr.max_prefixlen - prefix))  # same family
            excepts.add(str(ipaddress.ip_network((first, prefix))))
        block["except"] = sorted(excepts)
    if room and draw(st.integers(0, 7)) == 0:  # host bits set: accepted by the API, read as masked
        block["cidr"] = f"{cidr.network_address + 1}/{cidr.prefixlen}"
    return block


def _np_peers(draw: st.DrawFn) -> Obj:
    kind = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
    if kind == "ipBlock":
        return {"ipBlock": draw(cidr_blocks())}
    peer: Obj = {}
    if kind in ("pod", "both"):
        peer["podSelector"] = draw(pod_selectors)
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = draw(namespace_selectors)
    return peer


def _np_port(draw: st.DrawFn) -> Obj:
    port: Obj = {}
    if draw(st.booleans()):
        port["protocol"] = draw(st.sampled_from(PROTOCOLS))
    kind = draw(st.sampled_from(("none", "number", "range", "named")))
    if kind == "named":
        port["port"] = draw(st.sampled_from(PORT_NAMES))
    elif kind != "none":
        port["port"] = draw(st.sampled_from(POLICY_PORTS))
        if kind == "range":
            port["endPort"] = draw(st.sampled_from([p for p in POLICY_PORTS if p >= port["port"]]))
    return port


@st.composite
def np_rules(draw: st.DrawFn, peers_field: str) -> Obj:
    rule: Obj = {}
    shape = draw(st.sampled_from(("absent", "empty", "some", "some")))
    if shape == "empty":
        rule[peers_field] = []
    elif shape == "some":
        rule[peers_field] = [_np_peers(draw) for _ in range(draw(st.integers(1, 2)))]
    shape = draw(st.sampled_from(("absent", "empty", "some", "some")))
    if shape == "empty":
        rule["ports"] = []
    elif shape == "some":
        rule["ports"] = [_np_port(draw) for _ in range(draw(st.integers(1, 2)))]
    return rule


def _direction(draw: st.DrawFn, peers_field: str) -> list[Obj] | None:
    shape = draw(st.sampled_from(("absent", "empty", "all", "rules", "rules")))
    if shape == "absent":
        return None
    if shape == "empty":
        return []
    if shape == "all":
        return [{}]
    return draw(st.lists(np_rules(peers_field), min_size=1, max_size=2))


@st.composite
def network_policies(draw: st.DrawFn, name: str, namespaces: list[str]) -> Obj:
    spec: Obj = {}
    if draw(st.integers(0, 3)):
        spec["podSelector"] = draw(pod_selectors)
    types = draw(st.sampled_from((None, [], ["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    if types is not None:
        spec["policyTypes"] = types
    for direction, peers_field in (("ingress", "from"), ("egress", "to")):
        rules = _direction(draw, peers_field)
        if rules is not None:
            spec[direction] = rules
    metadata = {"name": name, "namespace": draw(st.sampled_from(namespaces))}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata, "spec": spec}


@st.composite
def pods(draw: st.DrawFn, name: str, namespace: str) -> Obj:
    labels = {key: draw(st.sampled_from(values)) for key, values in POD_LABELS.items() if draw(st.booleans())}
    ports = []
    for port_name in draw(st.lists(st.sampled_from(PORT_NAMES), max_size=3, unique=True)):
        port: Obj = {"name": port_name, "containerPort": draw(st.sampled_from(CONTAINER_PORTS))}
        protocol = draw(st.sampled_from((None, *PROTOCOLS)))
        if protocol is not None:
            port["protocol"] = protocol
        ports.append(port)
    if draw(st.booleans()):  # an unnamed port never resolves a name
        ports.append({"containerPort": draw(st.sampled_from(CONTAINER_PORTS))})
    containers: list[Obj] = [{"name": "main", "image": "registry.example.com/app:1.0"}]
    if draw(st.booleans()):  # a sidecar declaring some of the pod's ports
        containers.append({"name": "sidecar", "image": "registry.example.com/proxy:1.0"})
    for port in ports:
        containers[draw(st.integers(0, len(containers) - 1))].setdefault("ports", []).append(port)
    metadata: Obj = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    spec: Obj = {"containers": containers}
    if draw(st.integers(0, 7)) == 0:
        spec["hostNetwork"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


# --- admin tiers ---


def _admin_pods(draw: st.DrawFn) -> Obj:
    return {"namespaceSelector": draw(namespace_selectors), "podSelector": draw(pod_selectors)}


def _admin_subject(draw: st.DrawFn) -> Obj:
    if draw(st.booleans()):
        return {"namespaces": draw(namespace_selectors)}
    return {"pods": _admin_pods(draw)}


def _admin_peer(draw: st.DrawFn, egress: bool) -> Obj:
    kind = draw(st.sampled_from(("namespaces", "pods", "networks") if egress else ("namespaces", "pods")))
    if kind == "namespaces":
        return {"namespaces": draw(namespace_selectors)}
    if kind == "pods":
        return {"pods": _admin_pods(draw)}
    cidrs = draw(st.lists(st.sampled_from(IPV4_CIDRS + IPV6_CIDRS), min_size=1, max_size=2, unique=True))
    return {"networks": cidrs}


def _port_range(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(st.sampled_from(POLICY_PORTS[:-1]))
    return start, draw(st.sampled_from([p for p in POLICY_PORTS if p > start]))


def _anp_port(draw: st.DrawFn, named: bool) -> Obj:
    kind = draw(
        st.sampled_from(("portNumber", "namedPort", "portRange") if named else ("portNumber", "portRange"))
    )
    protocol = draw(st.sampled_from(PROTOCOLS))
    if kind == "namedPort":
        return {"namedPort": draw(st.sampled_from(PORT_NAMES))}
    if kind == "portNumber":
        return {"portNumber": {"protocol": protocol, "port": draw(st.sampled_from(POLICY_PORTS))}}
    start, end = _port_range(draw)
    return {"portRange": {"protocol": protocol, "start": start, "end": end}}


def _cnp_protocol(draw: st.DrawFn, named: bool) -> Obj:
    kind = draw(st.sampled_from(("number", "range", "named") if named else ("number", "range")))
    if kind == "named":
        return {"destinationNamedPort": draw(st.sampled_from(PORT_NAMES))}
    protocol = draw(st.sampled_from(PROTOCOLS)).lower()
    if kind == "number":
        return {protocol: {"destinationPort": {"number": draw(st.sampled_from(POLICY_PORTS))}}}
    start, end = _port_range(draw)
    return {protocol: {"destinationPort": {"range": {"start": start, "end": end}}}}


def _admin_rules(draw: st.DrawFn, egress: bool, actions: tuple[str, ...], cnp: bool) -> list[Obj]:
    rules = []
    for index in range(draw(st.integers(0, 3))):
        peers = [_admin_peer(draw, egress) for _ in range(draw(st.integers(1, 2)))]
        rule: Obj = {
            "name": f"r{index}",
            "action": draw(st.sampled_from(actions)),
            "to" if egress else "from": peers,
        }
        if draw(st.booleans()):
            make = _cnp_protocol if cnp else _anp_port
            named = not any("networks" in peer for peer in peers)  # else the CRD rejects the policy
            rule["protocols" if cnp else "ports"] = [
                make(draw, named) for _ in range(draw(st.integers(1, 2)))
            ]
        rules.append(rule)
    return rules


@st.composite
def admin_policies(draw: st.DrawFn) -> list[Obj]:
    """Either AdminNetworkPolicies + the BaselineAdminNetworkPolicy, or ClusterNetworkPolicies in
    both tiers (their relative order is not specified), with distinct priorities."""
    cnp = draw(st.booleans())
    priorities = draw(st.lists(st.integers(0, 1000), max_size=3, unique=True))
    baseline = draw(st.booleans())
    policies = []
    for index, priority in enumerate(priorities):
        actions = ("Accept", "Deny", "Pass") if cnp else ("Allow", "Deny", "Pass")
        spec: Obj = {"priority": priority, "subject": _admin_subject(draw)}
        if cnp:
            spec["tier"] = "Admin" if index or not baseline else "Baseline"
        for direction in ("ingress", "egress"):
            rules = _admin_rules(draw, direction == "egress", actions, cnp)
            if rules:
                spec[direction] = rules
        kind, version = (
            ("ClusterNetworkPolicy", draw(st.sampled_from(CNP_VERSIONS)))
            if cnp
            else ("AdminNetworkPolicy", ADMIN_V1ALPHA1)
        )
        policies.append(
            {"apiVersion": version, "kind": kind, "metadata": {"name": f"admin{index}"}, "spec": spec}
        )
    if baseline and not cnp:
        spec = {"subject": _admin_subject(draw)}
        for direction in ("ingress", "egress"):
            rules = _admin_rules(draw, direction == "egress", ("Allow", "Deny"), cnp=False)
            if rules:
                spec[direction] = rules
        metadata = {"name": "default"}
        policies.append(
            {
                "apiVersion": ADMIN_V1ALPHA1,
                "kind": "BaselineAdminNetworkPolicy",
                "metadata": metadata,
                "spec": spec,
            }
        )
    return policies


@st.composite
def clusters(draw: st.DrawFn, admin: bool = False) -> list[Obj]:
    namespaces = list(NAMESPACES[: draw(st.integers(2, 3))])
    objects: list[Obj] = []
    for namespace in namespaces:
        if draw(st.integers(0, 3)):  # else the namespace exists with its name label only
            labels = {"env": draw(st.sampled_from(NAMESPACE_LABELS["env"]))} if draw(st.booleans()) else {}
            metadata: Obj = {"name": namespace, "labels": labels} if labels else {"name": namespace}
            objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
    for namespace in namespaces:
        for index in range(draw(st.integers(1, 2))):
            objects.append(draw(pods(f"p{index}", namespace)))
    for index in range(draw(st.integers(0, 4))):
        objects.append(draw(network_policies(f"np{index}", namespaces)))
    if admin:
        objects.extend(draw(admin_policies()))
    return objects


# --- sampling ----------------------------------------------------------------------------------


def _numbers(value: Any) -> Iterator[int]:
    """Every integer in a (nested) object: ports, endPorts, ranges, container ports."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


def sample_ports(objects: list[Obj]) -> list[int]:
    """Each boundary and its neighbours: between two samples nothing changes."""
    found = {1, 65535}
    for obj in objects:
        if obj["kind"] != "Namespace":
            found.update(n + d for n in _numbers(obj.get("spec")) for d in (-1, 0, 1) if 1 <= n + d <= 65535)
    return sorted(found)


def _cidrs(value: Any) -> Iterator[str]:
    """Every ``ipBlock`` cidr and except, and every admin-tier ``networks`` entry."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "cidr":
                yield item
            elif key in ("except", "networks"):
                yield from item
            else:
                yield from _cidrs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cidrs(item)


def sample_addresses(objects: list[Obj]) -> list[IpAddress]:
    found = {ipaddress.ip_address(text) for text in EDGES}
    for obj in objects:
        for cidr in _cidrs(obj.get("spec")):
            block = ipaddress.ip_network(cidr, strict=False)
            low, high = int(block.network_address), int(block.broadcast_address)
            top = (1 << block.max_prefixlen) - 1
            for value in (low - 1, low, low + 1, high - 1, high, high + 1):
                if 0 <= value <= top:
                    found.add(
                        ipaddress.IPv4Address(value) if block.version == 4 else ipaddress.IPv6Address(value)
                    )
    return sorted(found, key=lambda address: (address.version, int(address)))


# --- comparison --------------------------------------------------------------------------------


def _name(endpoint: Endpoint) -> str:
    if isinstance(endpoint, dict):
        return f"{endpoint['metadata']['namespace']}/{endpoint['metadata']['name']}"
    return str(endpoint)


def _dump(objects: list[Obj]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False)


class Comparison:
    """The engine's network and the reference for one cluster, compared point by point."""

    def __init__(self, objects: list[Obj]) -> None:
        self.objects = objects
        records = [Record(body, Origin("cluster.yaml", index)) for index, body in enumerate(objects)]
        self.network = network.network_of(snapshot.build(records))
        self.reference = Reference(objects)
        self.ports = sample_ports(objects)
        self.addresses = sample_addresses(objects)
        self.points = [(protocol, port) for protocol in PROTOCOLS for port in self.ports]
        self._expected: dict[tuple[str, str], frozenset[tuple[str, int]]] = {}
        self._engine: dict[connections.ConnectionSet, frozenset[tuple[str, int]]] = {}

    def peer(self, endpoint: Endpoint) -> EnginePeer:
        return self.network.find(_name(endpoint))

    def expected(self, src: Endpoint, dst: Endpoint) -> frozenset[tuple[str, int]]:
        """The sampled (protocol, port) points the reference allows from ``src`` to ``dst``."""
        key = (_name(src), _name(dst))
        if key not in self._expected:
            allowed = self.reference.allowed
            self._expected[key] = frozenset(p for p in self.points if allowed(src, dst, *p))
        return self._expected[key]

    def engine(self, got: connections.ConnectionSet) -> frozenset[tuple[str, int]]:
        if got not in self._engine:
            of = connections.ConnectionSet.of
            self._engine[got] = frozenset(p for p in self.points if of(p[0], p[1], p[1]) <= got)
        return self._engine[got]

    def check(self, src: Endpoint, dst: Endpoint, got: connections.ConnectionSet, what: str) -> None:
        expected, engine = self.expected(src, dst), self.engine(got)
        if engine != expected:
            missing = ", ".join(f"{proto}/{port}" for proto, port in sorted(expected - engine))
            extra = ", ".join(f"{proto}/{port}" for proto, port in sorted(engine - expected))
            raise AssertionError(
                f"{what} {_name(src)} -> {_name(dst)}: the engine allows {got}; the reference"
                f" also allows [{missing}] and denies [{extra}] of it\n---\n{_dump(self.objects)}"
            )

    def endpoints(self) -> list[Endpoint]:
        return [*self.reference.pods, *self.addresses]

    def verdicts(self) -> None:
        pod_list = self.reference.pods
        for src in pod_list:
            for dst in self.endpoints():
                self.check(
                    src,
                    dst,
                    evaluate.verdict(self.network, self.peer(src), self.peer(dst)).allowed,
                    "verdict",
                )
            for address in self.addresses:
                got = evaluate.verdict(self.network, self.peer(address), self.peer(src)).allowed
                self.check(address, src, got, "verdict")

    def connlist(self) -> None:
        found = evaluate.connlist(self.network)
        listed = {(c.src, c.dst): c.allowed for c in found}
        ranges = list(listed)
        assert len(listed) == len(found), "a pair listed twice"
        for left, right in ranges:
            assert left != right and network.WorkloadPeer in (type(left), type(right)), f"{left} -> {right}"
            assert listed[(left, right)], f"listed with nothing allowed: {left} -> {right}"
        none = connections.ConnectionSet.none()
        for src in self.reference.pods:
            for dst in self.reference.pods:
                if src is not dst:
                    self.check(src, dst, listed.get((self.peer(src), self.peer(dst)), none), "connlist")
            for address in self.addresses:
                self.check(src, address, self._listed(listed, ranges, src, address, egress=True), "connlist")
                self.check(address, src, self._listed(listed, ranges, src, address, egress=False), "connlist")

    def _listed(
        self,
        listed: dict[tuple[EnginePeer, EnginePeer], connections.ConnectionSet],
        pairs: list[tuple[EnginePeer, EnginePeer]],
        pod: Endpoint,
        address: IpAddress,
        *,
        egress: bool,
    ) -> connections.ConnectionSet:
        """The connlist entry between ``pod`` and the (possibly merged) range holding ``address``."""
        workload = self.peer(pod)
        found = [
            listed[(src, dst)]
            for src, dst in pairs
            if (src if egress else dst) == workload
            and isinstance(other := (dst if egress else src), network.IpRange)
            and type(other.start) is type(address)
            and other.start <= address <= other.end  # type: ignore[operator]
        ]
        assert len(found) <= 1, f"{len(found)} connlist ranges hold {address}"
        return found[0] if found else connections.ConnectionSet.none()


@settings(max_examples=120)
@given(clusters())
def test_network_policies_match_the_reference(objects: list[Obj]) -> None:
    comparison = Comparison(objects)
    comparison.verdicts()
    comparison.connlist()


@settings(max_examples=80)
@given(clusters(admin=True))
def test_admin_tiers_match_the_reference(objects: list[Obj]) -> None:
    comparison = Comparison(objects)
    comparison.verdicts()
    comparison.connlist()


def test_sampled_ports_cover_every_boundary() -> None:
    policy = {"kind": "NetworkPolicy", "spec": {"ingress": [{"ports": [{"port": 80, "endPort": 90}]}]}}
    assert sample_ports([policy]) == [1, 79, 80, 81, 89, 90, 91, 65535]


def test_sampled_addresses_cover_every_boundary() -> None:
    policy = {"kind": "NetworkPolicy", "spec": {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/31"}}]}]}}
    assert [str(a) for a in sample_addresses([policy]) if str(a).startswith("10.")] == [
        "10.0.0.0",
        "10.0.0.1",
        "10.0.0.2",
    ]


def _endpoint(reference: Reference, text: str) -> Endpoint:
    if "/" not in text:
        return ipaddress.ip_address(text)
    namespace, name = text.split("/")
    return next(
        p for p in reference.pods if p["metadata"]["namespace"] == namespace and p["metadata"]["name"] == name
    )


@pytest.mark.parametrize(
    "case", yaml.safe_load(REFERENCE_CASES.read_text()), ids=lambda case: case["rule"][:60]
)
def test_reference_follows_the_documented_cases(case: Obj) -> None:
    reference = Reference(case["objects"])
    for src, dst, protocol, port, allowed in case["checks"]:
        got = reference.allowed(_endpoint(reference, src), _endpoint(reference, dst), protocol, port)
        assert got == allowed, f"{src} -> {dst} {protocol}/{port}"
