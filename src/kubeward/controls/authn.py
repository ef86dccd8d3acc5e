"""Section AUTHN: client certificates, as the API server maps them to users.

A client certificate's user is its Subject CN and its groups are every O (reference §5a).
The API server has no revocation check for them: a certificate stays valid until it
expires, however it leaks, unless the cluster's client CA is rotated. The controls here
judge the certificates the input holds:

* the client certificates embedded in kubeconfig files (``client-certificate-data``);
* CertificateSigningRequests: the identity requested in ``spec.request`` (pending or
  approved; denied and failed requests are never issued, so they are skipped) and the
  certificate issued in ``status.certificate``.

"Approved CSRs for privileged identities" are KW-AUTHN-001 (``system:masters``) and
KW-AUTHN-002 (RBAC paths to cluster-admin) reported on the CSR. Who may *approve* client
certificate requests is an RBAC question: KW-RBAC-009.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines.authn import x509
from kubeward.engines.rbac.identity import MASTERS, Subject
from kubeward.engines.rbac.paths import escalation_paths
from kubeward.engines.rbac.world import world_of
from kubeward.k8s.objects import GroupKind, ObjectRef, Origin, Path
from kubeward.snapshot.snapshot import Snapshot

__all__ = ["ClientCertificate", "client_certificates"]

CSR = GroupKind("certificates.k8s.io", "CertificateSigningRequest")
YEAR_DAYS = 365
#: The kube-controller-manager signer backdates notBefore by 5 minutes (signer.go,
#: ``Backdate: 5 * time.Minute``), so its default one-year certificate spans 365 days + 5 min.
BACKDATE_DAYS = 5 / (24 * 60)
#: The usages the kube-apiserver-client signer accepts (signer.go ``validAPIServerClientUsages``).
CLIENT_SIGNER_USAGES = frozenset({"digital signature", "key encipherment", "client auth"})
MIN_RSA_BITS = 2048
WEAK_HASHES = frozenset({"sha1", "md5"})

CIS_CERTS = (
    "CIS Kubernetes Benchmark v1.10 3.1.1 (client certificate authentication should not be used for users)"
)
CIS_MASTERS = "CIS Kubernetes Benchmark v1.10 5.1.7 (avoid use of the system:masters group)"
K8S_CSR = "Kubernetes documentation: Certificates and Certificate Signing Requests"
K8S_AUTHN = "Kubernetes documentation: Authenticating (X509 client certificates)"
NIST = "NIST SP 800-131A Rev. 2 (transitioning the use of cryptographic algorithms and key lengths)"


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A certificate (or a request for one) found in the input, with where it is.

    ``what`` names it in findings (``kubeconfig user 'admin'``, ``CSR 'x' (approved)``);
    ``key`` tells findings on one object apart (the kubeconfig user)."""

    ref: ObjectRef
    origin: Origin | None
    info: x509.CertificateInfo
    what: str
    path: Path
    key: str = ""
    csr: x509.CsrInfo | None = None

    @property
    def issued(self) -> bool:
        return not self.info.is_request


_CACHE: dict[int, list[ClientCertificate]] = {}


def client_certificates(snapshot: Snapshot) -> list[ClientCertificate]:
    """Every client certificate of the input: kubeconfig users' embedded certificates, and
    for each CSR that is not denied or failed its issued certificate, or else its request."""
    key = id(snapshot)
    if key in _CACHE:
        return _CACHE[key]
    found: list[ClientCertificate] = []
    for config in snapshot.kubeconfigs:
        for entry in x509.kubeconfig_certificates(config.body):
            if entry.certificate is not None:
                found.append(
                    ClientCertificate(
                        config.ref,
                        config.origin,
                        entry.certificate,
                        f"kubeconfig user {entry.user!r}",
                        ("users", entry.index, "user", "client-certificate-data"),
                        key=entry.user,
                    )
                )
    for obj in snapshot.of_kind(CSR):
        csr = x509.decode_csr_object(obj.body)
        if csr.state in ("Denied", "Failed"):
            continue
        if csr.certificate is not None:
            info, path, state = csr.certificate, ("status", "certificate"), "issued"
        elif csr.request is not None:
            info, path = csr.request, ("spec", "request")
            state = "approved, not yet issued" if csr.approved else "pending"
        else:
            continue
        found.append(
            ClientCertificate(obj.ref, obj.origin, info, f"CSR {csr.name!r} ({state})", path, csr=csr)
        )
    _CACHE[key] = found
    weakref.finalize(snapshot, _CACHE.pop, key, None)
    return found


