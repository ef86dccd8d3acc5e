"""NetworkPolicy semantics, one rule per case of tests/data/netpol/rules/*.yaml (every bullet
of issue 5 §1 and of the reference's §1.1-1.5); the admin tiers are in test_admin_policies."""

from __future__ import annotations

import pytest

from kubeward.engines import netpol
from kubeward.k8s.objects import ObjectRef
from unit.engines.netpol.netpol_cases import Case, case_id, check_case, load_cases, network

FILES = ("selection.yaml", "peers.yaml", "ports.yaml", "combination.yaml")
CASES = load_cases(*FILES)
RULES = {
    # §1.1 selection and isolation
    "sel-namespace": "spec.podSelector selects pods in the policy's namespace only",
    "sel-empty": "an empty (or omitted) podSelector selects all pods of the namespace",
    "isolation-per-direction": "isolation is per direction; a pod no policy selects allows all that way",
    "types-ingress-always": "policyTypes omitted: Ingress always",
    "types-egress-inferred": "policyTypes omitted: Egress iff egress is present and non-empty",
    "types-declared": "declared policyTypes decide; rules of other directions are ignored",
    "ingress-missing-or-empty": "ingress missing or [] allows nothing",
    "ingress-empty-rule": "[{}] allows everything",
    "rule-peers-and-ports": "a rule: peers (OR) AND ports (OR); missing or empty lists mean all",
    # §1.2 peers
    "peer-pod-selector": "podSelector alone: the policy's namespace",
    "peer-namespace-selector": "namespaceSelector alone: all pods of matching namespaces, no IPs",
    "peer-both": "both selectors in one peer: AND; two peers: OR",
    "peer-ipblock": "ipBlock with except: external addresses only",
    "peer-ipv6": "IPv6 ipBlocks",
    "ns-name-label": "kubernetes.io/metadata.name; namespaces not in the input exist",
    "selector-expressions": "matchLabels and matchExpressions operators",
    "invalid-peer": "invalid peers and selectors: the policy does not exist",
    "invalid-cidr": "invalid CIDR or except: the policy does not exist",
    "cidr-sloppy": "CIDRs as the API server parses them: leading zeros, IPv4-mapped, no zone",
    "noncanonical-cidr": "non-canonical CIDR: a warning, the network address is used",
    "wrong-type": "a field of the wrong type: the policy does not exist",
    # §1.3 ports
    "port-default-tcp": "protocol defaults to TCP",
    "port-sctp-udp": "UDP and SCTP",
    "port-omitted": "no port: every port of the protocol",
    "port-range": "endPort ranges",
    "invalid-port": "invalid ports: the policy does not exist",
    "named-port": "named ports per destination pod, by name and protocol",
    "named-port-egress": "egress named ports resolve on the destination; nothing to addresses",
    # §1.4, §1.5 combination, disagreements, workloads
    "union": "policies are additive",
    "both-directions": "pod to pod needs egress and ingress; external needs one side",
    "self": "a pod may always reach itself",
    "host-network": "hostNetwork pods are flagged uncertain",
    "ipblock-pod-ips": "ipBlock never matches pods; noted where private ranges are covered",
    "workload-unit": "workloads are the unit; pods find their workload",
    "atoms": "external ranges are partitioned by every ipBlock boundary",
}


def test_every_rule_has_a_case_and_every_case_a_known_rule() -> None:
    assert {case["rule"] for case in CASES} == set(RULES)
    for case in CASES:
        assert case["why"] and case["expect"], case_id(case)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rule(case: Case) -> None:
    check_case(case)


def test_find_selected_and_atoms() -> None:
    found = network(
        {
            "pods": ["a/web app=web", "a/db app=db"],
            "policies": [
                {
                    "name": "a/db",
                    "spec": {
                        "podSelector": {"matchLabels": {"app": "db"}},
                        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}],
                    },
                }
            ],
        }
    )
    db = found.find("a/db")
    assert found.find("a/Pod/db") == db == netpol.WorkloadPeer("Pod", "a", "db")
    assert found.selected(ObjectRef("NetworkPolicy", "db", "a", "networking.k8s.io")) == (db,)
    assert [atom.to_json()["ipRange"] for atom in found.atoms] == [
        "0.0.0.0-9.255.255.255",
        "10.0.0.0-10.255.255.255",
        "11.0.0.0-255.255.255.255",
        "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    assert found.find("10.1.2.3") == found.atoms[1]
    with pytest.raises(KeyError, match="no workload or pod 'a/nope'"):
        found.find("a/nope")
    assert found.labels(db) == {"app": "db"}
    assert not found.host_network(db)
