"""OIDC (JWT) authentication, as the API server applies it.

Settings come from the legacy ``--oidc-*`` kube-apiserver flags (:func:`settings_from_flags`)
or from a structured ``AuthenticationConfiguration`` (:func:`settings_from_config`); both
become :class:`JwtAuthenticator` values. What makes the API server refuse to start is a
:class:`ConfigError`: a ``--oidc-signing-algs`` entry outside RS/ES/PS 256/384/512, a
``--oidc-required-claim`` item without ``=``; in ``jwt[]``, a username/groups ``claim``
without ``prefix``, a ``prefix`` with an ``expression``, both ``claim`` and
``expression``, an ``extra`` key that is not a unique lowercase domain-prefixed path
outside k8s.io/kubernetes.io. Not checked here (the controls report them instead): an
http issuer, several audiences without ``MatchAny``, CEL type checking and the
``claims.email`` needs ``claims.email_verified`` rule. :func:`authenticate` then verifies
a token and maps its claims to a user the way ``k8s.io/apiserver/plugin/pkg/authenticator/token/oidc`` (on
top of ``coreos/go-oidc``) does. The engine never reads files: the CLI passes the token
text, the decoded JWKS and the decoded config.

Verification (go-oidc ``IDTokenVerifier.Verify``, in its order): the authenticator is the
one whose issuer URL equals the token's ``iss`` exactly (``accounts.google.com`` counts as
``https://accounts.google.com``); audience (``aud`` string or list)
must contain the client ID, or, with ``audienceMatchPolicy: MatchAny``, one of the
audiences; ``exp`` is required and must not be in the past (no leeway); ``nbf``, when
present, may be up to 5 minutes in the future (go-oidc's clock-skew allowance); the
header's ``alg`` must be allowed (flags: ``--oidc-signing-algs``, default ``RS256``;
structured config: RS/ES/PS 256/384/512); the signature must verify with a JWKS key
(the key whose ``kid`` matches, or any key when the token names none).

Mapping (``oidc.go``, in its order): a username expression must give a non-empty string (an
empty username claim is not refused); the username claim must be a string; when it is
``email`` an ``email_verified`` claim, if present, must be ``true``; legacy username prefix:
``--oidc-username-prefix``, or ``<issuer>#`` when that flag is empty and the claim is not
``email``, or nothing when it is ``-``; groups claim: a string or a list of strings, each
prefixed; structured ``claimMappings`` (claim+prefix or CEL expression for
username/groups/uid, ``extra`` CEL expressions); a ``jti`` claim adds extra
``authentication.kubernetes.io/credential-id: JTI=<jti>``; groups/extra expression results
drop empty strings (``""``/``[]``/null mean none); then required claims
(``claim``+``requiredValue``), then CEL ``claimValidationRules``, then
``userValidationRules``. CEL expressions are evaluated with cel-python; an expression it
cannot parse raises :class:`UnsupportedExpression` (the result is not guessed).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import celpy
import jwt
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

__all__ = [
    "FLAG_DEFAULT_ALGORITHMS",
    "MATCH_ANY",
    "NBF_LEEWAY",
    "STRUCTURED_ALGORITHMS",
    "AuthResult",
    "ClaimRule",
    "ConfigError",
    "JwtAuthenticator",
    "Mapping_",
    "TokenError",
    "UnsupportedExpression",
    "UserRule",
    "authenticate",
    "parse_jwks",
    "settings_from_config",
    "settings_from_flags",
]

FLAG_DEFAULT_ALGORITHMS = ("RS256",)
STRUCTURED_ALGORITHMS = tuple(f"{f}{n}" for f in ("RS", "ES", "PS") for n in ("256", "384", "512"))
NBF_LEEWAY = timedelta(minutes=5)
MATCH_ANY = "MatchAny"


class TokenError(ValueError):
    """The token or JWKS is malformed (not a rejection: the input cannot be read)."""


class ConfigError(ValueError):
    """The flags or AuthenticationConfiguration cannot be turned into an authenticator."""


class UnsupportedExpression(ValueError):
    """A CEL expression the evaluator cannot parse: its result is not guessed."""


@dataclass(frozen=True, slots=True)
class Mapping_:
    """A claim mapping: ``claim`` (+ ``prefix``) or a CEL ``expression``."""

    claim: str = ""
    prefix: str | None = None
    expression: str = ""


@dataclass(frozen=True, slots=True)
class ClaimRule:
    claim: str = ""
    required_value: str = ""
    expression: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class UserRule:
    expression: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class JwtAuthenticator:
    """One JWT authenticator. ``structured`` is False for the ``--oidc-*`` flags."""

    issuer: str
    audiences: tuple[str, ...]
    audience_match_policy: str
    algorithms: tuple[str, ...]
    username: Mapping_
    groups: Mapping_ | None = None
    uid: Mapping_ | None = None
    extra: tuple[tuple[str, str], ...] = ()
    claim_rules: tuple[ClaimRule, ...] = ()
    user_rules: tuple[UserRule, ...] = ()
    structured: bool = False


@dataclass(frozen=True, slots=True)
class AuthResult:
    authenticated: bool
    username: str = ""
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "authenticated": self.authenticated,
            "username": self.username,
            "uid": self.uid,
            "groups": list(self.groups),
            "extra": {k: list(v) for k, v in self.extra.items()},
            "reason": self.reason,
        }


class _Rejected(Exception):
    pass


# --- settings -------------------------------------------------------------------------


def _last(flags: Mapping[str, Sequence[str]], name: str) -> str:
    values = flags.get(name)
    return values[-1] if values else ""


def _split(values: Sequence[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def settings_from_flags(flags: Mapping[str, Sequence[str]]) -> JwtAuthenticator | None:
    """The authenticator of the ``--oidc-*`` flags (names without dashes), None without
    ``--oidc-issuer-url``."""
    issuer = _last(flags, "oidc-issuer-url")
    if not issuer:
        return None
    client_id = _last(flags, "oidc-client-id")
    if not client_id:
        raise ConfigError("--oidc-issuer-url needs --oidc-client-id")
    claim = _last(flags, "oidc-username-claim") or "sub"
    prefix = _last(flags, "oidc-username-prefix")
    if prefix == "" and claim != "email":
        prefix = issuer + "#"  # pkg/kubeapiserver/options/authentication.go
    elif prefix == "-":
        prefix = ""
    groups_claim = _last(flags, "oidc-groups-claim")
    groups = Mapping_(groups_claim, _last(flags, "oidc-groups-prefix")) if groups_claim else None
    required: dict[str, str] = {}  # a map flag: a repeated key keeps its last value
    for pair in _split(flags.get("oidc-required-claim", ())):
        key, equals, value = pair.partition("=")
        if not equals:  # cliflag MapStringString.Set
            raise ConfigError(f"--oidc-required-claim {pair!r}: malformed pair, expect string=string")
        required[key.strip()] = value.strip()
    rules = [ClaimRule(claim=key, required_value=value) for key, value in required.items()]
    algorithms = tuple(_split(flags.get("oidc-signing-algs", ()))) or FLAG_DEFAULT_ALGORITHMS
    unsupported = [alg for alg in algorithms if alg not in STRUCTURED_ALGORITHMS]
    if unsupported:  # oidc.go New: "oidc: unsupported signing alg"
        raise ConfigError(
            f"--oidc-signing-algs: unsupported signing alg {unsupported[0]!r} "
            f"(allowed: {', '.join(STRUCTURED_ALGORITHMS)})"
        )
    return JwtAuthenticator(
        issuer=issuer,
        audiences=(client_id,),
        audience_match_policy=MATCH_ANY,
        algorithms=algorithms,
        username=Mapping_(claim, prefix),
        groups=groups,
        claim_rules=tuple(rules),
    )


def _mapping(raw: object, where: str, *, prefixed: bool = False) -> Mapping_ | None:
    """A claim mapping; ``prefixed`` (username, groups) applies the API server's
    ``validatePrefixClaimOrExpression`` rules."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a mapping")
    prefix = raw.get("prefix")
    mapping = Mapping_(
        claim=str(raw.get("claim") or ""),
        prefix=None if prefix is None else str(prefix),
        expression=str(raw.get("expression") or ""),
    )
    if mapping.claim and mapping.expression:
        raise ConfigError(f"{where}: claim and expression can't both be set")
    if prefixed and mapping.expression and mapping.prefix is not None:
        raise ConfigError(f"{where}.prefix: may not be specified when expression is set")
    if prefixed and mapping.claim and mapping.prefix is None:
        raise ConfigError(
            f"{where}.prefix: prefix is required when claim is set "
            "(it can be set to an empty string to disable prefixing)"
        )
    return mapping


