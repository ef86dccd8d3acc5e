"""The AUTHN controls on API-server settings and kubeconfig credentials against the table
of cases in tests/data/controls/authn_apiserver.yaml, the flag locations their findings
point at, and the engine's version and default rules."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import kubeward
from conftest import load_text, scan_text
from control_cases import Case, case_id, check_case, load_cases
from kubeward.controls.catalogue import all_controls
from kubeward.controls.registry import REGISTRY
from kubeward.engines.authn import apiserver
from kubeward.k8s.objects import ID_TOKEN_VALIDITY

CASES = load_cases("AUTHN_APISERVER")
MINE = {control.id for control in all_controls() if control.check.__module__.endswith(".authn_apiserver")}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_authn_apiserver_control(case: Case) -> None:
    check_case(case)


def test_every_control_of_the_module_has_a_case_that_reports_and_one_that_does_not() -> None:
    assert MINE
    for control_id in sorted(MINE):
        mine = [case for case in CASES if case["control"] == control_id]
        assert any(case["expect"] for case in mine), f"{control_id} has no case that reports"
        assert any(not case["expect"] for case in mine), f"{control_id} has no case that passes"
    assert {case["control"] for case in CASES} <= MINE


POD = """\
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp, namespace: kube-system}
spec:
  containers:
  - name: sidecar
    image: busybox:1.36
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.31.4
    command: [kube-apiserver]
    args: [--secure-port=6443, --token-auth-file, /etc/tokens.csv, --anonymous-auth=false, --anonymous-auth]
"""


@pytest.mark.parametrize(
    ("control_id", "path"),
    [
        ("KW-AUTHN-105", ("spec", "containers", 1, "args", 1)),  # the flag word of "--flag value"
        ("KW-AUTHN-101", ("spec", "containers", 1, "args", 4)),  # the last occurrence wins
        ("KW-AUTHN-102", ("spec", "containers", 1, "command")),  # a missing flag: the command line
    ],
)
def test_findings_point_at_the_flag(control_id: str, path: tuple[str | int, ...]) -> None:
    (finding,) = scan_text(POD, [control_id]).findings
    assert finding.paths == (path,)
    assert "kube-apiserver version: 1.31" in finding.why


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443'}}]
contexts: [{name: x, context: {cluster: c, user: t}}]
users:
- name: t
  user: {token: SECRET-TOKEN-1}
- name: b
  user: {username: admin, password: SECRET-PASSWORD-2}
- name: o
  user:
    auth-provider:
      name: oidc
      config: {client-id: k8s, client-secret: SECRET-3, refresh-token: SECRET-4, id-token: SECRET-5}
"""


def test_kubeconfig_findings_never_hold_a_secret_and_point_at_the_field() -> None:
    findings = scan_text(KUBECONFIG, ["KW-AUTHN-121", "KW-AUTHN-122"]).findings
    assert sorted((f.reason, f.paths) for f in findings) == [
        ("basic-auth-password", (("users", 1, "user", "username"), ("users", 1, "user", "password"))),
        (
            "oidc-secret-in-kubeconfig",
            (
                ("users", 2, "user", "auth-provider", "config", "refresh-token"),
                ("users", 2, "user", "auth-provider", "config", "client-secret"),
            ),
        ),
        ("static-bearer-token", (("users", 0, "user", "token"),)),
    ]
    assert "SECRET" not in repr(findings)


