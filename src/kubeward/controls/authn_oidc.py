"""Section AUTHN, OIDC: how the API server turns OIDC tokens into users and groups.

Two sources: the legacy ``--oidc-*`` flags of a kube-apiserver static pod in kube-system,
and every structured ``AuthenticationConfiguration`` (``jwt[]``) in the input (the file
``--authentication-config`` names, or one staged for it). Both are read into
:class:`kubeward.engines.authn.oidc.JwtAuthenticator` values, so the flag defaults (a
username claim other than ``email`` with no prefix gets ``<issuer>#``) are applied before
judging. CEL expressions are read as text only: a username or groups *expression* is not
judged for prefixes (KW-AUTHN-204 asks for a rule that rejects ``system:`` names instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.controls.finding import Finding, Severity
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines.authn import apiserver_flags, oidc
from kubeward.k8s.objects import GroupKind, ObjectRef, Path
from kubeward.snapshot.snapshot import KubeObject, Snapshot

__all__: list[str] = []

AUTHENTICATION_CONFIGURATION = GroupKind("apiserver.config.k8s.io", "AuthenticationConfiguration")
DOCS_OIDC = "Kubernetes documentation: Authenticating, OpenID Connect Tokens"
DOCS_STRUCTURED = "Kubernetes documentation: Authenticating, Using Authentication Configuration"


@dataclass(frozen=True, slots=True)
class _Source:
    """One JWT authenticator and where it was configured."""

    obj: KubeObject
    authenticator: oidc.JwtAuthenticator
    raw: Mapping[str, Any]  # the jwt[] entry, or {} for flags
    index: int  # the jwt[] index, or -1 for flags
    flag_paths: Mapping[str, Path]

    @property
    def structured(self) -> bool:
        return self.index >= 0

    def path(self, *fields: str | int, flag: str = "") -> Path:
        if self.structured:
            return ("jwt", self.index, *fields)
        return self.flag_paths.get(flag) or self.flag_paths.get("oidc-issuer-url", ())

    def finding(self, control_id: str, reason: str, detail: str, path: Path) -> Finding:
        where = f"jwt[{self.index}]" if self.structured else "--oidc-* flags"
        return Finding(
            control_id=control_id,
            ref=self.obj.ref,
            origin=self.obj.origin,
            reason=reason,
            detail=detail,
            paths=(path,) if path else (),
            why=(f"issuer {self.authenticator.issuer} ({where})",),
            key=str(self.index) if self.structured else "",
        )


def _flag_paths(spec: Mapping[str, Any], container: Mapping[str, Any]) -> dict[str, Path]:
    containers = spec.get("containers") or []
    index = next(i for i, item in enumerate(containers) if item is container)
    paths: dict[str, Path] = {}
    for field in ("command", "args"):
        for position, word in enumerate(container.get(field) or ()):
            if isinstance(word, str) and word.startswith("--"):
                name = word[2:].split("=", 1)[0]
                paths[name] = ("spec", "containers", index, field, position)
    return paths


def _sources(snapshot: Snapshot) -> list[_Source]:
    sources: list[_Source] = []
    for pod in apiserver_flags.find_apiserver_pods(snapshot):
        spec = pod.body.get("spec")
        if not isinstance(spec, Mapping):
            continue
        container = apiserver_flags.apiserver_container(spec)
        if container is None:
            continue
        try:
            authenticator = oidc.settings_from_flags(apiserver_flags.apiserver_flags(spec))
        except oidc.ConfigError:
            continue  # the API server refuses to start: not an OIDC posture to judge
        if authenticator is not None:
            sources.append(_Source(pod, authenticator, {}, -1, _flag_paths(spec, container)))
    for config in snapshot.of_kind(AUTHENTICATION_CONFIGURATION):
        entries = config.body.get("jwt")
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                continue
            single = {"kind": "AuthenticationConfiguration", "jwt": [entry]}
            try:
                (authenticator,) = oidc.settings_from_config(single)
            except (oidc.ConfigError, ValueError):
                continue
            sources.append(_Source(config, authenticator, entry, index, {}))
    return sources


def _refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    seen: dict[ObjectRef, None] = {}
    for source in _sources(snapshot):
        seen.setdefault(source.obj.ref, None)
    return list(seen)


def _structured_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [config.ref for config in snapshot.of_kind(AUTHENTICATION_CONFIGURATION)]


@control(
    id="KW-AUTHN-201",
    title="OIDC usernames are not prefixed",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_refs,
    rationale="""
        Without a username prefix an OIDC user is named exactly as the identity provider
        says: a ``sub`` or ``preferred_username`` of ``system:kube-controller-manager``,
        ``system:node:worker-1`` or the CN of a break-glass certificate becomes that
        Kubernetes user, with all its bindings. Whoever can choose their name at the IdP
        can choose their Kubernetes identity.
    """,
    remediation="""
        Set ``--oidc-username-prefix=oidc:`` (or leave it empty, which prefixes
        ``<issuer-url>#``, but never ``-``), or give ``claimMappings.username`` a
        non-empty ``prefix``. ``email`` usernames are the exception upstream makes: they
        cannot take the ``system:`` form.
    """,
    references=(DOCS_OIDC, DOCS_STRUCTURED),
)
def username_not_prefixed(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The username an OIDC authenticator maps from a claim other than ``email`` must get a
    non-empty prefix. Flags: ``--oidc-username-prefix=-`` disables it (an empty flag means
    ``<issuer-url>#`` and passes); structured: ``claimMappings.username.prefix: ""``.
    Username expressions are not judged (see KW-AUTHN-204)."""
    for source in _sources(snapshot):
        username = source.authenticator.username
        if username.expression or username.claim == "email" or username.prefix:
            continue
        if source.structured:
            path = source.path("claimMappings", "username", "prefix")
            detail = (
                f'usernames are the raw "{username.claim}" claim (claimMappings.username.prefix is empty)'
            )
        else:
            path = source.path(flag="oidc-username-prefix")
            detail = f'usernames are the raw "{username.claim}" claim (--oidc-username-prefix=-)'
        yield source.finding("KW-AUTHN-201", "oidc-username-not-prefixed", detail, path)


@control(
    id="KW-AUTHN-202",
    title="OIDC groups are not prefixed",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_refs,
    rationale="""
        Without a groups prefix every group in the token becomes a Kubernetes group as
        it is. Anyone who can put ``system:masters`` (or any group a binding names) into
        their IdP groups claim - a self-service group, a synced directory attribute - is
        cluster-admin; ``system:masters`` bypasses RBAC entirely.
    """,
    remediation="""
        Set ``--oidc-groups-prefix=oidc:`` (structured: ``claimMappings.groups.prefix``)
        and rename the RoleBinding subjects that name IdP groups accordingly.
    """,
    references=(DOCS_OIDC, DOCS_STRUCTURED),
)
def groups_not_prefixed(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """An OIDC authenticator that maps a groups claim must prefix it: ``--oidc-groups-claim``
    needs a non-empty ``--oidc-groups-prefix`` (the default is none); structured
    ``claimMappings.groups.claim`` needs a non-empty ``prefix``. Groups expressions are
    not judged (see KW-AUTHN-204)."""
    for source in _sources(snapshot):
        groups = source.authenticator.groups
        if groups is None or groups.expression or not groups.claim or groups.prefix:
            continue
        if source.structured:
            path = source.path("claimMappings", "groups", "prefix")
            detail = f'groups are the raw "{groups.claim}" claim (claimMappings.groups.prefix is empty)'
        else:
            path = source.path(flag="oidc-groups-claim")
            detail = (
                f"--oidc-groups-claim={groups.claim} without --oidc-groups-prefix:"
                ' an IdP group "system:masters" is cluster-admin'
            )
        yield source.finding("KW-AUTHN-202", "oidc-groups-not-prefixed", detail, path)


@control(
    id="KW-AUTHN-203",
    title="OIDC issuer is not https",
    section="AUTHN",
    severity=Severity.HIGH,
    scope=_refs,
    rationale="""
        The API server fetches the issuer's discovery document and signing keys from the
        issuer URL. Over plain HTTP anyone on the path can substitute their own keys and
        mint tokens for any user; the API server refuses such a flag, so the setting is
        also broken.
    """,
    remediation="Serve the issuer over https and set the https URL exactly as the tokens' ``iss``.",
    references=(DOCS_OIDC,),
)
def issuer_not_https(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """The issuer URL (``--oidc-issuer-url``, ``jwt[].issuer.url``) must use https."""
    for source in _sources(snapshot):
        issuer = source.authenticator.issuer
        if issuer.lower().startswith("https://"):
            continue
        yield source.finding(
            "KW-AUTHN-203",
            "oidc-issuer-not-https",
            f"issuer URL {issuer} is not https",
            source.path("issuer", "url", flag="oidc-issuer-url"),
        )


def _mentions_system_username(rules: Iterable[oidc.UserRule]) -> bool:
    return any("user.username" in rule.expression and "system:" in rule.expression for rule in rules)


@control(
    id="KW-AUTHN-204",
    title="Structured authentication does not reject system: usernames",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_structured_refs,
    rationale="""
        ``userValidationRules`` are the last line of defence of structured
        authentication: whatever the claim mappings and expressions produce, a rule such
        as ``!user.username.startsWith('system:')`` stops an IdP identity from becoming
        a node, a controller or another reserved ``system:`` user.
    """,
    remediation="""
        Add ``userValidationRules`` with ``!user.username.startsWith('system:')`` and
        ``user.groups.all(g, !g.startsWith('system:'))``.
    """,
    references=(DOCS_STRUCTURED,),
)
def no_system_username_rule(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Each ``jwt[]`` entry of an AuthenticationConfiguration needs a ``userValidationRules``
    expression that mentions ``user.username`` and ``system:`` (read as text: the
    expression is not evaluated)."""
    for source in _sources(snapshot):
        if not source.structured or _mentions_system_username(source.authenticator.user_rules):
            continue
        yield source.finding(
            "KW-AUTHN-204",
            "oidc-no-system-username-rule",
            "no userValidationRule rejects usernames starting with system:",
            source.path("userValidationRules"),
        )


def _uses_email(authenticator: oidc.JwtAuthenticator) -> bool:
    username = authenticator.username
    if username.expression:
        return "claims.email" in username.expression.replace("claims.email_verified", "")
    return username.claim == "email"


def _enforces_email_verified(authenticator: oidc.JwtAuthenticator) -> bool:
    for rule in authenticator.claim_rules:
        if rule.expression and "email_verified" in rule.expression:
            return True
        if rule.claim == "email_verified":
            return True
    return "email_verified" in authenticator.username.expression


@control(
    id="KW-AUTHN-205",
    title="OIDC email usernames do not require a verified email",
    section="AUTHN",
    severity=Severity.MEDIUM,
    scope=_refs,
    rationale="""
        With the ``email`` claim as username the API server rejects a token whose
        ``email_verified`` is false, but accepts one that has no ``email_verified`` at
        all. Identity providers that omit the claim (or let users set an unverified
        address) let anyone register ``admin@your-company.com`` and be that user.
    """,
    remediation="""
        Use a structured AuthenticationConfiguration with the claim validation rule
        ``claims.?email_verified.orValue(false) == true`` (or ``claims.email_verified ==
        true``), or map usernames from an immutable claim such as ``sub`` with a prefix.
    """,
    references=(DOCS_OIDC, DOCS_STRUCTURED),
)
def email_not_verified(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """An authenticator whose username is the ``email`` claim (or an expression over
    ``claims.email``) must require ``email_verified``: a claimValidationRule (or the
    username expression) that mentions ``email_verified``. ``--oidc-*`` flags cannot
    require it (``--oidc-required-claim`` compares strings, and ``email_verified`` is a
    boolean), so a flag-configured ``email`` username is always reported."""
    for source in _sources(snapshot):
        if not _uses_email(source.authenticator) or _enforces_email_verified(source.authenticator):
            continue
        if source.structured:
            detail = "usernames come from the email claim and no claimValidationRule requires email_verified"
            path = source.path("claimMappings", "username")
        else:
            detail = "--oidc-username-claim=email accepts tokens that carry no email_verified claim"
            path = source.path(flag="oidc-username-claim")
        yield source.finding("KW-AUTHN-205", "oidc-email-not-verified", detail, path)


@control(
    id="KW-AUTHN-206",
    title="OIDC authenticator lists several audiences without MatchAny",
    section="AUTHN",
    severity=Severity.LOW,
    scope=_structured_refs,
    rationale="""
        With more than one audience the API server requires ``audienceMatchPolicy:
        MatchAny`` and refuses the configuration otherwise; the intent (which clients'
        tokens are accepted) is then unclear and the authenticator does not load.
    """,
    remediation="""
        Set ``audienceMatchPolicy: MatchAny`` and list exactly the client IDs whose
        tokens are meant for this cluster, or keep a single audience.
    """,
    references=(DOCS_STRUCTURED,),
)
def audiences_without_match_any(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A ``jwt[].issuer`` with more than one ``audiences`` entry must set
    ``audienceMatchPolicy: MatchAny``."""
    for source in _sources(snapshot):
        authenticator = source.authenticator
        if not source.structured or len(authenticator.audiences) < 2:
            continue
        if authenticator.audience_match_policy == oidc.MATCH_ANY:
            continue
        yield source.finding(
            "KW-AUTHN-206",
            "oidc-audiences-without-match-any",
            f"{len(authenticator.audiences)} audiences without audienceMatchPolicy: MatchAny",
            source.path("issuer", "audienceMatchPolicy"),
        )
