#!/usr/bin/env python3
"""Regenerate the certificates in the demo cluster's auth/ files.

Writes ``kubeconfig-admin.yaml`` and ``certificate-signing-requests.yaml`` beside this
script. Every private key it makes (the demo cluster CA's included) is a throwaway that
lives only in memory: the files hold certificates and certificate requests, never keys.
Validity dates are fixed, so findings about expiry and lifetime stay the same from run
to run; only the keys, and so the base64 blobs, change.

    python examples/demo-cluster/auth/regenerate.py      (needs the ``cryptography`` package)
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).resolve().parent

# AlgorithmIdentifier DER for sha256WithRSAEncryption and sha1WithRSAEncryption (same length).
_SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
_SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(cn: str, *orgs: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in orgs]
        + [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def b64_pem(obj: x509.Certificate | x509.CertificateSigningRequest) -> str:
    return base64.b64encode(obj.public_bytes(serialization.Encoding.PEM)).decode()


# --- SHA-1 signatures -------------------------------------------------------------------
# Current ``cryptography`` refuses to sign X.509 objects with SHA-1, but the old cluster's
# certificate must look exactly like what it issued back then. Build with SHA-256, swap the
# algorithm identifier, and sign the to-be-signed bytes with SHA-1 by hand.


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _signed(tbs: bytes, key: rsa.RSAPrivateKey) -> bytes:
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - on purpose
    return _der(0x30, tbs + _SHA1_RSA + _der(0x03, b"\x00" + signature))


def sha1_certificate(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey) -> x509.Certificate:
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(_SHA256_RSA) == 1
    return x509.load_der_x509_certificate(_signed(tbs.replace(_SHA256_RSA, _SHA1_RSA), issuer_key))


def sha1_request(request: x509.CertificateSigningRequest, key: rsa.RSAPrivateKey) -> x509.CertificateSigningRequest:
    return x509.load_der_x509_csr(_signed(request.tbs_certrequest_bytes, key))


# --- issuing ------------------------------------------------------------------------------


def make_ca() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa_key()
    subject = name("kubernetes")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(0x1A2B3C)
        .not_valid_before(utc(2019, 6, 3))
        .not_valid_after(utc(2029, 5, 31))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, True, False, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue(
    ca: tuple[x509.Certificate, rsa.RSAPrivateKey],
    request: x509.CertificateSigningRequest,
    serial: int,
    not_before: dt.datetime,
    not_after: dt.datetime,
    sha1: bool = False,
) -> x509.Certificate:
    ca_cert, ca_key = ca
    cert = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(ca_cert.subject)
        .public_key(request.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return sha1_certificate(cert, ca_key) if sha1 else cert


def request(cn: str, *orgs: str, bits: int = 2048, sha1: bool = False) -> x509.CertificateSigningRequest:
    key = rsa_key(bits)
    built = x509.CertificateSigningRequestBuilder().subject_name(name(cn, *orgs)).sign(key, hashes.SHA256())
    return sha1_request(built, key) if sha1 else built


# --- files ---------------------------------------------------------------------------------

KUBECONFIG = """\
# Generated by regenerate.py (certificates only; no private key is embedded).
# The ops team's shared admin kubeconfig, as found on a jump host.
apiVersion: v1
kind: Config
preferences: {{}}
current-context: prod-eu1-breakglass
clusters:
  - name: prod-eu1
    cluster:
      server: https://k8s-api.prod-eu1.example.com:6443
      certificate-authority-data: {ca}
contexts:
  - name: prod-eu1-breakglass
    context:
      cluster: prod-eu1
      user: admin-breakglass
  - name: prod-eu1-ci
    context:
      cluster: prod-eu1
      user: ci-static-token
      namespace: ci
  - name: prod-eu1-oidc
    context:
      cluster: prod-eu1
      user: oidc
users:
  # Embedded client certificate: CN=admin-breakglass, O=system:masters, valid 10 years.
  # The key is read from disk; the certificate alone cannot be revoked short of rotating the CA.
  - name: admin-breakglass
    user:
      client-certificate-data: {breakglass}
      client-key: /home/ops/.kube/breakglass.key
  # A static bearer token (from --token-auth-file): long-lived, shared, not tied to a person.
  - name: ci-static-token
    user:
      token: demo-static-token-not-real
  # The intended way in: short-lived OIDC tokens from the company IdP via kubelogin.
  - name: oidc
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: kubectl
        args:
          - oidc-login
          - get-token
          - --oidc-issuer-url=https://login.example.com
          - --oidc-client-id=kubernetes
          - --oidc-extra-scope=email
          - --oidc-extra-scope=groups
        interactiveMode: IfAvailable
        provideClusterInfo: false
