"""``kubeward authn certs``: kubeconfigs, CSRs and PEM files; JSON shape; keys never printed;
bad input is a clear error with exit 2."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cli_helpers import run_cli
from unit.engines.authn.certs import b64, build_der, build_pem, key_pem

DEMO_AUTH = Path(__file__).parents[2] / "examples/demo-cluster/auth"
FIELDS = {"user", "groups", "issuer", "serial", "not_before", "not_after", "key", "source"}
KEY_B64 = base64.b64encode(key_pem()).decode()


def _kubeconfig(tmp_path: Path) -> Path:
    (tmp_path / "me.crt").write_bytes(build_pem({"cn": "file-user", "o": ["readers"]}))
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\nusers:\n"
        f"- name: embedded\n  user:\n    client-certificate-data: {b64({'cn': 'emb', 'o': ['a', 'b']})}\n"
        f"    client-key-data: {KEY_B64}\n"
        "- name: on-disk\n  user:\n    client-certificate: me.crt\n    client-key: me.key\n"
    )
    return path


def _no_secret(text: str) -> None:
    assert "PRIVATE KEY" not in text
    assert KEY_B64[:40] not in text
    assert key_pem().decode().splitlines()[1] not in text


def test_the_demo_certificates_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "authn", "certs", str(DEMO_AUTH), "-o", "json")
    assert outcome.code == 0, outcome.err
    certificates = json.loads(outcome.out)["certificates"]
    assert all(set(entry) >= FIELDS for entry in certificates)
    summary = {(entry["user"], tuple(entry["groups"])) for entry in certificates}
    assert ("admin-breakglass", ("system:masters",)) in summary
    assert ("carol", ("ops-admins",)) in summary
    [legacy] = [entry for entry in certificates if entry["user"] == "legacy-monitor"]
    assert (legacy["key"], legacy["signature"], legacy["not_after"]) == (
        "RSA 1024",
        "sha1WithRSAEncryption",
        "2023-11-02T00:00:00Z",
    )
    [pending] = [entry for entry in certificates if entry["user"] == "deploy-bot"]
    assert pending["csr"]["state"] == "Pending" and pending["request"] is True


def test_kubeconfig_files_are_read_next_to_the_kubeconfig(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outcome = run_cli(capsys, "authn", "certs", "--kubeconfig", str(_kubeconfig(tmp_path)), "-o", "json")
    assert outcome.code == 0, outcome.err
    users = [(entry["user"], entry["groups"]) for entry in json.loads(outcome.out)["certificates"]]
    assert users == [("emb", ["a", "b"]), ("file-user", ["readers"])]
    _no_secret(outcome.out + outcome.err)


def test_kubeconfig_in_sources_reports_the_file_path_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outcome = run_cli(capsys, "authn", "certs", str(_kubeconfig(tmp_path)), "-o", "json")
    entries = json.loads(outcome.out)["certificates"]
    assert [(entry["user"], entry.get("file")) for entry in entries] == [("emb", None), (None, "me.crt")]


def test_pem_files_table_never_prints_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pem = tmp_path / "bundle.pem"
    pem.write_bytes(build_pem({"cn": "alice", "o": ["dev"]}) + key_pem())
    der = tmp_path / "req.der"
    der.write_bytes(build_der({"cn": "bob", "csr": True}))
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(pem), "--pem", str(der))
    assert outcome.code == 0, outcome.err
    assert "alice" in outcome.out and "bob" in outcome.out and "request" in outcome.out
    _no_secret(outcome.out + outcome.err)
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(pem), "-o", "json")
    _no_secret(outcome.out + outcome.err)


@pytest.mark.parametrize(
    "content", [b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b""]
)
def test_bad_pem_is_exit_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(path))
    assert outcome.code == 2
    assert "bad.pem" in outcome.err and "Traceback" not in outcome.err


def test_missing_file_and_no_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(tmp_path / "nope.pem"))
    assert outcome.code == 2 and "nope.pem" in outcome.err
    assert run_cli(capsys, "authn", "certs").code == 2


def test_bad_csr_request_is_exit_2_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "csr.yaml"
    path.write_text(
        "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: x}\n"
        "spec: {signerName: kubernetes.io/kube-apiserver-client, request: bm90IGEgY3Ny}\n"
    )
    outcome = run_cli(capsys, "authn", "certs", str(path))
    assert outcome.code == 2
    assert "csr.yaml:" in outcome.err and "spec.request" in outcome.err


def test_table_maps_the_last_cn_and_notes_a_rejected_uid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pem = tmp_path / "odd.pem"
    pem.write_bytes(build_pem({"cn": ["first", "last-cn"], "uid": ["u1", "u2"]}))
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(pem), "-o", "json")
    assert outcome.code == 0, outcome.err
    [entry] = json.loads(outcome.out)["certificates"]
    assert entry["user"] == "last-cn"
    outcome = run_cli(capsys, "authn", "certs", "--pem", str(pem))
    assert "2 UID attributes" in outcome.out.replace("\n", " ")
