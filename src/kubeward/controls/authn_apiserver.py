"""Section AUTHN: the API server's authentication and authorization settings, and the
credentials kubeconfig files hold.

The API server is read from its static pod (a Pod in ``kube-system`` whose container runs
``kube-apiserver``; kubeadm's ``/etc/kubernetes/manifests/kube-apiserver.yaml``). Its
version, where a default depends on it, comes from the container's image tag; without
one a current release is assumed. Findings point at the flag in the container's
``command``/``args`` (or at the container when the flag is missing).

Kubeconfig secrets are redacted when the file is read: the controls see which
credentials a user entry holds, never their values; of an embedded OIDC ``id-token`` only
its ``iat`` and ``exp`` claims are kept (KW-AUTHN-123).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines.authn import apiserver, apiserver_flags
from kubeward.k8s.objects import ID_TOKEN_VALIDITY, GroupKind, ObjectRef, Path
from kubeward.snapshot.snapshot import KubeObject, Snapshot

__all__: list[str] = []

AUTHENTICATION_CONFIGURATION = GroupKind("apiserver.config.k8s.io", "AuthenticationConfiguration")
DOCS_AUTHN = "Kubernetes documentation: Authenticating"
DOCS_AUTHZ = "Kubernetes documentation: Authorization"
DOCS_ADMISSION = "Kubernetes documentation: Admission Control in Kubernetes"
DOCS_AUDIT = "Kubernetes documentation: Auditing"
DOCS_KUBECONFIG = "Kubernetes documentation: Organizing Cluster Access Using kubeconfig Files"
NSA_AUTHN = "NSA/CISA Kubernetes Hardening Guidance v1.2: Authentication and authorization"
NSA_AUDIT = "NSA/CISA Kubernetes Hardening Guidance v1.2: Audit logging and threat detection"


def _cis(number: str, version: str = "v1.10") -> str:
    return f"CIS Kubernetes Benchmark {version} {number}"


# --- the API server -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Server:
    pod: KubeObject
    container: Mapping[str, Any]
    container_path: Path  # from the object root
    flags: dict[str, list[str]]
    version: apiserver.Version | None

    @property
    def name(self) -> str:
        return f"kube-apiserver pod {self.pod.ref.name!r}"

    def flag_path(self, name: str) -> Path:
        """The last word of the container's command line that sets ``--name``; the
        command (or args) when no word does, e.g. inside a shell wrapper."""
        found: Path | None = None
        for field in ("command", "args"):
            words = self.container.get(field)
            if not isinstance(words, list):
                continue
            for index, word in enumerate(words):
                if isinstance(word, str) and (word == f"--{name}" or word.startswith(f"--{name}=")):
                    found = (*self.container_path, field, index)
        if found is not None:
            return found
        return self.command_path

    @property
    def command_path(self) -> Path:
        for field in ("command", "args"):
            if isinstance(self.container.get(field), list):
                return (*self.container_path, field)
        return self.container_path

    def finding(
        self,
        control_id: str,
        reason: str,
        detail: str,
        path: Path,
        why: Iterable[str] = (),
        key: str = "",
    ) -> Finding:
        version = "unknown (no version in the image tag: a current release is assumed)"
        if self.version is not None:
            version = f"{self.version[0]}.{self.version[1]}"
        return Finding(
            control_id,
            self.pod.ref,
            self.pod.origin,
            reason,
            f"{self.name}: {detail}",
            paths=(path,),
            why=(*why, f"kube-apiserver version: {version}"),
            key=key,
        )


def _servers(snapshot: Snapshot) -> list[_Server]:
    servers = []
    for pod in apiserver_flags.find_apiserver_pods(snapshot):
        spec = pod.body.get("spec")
        if not isinstance(spec, Mapping):
            continue
        container = apiserver_flags.apiserver_container(spec)
        containers = spec.get("containers")
        if container is None or not isinstance(containers, list):
            continue
        index = next(i for i, item in enumerate(containers) if item is container)
        image = container.get("image")
        servers.append(
            _Server(
                pod,
                container,
                ("spec", "containers", index),
                apiserver_flags.apiserver_flags(spec),
                apiserver.image_version(image) if isinstance(image, str) else None,
            )
        )
    return servers


def _server_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [pod.ref for pod in apiserver_flags.find_apiserver_pods(snapshot)]


def _authentication_config(snapshot: Snapshot, server: _Server) -> KubeObject | None:
    """The AuthenticationConfiguration the server's ``--authentication-config`` names: the
    one read from a file of that name, else the only one in the input."""
    path = apiserver_flags.last(server.flags, "authentication-config")
    if not path:
        return None
    configs = snapshot.of_kind(AUTHENTICATION_CONFIGURATION)
    named = [c for c in configs if posixpath.basename(c.origin.file) == posixpath.basename(path)]
    if len(named) == 1:
        return named[0]
    return configs[0] if len(configs) == 1 else None


@control(
    id="KW-AUTHN-101",
    title="API server accepts anonymous requests",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_server_refs,
    rationale="""
        With anonymous authentication on (the default), a request without credentials is
        authenticated as ``system:anonymous`` in group ``system:unauthenticated`` and goes
        on to the authorizers. Any binding to those subjects, by mistake or by an old
        default, is then open to the whole network that reaches the API server.
    """,
    remediation="""
        Set ``--anonymous-auth=false`` (health checks then need credentials), or on 1.32+
        move to a structured AuthenticationConfiguration whose ``anonymous`` section
        allows only ``/healthz``, ``/livez`` and ``/readyz``.
    """,
    references=(_cis("1.2.1"), DOCS_AUTHN, NSA_AUTHN),
)
def anonymous_auth_enabled(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The API server must not authenticate anonymous requests beyond the health-check
    paths: ``--anonymous-auth`` (default ``true``) must be ``false``, or, when the flag is
    unset and the input holds the ``--authentication-config`` file, its ``anonymous``
    section must be disabled or conditioned on ``/healthz``, ``/livez``, ``/readyz`` only."""
    for server in _servers(snapshot):
        config = _authentication_config(snapshot, server)
        anonymous = apiserver.anonymous_auth(server.flags, config.body if config else None)
        if not anonymous.beyond_health_checks:
            continue
        where = "on every path" if anonymous.paths is None else "on " + ", ".join(sorted(anonymous.paths))
        flag = "anonymous-auth" if "anonymous-auth" in server.flags else "authentication-config"
        path = server.flag_path(flag) if flag in server.flags else server.command_path
        yield server.finding(
            "KW-AUTHN-101",
            "anonymous-auth-enabled",
            f"anonymous requests are authenticated as system:anonymous {where} ({anonymous.source})",
            path,
        )


