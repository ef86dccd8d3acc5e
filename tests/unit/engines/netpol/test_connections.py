"""ConnectionSet against sets of (protocol, port) over a few ports, its JSON and text forms,
and Explained's provenance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubeward.engines.netpol.connections import PROTOCOLS, ConnectionSet, Explained, RuleRef, explain
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.k8s.objects import ObjectRef

PORTS = (1, 2, 3, 80, 81, 65535)
parts = st.lists(
    st.tuples(
        st.sampled_from(PROTOCOLS),
        st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(lambda pair: (min(pair), max(pair))),
    ),
    max_size=4,
)


def build(spec: list[tuple[str, tuple[int, int]]]) -> ConnectionSet:
    return ConnectionSet([(protocol, IntervalSet([bounds])) for protocol, bounds in spec])


def sample(connections: ConnectionSet) -> set[tuple[str, int]]:
    """Membership at the sampled ports (and their neighbours)."""
    probes = {port + delta for port in PORTS for delta in (-1, 0, 1) if 1 <= port + delta <= 65535}
    return {
        (protocol, port)
        for protocol in PROTOCOLS
        for port in probes
        if port in connections.protocol(protocol)
    }


def brute(spec: list[tuple[str, tuple[int, int]]]) -> set[tuple[str, int]]:
    probes = {port + delta for port in PORTS for delta in (-1, 0, 1) if 1 <= port + delta <= 65535}
    return {(protocol, port) for protocol, (start, end) in spec for port in probes if start <= port <= end}


@given(parts, parts)
def test_operations_match_sets(
    a: list[tuple[str, tuple[int, int]]], b: list[tuple[str, tuple[int, int]]]
) -> None:
    x, y = build(a), build(b)
    assert sample(x) == brute(a)
    assert sample(x | y) == brute(a) | brute(b)
    assert sample(x & y) == brute(a) & brute(b)
    assert sample(x - y) == brute(a) - brute(b)
    assert (x <= y) == (brute(a) <= brute(b))
    assert bool(x) == bool(a)
    assert (x == y) == (sample(x) == sample(y))


def test_all_and_none() -> None:
    assert ConnectionSet.all().is_all() and str(ConnectionSet.all()) == "all"
    assert not ConnectionSet.none() and str(ConnectionSet.none()) == "none"
    assert ConnectionSet.all() - ConnectionSet.of("UDP") == ConnectionSet.of("TCP") | ConnectionSet.of("SCTP")
    with pytest.raises(ValueError, match="unknown protocol"):
        ConnectionSet.of("ICMP")


@pytest.mark.parametrize(
    ("connections", "text", "json"),
    [
        (ConnectionSet.all(), "all", "all"),
        (ConnectionSet.none(), "none", []),
        (
            ConnectionSet.of("TCP", 80, 80)
            | ConnectionSet.of("TCP", 443, 443)
            | ConnectionSet.of("UDP", 53, 53),
            "TCP 80,443; UDP 53",
            [
                {"protocol": "TCP", "port": 80},
                {"protocol": "TCP", "port": 443},
                {"protocol": "UDP", "port": 53},
            ],
        ),
        (
            ConnectionSet.of("UDP", 1000, 2000) | ConnectionSet.of("SCTP"),
            "UDP 1000-2000; SCTP all ports",
            [
                {"protocol": "SCTP", "port": 1, "endPort": 65535},
                {"protocol": "UDP", "port": 1000, "endPort": 2000},
            ],
        ),
    ],
)
def test_text_and_json(connections: ConnectionSet, text: str, json: object) -> None:
    assert str(connections) == text
    assert connections.to_json() == json


def test_explained_keeps_the_rules_of_each_part() -> None:
    policy = ObjectRef("NetworkPolicy", "allow-web", "shop", "networking.k8s.io")
    first, second = RuleRef(policy, "ingress", 0), RuleRef(policy, "ingress", 1)
    assert str(first) == "NetworkPolicy shop/allow-web ingress[0]"
    explained = explain(
        [(ConnectionSet.of("TCP", 80, 90), first), (ConnectionSet.of("TCP", 85, 100), second)]
    )
    assert explained.parts == (
        (ConnectionSet.of("TCP", 80, 84), frozenset({first})),
        (ConnectionSet.of("TCP", 85, 90), frozenset({first, second})),
        (ConnectionSet.of("TCP", 91, 100), frozenset({second})),
    )
    assert explained.connections() == ConnectionSet.of("TCP", 80, 100)
    assert explained.rules_for(ConnectionSet.of("TCP", 95, 95)) == frozenset({second})
    assert Explained().connections() == ConnectionSet.none()
