"""A client identity for the API server: a private key, a PKCS#10 request and the
CertificateSigningRequest object that asks the cluster to sign it, or (test clusters) a
certificate signed directly with the CA, and a kubeconfig that uses them.

* The identity is the Subject: CN = user, one O per group (what the API server maps back,
  checked by decoding the result with ``engines.authn.x509``).
* CSR objects are ``certificates.k8s.io/v1`` with signer ``kubernetes.io/kube-apiserver-client``,
  usages ``[client auth]`` (``digital signature`` too: the signer accepts it and TLS with an
  EC or RSA key needs it) and ``expirationSeconds`` (the signer caps it at its
  ``--cluster-signing-duration``, minimum 600 s).
* Signed certificates carry ``clientAuth`` as their only extended key usage,
  ``CA:FALSE``, the issuer's subject and key identifier.
* Private keys are returned only as PEM bytes for the caller to write to a 0600 file; no
  function here puts them in anything meant to be printed except :func:`kubeconfig`, whose
  result must only be written the same way.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kubeward.engines.authn import x509 as authn_x509

__all__ = [
    "KEY_TYPES",
    "PrivateKey",
    "csr_object",
    "key_pem",
    "kubeconfig",
    "new_key",
    "request_pem",
    "sign",
    "subject",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
KEY_TYPES = ("ec", "rsa")
_MIN_EXPIRATION = 600
_MAX_EXPIRATION = 2**31 - 1  # spec.expirationSeconds is an int32 (certificates/v1 types.go)


def new_key(kind: str = "ec") -> PrivateKey:
    """An EC P-256 key, or an RSA 3072 key for ``kind="rsa"``."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key type {kind!r} (one of {', '.join(KEY_TYPES)})")


def key_pem(key: PrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM: only for a file written with mode 0600."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def subject(user: str, groups: tuple[str, ...]) -> x509.Name:
    """CN = user, then one O per group, in order (the API server reads every O)."""
    if not user:
        raise ValueError("the user name (CN) must not be empty")
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in groups]
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, user)])


def request_pem(key: PrivateKey, user: str, groups: tuple[str, ...]) -> bytes:
    """The PKCS#10 request for ``user``/``groups`` signed with ``key``, in PEM."""
    request = (
        x509.CertificateSigningRequestBuilder().subject_name(subject(user, groups)).sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM)


def csr_object(name: str, request: bytes, days: int) -> dict[str, Any]:
    """The ``certificates.k8s.io/v1`` CertificateSigningRequest for ``request`` (PEM)."""
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": base64.b64encode(request).decode(),
            "signerName": authn_x509.CLIENT_SIGNER,
            "expirationSeconds": min(max(days * 86400, _MIN_EXPIRATION), _MAX_EXPIRATION),
            "usages": ["digital signature", "client auth"],
        },
    }


def sign(
    key: PrivateKey,
    user: str,
    groups: tuple[str, ...],
    days: int,
    ca_certificate: x509.Certificate,
    ca_key: PrivateKey,
    *,
    now: datetime | None = None,
) -> bytes:
    """A client certificate for ``key``'s public key, signed by the CA, in PEM: valid from
    five minutes before ``now`` (clock skew) for ``days`` days."""
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject(user, groups))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days, minutes=5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    certificate = builder.sign(ca_key, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM)


def kubeconfig(
    *,
    user: str,
    server: str,
    cluster: str = "kubernetes",
    ca_pem: bytes | None = None,
    certificate_pem: bytes | None = None,
    certificate_file: str | None = None,
    key_file: str | None = None,
    key: bytes | None = None,
) -> dict[str, Any]:
    """A kubeconfig for ``user`` on ``server``: the certificate inline or as a file path,
    the key inline (``key``, PEM) or as a file path. Holding a key, it must only be written
    to a 0600 file."""
    cluster_entry: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster_entry["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    credentials: dict[str, Any] = {}
    if certificate_pem is not None:
        credentials["client-certificate-data"] = base64.b64encode(certificate_pem).decode()
    elif certificate_file is not None:
        credentials["client-certificate"] = certificate_file
    if key is not None:
        credentials["client-key-data"] = base64.b64encode(key).decode()
    elif key_file is not None:
        credentials["client-key"] = key_file
    context = f"{user}@{cluster}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
    }