_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _extra(items: Sequence[object], where: str) -> tuple[tuple[str, str], ...]:
    """``claimMappings.extra`` with the API server's key rules (validation.go
    ``validateClaimMappings``): domain-prefixed, lowercase, not under k8s.io or
    kubernetes.io, unique, with a ``valueExpression``."""
    result: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}[{index}]: must be a mapping")
        key = str(item.get("key") or "")
        expression = str(item.get("valueExpression") or "")
        domain, slash, path = key.partition("/")
        if not slash or not path or len(domain) > 253 or not _DNS_SUBDOMAIN.fullmatch(domain):
            raise ConfigError(f"{where}[{index}].key: {key!r} must be a domain-prefixed path")
        if key != key.lower():
            raise ConfigError(f"{where}[{index}].key: {key!r} must be lowercase")
        if any(domain == d or domain.endswith("." + d) for d in ("kubernetes.io", "k8s.io")):
            raise ConfigError(
                f"{where}[{index}].key: k8s.io, kubernetes.io and their subdomains are reserved"
            )
        if any(key == seen for seen, _ in result):
            raise ConfigError(f"{where}[{index}].key: duplicate key {key!r}")
        if not expression:
            raise ConfigError(f"{where}[{index}].valueExpression: required")
        result.append((key, expression))
    return tuple(result)