def _refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    refs = [config.ref for config in snapshot.kubeconfigs]
    refs += [obj.ref for obj in snapshot.of_kind(CSR)]
    return refs


def _who(info: x509.CertificateInfo) -> str:
    groups = ", ".join(info.groups) if info.groups else "no groups"
    return f"CN={info.user or '<none>'} ({groups})"


def _finding(
    control_id: str, cert: ClientCertificate, reason: str, detail: str, why: Iterable[str] = ()
) -> Finding:
    return Finding(
        control_id,
        cert.ref,
        cert.origin,
        reason,
        detail,
        (cert.path,),
        tuple(why),
        cert.key,
    )


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "?"


# --- KW-AUTHN-001 -------------------------------------------------------------------------


@control(
    id="KW-AUTHN-001",
    title="Client certificate in the system:masters group",
    section="AUTHN",
    severity=Severity.CRITICAL,
    scope=_refs,
    rationale="""
        A client certificate with O=system:masters is allowed every request before RBAC is
        consulted: no binding can be removed to take its power away, and the API server
        checks no revocation list, so it stays cluster-admin until it expires or the
        cluster's client CA is rotated.
    """,
    remediation="""
        Give administrators a group bound to cluster-admin through a ClusterRoleBinding
        (kubeadm 1.29+ does so with ``kubeadm:cluster-admins``), keep any system:masters
        credential offline for break-glass use, deny CSRs that ask for system:masters and
        keep the CertificateSubjectRestriction admission plugin enabled.
    """,
    references=(CIS_MASTERS, K8S_AUTHN, "KEP-4214 (kubeadm super-admin.conf)"),
)
def masters_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No client certificate, issued or requested in a CSR that is not denied, may carry
    the Organization ``system:masters``."""
    for cert in client_certificates(snapshot):
        if MASTERS not in cert.info.groups:
            continue
        if cert.issued:
            detail = (
                f"{cert.what} is a client certificate for {_who(cert.info)}, valid until"
                f" {_day(cert.info.not_after)}: system:masters bypasses RBAC and the certificate cannot be"
                " revoked"
            )
        else:
            detail = (
                f"{cert.what} requests a client certificate for {_who(cert.info)}: approving it issues an"
                " irrevocable credential that bypasses RBAC (system:masters)"
            )
        why = [f"subject {cert.info.subject}"]
        if cert.csr is not None and cert.csr.requestor:
            why.append(f"requested by {cert.csr.requestor}")
        yield _finding("KW-AUTHN-001", cert, "system-masters-certificate", detail, why)


# --- KW-AUTHN-002 -------------------------------------------------------------------------


@control(
    id="KW-AUTHN-002",
    title="Client certificate whose user or group has a path to cluster-admin",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_refs,
    rationale="""
        A client certificate cannot be revoked: while it is valid, whoever holds its key has
        what RBAC grants its user and groups. When that is cluster-admin (directly, or
        through permissions that lead to it), a leaked key is a cluster compromise that only
        rotating the client CA ends.
    """,
    remediation="""
        Issue client certificates only to identities with narrow permissions, and give
        administrators short-lived credentials (OIDC tokens) instead. Deny CSRs that ask for
        a privileged user or group.
    """,
    references=(CIS_CERTS, K8S_CSR, "KW-RBAC-001", "kubeward rbac paths"),
)
def privileged_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No client certificate, issued or requested in a CSR that is not denied, may name a
    user (its CN) or group (an O) with a path to cluster-admin through RBAC
    (``kubeward rbac paths``: a binding to cluster-admin or to a role that allows
    everything, or permissions that lead there). ``system:masters`` is KW-AUTHN-001."""
    certificates = [cert for cert in client_certificates(snapshot) if MASTERS not in cert.info.groups]
    if not certificates:
        return
    world = world_of(snapshot)
    for cert in certificates:
        subjects = [Subject("Group", group) for group in cert.info.groups]
        if cert.info.user:
            subjects.insert(0, Subject("User", cert.info.user))
        paths = escalation_paths(world, snapshot, subjects)
        if not paths:
            continue
        names = ", ".join(f"{path.subject.kind} {path.subject.name}" for path in paths)
        verb = "is" if cert.issued else "requests"
        detail = (
            f"{cert.what} {verb} a client certificate for {_who(cert.info)}; {names} has a path to"
            " cluster-admin, and the certificate cannot be revoked"
        )
        yield _finding("KW-AUTHN-002", cert, "privileged-certificate", detail, [str(path) for path in paths])


