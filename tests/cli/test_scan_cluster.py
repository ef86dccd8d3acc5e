"""``kubeward scan --cluster`` against a loopback server that speaks the list API for a
recorded state (the demo cluster), and against a real cluster when
``KUBEWARD_TEST_KUBECONFIG`` names one (see the README)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cli_helpers import run_cli
from fake_apiserver import State, serve
from kubeward.k8s.objects import GroupKind, split_api_version
from kubeward.sources import cluster
from kubeward.sources.files import read_inputs

ROOT = Path(__file__).parents[2]
SECRET_VALUE = "c3VwZXItc2VjcmV0LXZhbHVl"  # base64 of "super-secret-value"


def _recorded_state() -> list[dict[str, Any]]:
    """The demo cluster's objects of the kinds kubeward lists, plus a Secret with a value."""
    wanted = set(cluster.READ_KINDS)
    objects = [
        record.body
        for record in read_inputs([str(ROOT / "examples/demo-cluster")]).records
        if GroupKind(split_api_version(record.body["apiVersion"])[0], record.body["kind"]) in wanted
    ]
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": "payments", "annotations": {"team": "payments"}},
            "type": "Opaque",
            "data": {"password": SECRET_VALUE},
        }
    )
    return objects


@pytest.fixture
def state() -> State:
    return State(_recorded_state())


def _fingerprints(report: dict[str, Any]) -> list[str]:
    return sorted(finding["fingerprint"] for finding in report["findings"])


def test_live_scan_equals_the_scan_of_the_same_state_from_files(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "PAGE_SIZE", 7)  # page through every resource
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": state.objects}))
    offline = json.loads(run_cli(capsys, "scan", str(dump), "-o", "json", "--whole-cluster").out)
    with serve(state, tmp_path) as kubeconfig:
        outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json")
    assert outcome.code == 1, outcome.err
    live = json.loads(outcome.out)
    assert live["inputs"] == ["cluster:fake"] and live["wholeCluster"] is True
    assert _fingerprints(live) == _fingerprints(offline) != []
    assert live["summary"]["objects"] == len(state.objects)
    assert all(finding["location"] == {"file": None, "line": None} for finding in live["findings"])


def test_it_only_lists_pages_and_reads_secrets_as_metadata(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "PAGE_SIZE", 5)
    with serve(state, tmp_path) as kubeconfig:
        outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json")
    assert {request.method for request in state.requests} == {"GET"}
    lists = [r for r in state.requests if r.query]
    assert all(r.query["limit"] == ["5"] for r in lists)
    assert any("continue" in r.query for r in lists)  # paging happened
    secrets = [r for r in lists if r.path == "/api/v1/secrets"]
    assert secrets and all("as=PartialObjectMetadataList" in r.accept for r in secrets)
    assert SECRET_VALUE not in outcome.out and "super-secret" not in outcome.out
    paths = {r.path for r in state.requests}
    assert paths <= {"/apis", "/api/v1"} | {r.path for r in lists} | {
        f"/apis/{g}" for g in _group_versions(state)
    }


def _group_versions(state: State) -> set[str]:
    return {obj["apiVersion"] for obj in state.objects if "/" in obj["apiVersion"]}


def test_secrets_stay_metadata_even_if_the_server_sends_values(tmp_path: Path, state: State) -> None:
    """A server that ignores the metadata-only request must not get values into memory."""
    with serve(state, tmp_path) as kubeconfig:
        from kubernetes import config as kube_config

        api_client = kube_config.new_client_from_config(config_file=str(kubeconfig), persist_config=False)
        original = api_client.call_api

        def ignore_accept(method: str, url: str, header_params: dict[str, str], **kwargs: Any) -> Any:
            header_params = {**header_params, "Accept": "application/json"}
            return original(method, url, header_params=header_params, **kwargs)

        api_client.call_api = ignore_accept
        read, _ = cluster.read_cluster(api_client=api_client, context="careless")
    [secret] = [
        r.body for r in read.records if r.body["kind"] == "Secret" and r.body["metadata"]["name"] == "db"
    ]
    assert secret == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "payments", "annotations": {"team": "payments"}},
    }


def test_forbidden_resources_are_reported_and_the_rest_is_read(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path
) -> None:
    state.forbidden = {"serviceaccounts"}
    with serve(state, tmp_path) as kubeconfig:
        outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json")
    report = json.loads(outcome.out)
    assert outcome.code == 2
    assert report["inputErrors"] == [
        {
            "file": "cluster:fake",
            "line": None,
            "document": None,
            "message": "cannot list serviceaccounts (v1): Forbidden",
            "fatal": False,
        }
    ]
    assert report["summary"]["objects"] == len([o for o in state.objects if o["kind"] != "ServiceAccount"])


def test_no_secrets_does_not_even_list_them(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path
) -> None:
    state.forbidden = {"secrets"}
    with serve(state, tmp_path) as kubeconfig:
        outcome = run_cli(
            capsys, "scan", "--cluster", "--no-secrets", "--kubeconfig", str(kubeconfig), "-o", "json"
        )
    assert outcome.code == 1
    assert "/api/v1/secrets" not in {r.path for r in state.requests}


