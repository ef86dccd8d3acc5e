"""Tables of NetworkPolicy cases (tests/data/netpol/rules/*.yaml): each case is a small
cluster and the verdicts it must give, and names the rule it pins.

Case keys: ``rule`` (an id of :data:`RULES` or :data:`ADMIN_RULES`), ``why`` (the rule in
words, with its source), ``pods`` (``"ns/name label=value,... [ports=name:port/PROTO,...]
[hostNetwork]"``), ``namespaces`` (name -> labels), ``objects`` (extra YAML objects:
Deployments, ...), ``policies`` (``{name: "ns/name" | "name", kind?, spec}``; kind
defaults to NetworkPolicy), ``expect`` (``"SRC -> DST": allowed`` with ``str(ConnectionSet)``:
"all", "none", "TCP 80; UDP 53"; SRC and DST as ``Network.find`` reads them),
``problems`` (every error and warning as ``[severity, object name, path, message part]``),
``network_notes`` (when given: every note of ``Network.problems``, in the same form),
``input_errors`` (message parts of the errors loading reports, in order), ``notes``
(``"SRC -> DST": [note part, ...]``), ``explain`` (``"SRC -> DST": [line part,...]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from conftest import load_text
from kubeward.engines import netpol

Case = dict[str, Any]
DATA = Path(__file__).parents[3] / "data" / "netpol" / "rules"
_GROUPS = {
    "NetworkPolicy": "networking.k8s.io/v1",
    "AdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "BaselineAdminNetworkPolicy": "policy.networking.k8s.io/v1alpha1",
    "ClusterNetworkPolicy": "policy.networking.k8s.io/v1beta1",
}


def load_cases(*names: str) -> list[Case]:
    cases: list[Case] = []
    for name in names:
        cases.extend(yaml.safe_load((DATA / name).read_text()))
    return cases


def case_id(case: Case) -> str:
    return f"{case['rule']}: {case['why'][:70]}"


def _pod(text: str) -> dict[str, Any]:
    words = text.split()
    namespace, name = words[0].split("/")
    labels: dict[str, str] = {}
    ports: list[dict[str, Any]] = []
    spec: dict[str, Any] = {}
    for word in words[1:]:
        if word == "hostNetwork":
            spec["hostNetwork"] = True
        elif word.startswith("ports="):
            for entry in word.removeprefix("ports=").split(","):
                port_name, _, number = entry.partition(":")
                number, _, protocol = number.partition("/")
                port: dict[str, Any] = {"name": port_name, "containerPort": int(number)}
                if protocol:
                    port["protocol"] = protocol
                ports.append(port)
        else:
            labels.update(pair.split("=", 1) for pair in word.split(","))  # type: ignore[misc]
    container: dict[str, Any] = {"name": "c", "image": "registry.example/app:1"}
    if ports:
        container["ports"] = ports
    spec["containers"] = [container]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": spec,
    }


def _policy(entry: dict[str, Any]) -> dict[str, Any]:
    kind = entry.get("kind", "NetworkPolicy")
    namespace, _, name = entry["name"].rpartition("/")
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": _GROUPS[kind], "kind": kind, "metadata": metadata, "spec": entry["spec"]}


def manifests(case: Case) -> str:
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}
        for name, labels in (case.get("namespaces") or {}).items()
    ]
    objects += [_pod(text) for text in case.get("pods", ())]
    objects += case.get("objects", [])
    objects += [_policy(entry) for entry in case.get("policies", ())]
    return yaml.safe_dump_all(objects, sort_keys=False)


def network(case: Case) -> netpol.Network:
    inputs = load_text(case.get("text") or manifests(case))
    expected = case.get("input_errors", [])
    assert len(inputs.errors) == len(expected), inputs.errors
    for error, part in zip(inputs.errors, expected, strict=True):
        assert part in error.message, (error, part)
    return netpol.network_of(inputs.snapshot)


def pair(found: netpol.Network, text: str) -> tuple[netpol.Peer, netpol.Peer]:
    src, dst = (part.strip() for part in text.split("->"))
    return found.find(src), found.find(dst)


def problems(found: netpol.Network, notes: bool = False) -> list[list[str]]:
    return [
        [problem.severity, problem.ref.name, ".".join(str(part) for part in problem.path), problem.message]
        for problem in found.problems
        if (problem.severity == "note") == notes
    ]


def check_case(case: Case) -> None:
    found = network(case)
    for text, expected in case["expect"].items():
        src, dst = pair(found, text)
        assert str(netpol.verdict(found, src, dst).allowed) == str(expected), text
    for only_notes, key in ((False, "problems"), (True, "network_notes")):
        actual = problems(found, only_notes)
        expected_problems = case.get(key, [])
        if only_notes and key not in case:
            continue
        assert len(actual) == len(expected_problems), actual
        for (severity, name, path, message), expected in zip(actual, expected_problems, strict=True):
            assert [severity, name, path] == expected[:3], actual
            assert expected[3] in message, (message, expected[3])
    for text, parts in (case.get("notes") or {}).items():
        notes = " | ".join(netpol.verdict(found, *pair(found, text)).notes)
        for part in parts:
            assert part in notes, (text, part, notes)
    for text, parts in (case.get("explain") or {}).items():
        lines = " | ".join(netpol.verdict(found, *pair(found, text)).explain())
        for part in parts:
            assert part in lines, (text, part, lines)