# --- KW-AUTHN-003 -------------------------------------------------------------------------


@control(
    id="KW-AUTHN-003",
    title="Client certificate valid for more than a year",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_refs,
    rationale="""
        Client certificates cannot be revoked, so their lifetime is the window in which a
        leaked key works. The kube-controller-manager signs for one year by default
        (``--cluster-signing-duration``); longer certificates were made by hand or with a
        raised limit.
    """,
    remediation="""
        Issue client certificates for at most a year (``spec.expirationSeconds`` on the CSR,
        ``--cluster-signing-duration`` on the signer), and prefer hours or days.
    """,
    references=(CIS_CERTS, K8S_CSR),
)
def long_lived_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """An issued client certificate may be valid (notAfter - notBefore) for at most 365 days
    plus the signer's 5-minute backdate of notBefore;
    a CSR not yet issued may ask for at most 365 days (``spec.expirationSeconds``)."""
    for cert in client_certificates(snapshot):
        days = cert.info.lifetime_days
        if days is None and cert.csr is not None and cert.csr.expiration_seconds is not None:
            days = cert.csr.expiration_seconds / 86400
        if days is None or days <= YEAR_DAYS + (BACKDATE_DAYS if cert.issued else 0):
            continue
        if cert.issued:
            detail = (
                f"{cert.what} is a client certificate for {_who(cert.info)} valid"
                f" {days / YEAR_DAYS:.1f} years"
                f" ({_day(cert.info.not_before)} to {_day(cert.info.not_after)})"
            )
        else:
            detail = f"{cert.what} asks for a client certificate valid {days / YEAR_DAYS:.1f} years"
        yield _finding("KW-AUTHN-003", cert, "long-lived-certificate", detail)


# --- KW-AUTHN-004 -------------------------------------------------------------------------


@control(
    id="KW-AUTHN-004",
    title="Expired client certificate",
    section="AUTHN",
    severity=Severity.LOW,
    scope=_refs,
    rationale="""
        An expired certificate no longer authenticates, but its presence shows credentials
        that are not managed: a kubeconfig that fails, or an issued CSR nobody renewed or
        cleaned up (the garbage collector removes issued CSRs after an hour).
    """,
    remediation="""
        Remove the user from the kubeconfig or delete the CSR; renew through a managed
        process with short lifetimes if the access is still needed.
    """,
    references=(K8S_CSR,),
)
def expired_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """An issued client certificate must not be past its notAfter at the scan's time."""
    now = settings.current_time()
    for cert in client_certificates(snapshot):
        if cert.issued and cert.info.expired(now):
            detail = (
                f"{cert.what} is a client certificate for {_who(cert.info)} that expired on"
                f" {_day(cert.info.not_after)}"
            )
            yield _finding("KW-AUTHN-004", cert, "expired-certificate", detail)


# --- KW-AUTHN-005 -------------------------------------------------------------------------


def _weaknesses(info: x509.CertificateInfo) -> list[str]:
    found = []
    if info.key_type in ("RSA", "DSA") and info.key_bits < MIN_RSA_BITS:
        found.append(f"{info.key} key")
    if info.signature_hash in WEAK_HASHES:
        found.append(f"{info.signature} signature")
    return found


