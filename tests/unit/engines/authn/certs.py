"""Build test certificates and CSRs in memory with ``cryptography`` (no committed keys).

``spec`` mappings (used by the x509 table and the AUTHN control cases) name:
``cn`` (a string, or a list: several CN attributes), ``o`` (list), ``uid`` (string or list),
``key`` (``rsa2048``, ``rsa1024``, ``ec256``, ``ed25519``),
``hash`` (``sha256``, ``sha1``), ``not_before`` (ISO date), ``days``, ``eku``
(``client``, ``server``, ``none``) and ``csr`` (true: a PKCS#10 request instead).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UID_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57683.2")
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


@functools.cache
def private_key(kind: str) -> PrivateKey:
    """A key of ``kind``, generated once per test run."""
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}")


def _name(spec: Mapping[str, Any]) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in spec.get("o", ())]
    cns = spec.get("cn")
    for cn in cns if isinstance(cns, list) else ([] if cns is None else [cns]):
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    uids = spec.get("uid")
    for uid in uids if isinstance(uids, list) else ([uids] if uids else []):
        attributes.append(x509.NameAttribute(UID_OID, uid))
    return x509.Name(attributes)


def _hash(key: PrivateKey) -> hashes.HashAlgorithm | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


# Current cryptography refuses to sign with SHA-1 (as examples/demo-cluster/auth/regenerate.py
# does): build with SHA-256, swap the AlgorithmIdentifier, sign the TBS bytes with SHA-1.
_SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
_SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def _sha1_signed(tbs: bytes, key: PrivateKey) -> bytes:
    assert isinstance(key, rsa.RSAPrivateKey), "SHA-1 test signatures need an RSA key"
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # on purpose
    der = _der(0x30, tbs + _SHA1_RSA + _der(0x03, b"\x00" + signature))
    return b"-----BEGIN X-----\n" + base64.encodebytes(der) + b"-----END X-----\n"


def _eku(spec: Mapping[str, Any]) -> x509.ExtendedKeyUsage | None:
    usage = spec.get("eku", "client")
    if usage == "none":
        return None
    return x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH if usage == "client" else ExtendedKeyUsageOID.SERVER_AUTH]
    )


def build_pem(spec: Mapping[str, Any]) -> bytes:
    """A PEM certificate (signed by a throwaway CA) or request, as ``spec`` describes."""
    key = private_key(spec.get("key", "rsa2048"))
    if spec.get("csr"):
        builder = x509.CertificateSigningRequestBuilder().subject_name(_name(spec))
        eku = _eku(spec)
        if eku is not None:
            builder = builder.add_extension(eku, critical=False)
        request = builder.sign(key, _hash(key))
        if spec.get("hash") == "sha1":
            pem = _sha1_signed(request.tbs_certrequest_bytes, key)
            return pem.replace(b"X-----", b"CERTIFICATE REQUEST-----")
        return request.public_bytes(serialization.Encoding.PEM)
    ca_key = private_key("rsa2048" if spec.get("hash") == "sha1" else "ec256")
    start = datetime.fromisoformat(str(spec.get("not_before", "2025-01-01"))).replace(tzinfo=UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(spec))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")]))
        .public_key(key.public_key())
        .serial_number(int(spec.get("serial", 4242)))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=float(spec.get("days", 365))))
    )
    eku = _eku(spec)
    if eku is not None:
        builder = builder.add_extension(eku, critical=False)
    certificate = builder.sign(ca_key, _hash(ca_key))
    if spec.get("hash") == "sha1":
        tbs = certificate.tbs_certificate_bytes.replace(_SHA256_RSA, _SHA1_RSA)
        return _sha1_signed(tbs, ca_key).replace(b"X-----", b"CERTIFICATE-----")
    return certificate.public_bytes(serialization.Encoding.PEM)


def build_der(spec: Mapping[str, Any]) -> bytes:
    pem = build_pem(spec)
    if spec.get("csr"):
        return x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER)
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def b64(spec: Mapping[str, Any]) -> str:
    """The PEM as one base64 line, as kubeconfigs and CSR objects hold it."""
    return base64.b64encode(build_pem(spec)).decode()


def key_pem(kind: str = "rsa2048") -> bytes:
    """A private key in PEM: for tests that check keys are never printed."""
    return private_key(kind).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
