"""The POD controls against the table of cases in tests/data/controls/pod.yaml, and the
helpers they rest on (image references, host path normalisation)."""

from __future__ import annotations

import posixpath

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import scan_text
from control_cases import Case, case_id, check_case, check_coverage, load_cases
from kubeward.controls.pod import image_reference, normalise_host_path, sensitive_host_path

CASES = load_cases("POD")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pod_control(case: Case) -> None:
    check_case(case)


def test_every_pod_control_has_a_case_that_reports_and_one_that_does_not() -> None:
    check_coverage("POD", CASES)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", ("nginx", None, None)),
        ("nginx:1.27", ("nginx", "1.27", None)),
        ("library/nginx:latest", ("library/nginx", "latest", None)),
        ("registry.local:5000/team/app", ("registry.local:5000/team/app", None, None)),
        ("registry.local:5000/team/app:v2", ("registry.local:5000/team/app", "v2", None)),
        ("nginx@sha256:abc", ("nginx", None, "sha256:abc")),
        ("nginx:1.27@sha256:abc", ("nginx", "1.27", "sha256:abc")),
        ("[::1]:5000/app:1", ("[::1]:5000/app", "1", None)),
    ],
)
def test_image_reference_splits_repository_tag_and_digest(
    image: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert image_reference(image) == expected


def _resolve(path: str) -> str:
    """A reference resolution of an absolute path: walk its components with a stack."""
    stack: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if stack:
                stack.pop()
        else:
            stack.append(part)
    return "/" + "/".join(stack)


@given(st.lists(st.sampled_from(["", ".", "..", "etc", "var", "lib", "kubelet", "run", "a"]), max_size=8))
def test_host_paths_normalise_like_a_component_walk(parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    assert normalise_host_path(path) == _resolve(path)


@given(st.lists(st.sampled_from(["..", "etc", "var", "lib", "kubelet", "run", "proc", "x"]), max_size=6))
def test_a_path_is_sensitive_iff_it_is_on_a_line_with_a_sensitive_path(parts: list[str]) -> None:
    path = _resolve("/" + "/".join(parts))
    found = {sensitive for sensitive, _ in sensitive_host_path(path)}
    for sensitive in ("/etc", "/proc", "/var/lib/kubelet", "/run/docker.sock"):
        related = posixpath.commonpath([path, sensitive]) in (path, sensitive) and path != "/"
        assert (sensitive in found) == related, (path, sensitive)
    assert ("/" in found) == (path == "/")


def test_findings_point_at_the_fields_involved() -> None:
    result = scan_text(
        """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ops}
spec:
  hostPID: true
  containers: [{name: a, image: agent:1.0, securityContext: {privileged: true}}]
  volumes: [{name: root, hostPath: {path: /}}]
""",
        ["KW-POD-012", "KW-POD-013"],
    )
    paths = {finding.control_id: finding.paths for finding in result.findings}
    assert paths == {
        "KW-POD-012": (("spec", "volumes", 0, "hostPath", "path"),),
        "KW-POD-013": (("spec", "hostPID"), ("spec", "containers", 0, "securityContext", "privileged")),
    }


def test_enforce_findings_name_where_the_policy_comes_from() -> None:
    result = scan_text(
        """
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: web}
spec: {hostIPC: true, containers: [{name: c, image: nginx:1.27}]}
""",
        ["KW-POD-001"],
    )
    [finding] = result.findings
    assert finding.why == (
        "enforce policy from the labels of namespace 'web'",
        "hostNamespaces: host namespaces (hostIPC=true)",
    )


@pytest.mark.parametrize(
    ("pod_setting", "account_setting", "projected", "why"),
    [
        (
            None,
            None,
            False,
            "automountServiceAccountToken is set neither on the pod nor on its ServiceAccount"
            " (defaults to true)",
        ),
        (True, False, False, "automountServiceAccountToken is true"),
        (None, True, False, "automountServiceAccountToken is true on the ServiceAccount"),
        (
            False,
            None,
            True,
            "automountServiceAccountToken is false, but a projected serviceAccountToken volume is mounted",
        ),
        (
            None,
            False,
            True,
            "automountServiceAccountToken is false on the ServiceAccount, but a projected"
            " serviceAccountToken volume is mounted",
        ),
    ],
)
def test_unneeded_token_says_where_the_token_comes_from(
    pod_setting: bool | None, account_setting: bool | None, projected: bool, why: str
) -> None:
    account = {"automountServiceAccountToken": account_setting} if account_setting is not None else {}
    pod: dict[str, object] = {"containers": [{"name": "c", "image": "nginx:1.27"}]}
    if pod_setting is not None:
        pod["automountServiceAccountToken"] = pod_setting
    if projected:
        pod["volumes"] = [{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}}]
    documents = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": "app"},
            **account,
        },
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "app"}, "spec": pod},
    ]
    result = scan_text("---\n".join(yaml.safe_dump(document) for document in documents), ["KW-POD-011"])
    [finding] = result.findings
    assert finding.why[0] == why