@control(
    id="KW-AUTHN-102",
    title="API server authorizes every request (AlwaysAllow)",
    section="AUTHN",
    severity=Severity.CRITICAL,
    scope=_server_refs,
    rationale="""
        The ``AlwaysAllow`` authorizer allows every request it sees, and it is the
        default when ``--authorization-mode`` is not set. In the authorizer chain it
        answers every request the modes before it leave undecided, so RBAC denials
        stop mattering: every authenticated user (and with anonymous auth, everyone)
        is cluster-admin.
    """,
    remediation="Set ``--authorization-mode=Node,RBAC`` (without ``AlwaysAllow``).",
    references=(_cis("1.2.6"), DOCS_AUTHZ),
)
def authorization_always_allow(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--authorization-mode`` (default ``AlwaysAllow``) must not include ``AlwaysAllow``.
    A server using ``--authorization-config`` is not judged."""
    for server in _servers(snapshot):
        modes = apiserver.authorization_modes(server.flags)
        if modes is None or "AlwaysAllow" not in modes:
            continue
        if "authorization-mode" in server.flags:
            detail = (
                f"--authorization-mode={','.join(modes)} includes AlwaysAllow: every request is authorized"
            )
        else:
            detail = (
                "--authorization-mode is not set, so it defaults to AlwaysAllow: every request is authorized"
            )
        yield server.finding(
            "KW-AUTHN-102", "authorization-always-allow", detail, server.flag_path("authorization-mode")
        )


def _mode_control(control_id: str, mode: str, reason: str, snapshot: Snapshot) -> Iterator[Finding]:
    for server in _servers(snapshot):
        modes = apiserver.authorization_modes(server.flags)
        if modes is None or mode in modes:
            continue
        shown = ",".join(modes) + ("" if "authorization-mode" in server.flags else " (the default)")
        yield server.finding(
            control_id,
            reason,
            f"--authorization-mode={shown} does not include {mode}",
            server.flag_path("authorization-mode"),
        )


@control(
    id="KW-AUTHN-103",
    title="API server authorization does not include RBAC",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_server_refs,
    rationale="""
        Without the RBAC authorizer, Roles and bindings grant nothing and least
        privilege cannot be expressed with them; the access the cluster actually has is
        decided elsewhere (AlwaysAllow, ABAC files, a webhook) and is invisible to RBAC
        analysis.
    """,
    remediation="Include ``RBAC`` in ``--authorization-mode``, e.g. ``--authorization-mode=Node,RBAC``.",
    references=(_cis("1.2.8"), DOCS_AUTHZ),
)
def authorization_without_rbac(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--authorization-mode`` (default ``AlwaysAllow``) must include ``RBAC``. A server
    using ``--authorization-config`` is not judged."""
    yield from _mode_control("KW-AUTHN-103", "RBAC", "authorization-without-rbac", snapshot)


@control(
    id="KW-AUTHN-104",
    title="API server authorization does not include Node",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_server_refs,
    rationale="""
        The Node authorizer limits each kubelet to the objects of the pods bound to its
        node. Without it kubelets need broad RBAC grants, so one compromised node can
        read every Secret in the cluster.
    """,
    remediation="Include ``Node`` before ``RBAC`` in ``--authorization-mode=Node,RBAC``.",
    references=(_cis("1.2.7"), DOCS_AUTHZ),
)
def authorization_without_node(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--authorization-mode`` (default ``AlwaysAllow``) must include ``Node``. A server
    using ``--authorization-config`` is not judged."""
    yield from _mode_control("KW-AUTHN-104", "Node", "authorization-without-node", snapshot)


@control(
    id="KW-AUTHN-105",
    title="API server accepts static bearer tokens (--token-auth-file)",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_server_refs,
    rationale="""
        The tokens of ``--token-auth-file`` are kept in plain text on the control-plane
        nodes, never expire, and can only be changed or revoked by editing the file and
        restarting the API server. They are typically shared and not tied to a person.
    """,
    remediation="""
        Move the users to OIDC or short-lived client certificates, the automation to
        service accounts, then remove ``--token-auth-file``.
    """,
    references=(_cis("1.2.2"), DOCS_AUTHN, NSA_AUTHN),
)
def static_token_file(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--token-auth-file`` must not be set."""
    for server in _servers(snapshot):
        path = apiserver_flags.last(server.flags, "token-auth-file")
        if path is None:
            continue
        yield server.finding(
            "KW-AUTHN-105",
            "static-token-file",
            f"--token-auth-file={path} accepts static bearer tokens that never expire",
            server.flag_path("token-auth-file"),
        )


@control(
    id="KW-AUTHN-106",
    title="API server serves an insecure port",
    section="AUTHN",
    severity=Severity.CRITICAL,
    scope=_server_refs,
    rationale="""
        The insecure port serves the API over plain HTTP and skips authentication and
        authorization: whoever reaches it is cluster-admin. Before 1.20 it was on by
        default (127.0.0.1:8080); 1.20 accepts only ``--insecure-port=0`` and 1.24
        removed both flags (a server given them no longer starts).
    """,
    remediation="""
        Set ``--insecure-port=0`` and remove ``--insecure-bind-address`` (on 1.20 and
        later, remove both flags) and upgrade.
    """,
    references=(_cis("1.2.19", "v1.6.0"), _cis("1.2.18", "v1.6.0")),
)
def insecure_port(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--insecure-port`` must be ``0`` (its default is 8080 before 1.20) and
    ``--insecure-bind-address`` must not be set unless the port is 0. The flags are
    reported on releases that removed them too (1.24+), with the note that the server
    does not start."""
    for server in _servers(snapshot):
        problems = apiserver.insecure_serving(server.flags, server.version)
        if not problems:
            continue
        flag = "insecure-port" if "insecure-port" in server.flags else "insecure-bind-address"
        yield server.finding(
            "KW-AUTHN-106",
            "insecure-port",
            "; ".join(problems),
            server.flag_path(flag) if flag in server.flags else server.command_path,
        )


def _plugin_path(server: _Server) -> Path:
    for flag in ("admission-control", "enable-admission-plugins"):
        if flag in server.flags:
            return server.flag_path(flag)
    return server.command_path


@control(
    id="KW-AUTHN-107",
    title="API server admission does not include NodeRestriction",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_server_refs,
    rationale="""
        The Node authorizer decides which objects a kubelet may touch; NodeRestriction
        admission limits what it may change: its own Node and the pods bound to it, not
        their labels that steer workloads. Without it a compromised kubelet can label
        its node to attract sensitive pods or modify other nodes.
    """,
    remediation="""
        Add ``NodeRestriction`` to ``--enable-admission-plugins`` (with Node in
        ``--authorization-mode``).
    """,
    references=(_cis("1.2.14"), DOCS_ADMISSION),
)
def without_node_restriction(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Admission plugin ``NodeRestriction`` (off by default) must be enabled."""
    for server in _servers(snapshot):
        if apiserver.admission_plugins(server.flags, "NodeRestriction", server.version):
            continue
        yield server.finding(
            "KW-AUTHN-107",
            "node-restriction-disabled",
            "admission plugin NodeRestriction is not enabled (it is off by default)",
            _plugin_path(server),
        )


@control(
    id="KW-AUTHN-108",
    title="API server runs no pod security admission",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_server_refs,
    rationale="""
        Pod Security Admission (``PodSecurity``, on by default since 1.23) is what makes
        a namespace's ``pod-security.kubernetes.io/enforce`` label mean anything;
        before it, PodSecurityPolicy played that part. With neither, every namespace
        admits privileged pods whatever its labels say.
    """,
    remediation="""
        Remove ``PodSecurity`` from ``--disable-admission-plugins`` (on releases before
        1.23, enable ``PodSecurity`` or ``PodSecurityPolicy``), or run an equivalent
        policy engine and suppress this control.
    """,
    references=(_cis("5.2.1"), DOCS_ADMISSION),
)
def without_pod_security(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Admission plugin ``PodSecurity`` (on by default from 1.23, unless listed in
    ``--disable-admission-plugins``) or, before 1.25, ``PodSecurityPolicy`` must be
    enabled. A legacy ``--admission-control`` list replaces the defaults."""
    for server in _servers(snapshot):
        if apiserver.pod_security_admission(server.flags, server.version) is not None:
            continue
        if "admission-control" in server.flags:
            flag = "admission-control"
            detail = "--admission-control lists neither PodSecurity nor PodSecurityPolicy"
        elif "PodSecurity" in ",".join(server.flags.get("disable-admission-plugins", ())).split(","):
            flag = "disable-admission-plugins"
            detail = "admission plugin PodSecurity is disabled by --disable-admission-plugins"
        else:
            flag = "enable-admission-plugins"
            detail = "neither PodSecurity nor PodSecurityPolicy is enabled"
            if server.version is not None:
                detail += f" (on {server.version[0]}.{server.version[1]} neither is on by default)"
        path = server.flag_path(flag) if flag in server.flags else server.command_path
        yield server.finding("KW-AUTHN-108", "no-pod-security-admission", detail, path)


@control(
    id="KW-AUTHN-109",
    title="API server admission includes AlwaysAdmit",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_server_refs,
    rationale="""
        ``AlwaysAdmit`` admits every request; it is deprecated and does nothing but
        signal that admission control was meant to be switched off.
    """,
    remediation="Remove ``AlwaysAdmit`` from ``--enable-admission-plugins``.",
    references=(_cis("1.2.10"), DOCS_ADMISSION),
)
def always_admit(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Admission plugin ``AlwaysAdmit`` (off by default) must not be enabled."""
    for server in _servers(snapshot):
        if not apiserver.admission_plugins(server.flags, "AlwaysAdmit", server.version):
            continue
        yield server.finding(
            "KW-AUTHN-109",
            "always-admit-enabled",
            "admission plugin AlwaysAdmit is enabled",
            _plugin_path(server),
        )


@control(
    id="KW-AUTHN-110",
    title="API server does not keep an audit log",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_server_refs,
    rationale="""
        Without an audit policy the API server generates no audit events, and without a
        backend it keeps none: who read a Secret, who bound cluster-admin, which
        certificate or token was used, cannot be found out after the fact.
    """,
    remediation="""
        Set ``--audit-policy-file`` to a policy that records at least metadata for every
        request (and request bodies for RBAC and authentication objects), and
        ``--audit-log-path`` (or ``--audit-webhook-config-file``).
    """,
    references=(_cis("1.2.16"), _cis("3.2.1"), DOCS_AUDIT, NSA_AUDIT),
)
def audit_log_off(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """``--audit-policy-file`` must be set, and ``--audit-log-path`` or
    ``--audit-webhook-config-file``."""
    for server in _servers(snapshot):
        gaps = apiserver.audit_gaps(server.flags)
        if gaps:
            yield server.finding("KW-AUTHN-110", "audit-log-off", "; ".join(gaps), server.command_path)


@control(
    id="KW-AUTHN-111",
    title="API server accepts client certificates, which cannot be revoked",
    section="AUTHN",
    severity=Severity.INFO,
    scope=_server_refs,
    rationale="""
        With ``--client-ca-file`` set, any certificate the CA signed for client use is
        a login until it expires: the API server checks no revocation list, so a leaked
        certificate can only be cut off by removing its user's and groups' bindings, or
        by replacing the CA. The flag is needed (kubelets and control-plane components
        use certificates); the finding is that people should not.
    """,
    remediation="""
        Issue user certificates only for break-glass access, short-lived (the CSR API's
        ``expirationSeconds``), never with group ``system:masters``; give people OIDC.
        ``kubeward authn certs`` lists the certificates in the input.
    """,
    references=(_cis("3.1.1"), DOCS_AUTHN),
)
def client_certificates_accepted(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Informational: ``--client-ca-file`` set means client certificates authenticate
    users, with no revocation check."""
    for server in _servers(snapshot):
        path = apiserver_flags.last(server.flags, "client-ca-file")
        if not path:
            continue
        yield server.finding(
            "KW-AUTHN-111",
            "client-certificates-accepted",
            f"--client-ca-file={path}: certificates it signed authenticate until they expire"
            " and cannot be revoked",
            server.flag_path("client-ca-file"),
        )


# --- kubeconfig credentials ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _User:
    kubeconfig: KubeObject
    index: int
    name: str
    user: Mapping[str, Any]

    @property
    def path(self) -> Path:
        return ("users", self.index, "user")


def _users(snapshot: Snapshot) -> Iterator[_User]:
    for kubeconfig in snapshot.kubeconfigs:
        users = kubeconfig.body.get("users")
        for index, entry in enumerate(users if isinstance(users, list) else ()):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("user"), Mapping):
                continue
            name = entry.get("name")
            yield _User(kubeconfig, index, str(name) if name else f"users[{index}]", entry["user"])


def _kubeconfig_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [kubeconfig.ref for kubeconfig in snapshot.kubeconfigs]


def _user_finding(
    control_id: str, user: _User, reason: str, detail: str, fields: Sequence[Path], why: Iterable[str] = ()
) -> Finding:
    return Finding(
        control_id,
        user.kubeconfig.ref,
        user.kubeconfig.origin,
        reason,
        f"user {user.name!r}: {detail}",
        paths=tuple((*user.path, *field) for field in fields),
        why=tuple(why),
        key=f"{user.name}/{reason}",
    )


@control(
    id="KW-AUTHN-121",
    title="Kubeconfig holds a static bearer token or a basic-auth password",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_kubeconfig_refs,
    rationale="""
        A bearer token or password in a kubeconfig is a credential in plain text on
        every machine the file is copied to. Static tokens (``--token-auth-file``) and
        service account token Secrets never expire; whoever copies the file is that
        user until the token is removed on the server.
    """,
    remediation="""
        Replace the entry with an ``exec`` credential plugin (OIDC via kubelogin, or the
        cloud provider's) that fetches short-lived tokens; for automation, use
        short-lived service account tokens (``kubectl create token``).
    """,
    references=(DOCS_KUBECONFIG, NSA_AUTHN),
)
def kubeconfig_static_credentials(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A kubeconfig user must not hold ``token``, ``tokenFile`` or ``username`` with
    ``password`` (basic auth, removed from the API server in 1.19). ``exec`` plugins
    hold no secret and pass."""
    for user in _users(snapshot):
        if "token" in user.user:
            yield _user_finding(
                "KW-AUTHN-121", user, "static-bearer-token", "embeds a bearer token", [("token",)]
            )
        token_file = user.user.get("tokenFile")
        if token_file:
            yield _user_finding(
                "KW-AUTHN-121",
                user,
                "bearer-token-file",
                f"reads a bearer token from {token_file}",
                [("tokenFile",)],
            )
        if "password" in user.user:
            yield _user_finding(
                "KW-AUTHN-121",
                user,
                "basic-auth-password",
                "embeds a basic-auth password",
                [("username",), ("password",)] if "username" in user.user else [("password",)],
            )


_PROVIDER_SECRETS = (("refresh-token", "an OIDC refresh token"), ("client-secret", "the OIDC client secret"))


@control(
    id="KW-AUTHN-122",
    title="Kubeconfig holds an OIDC refresh token or client secret",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_kubeconfig_refs,
    rationale="""
        The legacy ``auth-provider: oidc`` stores the refresh token (and often the
        client secret) in the kubeconfig itself. A refresh token outlives the ID tokens
        it mints, by days or months, so whoever copies the file can keep minting tokens
        for the user until the identity provider revokes it.
    """,
    remediation="""
        Switch to an ``exec`` plugin (kubelogin ``oidc-login get-token``), which keeps
        tokens in its own cache and uses PKCE instead of a client secret, and revoke the
        refresh token at the identity provider.
    """,
    references=(DOCS_AUTHN, DOCS_KUBECONFIG),
)
def kubeconfig_oidc_secrets(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A kubeconfig user's ``auth-provider.config`` must not hold ``refresh-token`` or
    ``client-secret`` (an embedded ``id-token``'s lifetime is KW-AUTHN-123's)."""
    for user in _users(snapshot):
        provider = user.user.get("auth-provider")
        config = provider.get("config") if isinstance(provider, Mapping) else None
        if not isinstance(config, Mapping):
            continue
        held = [(field, what) for field, what in _PROVIDER_SECRETS if config.get(field)]
        if not held:
            continue
        yield _user_finding(
            "KW-AUTHN-122",
            user,
            "oidc-secret-in-kubeconfig",
            "auth-provider holds " + " and ".join(what for _, what in held) + " in plain text",
            [("auth-provider", "config", field) for field, _ in held],
        )


_LONG_LIVED_ID_TOKEN = timedelta(hours=24)


@control(
    id="KW-AUTHN-123",
    title="Kubeconfig holds an expired or long-lived OIDC ID token",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_kubeconfig_refs,
    rationale="""
        An ID token is a bearer credential the API server accepts until it expires, and
        nothing can revoke it earlier. Identity providers issue them for minutes to an hour;
        one valid for more than a day in a kubeconfig is a long-lived password in a file.
        An expired one is dead weight that shows the kubeconfig is refreshed by hand (or
        through a refresh token stored next to it).
    """,
    remediation="""
        Use an ``exec`` plugin (kubelogin ``oidc-login get-token``) that fetches
        short-lived tokens on demand instead of storing one, and shorten the ID-token
        lifetime at the identity provider.
    """,
    references=(DOCS_AUTHN, DOCS_KUBECONFIG),
)
def kubeconfig_id_token_lifetime(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """An ``auth-provider.config.id-token`` must not have expired at the scan's time, nor be
    valid for more than 24 hours (``exp - iat``). kubeward reads only these two claims,
    when the file is read, before it redacts the token."""
    now = settings.current_time()
    for user in _users(snapshot):
        provider = user.user.get("auth-provider")
        config = provider.get("config") if isinstance(provider, Mapping) else None
        validity = config.get(ID_TOKEN_VALIDITY) if isinstance(config, Mapping) else None
        if not isinstance(validity, Mapping) or not isinstance(validity.get("exp"), int):
            continue
        expires = datetime.fromtimestamp(validity["exp"], UTC)
        problems = []
        if expires <= now:
            problems.append(f"expired at {expires:%Y-%m-%d %H:%M} UTC")
        issued = validity.get("iat")
        if isinstance(issued, int) and expires - datetime.fromtimestamp(issued, UTC) > _LONG_LIVED_ID_TOKEN:
            lifetime = expires - datetime.fromtimestamp(issued, UTC)
            problems.append(f"is valid for {lifetime.total_seconds() / 3600:.0f} hours (over 24)")
        if problems:
            yield _user_finding(
                "KW-AUTHN-123",
                user,
                "id-token-lifetime",
                "the embedded OIDC id-token " + "; it ".join(problems),
                [("auth-provider", "config", "id-token")],
            )