def test_an_id_token_is_redacted_but_its_lifetime_kept() -> None:
    """Only the ``iat``/``exp`` claims survive the load; the token itself never does."""
    claims = (
        base64.urlsafe_b64encode(b'{"sub":"SECRET-SUBJECT","iat":1000,"exp":200000}').decode().rstrip("=")
    )
    token = f"eyJhbGciOiJSUzI1NiJ9.{claims}.SECRET-SIGNATURE"
    inputs = load_text(KUBECONFIG.replace("SECRET-5", token))
    (kubeconfig,) = inputs.snapshot.kubeconfigs
    config = kubeconfig.body["users"][2]["user"]["auth-provider"]["config"]
    assert config[ID_TOKEN_VALIDITY] == {"iat": 1000, "exp": 200000}
    assert "SECRET" not in repr(kubeconfig.body)
    (finding,) = scan_text(KUBECONFIG.replace("SECRET-5", token), ["KW-AUTHN-123"]).findings
    assert finding.detail == (
        "user 'o': the embedded OIDC id-token expired at 1970-01-03 07:33 UTC;"
        " it is valid for 55 hours (over 24)"
    )
    assert finding.paths == (("users", 2, "user", "auth-provider", "config", "id-token"),)


def test_the_demo_cluster_weak_settings_are_reported() -> None:
    demo = Path(__file__).parents[3] / "examples/demo-cluster"
    inputs = kubeward.load([str(demo)])
    findings = kubeward.scan(inputs.snapshot, [REGISTRY[i] for i in sorted(MINE)]).findings
    assert sorted({(f.control_id, f.reason) for f in findings}) == [
        ("KW-AUTHN-101", "anonymous-auth-enabled"),
        ("KW-AUTHN-105", "static-token-file"),
        ("KW-AUTHN-111", "client-certificates-accepted"),
        ("KW-AUTHN-121", "static-bearer-token"),
    ]


@pytest.mark.parametrize(
    ("image", "version"),
    [
        ("registry.k8s.io/kube-apiserver:v1.31.4", (1, 31)),
        ("registry.local:5000/kube-apiserver:v1.22", (1, 22)),
        ("kube-apiserver:v1.29.0@sha256:abc", (1, 29)),
        ("registry.local:5000/kube-apiserver", None),
        ("registry.k8s.io/kube-apiserver@sha256:abc", None),
        ("kube-apiserver:latest", None),
    ],
)
def test_image_version(image: str, version: tuple[int, int] | None) -> None:
    assert apiserver.image_version(image) == version


@pytest.mark.parametrize(
    ("flags", "version", "plugin", "enabled"),
    [
        ({}, None, "PodSecurity", True),
        ({}, (1, 22), "PodSecurity", False),
        ({}, (1, 23), "PodSecurity", True),
        ({"disable-admission-plugins": ["LimitRanger, PodSecurity"]}, None, "PodSecurity", False),
        ({"admission-control": ["NamespaceLifecycle"]}, None, "PodSecurity", False),
        ({}, None, "NodeRestriction", False),
        ({"enable-admission-plugins": ["A", "NodeRestriction"]}, None, "NodeRestriction", True),
        ({}, None, "AlwaysAdmit", False),
    ],
)
def test_admission_plugin_defaults(
    flags: dict[str, list[str]], version: tuple[int, int] | None, plugin: str, enabled: bool
) -> None:
    assert apiserver.admission_plugins(flags, plugin, version) is enabled


@pytest.mark.parametrize(
    ("value", "enabled"),
    [("0", False), ("f", False), ("F", False), ("FALSE", False), ("False", False), ("1", True), ("t", True)],
)
def test_anonymous_auth_reads_values_as_go_strconv_parsebool(value: str, enabled: bool) -> None:
    assert apiserver.anonymous_auth({"anonymous-auth": [value]}).enabled is enabled


def test_anonymous_flag_and_structured_section_together_stop_the_server() -> None:
    config = {"anonymous": {"enabled": True}}
    anonymous = apiserver.anonymous_auth({"anonymous-auth": ["false"]}, config)
    assert not anonymous.enabled
    assert "refuses to start" in anonymous.source  # authentication.go: flags and file are exclusive
    assert "refuses" not in apiserver.anonymous_auth({"anonymous-auth": ["false"]}, {"jwt": []}).source
    assert apiserver.anonymous_auth({}, config).beyond_health_checks
    assert not apiserver.anonymous_auth({}, {"anonymous": {"enabled": False}}).enabled
    assert apiserver.anonymous_auth({}, {"jwt": []}).enabled  # no section: the flag's default
