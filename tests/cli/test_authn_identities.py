"""``kubeward authn revoke-plan`` and ``kubeward authn issue``: identities from flags and
certificates, exit codes, file permissions, and no private key ever printed."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cli_helpers import Outcome, run_cli
from kubeward.engines.authn import x509 as authn_x509

CLUSTER = str(Path(__file__).parents[1] / "data/authn/revoke/cluster.yaml")
NOW = datetime.now(UTC)


def _name(cn: str, *orgs: str) -> x509.Name:
    return x509.Name(
        [
            *(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca(directory: Path) -> tuple[Path, Path, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("test-ca")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.crt", directory / "ca.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path, certificate


def _client_cert(path: Path, cn: str, *orgs: str) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, *orgs))
        .issuer_name(_name("test-ca"))
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _no_secret(outcome: Outcome, *keys: bytes) -> None:
    printed = outcome.out + outcome.err
    assert "PRIVATE KEY" not in printed
    for key in keys:
        assert base64.b64encode(key).decode()[:40] not in printed
        assert key.decode().splitlines()[1] not in printed


def _changes(outcome: Outcome) -> dict[str, list[object]]:
    plan = json.loads(outcome.out)
    return {
        f"{c['binding']['kind']} {c['binding']['namespace'] + '/' if c['binding']['namespace'] else ''}"
        f"{c['binding']['name']}": [c["action"], c["cutsOff"]]
        for c in plan["changes"]
    }


# revoke-plan


def test_revoke_plan_for_a_user(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(
        capsys, "authn", "revoke-plan", "--user", "alice", "--as-group", "devs", CLUSTER, "-o", "json"
    )
    assert outcome.code == 1
    assert _changes(outcome) == {
        "ClusterRoleBinding alice-view": ["delete", True],
        "ClusterRoleBinding devs-view": ["shared", False],
        "ClusterRoleBinding everyone-view": ["everyone", False],
        "RoleBinding ops/both": ["remove-subjects", False],
        "RoleBinding web/team-edit": ["remove-subjects", True],
    }
    assert json.loads(outcome.out)["identity"]["groups"] == ["devs", "system:authenticated"]


def test_revoke_plan_for_a_certificate_reads_cn_and_o(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cert = _client_cert(tmp_path / "alice.crt", "alice", "devs")
    by_cert = run_cli(capsys, "authn", "revoke-plan", "--cert", str(cert), CLUSTER, "-o", "json")
    by_user = run_cli(
        capsys, "authn", "revoke-plan", "--user", "alice", "--as-group", "devs", CLUSTER, "-o", "json"
    )
    assert (by_cert.code, json.loads(by_cert.out)) == (by_user.code, json.loads(by_user.out))


def test_revoke_plan_for_system_masters_says_it_cannot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cert = _client_cert(tmp_path / "admin.crt", "admin", "system:masters")
    outcome = run_cli(capsys, "authn", "revoke-plan", "--cert", str(cert), CLUSTER)
    assert outcome.code == 1
    assert "CANNOT BE CUT OFF: in system:masters" in outcome.out
    assert "kubeadm certs renew` does NOT rotate the CA" in outcome.out
    assert "INCOMPLETE" in outcome.out


def test_revoke_plan_for_a_group(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "authn", "revoke-plan", "--group", "devs", CLUSTER, "-o", "json")
    assert outcome.code == 0
    assert _changes(outcome) == {
        "ClusterRoleBinding devs-view": ["remove-subjects", True],
        "RoleBinding ops/both": ["remove-subjects", True],
    }


@pytest.mark.parametrize("args", [(), ("--user", "a", "--group", "b")], ids=["no identity", "two identities"])
def test_revoke_plan_needs_exactly_one_identity(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    outcome = run_cli(capsys, "authn", "revoke-plan", *args, CLUSTER)
    assert outcome.code == 2
    assert "exactly one of --user, --group or --cert" in outcome.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"garbage", "not a PEM or DER certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n", "no END line"),
    ],
)
def test_revoke_plan_bad_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.crt"
    bad.write_bytes(content)
    outcome = run_cli(capsys, "authn", "revoke-plan", "--cert", str(bad), CLUSTER)
    assert outcome.code == 2
    assert str(bad) in outcome.err and message in outcome.err
    assert "Traceback" not in outcome.err


def test_revoke_plan_missing_certificate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = run_cli(capsys, "authn", "revoke-plan", "--cert", str(tmp_path / "none.crt"), CLUSTER)
    assert outcome.code == 2
    assert "none.crt: cannot read the certificate" in outcome.err


# issue


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_issue_a_csr_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(
        capsys, "authn", "issue", "--user", "alice", "--group", "dev", "--group", "ops", "--days", "7"
    )
    assert outcome.code == 0
    key = (tmp_path / "alice.key").read_bytes()
    assert _mode(tmp_path / "alice.key") == 0o600
    assert _mode(tmp_path / "alice.kubeconfig") == 0o600
    _no_secret(outcome, key)
    obj = yaml.safe_load(outcome.out)
    assert obj["kind"] == "CertificateSigningRequest"
    assert obj["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
    assert obj["spec"]["expirationSeconds"] == 7 * 86400
    info = authn_x509.decode_request(base64.b64decode(obj["spec"]["request"]))
    assert (info.user, info.groups, info.key) == ("alice", ("dev", "ops"), "EC secp256r1")
    config = yaml.safe_load((tmp_path / "alice.kubeconfig").read_text())
    assert config["users"][0]["user"] == {
        "client-certificate": str(tmp_path / "alice.crt"),
        "client-key": str(tmp_path / "alice.key"),
    }
    assert "kubectl certificate approve kubeward-alice" in outcome.err


def test_issue_with_out_writes_the_csr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run_cli(capsys, "authn", "issue", "--user", "bob", "--key-type", "rsa", "--out", str(out))
    assert outcome.code == 0
    obj = yaml.safe_load((out / "bob.csr.yaml").read_text())
    assert authn_x509.decode_request(base64.b64decode(obj["spec"]["request"])).key == "RSA 3072"
    _no_secret(outcome, (out / "bob.key").read_bytes())
    assert "CertificateSigningRequest" not in outcome.out


def test_issue_signed_by_a_test_ca(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ca_cert, ca_key, ca = _ca(tmp_path)
    out = tmp_path / "out"
    outcome = run_cli(
        capsys, "authn", "issue", "--user", "alice", "--group", "dev", "--days", "30", "--out", str(out),
        "--ca-cert", str(ca_cert), "--ca-key", str(ca_key), "--server", "https://api.test:6443",
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    key = (out / "alice.key").read_bytes()
    _no_secret(outcome, key, ca_key.read_bytes())
    assert (_mode(out / "alice.key"), _mode(out / "alice.kubeconfig")) == (0o600, 0o600)
    certificate = x509.load_pem_x509_certificate((out / "alice.crt").read_bytes())
    certificate.verify_directly_issued_by(ca)
    info = authn_x509.decode_certificates((out / "alice.crt").read_bytes())[0]
    assert (info.user, info.groups, info.client_auth) == ("alice", ("dev",), True)
    assert info.lifetime_days == pytest.approx(30, abs=0.01)
    config = yaml.safe_load((out / "alice.kubeconfig").read_text())
    user = config["users"][0]["user"]
    assert base64.b64decode(user["client-key-data"]) == key
    assert base64.b64decode(user["client-certificate-data"]) == (out / "alice.crt").read_bytes()
    assert config["clusters"][0]["cluster"]["server"] == "https://api.test:6443"
    assert "issued alice (groups: dev)" in outcome.out


def test_issue_refuses_system_masters_unless_forced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ("authn", "issue", "--user", "root", "--group", "system:masters", "--out", str(tmp_path))
    refused = run_cli(capsys, *args)
    assert refused.code == 2
    assert "refusing to issue a cluster-admin identity" in refused.err
    assert not list(tmp_path.iterdir())
    forced = run_cli(capsys, *args, "--force")
    assert forced.code == 0
    assert "cluster-admin identity: system:masters bypasses RBAC" in forced.err


def test_issue_refuses_groups_bound_to_cluster_admin(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rbac = tmp_path / "rbac.yaml"
    rbac.write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admins}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
        "subjects: [{kind: Group, name: platform-admins}]\n"
    )
    outcome = run_cli(
        capsys,
        "authn",
        "issue",
        "--user",
        "eve",
        "--group",
        "platform-admins",
        "--out",
        str(tmp_path / "o"),
        str(rbac),
    )
    assert outcome.code == 2
    assert "ClusterRoleBinding admins binds ClusterRole cluster-admin to Group platform-admins" in outcome.err
    fine = run_cli(
        capsys, "authn", "issue", "--user", "eve", "--group", "dev", "--out", str(tmp_path / "o"), str(rbac)
    )
    assert fine.code == 0


@pytest.mark.parametrize("days", ["0", "-3"])
def test_issue_refuses_less_than_a_day(capsys: pytest.CaptureFixture[str], tmp_path: Path, days: str) -> None:
    outcome = run_cli(capsys, "authn", "issue", "--user", "a", "--days", days, "--out", str(tmp_path))
    assert outcome.code == 2
    assert "--days must be at least 1" in outcome.err


def test_issue_warns_beyond_a_year(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = run_cli(capsys, "authn", "issue", "--user", "a", "--days", "400", "--out", str(tmp_path))
    assert outcome.code == 0
    assert "valid for 400 days" in outcome.err


def test_issue_does_not_overwrite_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.key").write_text("keep")
    outcome = run_cli(capsys, "authn", "issue", "--user", "a", "--out", str(tmp_path))
    assert outcome.code == 2
    assert "a.key: already exists" in outcome.err
    assert (tmp_path / "a.key").read_text() == "keep"
    assert run_cli(capsys, "authn", "issue", "--user", "a", "--out", str(tmp_path), "--force").code == 0
    assert _mode(tmp_path / "a.key") == 0o600


@pytest.mark.parametrize(
    ("which", "message"),
    [("only-cert", "both --ca-cert and --ca-key"), ("bad-key", "not an unencrypted PEM private key"),
     ("other-key", "does not belong to the CA certificate")],
)  # fmt: skip
def test_issue_bad_ca(capsys: pytest.CaptureFixture[str], tmp_path: Path, which: str, message: str) -> None:
    ca_cert, ca_key, _ = _ca(tmp_path)
    args = ["--ca-cert", str(ca_cert)]
    if which == "bad-key":
        ca_key.write_text("garbage")
        args += ["--ca-key", str(ca_key)]
    elif which == "other-key":
        other = tmp_path / "other"
        other.mkdir()
        args += ["--ca-key", str(_ca(other)[1])]
    outcome = run_cli(capsys, "authn", "issue", "--user", "a", "--out", str(tmp_path / "o"), *args)
    assert outcome.code == 2
    assert message in outcome.err
    assert "Traceback" not in outcome.err