def settings_from_config(config: Mapping[str, Any]) -> tuple[JwtAuthenticator, ...]:
    """The ``jwt[]`` authenticators of an ``AuthenticationConfiguration``."""
    if config.get("kind") != "AuthenticationConfiguration":
        raise ConfigError(f"kind is {config.get('kind')!r}, not AuthenticationConfiguration")
    result = []
    for index, entry in enumerate(config.get("jwt") or ()):
        where = f"jwt[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: must be a mapping")
        issuer = entry.get("issuer") or {}
        url = str(issuer.get("url") or "")
        if not url:
            raise ConfigError(f"{where}.issuer.url is required")
        audiences = tuple(str(a) for a in issuer.get("audiences") or ())
        if not audiences:
            raise ConfigError(f"{where}.issuer.audiences must not be empty")
        mappings = entry.get("claimMappings") or {}
        username = _mapping(mappings.get("username"), f"{where}.claimMappings.username", prefixed=True)
        if username is None or not (username.claim or username.expression):
            raise ConfigError(f"{where}.claimMappings.username: claim or expression is required")
        extra = _extra(mappings.get("extra") or (), f"{where}.claimMappings.extra")
        claim_rules = tuple(
            ClaimRule(
                claim=str(rule.get("claim") or ""),
                required_value=str(rule.get("requiredValue") or ""),
                expression=str(rule.get("expression") or ""),
                message=str(rule.get("message") or ""),
            )
            for rule in entry.get("claimValidationRules") or ()
            if isinstance(rule, Mapping)
        )
        user_rules = tuple(
            UserRule(str(rule.get("expression") or ""), str(rule.get("message") or ""))
            for rule in entry.get("userValidationRules") or ()
            if isinstance(rule, Mapping)
        )
        result.append(
            JwtAuthenticator(
                issuer=url,
                audiences=audiences,
                audience_match_policy=str(issuer.get("audienceMatchPolicy") or ""),
                algorithms=STRUCTURED_ALGORITHMS,
                username=username,
                groups=_mapping(mappings.get("groups"), f"{where}.claimMappings.groups", prefixed=True),
                uid=_mapping(mappings.get("uid"), f"{where}.claimMappings.uid"),
                extra=extra,
                claim_rules=claim_rules,
                user_rules=user_rules,
                structured=True,
            )
        )
    return tuple(result)


# --- token ----------------------------------------------------------------------------


