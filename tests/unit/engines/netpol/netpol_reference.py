"""A deliberately naive network-policy evaluator, written from the Kubernetes documentation and
the reference notes (``shared/reference/netpol.md`` §1, "Reference algorithm"), not from the
engine: it reads the raw objects and answers one question for one pod pair and one port by
looping over every policy and every rule.

Readings it takes (the documented ones, where implementations differ):

* ``ipBlock`` and the admin tiers' ``networks`` match external addresses only, never pods
  (Kubernetes docs "These should be cluster-external IPs"; netpol-analyzer ``ruleSelectsPeer``);
* namespaces absent from the input exist with only their ``kubernetes.io/metadata.name`` label;
* a pod always reaches itself;
* admin tier (AdminNetworkPolicy, ClusterNetworkPolicy ``tier: Admin``; lower priority first, then
  rule order; Allow/Accept, Deny, Pass) → NetworkPolicy (decides fully for the pods it selects in
  that direction) → baseline tier (BaselineAdminNetworkPolicy, ClusterNetworkPolicy ``tier:
  Baseline``) → allow (network-policy-api ``ClusterNetworkPolicySpec.Tier``);
* admin-tier named ports take their protocol from the destination pod's container port;
* hostNetwork pods: NetworkPolicy polices them like other pods (one of the two readings the docs
  allow, "NetworkPolicy and hostNetwork pods"); the admin tiers skip them as subjects and peers
  (network-policy-api ``ClusterNetworkPolicySubject``, ``...IngressPeer``).

Label selectors go through :mod:`kubeward.k8s.selectors`, the one implementation.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kubeward.k8s.selectors import Selector, parse_label_selector

__all__ = ["Endpoint", "IpAddress", "Reference"]

Obj = Mapping[str, Any]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Endpoint = Obj | IpAddress  # a Pod object or an external address

NAME_LABEL = "kubernetes.io/metadata.name"
ADMIN_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
ALLOW, DENY, PASS = "allow", "deny", "pass"
_ACTIONS = {"Allow": ALLOW, "Accept": ALLOW, "Deny": DENY, "Pass": PASS}


def _labels(obj: Obj) -> Mapping[str, str]:
    return obj.get("metadata", {}).get("labels") or {}


def _namespace(obj: Obj) -> str:
    return str(obj["metadata"].get("namespace") or "default")


@functools.cache
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def _in_cidr(address: IpAddress, cidr: str) -> bool:
    network = _network(cidr)
    return network.version == address.version and address in network


def _container_ports(pod: Obj) -> Iterator[Obj]:
    for container in pod.get("spec", {}).get("containers") or []:
        yield from container.get("ports") or []


def _named_port_matches(dst: Endpoint, name: str, protocol: str, port: int) -> bool:
    """A named port resolved on the destination pod: a container port of that name and of the
    traffic's protocol (NetworkPolicy also requires the rule's protocol, checked by the caller)."""
    if not isinstance(dst, Mapping):
        return False
    return any(
        container_port.get("name") == name
        and container_port.get("protocol", "TCP") == protocol
        and container_port["containerPort"] == port
        for container_port in _container_ports(dst)
    )


class Reference:
    """Every object of a small cluster, as plain dicts."""

    def __init__(self, objects: Iterable[Obj]) -> None:
        objects = list(objects)
        self.namespace_objects = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Namespace"}
        self.pods = [o for o in objects if o["kind"] == "Pod"]
        self.policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        admin = [o for o in objects if o["kind"] in ADMIN_KINDS]
        self.admin_tier = sorted((o for o in admin if _tier(o) == "Admin"), key=_priority)
        self.baseline_tier = sorted((o for o in admin if _tier(o) == "Baseline"), key=_priority)
        self._parsed: dict[int, tuple[Any, Selector]] = {}  # by id(selector), which it keeps alive

    def _matches(self, selector: Any, labels: Mapping[str, str]) -> bool:
        if id(selector) not in self._parsed:
            self._parsed[id(selector)] = (selector, parse_label_selector(selector))
        return self._parsed[id(selector)][1].matches(labels)

    # --- the question ------------------------------------------------------------------------

    def allowed(self, src: Endpoint, dst: Endpoint, protocol: str, port: int) -> bool:
        """May ``src`` open a ``protocol``/``port`` connection to ``dst``?"""
        if src is dst:
            return True
        egress = not isinstance(src, Mapping) or self._decide(src, dst, "egress", protocol, port)
        ingress = not isinstance(dst, Mapping) or self._decide(dst, src, "ingress", protocol, port)
        return egress and ingress

    def _decide(self, pod: Obj, peer: Endpoint, direction: str, protocol: str, port: int) -> bool:
        """One direction of ``pod`` (the source for egress, the destination for ingress)."""
        dst = peer if direction == "egress" else pod
        action = self._tier_action(self.admin_tier, pod, peer, dst, direction, protocol, port)
        if action is not None and action != PASS:
            return action == ALLOW
        selecting = [p for p in self.policies if self._np_selects(p, pod, direction)]
        if selecting:
            return any(
                self._np_rule_matches(policy, rule, peer, dst, direction, protocol, port)
                for policy in selecting
                for rule in policy["spec"].get(direction) or []
            )
        action = self._tier_action(self.baseline_tier, pod, peer, dst, direction, protocol, port)
        return action is None or action != DENY

    # --- NetworkPolicy -----------------------------------------------------------------------

    def namespace_labels(self, name: str) -> dict[str, str]:
        obj = self.namespace_objects.get(name)
        return {**(_labels(obj) if obj else {}), NAME_LABEL: name}

    def _np_selects(self, policy: Obj, pod: Obj, direction: str) -> bool:
        spec = policy["spec"]
        if _namespace(policy) != _namespace(pod):
            return False
        if not self._matches(spec.get("podSelector") or {}, _labels(pod)):
            return False
        types = spec.get("policyTypes")
        if not types:  # [] is unset (pkg/apis/networking/v1/defaults.go)
            types = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
        return direction.capitalize() in types

    def _np_rule_matches(
        self, policy: Obj, rule: Obj, peer: Endpoint, dst: Endpoint, direction: str, protocol: str, port: int
    ) -> bool:
        peers = rule.get("from" if direction == "ingress" else "to") or []
        if peers and not any(self._np_peer_matches(policy, p, peer) for p in peers):
            return False
        ports = rule.get("ports") or []
        return not ports or any(_np_port_matches(p, dst, protocol, port) for p in ports)

    def _np_peer_matches(self, policy: Obj, peer_spec: Obj, peer: Endpoint) -> bool:
        if "ipBlock" in peer_spec:
            if not isinstance(peer, ipaddress.IPv4Address | ipaddress.IPv6Address):
                return False  # ipBlock = external addresses
            block = peer_spec["ipBlock"]
            return _in_cidr(peer, block["cidr"]) and not any(
                _in_cidr(peer, cidr) for cidr in block.get("except") or []
            )
        if not isinstance(peer, Mapping):
            return False  # selectors pick pods, never external addresses
        namespace = _namespace(peer)
        if "namespaceSelector" in peer_spec:
            if not self._matches(peer_spec["namespaceSelector"], self.namespace_labels(namespace)):
                return False
        elif namespace != _namespace(policy):
            return False
        return "podSelector" not in peer_spec or self._matches(peer_spec["podSelector"], _labels(peer))

    # --- admin tiers -------------------------------------------------------------------------

    def _tier_action(
        self,
        tier: Sequence[Obj],
        pod: Obj,
        peer: Endpoint,
        dst: Endpoint,
        direction: str,
        protocol: str,
        port: int,
    ) -> str | None:
        """The first matching rule's action in the tier's order, or None."""
        for policy in tier:
            if not self._admin_selects(policy["spec"]["subject"], pod):
                continue
            for rule in policy["spec"].get(direction) or []:
                peers = rule["from" if direction == "ingress" else "to"]
                if not any(self._admin_peer_matches(p, peer) for p in peers):
                    continue
                if _admin_ports_match(rule, dst, protocol, port):
                    return _ACTIONS[rule["action"]]
        return None

    def _admin_selects(self, subject: Obj, pod: Obj) -> bool:
        if pod.get("spec", {}).get("hostNetwork") is True:
            return False  # "host-networked pods are not included in subject selection" (nor peers)
        namespace_labels = self.namespace_labels(_namespace(pod))
        if "namespaces" in subject:
            return self._matches(subject["namespaces"], namespace_labels)
        pods = subject["pods"]
        return self._matches(pods["namespaceSelector"], namespace_labels) and self._matches(
            pods["podSelector"], _labels(pod)
        )

    def _admin_peer_matches(self, peer_spec: Obj, peer: Endpoint) -> bool:
        if "networks" in peer_spec:
            if not isinstance(peer, ipaddress.IPv4Address | ipaddress.IPv6Address):
                return False  # networks = external addresses, as ipBlock
            return any(_in_cidr(peer, cidr) for cidr in peer_spec["networks"])
        if not isinstance(peer, Mapping):
            return False
        return self._admin_selects(peer_spec, peer)


def _tier(policy: Obj) -> str:
    kind = policy["kind"]
    if kind == "AdminNetworkPolicy":
        return "Admin"
    if kind == "BaselineAdminNetworkPolicy":
        return "Baseline"
    return str(policy["spec"]["tier"])


def _priority(policy: Obj) -> int:
    return int(policy["spec"].get("priority", 0))


def _np_port_matches(port_spec: Obj, dst: Endpoint, protocol: str, port: int) -> bool:
    wanted = port_spec.get("protocol", "TCP")
    if wanted != protocol:
        return False
    number = port_spec.get("port")
    if number is None:
        return True
    if isinstance(number, str):
        return _named_port_matches(dst, number, protocol, port)
    end = port_spec.get("endPort", number)
    return bool(number <= port <= end)


def _admin_ports_match(rule: Obj, dst: Endpoint, protocol: str, port: int) -> bool:
    if "ports" in rule:  # AdminNetworkPolicy / BaselineAdminNetworkPolicy v1alpha1
        return any(_anp_port_matches(p, dst, protocol, port) for p in rule["ports"])
    if "protocols" in rule:  # ClusterNetworkPolicy
        return any(_cnp_protocol_matches(p, dst, protocol, port) for p in rule["protocols"])
    return True


def _anp_port_matches(port_spec: Obj, dst: Endpoint, protocol: str, port: int) -> bool:
    if "namedPort" in port_spec:
        return _named_port_matches(dst, port_spec["namedPort"], protocol, port)
    if "portNumber" in port_spec:
        number = port_spec["portNumber"]
        return bool(number.get("protocol", "TCP") == protocol and number["port"] == port)
    span = port_spec["portRange"]
    return bool(span.get("protocol", "TCP") == protocol and span["start"] <= port <= span["end"])


def _cnp_protocol_matches(protocol_spec: Obj, dst: Endpoint, protocol: str, port: int) -> bool:
    if "destinationNamedPort" in protocol_spec:
        return _named_port_matches(dst, protocol_spec["destinationNamedPort"], protocol, port)
    matches = protocol_spec.get(protocol.lower())
    if matches is None:
        return False
    destination = matches.get("destinationPort")
    if destination is None:
        return True
    if "number" in destination:
        return bool(destination["number"] == port)
    span = destination["range"]
    return bool(span["start"] <= port <= span["end"])
