"""The API server's changes to a new Pod (``k8s.pods.as_created``), each rule by name."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import kubeward
from kubeward.engines import podsec
from kubeward.k8s.pods import as_created

_A = "container.apparmor.security.beta.kubernetes.io/"


def _container(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "registry.example/app:1", **fields}


CASES = [
    (
        "SetDefaults_Pod: a host-network pod's ports get hostPort = containerPort",
        {},
        {
            "hostNetwork": True,
            "containers": [
                _container("a", ports=[{"containerPort": 80}, {"containerPort": 81, "hostPort": 9}])
            ],
            "initContainers": [_container("i", ports=[{"containerPort": 53, "hostPort": 0}])],
            "ephemeralContainers": [_container("e", ports=[{"containerPort": 7}])],
        },
        {
            "hostNetwork": True,
            "containers": [
                _container(
                    "a", ports=[{"containerPort": 80, "hostPort": 80}, {"containerPort": 81, "hostPort": 9}]
                )
            ],
            "initContainers": [_container("i", ports=[{"containerPort": 53, "hostPort": 53}])],
            "ephemeralContainers": [_container("e", ports=[{"containerPort": 7}])],
        },
    ),
    (
        "no host network: ports unchanged",
        {},
        {"hostNetwork": False, "containers": [_container("a", ports=[{"containerPort": 80}])]},
        None,
    ),
    (
        "applyAppArmorVersionSkew: each valid annotation becomes its container's field",
        {
            "annotations": {
                _A + "a": "runtime/default",
                _A + "b": "unconfined",
                _A + "c": "localhost/k8s-nginx",
                _A + "e": "runtime/default",
            }
        },
        {
            "containers": [_container("a"), _container("b"), _container("c")],
            "ephemeralContainers": [_container("e")],
        },
        {
            "containers": [
                _container("a", securityContext={"appArmorProfile": {"type": "RuntimeDefault"}}),
                _container("b", securityContext={"appArmorProfile": {"type": "Unconfined"}}),
                _container(
                    "c",
                    securityContext={
                        "appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx"}
                    },
                ),
            ],
            "ephemeralContainers": [
                _container("e", securityContext={"appArmorProfile": {"type": "RuntimeDefault"}})
            ],
        },
    ),
    (
        "invalid annotation values are not copied (localhost/ without a name, blank, unknown)",
        {"annotations": {_A + "a": "localhost/", _A + "b": "localhost/  ", _A + "c": "docker/default"}},
        {"containers": [_container("a"), _container("b"), _container("c")]},
        None,
    ),
    (
        "ValidateAppArmorProfileField: a localhost profile padded with whitespace is not copied"
        " (strings.TrimSpace, which trims U+0085 and U+3000 but not U+001F)",
        {
            "annotations": {
                _A + "a": "localhost/ k8s-nginx",
                _A + "b": "localhost/k8s-nginx\n",
                _A + "c": "localhost/k8s-nginx\u3000",
                _A + "d": "\x85localhost/k8s-nginx",
                _A + "e": "localhost/k8s-nginx\x1f",
            }
        },
        {"containers": [_container(name) for name in "abcde"]},
        {
            "containers": [
                *(_container(name) for name in "abcd"),
                _container(
                    "e",
                    securityContext={
                        "appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx\x1f"}
                    },
                ),
            ]
        },
    ),
    (
        "ValidateAppArmorProfileField: a localhost profile longer than 4095 bytes is not copied",
        {"annotations": {_A + "a": "localhost/" + "\u00e9" * 2048, _A + "b": "localhost/" + "p" * 4095}},
        {"containers": [_container("a"), _container("b")]},
        {
            "containers": [
                _container("a"),
                _container(
                    "b",
                    securityContext={
                        "appArmorProfile": {"type": "Localhost", "localhostProfile": "p" * 4095}
                    },
                ),
            ]
        },
    ),
    (
        "defaultHostNetworkPorts: a containerPort of 0 (or none) copies 0: no change",
        {},
        {"hostNetwork": True, "containers": [_container("a", ports=[{"name": "m"}, {"containerPort": 0}])]},
        None,
    ),
    (
        "a container that sets appArmorProfile keeps it",
        {"annotations": {_A + "a": "unconfined"}},
        {"containers": [_container("a", securityContext={"appArmorProfile": {"type": "RuntimeDefault"}})]},
        None,
    ),
    (
        "not copied when equal to the pod's profile",
        {"annotations": {_A + "a": "runtime/default", _A + "b": "unconfined"}},
        {
            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [_container("a"), _container("b")],
        },
        {
            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [
                _container("a"),
                _container("b", securityContext={"appArmorProfile": {"type": "Unconfined"}}),
            ],
        },
    ),
    (
        "Windows pods are left alone",
        {"annotations": {_A + "a": "unconfined"}},
        {"os": {"name": "windows"}, "containers": [_container("a")]},
        None,
    ),
]


@pytest.mark.parametrize(("rule", "metadata", "spec", "expected"), CASES, ids=[case[0] for case in CASES])
def test_as_created(rule: str, metadata: dict[str, Any], spec: dict[str, Any], expected: Any) -> None:
    before = copy.deepcopy(spec)
    got = as_created(metadata, spec)
    assert spec == before, "the input is never modified"
    if expected is None:
        assert got is spec
    else:
        assert got == expected


HOST_NETWORK = """
apiVersion: {api}
kind: {kind}
metadata: {{name: agent, namespace: ops}}
spec:
  {spec}
"""
_POD_SPEC = "hostNetwork: true\n  containers: [{name: a, image: 'r/a:1', ports: [{containerPort: 9100}]}]"


@pytest.mark.parametrize(
    ("api", "kind", "spec", "host_ports"),
    [
        ("v1", "Pod", _POD_SPEC, True),
        (
            "apps/v1",
            "DaemonSet",
            "selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n"
            "      hostNetwork: true\n"
            "      containers: [{name: a, image: 'r/a:1', ports: [{containerPort: 9100}]}]",
            False,
        ),
    ],
)
def test_pod_security_sees_the_stored_pod(
    tmp_path: Any, api: str, kind: str, spec: str, host_ports: bool
) -> None:
    """A Pod's defaulted hostPort is a hostPorts violation; a template's is not (since v1.28)."""
    path = tmp_path / "agent.yaml"
    path.write_text(HOST_NETWORK.format(api=api, kind=kind, spec=spec))
    (workload,) = kubeward.load([str(path)]).snapshot.workloads
    got = podsec.evaluate(podsec.parse_policy("baseline"), workload.pod_metadata, workload.pod_spec)
    expected = ["hostNamespaces", "hostPorts"] if host_ports else ["hostNamespaces"]
    assert [violation.check for violation in got] == expected