"""

CSR = """\
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: {name}
  creationTimestamp: "{created}"
  labels:
    app.kubernetes.io/managed-by: kubectl
spec:
  signerName: kubernetes.io/kube-apiserver-client
{expiration}  request: {request}
  usages:
    - digital signature
    - key encipherment
    - client auth
  username: {username}
  groups:
{groups}"""

APPROVED = """\
status:
  conditions:
    - type: Approved
      status: "True"
      reason: KubectlApprove
      message: This CSR was approved by kubectl certificate approve.
      lastUpdateTime: "{approved}"
      lastTransitionTime: "{approved}"
  certificate: {certificate}
"""


def csr_document(
    name_: str,
    req: x509.CertificateSigningRequest,
    created: str,
    username: str,
    groups: list[str],
    expiration_seconds: int | None = None,
    certificate: x509.Certificate | None = None,
    approved: str = "",
    comment: str = "",
) -> str:
    text = "".join(f"# {line}\n" for line in comment.splitlines())
    text += CSR.format(
        name=name_,
        created=created,
        expiration=f"  expirationSeconds: {expiration_seconds}\n" if expiration_seconds else "",
        request=b64_pem(req),
        username=username,
        groups="".join(f"    - {group}\n" for group in groups),
    )
    if certificate is not None:
        text += APPROVED.format(approved=approved, certificate=b64_pem(certificate))
    return text


def main() -> None:
    ca = make_ca()
    day = 24 * 3600

    breakglass = issue(
        ca, request("admin-breakglass", "system:masters"), 0x5EED01, utc(2025, 1, 1), utc(2035, 1, 1)
    )
    (HERE / "kubeconfig-admin.yaml").write_text(
        KUBECONFIG.format(ca=b64_pem(ca[0]), breakglass=b64_pem(breakglass))
    )

    bob = request("bob", "developers")
    carol = request("carol", "ops-admins")
    deploy_bot = request("deploy-bot", "system:masters")
    legacy = request("legacy-monitor", "monitoring", bits=1024, sha1=True)
    documents = [
        csr_document(
            "bob-developer",
            bob,
            "2025-03-10T09:12:44Z",
            "bob@example.com",
            ["developers", "system:authenticated"],
            expiration_seconds=365 * day,
            certificate=issue(ca, bob, 0x5EED02, utc(2025, 3, 10), utc(2026, 3, 10)),
            approved="2025-03-10T09:20:03Z",
            comment="Approved: CN=bob, O=developers, valid one year.",
        ),
        csr_document(
            "carol-ops",
            carol,
            "2025-01-15T14:03:10Z",
            "carol@example.com",
            ["ops", "system:authenticated"],
            expiration_seconds=3 * 365 * day,
            certificate=issue(ca, carol, 0x5EED03, utc(2025, 1, 15), utc(2028, 1, 15)),
            approved="2025-01-15T14:05:51Z",
            comment=(
                "Approved: CN=carol, O=ops-admins, valid three years (the signer's duration was raised).\n"
                "ops-admins is bound to the platform-superuser ClusterRole (rbac/cluster-roles.yaml)."
            ),
        ),
        csr_document(
            "deploy-bot-access",
            deploy_bot,
            "2025-06-02T07:45:00Z",
            "system:serviceaccount:ci:deployer",
            ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
            comment="Pending: the CI deployer asks for a client certificate in group system:masters.",
        ),
        csr_document(
            "legacy-monitor-2020",
            legacy,
            "2020-11-02T10:30:00Z",
            "kubernetes-admin",
            ["system:masters", "system:authenticated"],
            certificate=issue(ca, legacy, 0x0B5D, utc(2020, 11, 2), utc(2023, 11, 2), sha1=True),
            approved="2020-11-02T10:31:12Z",
            comment="Approved in 2020 on the old cluster: RSA 1024 key, SHA-1 signatures, expired 2023-11-02.",
        ),
    ]
    header = (
        "# Generated by regenerate.py (certificate requests and certificates only; no private keys).\n"
        "# CertificateSigningRequests for the kube-apiserver-client signer, as `kubectl get csr -o yaml` shows them.\n"
    )
    (HERE / "certificate-signing-requests.yaml").write_text(header + "---\n".join(documents))


if __name__ == "__main__":
    main()
