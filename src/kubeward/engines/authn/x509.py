"""X.509 client certificates and PKCS#10 requests, and the identity the API server maps
them to (``k8s.io/apiserver/pkg/authentication/request/x509``, ``CommonNameUserConversion``):

* user name: the Subject's Common Name; a certificate without one is not a valid user.
  With several CN attributes Go's ``pkix.Name.FillFromRDNSequence`` keeps the *last* one;
* groups: every Organization (O) of the Subject, in order;
* UID: the Subject attribute 1.3.6.1.4.1.57683.2 (feature ``AllowParsingUserUIDFromCertAuth``,
  beta and on by default from 1.33); ``parseUIDFromCert`` fails authentication when the
  attribute is repeated or empty (``uid_problem``);
* client authentication needs the ``clientAuth`` extended key usage when the certificate
  carries an extended key usage extension (the verifier asks for ``ExtKeyUsageClientAuth``);
  one without the extension at all is accepted by Go's verifier (``client_auth`` is None).

Engines take bytes, never paths. Nothing here ever returns or prints private key material:
only certificates and requests are decoded.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CLIENT_SIGNER",
    "UID_OID",
    "CertificateInfo",
    "CsrInfo",
    "DecodeError",
    "KubeconfigCertificate",
    "decode_certificates",
    "decode_csr_object",
    "decode_request",
    "kubeconfig_certificates",
]

UID_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57683.2")
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
_PEM_CERT = b"-----BEGIN CERTIFICATE-----"
_PEM_CSR = (b"-----BEGIN CERTIFICATE REQUEST-----", b"-----BEGIN NEW CERTIFICATE REQUEST-----")


class DecodeError(ValueError):
    """Bytes that are not a certificate or request (the message says why)."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What a client certificate (or a request, with no issuer, serial or validity) says.

    ``user`` is empty when the Subject has no Common Name: the API server rejects it."""

    user: str
    groups: tuple[str, ...]
    uid: str
    subject: str
    issuer: str
    serial: str
    not_before: datetime | None
    not_after: datetime | None
    key: str  # "RSA 2048", "EC secp256r1", "Ed25519"
    key_type: str  # "RSA", "EC", "Ed25519", "Ed448", "DSA", "unknown"
    key_bits: int
    signature: str  # "sha256WithRSAEncryption"
    signature_hash: str  # "sha256", "sha1", "" (Ed25519)
    client_auth: bool | None  # None: no extended key usage extension at all
    is_request: bool = False
    uid_problem: str = ""  # why the API server (1.33+) rejects the UID attribute, if it does

    @property
    def valid_user(self) -> bool:
        return bool(self.user)

    @property
    def lifetime_days(self) -> float | None:
        if self.not_before is None or self.not_after is None:
            return None
        return (self.not_after - self.not_before).total_seconds() / 86400

    def expired(self, now: datetime) -> bool:
        return self.not_after is not None and self.not_after < now

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "groups": list(self.groups),
            "uid": self.uid,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "key": self.key,
            "signature": self.signature,
            "client_auth": self.client_auth,
        }


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _attributes(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attribute.value) for attribute in name.get_attributes_for_oid(oid)]


def _key(public_key: Any) -> tuple[str, str, int]:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}", "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}", "EC", public_key.curve.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", "Ed25519", 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", "Ed448", 456
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"DSA {public_key.key_size}", "DSA", public_key.key_size
    return "unknown", "unknown", 0


def _signature(obj: x509.Certificate | x509.CertificateSigningRequest) -> tuple[str, str]:
    oid = obj.signature_algorithm_oid
    name = getattr(oid, "_name", "") or oid.dotted_string
    try:
        algorithm = obj.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return name, ""
    return name, algorithm.name if isinstance(algorithm, hashes.HashAlgorithm) else ""


def _client_auth(extensions: x509.Extensions) -> bool | None:
    try:
        usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return ExtendedKeyUsageOID.CLIENT_AUTH in usage or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usage


def _identity(subject: x509.Name) -> tuple[str, tuple[str, ...], str, str]:
    """User (the last CN, as Go keeps), groups, UID and why the UID is rejected."""
    names = _attributes(subject, NameOID.COMMON_NAME)
    uids = _attributes(subject, UID_OID)
    uid_problem = ""
    if len(uids) > 1:
        uid_problem = f"it has {len(uids)} UID attributes (only one is allowed)"
    elif uids and not uids[0]:
        uid_problem = "its UID attribute is empty"
    return (
        names[-1] if names else "",
        tuple(_attributes(subject, NameOID.ORGANIZATION_NAME)),
        uids[0] if len(uids) == 1 else "",
        uid_problem,
    )


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    return _info(
        certificate,
        issuer=certificate.issuer.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def request_info(request: x509.CertificateSigningRequest) -> CertificateInfo:
    return _info(request, issuer="", serial="", not_before=None, not_after=None, is_request=True)


def _info(signed: x509.Certificate | x509.CertificateSigningRequest, **fields: Any) -> CertificateInfo:
    """What a certificate and a request have in common: the identity, key, signature and
    clientAuth; ``fields`` adds what only a certificate has."""
    user, groups, uid, uid_problem = _identity(signed.subject)
    key, key_type, bits = _key(signed.public_key())
    signature, digest = _signature(signed)
    try:
        extensions = signed.extensions
    except ValueError:
        extensions = x509.Extensions([])
    return CertificateInfo(
        user=user,
        groups=groups,
        uid=uid,
        subject=signed.subject.rfc4514_string(),
        key=key,
        key_type=key_type,
        key_bits=bits,
        signature=signature,
        signature_hash=digest,
        client_auth=_client_auth(extensions),
        uid_problem=uid_problem,
        **fields,
    )


def _pem_blocks(data: bytes, begin: bytes) -> Iterator[bytes]:
    start = data.find(begin)
    while start != -1:
        end_marker = b"-----END " + begin[len(b"-----BEGIN ") :]
        end = data.find(end_marker, start)
        if end == -1:
            raise DecodeError("a PEM block has no END line")
        yield data[start : end + len(end_marker)]
        start = data.find(begin, end)


def decode_certificates(data: bytes) -> list[CertificateInfo]:
    """Every certificate in PEM ``data`` (a bundle), or the one DER certificate it is.
    Requests in PEM are decoded too (``is_request``). :class:`DecodeError` when nothing
    decodes."""
    found: list[CertificateInfo] = []
    try:
        if _PEM_CERT in data or any(marker in data for marker in _PEM_CSR):
            for block in _pem_blocks(data, _PEM_CERT):
                found.append(certificate_info(x509.load_pem_x509_certificate(block)))
            for marker in _PEM_CSR:
                for block in _pem_blocks(data, marker):
                    found.append(request_info(x509.load_pem_x509_csr(block)))
            return found
        try:
            return [certificate_info(x509.load_der_x509_certificate(data))]
        except ValueError:
            return [request_info(x509.load_der_x509_csr(data))]
    except DecodeError:
        raise
    except ValueError:
        if data.lstrip().startswith(b"-----BEGIN"):
            raise DecodeError("a PEM certificate or certificate request does not decode") from None
        raise DecodeError("not a PEM or DER certificate or certificate request") from None


def decode_request(data: bytes) -> CertificateInfo:
    """The PKCS#10 request in PEM or DER ``data``."""
    try:
        if any(marker in data for marker in _PEM_CSR):
            return request_info(x509.load_pem_x509_csr(data.strip()))
        return request_info(x509.load_der_x509_csr(data))
    except ValueError:
        raise DecodeError("not a PEM or DER certificate request") from None