def _b64json(part: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise TokenError(f"the token's {what} is not base64url JSON") from error
    if not isinstance(value, dict):
        raise TokenError(f"the token's {what} is not a JSON object")
    return value


def parse_jwks(jwks: object) -> jwt.PyJWKSet:
    """A JWKS document (decoded JSON) as PyJWT keys; :class:`TokenError` when unusable."""
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise TokenError('the JWKS must be a JSON object with a "keys" list')
    try:
        return jwt.PyJWKSet.from_dict(dict(jwks))
    except jwt.exceptions.PyJWTError as error:
        raise TokenError(f"the JWKS has no usable key: {error}") from error


def authenticate(
    token: str,
    jwks: jwt.PyJWKSet,
    authenticators: Sequence[JwtAuthenticator],
    now: datetime | None = None,
) -> AuthResult:
    """Verify ``token`` and map it to a user (see the module doc).

    Raises :class:`TokenError` when the token is not a JWS compact serialisation with
    JSON header and payload, :class:`UnsupportedExpression` for a CEL expression that
    cannot be evaluated. Every other failure is a rejection with its reason.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenError(f"a JWT has 3 dot-separated parts, this token has {len(parts)}")
    header = _b64json(parts[0], "header")
    claims = _b64json(parts[1], "payload")
    now = now or datetime.now(UTC)
    try:
        authenticator = _pick(claims, authenticators)
        _verify(token, header, claims, jwks, authenticator, now)
        return _map(claims, authenticator)
    except _Rejected as rejected:
        return AuthResult(authenticated=False, reason=str(rejected))


def _pick(claims: Mapping[str, Any], authenticators: Sequence[JwtAuthenticator]) -> JwtAuthenticator:
    issuer = claims.get("iss")
    if not isinstance(issuer, str):
        raise _Rejected("the token has no iss claim")
    if issuer == "accounts.google.com":  # oidc.go untrustedIssuer, go-oidc Verify
        issuer = "https://accounts.google.com"
    for authenticator in authenticators:
        if authenticator.issuer == issuer:
            return authenticator
    known = ", ".join(a.issuer for a in authenticators) or "none"
    raise _Rejected(f"issuer {issuer!r} matches no authenticator (issuers: {known})")


def _time(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Rejected(f"claim {name} is not a number")
    return datetime.fromtimestamp(value, UTC)


def _verify(
    token: str,
    header: Mapping[str, Any],
    claims: Mapping[str, Any],
    jwks: jwt.PyJWKSet,
    authenticator: JwtAuthenticator,
    now: datetime,
) -> None:
    aud = claims.get("aud")
    token_audiences = [aud] if isinstance(aud, str) else [a for a in aud or () if isinstance(a, str)]
    if authenticator.audience_match_policy == MATCH_ANY or len(authenticator.audiences) == 1:
        wanted = authenticator.audiences
    else:  # the API server refuses such a configuration
        wanted = ()
    if not set(wanted) & set(token_audiences):
        raise _Rejected(f"audience {token_audiences} does not contain {list(wanted)}")
    expiry = _time(claims, "exp")
    if expiry is None:
        raise _Rejected("the token has no exp claim (go-oidc treats it as expired)")
    if expiry < now:
        raise _Rejected(f"token expired at {expiry.isoformat()}")
    not_before = _time(claims, "nbf")
    if not_before is not None and now + NBF_LEEWAY < not_before:
        raise _Rejected(f"token not valid before {not_before.isoformat()} (5 minutes leeway)")
    alg = header.get("alg")
    if alg not in authenticator.algorithms:
        raise _Rejected(
            f"signing algorithm {alg!r} is not allowed (allowed: {', '.join(authenticator.algorithms)})"
        )
    kid = header.get("kid")
    keys = [key for key in jwks.keys if kid is None or key.key_id == kid]
    if not keys:
        raise _Rejected(f"no JWKS key has kid {kid!r}")
    for key in keys:
        try:
            jwt.api_jws.PyJWS().decode_complete(token, key=key.key, algorithms=[str(alg)])
        except jwt.exceptions.PyJWTError:
            continue
        return
    raise _Rejected("signature does not verify with the JWKS keys")


# --- mapping --------------------------------------------------------------------------


_ENV: celpy.Environment | None = None


def _cel(expression: str, activation: Mapping[str, Any], what: str) -> object:
    global _ENV  # noqa: PLW0603 - one lazily built environment
    if _ENV is None:
        _ENV = celpy.Environment()
    try:
        program = _ENV.program(_ENV.compile(expression))
    except CELParseError as error:
        raise UnsupportedExpression(
            f"{what}: CEL expression {expression!r} not evaluated: {error}"
        ) from error
    try:
        return program.evaluate({name: json_to_cel(value) for name, value in activation.items()})
    except CELEvalError as error:
        raise _Rejected(
            f"{what}: error evaluating {expression!r}: {error.args[0] if error.args else error}"
        ) from error
    except Exception as error:  # cel-python raises plain errors for unsupported functions
        raise UnsupportedExpression(
            f"{what}: CEL expression {expression!r} not evaluated: {error}"
        ) from error


def _claim_string(claims: Mapping[str, Any], claim: str, what: str) -> str:
    if claim not in claims:
        raise _Rejected(f"{what} claim {claim!r} not present")
    value = claims[claim]
    if not isinstance(value, str):
        raise _Rejected(f"{what} claim {claim!r} is not a string")
    return value


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (str(value),)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    raise _Rejected(f"{what} must be a string or a list of strings")


def _cel_strings(value: object, what: str) -> tuple[str, ...]:
    """A groups/extra expression result (oidc.go ``convertCELValueToStringList``): a string
    or a list of strings; ``""``, ``[]`` and null mean none and empty items are dropped."""
    if value is None:
        return ()
    return tuple(item for item in _strings(value, what) if item)


CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"


def _check_email_verified(claims: Mapping[str, Any]) -> None:
    if "email_verified" in claims and claims["email_verified"] is not True:
        raise _Rejected("email not verified (email_verified is present and not true)")


def _map(claims: Mapping[str, Any], authenticator: JwtAuthenticator) -> AuthResult:
    activation = {"claims": dict(claims)}
    username_map = authenticator.username
    if username_map.expression:
        value = _cel(username_map.expression, activation, "username expression")
        if not isinstance(value, str):
            raise _Rejected("username expression must return a string")
        username = str(value)
        if not username:  # oidc.go rejects an empty name only from an expression
            raise _Rejected("empty username via CEL expression is not allowed")
    else:
        username = _claim_string(claims, username_map.claim, "username")
        if username_map.claim == "email":
            _check_email_verified(claims)
        username = (username_map.prefix or "") + username
    groups: tuple[str, ...] = ()
    if authenticator.groups is not None:
        if authenticator.groups.expression:
            value = _cel(authenticator.groups.expression, activation, "groups expression")
            groups = _cel_strings(value, "groups expression result")
        elif claims.get(authenticator.groups.claim) is not None:  # JSON null: no groups
            found = _strings(
                claims[authenticator.groups.claim], f"groups claim {authenticator.groups.claim!r}"
            )
            groups = tuple((authenticator.groups.prefix or "") + group for group in found)
    uid = ""
    if authenticator.uid is not None:
        if authenticator.uid.expression:
            value = _cel(authenticator.uid.expression, activation, "uid expression")
            if not isinstance(value, str):
                raise _Rejected("uid expression must return a string")
            uid = str(value)
        elif authenticator.uid.claim:
            uid = _claim_string(claims, authenticator.uid.claim, "uid")
    extra: dict[str, tuple[str, ...]] = {}
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:  # oidc.go getCredentialID
        extra[CREDENTIAL_ID_KEY] = ("JTI=" + jti,)
    for key, expression in authenticator.extra:
        value = _cel(expression, activation, f"extra {key!r}")
        values = _cel_strings(value, f"extra {key!r}")
        if values:
            extra[key] = values
    for rule in authenticator.claim_rules:  # required claims, after the mapping
        if not rule.expression:
            got = _claim_string(claims, rule.claim, "required")
            if got != rule.required_value:
                raise _Rejected(f"required claim {rule.claim!r} value does not match")
    for rule in authenticator.claim_rules:  # then the CEL claim validation rules
        if rule.expression:
            value = _cel(rule.expression, activation, "claim validation rule")
            if value is not True and not (isinstance(value, celtypes.BoolType) and bool(value)):
                raise _Rejected(rule.message or f"claim validation rule {rule.expression!r} failed")
    user = {
        "username": username,
        "uid": uid,
        "groups": list(groups),
        "extra": {k: list(v) for k, v in extra.items()},
    }
    for user_rule in authenticator.user_rules:
        value = _cel(user_rule.expression, {"user": user}, "user validation rule")
        if not (isinstance(value, celtypes.BoolType | bool) and bool(value)):
            raise _Rejected(user_rule.message or f"user validation rule {user_rule.expression!r} failed")
    return AuthResult(authenticated=True, username=username, uid=uid, groups=groups, extra=extra)