def test_an_expired_continue_token_restarts_the_list(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "PAGE_SIZE", 4)
    state.expire_first_continue = {"serviceaccounts"}
    with serve(state, tmp_path) as kubeconfig:
        outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json")
    report = json.loads(outcome.out)
    assert report["inputErrors"] == [] and report["summary"]["objects"] == len(state.objects)
    firsts = [r for r in state.requests if r.path == "/api/v1/serviceaccounts" and "continue" not in r.query]
    assert len(firsts) == 2


def test_an_unreachable_cluster_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "gone",
                "clusters": [{"name": "gone", "cluster": {"server": "https://127.0.0.1:1"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "u"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
            }
        )
    )
    outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig))
    assert (
        outcome.code == 2 and "cannot reach the API server" in outcome.err and "Traceback" not in outcome.err
    )
    outcome = run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(tmp_path / "missing"))
    assert outcome.code == 2 and "cannot load the Kubernetes configuration" in outcome.err


def test_cluster_role_allows_exactly_what_a_scan_lists(capsys: pytest.CaptureFixture[str]) -> None:
    role = json.loads(run_cli(capsys, "cluster-role", "-o", "json").out)
    granted = {
        (group, resource)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert all(rule["verbs"] == ["list"] for rule in role["rules"])
    assert ("", "secrets") in granted and ("apps", "deployments") in granted and ("", "pods") in granted
    without = json.loads(run_cli(capsys, "cluster-role", "--no-secrets", "-o", "json").out)
    assert ("", "secrets") not in {
        (g, r) for rule in without["rules"] for g in rule["apiGroups"] for r in rule["resources"]
    }
    text = run_cli(capsys, "cluster-role", "--service-account", "kubeward/scanner").out
    assert "kind: ClusterRoleBinding" in text and "RBAC cannot limit a grant to metadata" in text


@pytest.mark.live
@pytest.mark.skipif(
    "KUBEWARD_TEST_KUBECONFIG" not in os.environ, reason="set KUBEWARD_TEST_KUBECONFIG to a cluster"
)
def test_a_real_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys, "scan", "--cluster", "--kubeconfig", os.environ["KUBEWARD_TEST_KUBECONFIG"], "-o", "json"
    )
    assert outcome.code in (0, 1), outcome.err
    report = json.loads(outcome.out)
    schema = json.loads((ROOT / "docs/schema/scan-report.v1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["wholeCluster"] is True and report["inputs"][0].startswith("cluster:")
    evaluated = {control["id"]: control["evaluated"] for control in report["controls"]}
    assert evaluated["KW-NS-003"] > 0  # every cluster has namespaces besides the system ones (default)


@pytest.mark.parametrize(
    ("forbidden", "skipped"),
    [
        ("namespaces", "KW-NS-007"),
        ("resourcequotas", "KW-NS-003"),
        ("limitranges", "KW-NS-005"),
    ],
)
def test_controls_that_reason_from_absence_skip_kinds_that_were_not_read(
    capsys: pytest.CaptureFixture[str], state: State, tmp_path: Path, forbidden: str, skipped: str
) -> None:
    """A kind the credentials may not list is unknown, not empty: no false findings."""
    state.forbidden = {forbidden}
    with serve(state, tmp_path) as kubeconfig:
        report = json.loads(
            run_cli(capsys, "scan", "--cluster", "--kubeconfig", str(kubeconfig), "-o", "json").out
        )
    [control] = [c for c in report["controls"] if c["id"] == skipped]
    assert control["skipped"] is not None and control["skipped"].startswith(
        "not evaluated: the input does not hold"
    )
    assert control["evaluated"] == 0 and control["score"] is None
    assert not [f for f in report["findings"] if f["control"] == skipped]
    assert any(note.startswith(f"{skipped} not evaluated") for note in report["notes"])


def test_a_group_that_cannot_be_discovered_is_reported_and_unknown(tmp_path: Path, state: State) -> None:
    with serve(state, tmp_path) as kubeconfig:
        from kubernetes import config as kube_config

        api_client = kube_config.new_client_from_config(config_file=str(kubeconfig), persist_config=False)
        original = api_client.call_api

        def break_rbac(method: str, url: str, header_params: dict[str, str], **kwargs: Any) -> Any:
            if url.endswith("/apis/rbac.authorization.k8s.io/v1"):
                url = url.replace("/apis/rbac", "/apis/gone-rbac")
            return original(method, url, header_params=header_params, **kwargs)

        api_client.call_api = break_rbac
        read, _ = cluster.read_cluster(api_client=api_client, context="partial")
    assert [error.message for error in read.errors] == [
        "API discovery failed: GET /apis/rbac.authorization.k8s.io/v1 answered 404"
    ]
    assert read.listed_kinds is not None
    assert GroupKind("rbac.authorization.k8s.io", "Role") not in read.listed_kinds
    assert GroupKind("", "Namespace") in read.listed_kinds
    assert GroupKind("policy", "PodSecurityPolicy") in read.listed_kinds  # not served: known empty