def _base64(value: Any) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise DecodeError("empty or not a string")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError("not valid base64") from None


# --- CertificateSigningRequest objects ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsrInfo:
    """A ``certificates.k8s.io/v1`` CertificateSigningRequest: what it asks for, who asked,
    its state, and the certificate it was issued (if any). ``problems`` lists the fields
    that could not be decoded."""

    name: str
    signer: str
    usages: tuple[str, ...]
    expiration_seconds: int | None
    requestor: str
    requestor_groups: tuple[str, ...]
    state: str  # "Approved", "Denied", "Failed", "Pending"
    request: CertificateInfo | None
    certificate: CertificateInfo | None
    problems: tuple[str, ...] = field(default=())

    @property
    def approved(self) -> bool:
        return self.state == "Approved"

    @property
    def client_signer(self) -> bool:
        return self.signer == CLIENT_SIGNER

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "signer": self.signer,
            "usages": list(self.usages),
            "expiration_seconds": self.expiration_seconds,
            "requestor": self.requestor,
            "requestor_groups": list(self.requestor_groups),
            "state": self.state,
            "requested": self.request.to_dict() if self.request else None,
        }


def _state(status: Mapping[str, Any]) -> str:
    conditions = status.get("conditions")
    types = set()
    if isinstance(conditions, list):
        for condition in conditions:
            if isinstance(condition, Mapping) and str(condition.get("status", "True")) != "False":
                types.add(condition.get("type"))
    for state in ("Denied", "Failed", "Approved"):  # a denied or failed CSR is never issued
        if state in types:
            return state
    return "Pending"


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def decode_csr_object(body: Mapping[str, Any]) -> CsrInfo:
    """A CertificateSigningRequest object (its decoded ``spec.request`` and
    ``status.certificate``); undecodable fields are reported in ``problems``."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
    spec = body.get("spec") if isinstance(body.get("spec"), Mapping) else {}
    status = body.get("status") if isinstance(body.get("status"), Mapping) else {}
    assert isinstance(metadata, Mapping) and isinstance(spec, Mapping) and isinstance(status, Mapping)
    problems: list[str] = []
    request: CertificateInfo | None = None
    certificate: CertificateInfo | None = None
    if "request" in spec:
        try:
            request = decode_request(_base64(spec.get("request")))
        except DecodeError as error:
            problems.append(f"spec.request: {error}")
    if status.get("certificate"):
        try:
            issued = decode_certificates(_base64(status.get("certificate")))
            certificate = next((info for info in issued if not info.is_request), None)
        except DecodeError as error:
            problems.append(f"status.certificate: {error}")
    seconds = spec.get("expirationSeconds")
    return CsrInfo(
        name=str(metadata.get("name", "")),
        signer=str(spec.get("signerName", "")),
        usages=_strings(spec.get("usages")),
        expiration_seconds=seconds if isinstance(seconds, int) and not isinstance(seconds, bool) else None,
        requestor=str(spec.get("username", "")),
        requestor_groups=_strings(spec.get("groups")),
        state=_state(status),
        request=request,
        certificate=certificate,
        problems=tuple(problems),
    )


# --- kubeconfig users ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KubeconfigCertificate:
    """A kubeconfig user's client certificate: embedded (``certificate``) or a file the
    kubeconfig names (``path``, relative paths as written), or a decoding ``problem``."""

    user: str
    index: int
    certificate: CertificateInfo | None = None
    path: str = ""
    problem: str = ""


def kubeconfig_certificates(body: Mapping[str, Any]) -> list[KubeconfigCertificate]:
    """The client certificates of a kubeconfig (``kind: Config``) body, user by user."""
    users = body.get("users")
    found: list[KubeconfigCertificate] = []
    if not isinstance(users, list):
        return found
    for index, entry in enumerate(users):
        if not isinstance(entry, Mapping):
            continue
        name = str(entry.get("name", ""))
        user = entry.get("user")
        if not isinstance(user, Mapping):
            continue
        if user.get("client-certificate-data"):
            try:
                certificates = decode_certificates(_base64(user["client-certificate-data"]))
            except DecodeError as error:
                found.append(KubeconfigCertificate(name, index, problem=f"client-certificate-data: {error}"))
                continue
            leaf = next((info for info in certificates if not info.is_request), None)
            if leaf is None:
                found.append(
                    KubeconfigCertificate(name, index, problem="client-certificate-data holds no certificate")
                )
            else:
                found.append(KubeconfigCertificate(name, index, certificate=leaf))
        elif isinstance(user.get("client-certificate"), str) and user["client-certificate"]:
            found.append(KubeconfigCertificate(name, index, path=user["client-certificate"]))
    return found


def now() -> datetime:
    return datetime.now(UTC)