@control(
    id="KW-AUTHN-005",
    title="Client certificate with a weak key or signature",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_refs,
    rationale="""
        RSA keys under 2048 bits can be factored with feasible effort, and SHA-1 signatures
        can be forged by chosen-prefix collisions: either lets an attacker impersonate the
        certificate's user.
    """,
    remediation="""
        Reissue the certificate with an RSA key of at least 2048 bits, or ECDSA P-256 or
        Ed25519, signed with SHA-256 or better, and rotate a CA that signs with SHA-1.
    """,
    references=(NIST,),
)
def weak_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A client certificate or request must not use an RSA or DSA key under 2048 bits or a
    SHA-1 or MD5 signature. For a CSR, the request and the issued certificate are both
    judged."""
    for cert in client_certificates(snapshot):
        weak = _weaknesses(cert.info)
        what = cert.what
        if cert.csr is not None and cert.csr.request is not None and cert.issued:
            requested = [item for item in _weaknesses(cert.csr.request) if item not in weak]
            weak += [f"{item} (request)" for item in requested]
        if weak:
            detail = f"{what}: client certificate for {_who(cert.info)} uses {', '.join(weak)}"
            yield _finding("KW-AUTHN-005", cert, "weak-certificate", detail)


# --- KW-AUTHN-006 -------------------------------------------------------------------------


@control(
    id="KW-AUTHN-006",
    title="Client certificate the API server does not accept as a user",
    section="AUTHN",
    severity=Severity.LOW,
    scope=_refs,
    rationale="""
        The API server takes the user name from the Subject CN and rejects a certificate
        without one; it verifies client certificates for the clientAuth extended key usage.
        Such certificates fail to authenticate, so whatever relies on them is broken or
        uses another credential.
    """,
    remediation="""
        Issue client certificates with a Common Name and the ``client auth`` usage (CSR
        ``spec.usages``).
    """,
    references=(K8S_AUTHN,),
)
def unusable_certificate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A client certificate or request must have a Subject CN, at most one non-empty UID
    attribute (1.33+), and an extended key usage, when present, must include clientAuth; a
    CSR for the kube-apiserver-client signer must list the ``client auth`` usage and, until
    issued, no usage but ``digital signature`` and ``key encipherment`` besides. A
    kubeconfig's ``client-certificate-data`` and a CSR's
    ``spec.request`` and ``status.certificate`` must decode (base64 of PEM)."""
    for cert in client_certificates(snapshot):
        problems = []
        if not cert.info.user:
            problems.append("its Subject has no CN (no user name)")
        if cert.info.client_auth is False:
            problems.append("its extended key usage lacks clientAuth")
        if cert.info.uid_problem:
            problems.append(cert.info.uid_problem)
        csr = cert.csr
        if csr is not None and csr.client_signer and "client auth" not in csr.usages:
            problems.append("the CSR's usages lack 'client auth'")
        if csr is not None and csr.client_signer and not cert.issued:
            refused = sorted(set(csr.usages) - CLIENT_SIGNER_USAGES)
            if refused:
                problems.append(f"the kube-apiserver-client signer refuses the usages {', '.join(refused)}")
        if problems:
            detail = f"{cert.what}: the API server rejects this client certificate: {'; '.join(problems)}"
            yield _finding("KW-AUTHN-006", cert, "unusable-client-certificate", detail)
    for config in snapshot.kubeconfigs:
        for entry in x509.kubeconfig_certificates(config.body):
            if entry.problem:
                yield Finding(
                    "KW-AUTHN-006",
                    config.ref,
                    config.origin,
                    "undecodable-client-certificate",
                    f"kubeconfig user {entry.user!r}: {entry.problem}",
                    (("users", entry.index, "user", "client-certificate-data"),),
                    key=entry.user,
                )
    for obj in snapshot.of_kind(CSR):
        csr = x509.decode_csr_object(obj.body)
        if csr.problems and csr.state not in ("Denied", "Failed"):
            yield Finding(
                "KW-AUTHN-006",
                obj.ref,
                obj.origin,
                "undecodable-client-certificate",
                f"CSR {csr.name!r}: {'; '.join(csr.problems)}",
                tuple(
                    ("spec", "request") if problem.startswith("spec.") else ("status", "certificate")
                    for problem in csr.problems
                ),
            )
