"""The NET controls against the table of cases in tests/data/controls/net.yaml, and the
edge-workload heuristic they rest on."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import scan_text
from control_cases import Case, case_id, check_case, check_coverage, load_cases
from kubeward.controls.net import is_edge

CASES = load_cases("NET")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_net_control(case: Case) -> None:
    check_case(case)


def test_every_net_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    check_coverage("NET", CASES)


_LOAD_BALANCER = {"spec": {"type": "LoadBalancer", "selector": {"app": "shop"}}}


@pytest.mark.parametrize(
    ("labels", "services", "edge"),
    [
        ({"app.kubernetes.io/name": "ingress-nginx"}, [], True),
        ({"istio": "ingressgateway"}, [], True),
        ({"app": "Traefik"}, [], True),
        ({"gateway.networking.k8s.io/gateway-name": "public"}, [], True),
        ({"app": "shop"}, [_LOAD_BALANCER], True),
        ({"app": "shop"}, [{"spec": {"type": "NodePort", "selector": {"app": "shop"}}}], True),
        ({"app": "shop"}, [{"spec": {"type": "ClusterIP", "selector": {"app": "shop"}}}], False),
        ({"app": "shop"}, [{"spec": {"type": "LoadBalancer"}}], False),
        ({"app": "shop", "tier": "ingress"}, [], False),
        ({"app": "db"}, [_LOAD_BALANCER], False),
    ],
)
def test_edge_workloads_are_ingress_controllers_gateways_and_load_balanced_pods(
    labels: dict[str, str], services: list[dict[str, Any]], edge: bool
) -> None:
    assert is_edge(labels, services) is edge


def test_findings_point_at_the_rule_and_peer_involved() -> None:
    result = scan_text(
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {}}, {namespaceSelector: {}}]}]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
""",
        ["KW-NET-006", "KW-NET-007"],
    )
    paths = {finding.control_id: finding.paths for finding in result.findings}
    assert paths == {
        "KW-NET-006": (("spec", "ingress", 0, "from", 1),),
        "KW-NET-007": (("spec", "egress", 0, "to", 0, "ipBlock", "cidr"),),
    }


_CIDRS = [
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "0.0.0.0/2",
    "64.0.0.0/2",
    "128.0.0.0/2",
    "192.0.0.0/2",
    "192.0.0.0/3",
    "224.0.0.0/3",
    "0.0.0.0/4",
    "16.0.0.0/4",
    "32.0.0.0/3",
    "0.0.0.0/5",
    "8.0.0.0/5",
    "8.0.0.0/7",
    "10.0.0.0/8",
    "11.0.0.0/8",
    "100.0.0.0/8",
    "172.16.0.0/12",
    "1.2.3.4/32",
]
_NOT_INTERNET = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
]


def _interval(cidr: str) -> tuple[int, int]:
    network = ipaddress.ip_network(cidr)
    return int(network.network_address), int(network.broadcast_address)


def _covers(blocks: list[str], wanted: tuple[int, int], holes: list[str]) -> bool:
    """A reference: walk the addresses of ``wanted`` that are not in ``holes`` in order,
    jumping over each covering block or hole."""
    spans = sorted(_interval(cidr) for cidr in blocks + holes)
    address, end = wanted
    progressed = True
    while address <= end and progressed:
        progressed = False
        for start, stop in spans:
            if start <= address <= stop:
                address, progressed = stop + 1, True
    return address > end


@settings(max_examples=60, deadline=None)
@example(["0.0.0.0/1"], ["128.0.0.0/1"])  # two halves in two policies: the whole internet
@example(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/3"], [])  # all but 224/3: still all
@example(["0.0.0.0/1"], [])
@given(
    st.lists(st.sampled_from(_CIDRS), max_size=6, unique=True),
    st.lists(st.sampled_from(_CIDRS), max_size=3, unique=True),
)
def test_internet_ingress_is_reported_iff_the_blocks_cover_every_public_ipv4_address(
    first: list[str], second: list[str]
) -> None:
    documents = [
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: shop}\n"
        "spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: db:1}]}}}"
    ]
    for name, blocks in (("first", first), ("second", second)):
        peers = ", ".join(f"{{ipBlock: {{cidr: {cidr}}}}}" for cidr in blocks)
        rules = f"[{{from: [{peers}]}}]" if blocks else "[]"
        documents.append(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: shop}}\n"
            f"spec: {{podSelector: {{matchLabels: {{app: db}}}}, ingress: {rules}}}"
        )
    result = scan_text("\n---\n".join(documents), ["KW-NET-008"])
    reported = sorted(finding.ref.name for finding in result.findings)
    open_to_all = _covers(first + second, (0, 2**32 - 1), _NOT_INTERNET)
    assert bool(reported) == open_to_all
    if open_to_all:  # each policy that contributes an internet address is named
        contributing = [name for name, blocks in (("first", first), ("second", second)) if blocks]
        assert set(reported) <= set(contributing) and reported


def test_internet_ingress_blames_only_the_rules_that_admit_every_address_on_the_common_ports() -> None:
    result = scan_text(
        """
apiVersion: v1
kind: Pod
metadata: {name: console, namespace: crm, labels: {app: console}}
spec: {containers: [{name: c, image: console:1, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: vendor, namespace: crm}
spec:
  podSelector: {matchLabels: {app: console}}
  policyTypes: [Ingress]
  ingress:
  - {from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}
  - {from: [{ipBlock: {cidr: 198.51.100.0/24}}], ports: [{port: 22}]}
""",
        ["KW-NET-008"],
    )
    assert [(finding.paths, finding.why) for finding in result.findings] == [
        ((("spec", "ingress", 0),), ("NetworkPolicy crm/vendor ingress[0]",))
    ]
