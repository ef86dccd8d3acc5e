"""Client identities (generators/client_identity.py): keys, PKCS#10 requests, CSR objects,
CA-signed certificates and kubeconfigs, read back by the API server's mapping
(engines/authn/x509.py). CAs are built in the test."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.engines.authn import x509 as authn_x509
from kubeward.generators import client_identity

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
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
    return certificate, key


@pytest.mark.parametrize(("kind", "expected"), [("ec", "EC secp256r1"), ("rsa", "RSA 3072")])
def test_keys_are_p256_or_rsa_3072(kind: str, expected: str) -> None:
    key = client_identity.new_key(kind)
    request = client_identity.request_pem(key, "alice", ())
    assert authn_x509.decode_request(request).key == expected
    assert isinstance(key, ec.EllipticCurvePrivateKey if kind == "ec" else rsa.RSAPrivateKey)


def test_unknown_key_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown key type 'dsa'"):
        client_identity.new_key("dsa")


def test_the_request_maps_to_the_user_and_groups_in_order() -> None:
    request = client_identity.request_pem(client_identity.new_key(), "alice", ("dev", "ops"))
    info = authn_x509.decode_request(request)
    assert (info.user, info.groups) == ("alice", ("dev", "ops"))


def test_an_empty_user_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        client_identity.subject("", ())


@pytest.mark.parametrize(
    ("days", "seconds"),
    [(1, 86400), (30, 2592000), (30000, 2**31 - 1)],  # expirationSeconds is an int32
    ids=["one-day", "thirty-days", "capped-at-int32"],
)
def test_the_csr_object(days: int, seconds: int) -> None:
    request = client_identity.request_pem(client_identity.new_key(), "alice", ("dev",))
    obj = client_identity.csr_object("kubeward-alice", request, days)
    assert obj["apiVersion"] == "certificates.k8s.io/v1"
    assert obj["kind"] == "CertificateSigningRequest"
    assert obj["metadata"] == {"name": "kubeward-alice"}
    spec = obj["spec"]
    assert spec["signerName"] == "kubernetes.io/kube-apiserver-client"
    assert "client auth" in spec["usages"]
    assert spec["expirationSeconds"] == seconds
    assert base64.b64decode(spec["request"]) == request
    assert "PRIVATE KEY" not in str(obj)


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_signed_certificates_are_client_certificates_for_the_identity(kind: str) -> None:
    ca_certificate, ca_key = _ca()
    key = client_identity.new_key(kind)
    pem = client_identity.sign(key, "alice", ("dev",), 30, ca_certificate, ca_key, now=NOW)
    info = authn_x509.decode_certificates(pem)[0]
    assert (info.user, info.groups, info.client_auth) == ("alice", ("dev",), True)
    assert info.lifetime_days == pytest.approx(30 + 5 / 1440)
    assert info.not_before == NOW - timedelta(minutes=5)
    certificate = x509.load_pem_x509_certificate(pem)
    certificate.verify_directly_issued_by(ca_certificate)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_kubeconfig_inline_and_by_file() -> None:
    inline = client_identity.kubeconfig(
        user="alice", server="https://k:6443", ca_pem=b"CA", certificate_pem=b"CERT", key=b"KEY"
    )
    assert inline["users"] == [
        {
            "name": "alice",
            "user": {
                "client-certificate-data": base64.b64encode(b"CERT").decode(),
                "client-key-data": base64.b64encode(b"KEY").decode(),
            },
        }
    ]
    assert inline["clusters"][0]["cluster"] == {
        "server": "https://k:6443",
        "certificate-authority-data": base64.b64encode(b"CA").decode(),
    }
    assert inline["current-context"] == "alice@kubernetes"
    by_file = client_identity.kubeconfig(
        user="alice", server="https://k:6443", certificate_file="/d/alice.crt", key_file="/d/alice.key"
    )
    assert by_file["users"][0]["user"] == {"client-certificate": "/d/alice.crt", "client-key": "/d/alice.key"}


_NAMES = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=',+"\\<>;='),
    min_size=1,
    max_size=20,
)


@settings(max_examples=25, deadline=None)
@given(user=_NAMES, groups=st.lists(_NAMES, max_size=3))
def test_any_identity_round_trips(user: str, groups: list[str]) -> None:
    request = client_identity.request_pem(client_identity.new_key(), user, tuple(groups))
    info = authn_x509.decode_request(request)
    assert (info.user, info.groups) == (user, tuple(groups))
