"""NetworkPolicy engine: what the policies allow between workloads and external address
ranges, exactly (networking.k8s.io/v1 plus the policy.networking.k8s.io admin tiers), with
the rules behind every allowed port range.

``network_of(snapshot)`` indexes a snapshot once; ``verdict(network, src, dst)`` answers
one pair with its explanation; ``connlist(network)`` lists every allowed connection. See
docs/netpol-engine.md.
"""

from kubeward.engines.netpol.connections import PROTOCOLS, ConnectionSet, Explained, RuleRef
from kubeward.engines.netpol.evaluate import Connection, Direction, Verdict, connlist, verdict
from kubeward.engines.netpol.intervals import IntervalSet
from kubeward.engines.netpol.network import IpRange, Network, Peer, Problem, WorkloadPeer, network_of

__all__ = [
    "PROTOCOLS",
    "Connection",
    "ConnectionSet",
    "Direction",
    "Explained",
    "IntervalSet",
    "IpRange",
    "Network",
    "Peer",
    "Problem",
    "RuleRef",
    "Verdict",
    "WorkloadPeer",
    "connlist",
    "network_of",
    "verdict",
]
