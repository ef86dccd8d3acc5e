"""OIDC token verification and claim mapping (engines/authn/oidc.py), table-driven from
tests/data/authn/oidc/*.yaml; tokens and keys are made in the test (oidc_tokens)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml

from kubeward.engines.authn import oidc
from kubeward.engines.authn.apiserver_flags import parse_flags
from oidc_tokens import NOW, keys, make_token, resolve_claims

DATA = Path(__file__).parents[3] / "data/authn/oidc"
CASES = [
    case for name in ("flags.yaml", "structured.yaml") for case in yaml.safe_load((DATA / name).read_text())
]


def _authenticators(case: dict[str, Any]) -> list[oidc.JwtAuthenticator]:
    if "flags" in case:
        authenticator = oidc.settings_from_flags(parse_flags(case["flags"]))
        assert authenticator is not None
        return [authenticator]
    return list(oidc.settings_from_config(case["config"]))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    sign = {"alg": "RS256", "kid": "k1", "key": "k1", **(case.get("sign") or {})}
    token = make_token(case.get("claims"), alg=sign["alg"], kid=sign["kid"], key=sign["key"])
    jwks = oidc.parse_jwks(keys().jwks)
    result = oidc.authenticate(token, jwks, _authenticators(case), now=NOW).to_json()
    expect = case["expect"]
    if expect["authenticated"]:
        assert result == {**expect, "reason": ""}
    else:
        assert result["authenticated"] is False
        assert expect["reason"] in result["reason"]
        assert result["username"] == "" and result["groups"] == []
    assert token not in str(result)


def test_flag_defaults() -> None:
    flags = parse_flags(["--oidc-issuer-url=https://i", "--oidc-client-id=c"])
    authenticator = oidc.settings_from_flags(flags)
    assert authenticator is not None
    assert authenticator.algorithms == ("RS256",)
    assert authenticator.username == oidc.Mapping_("sub", "https://i#")
    assert authenticator.groups is None
    assert oidc.settings_from_flags({}) is None


def test_issuer_without_client_id_is_a_config_error() -> None:
    with pytest.raises(oidc.ConfigError, match="--oidc-client-id"):
        oidc.settings_from_flags(parse_flags(["--oidc-issuer-url=https://i"]))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"kind": "Other"}, "not AuthenticationConfiguration"),
        (
            {"kind": "AuthenticationConfiguration", "jwt": [{"issuer": {"audiences": ["a"]}}]},
            "url is required",
        ),
        ({"kind": "AuthenticationConfiguration", "jwt": [{"issuer": {"url": "https://i"}}]}, "audiences"),
        (
            {
                "kind": "AuthenticationConfiguration",
                "jwt": [{"issuer": {"url": "https://i", "audiences": ["a"]}}],
            },
            "claim or expression is required",
        ),
    ],
)
def test_bad_structured_config(config: dict[str, Any], message: str) -> None:
    with pytest.raises(oidc.ConfigError, match=message):
        oidc.settings_from_config(config)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc.def", "3 dot-separated parts"),
        ("!!!.e30.sig", "header is not base64url JSON"),
        ("e30.bm90anNvbg.sig", "payload is not base64url JSON"),
        ("W10.e30.sig", "header is not a JSON object"),
    ],
)
def test_malformed_token(token: str, message: str) -> None:
    authenticator = oidc.settings_from_flags(
        parse_flags(["--oidc-issuer-url=https://i", "--oidc-client-id=c"])
    )
    assert authenticator is not None
    with pytest.raises(oidc.TokenError, match=message):
        oidc.authenticate(token, oidc.parse_jwks(keys().jwks), [authenticator], now=NOW)


@pytest.mark.parametrize("jwks", [[], {}, {"keys": "x"}, {"keys": [{"kty": "nope"}]}])
def test_unusable_jwks(jwks: object) -> None:
    with pytest.raises(oidc.TokenError):
        oidc.parse_jwks(jwks)


def test_cel_syntax_the_evaluator_cannot_parse_is_not_guessed() -> None:
    config = {
        "kind": "AuthenticationConfiguration",
        "jwt": [
            {
                "issuer": {"url": "https://login.example.com", "audiences": ["kubernetes"]},
                "claimMappings": {"username": {"expression": "claims.?email.orValue('x')"}},
            }
        ],
    }
    token = make_token({"sub": "a"})
    with pytest.raises(oidc.UnsupportedExpression, match="not evaluated"):
        oidc.authenticate(token, oidc.parse_jwks(keys().jwks), oidc.settings_from_config(config), now=NOW)


def test_flag_signing_algs_outside_the_allowlist_are_a_config_error() -> None:
    # oidc.go New: `oidc: unsupported signing alg` (the API server does not start)
    flags = parse_flags(
        ["--oidc-issuer-url=https://i", "--oidc-client-id=c", "--oidc-signing-algs=RS256,HS256"]
    )
    with pytest.raises(oidc.ConfigError, match="unsupported signing alg 'HS256'"):
        oidc.settings_from_flags(flags)


def test_a_null_groups_claim_gives_no_groups() -> None:
    # oidc.go getGroups: json null unmarshals into stringOrArray as no groups
    authenticator = oidc.settings_from_flags(
        parse_flags(
            [
                "--oidc-issuer-url=https://login.example.com",
                "--oidc-client-id=kubernetes",
                "--oidc-groups-claim=groups",
            ]
        )
    )
    assert authenticator is not None
    claims = {**resolve_claims({"sub": "alice"}), "groups": None}
    token = jwt.encode(claims, keys().private["k1"], algorithm="RS256", headers={"kid": "k1"})
    result = oidc.authenticate(token, oidc.parse_jwks(keys().jwks), [authenticator], now=NOW)
    assert result.authenticated and result.groups == ()


def _jwt_entry(mappings: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "AuthenticationConfiguration",
        "jwt": [{"issuer": {"url": "https://i", "audiences": ["a"]}, "claimMappings": mappings}],
    }


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        # validation.go validatePrefixClaimOrExpression
        pytest.param(
            {"username": {"claim": "sub"}},
            "prefix is required when claim is set",
            id="username-claim-without-prefix",
        ),
        pytest.param(
            {"username": {"claim": "sub", "prefix": ""}, "groups": {"claim": "groups"}},
            "groups.prefix: prefix is required",
            id="groups-claim-without-prefix",
        ),
        pytest.param(
            {"username": {"expression": "claims.sub", "prefix": "x:"}},
            "may not be specified when expression is set",
            id="prefix-with-expression",
        ),
        pytest.param(
            {"username": {"claim": "sub", "prefix": "", "expression": "claims.sub"}},
            "can't both be set",
            id="claim-and-expression",
        ),
        # validation.go validateClaimMappings (extra keys)
        pytest.param(
            {
                "username": {"claim": "sub", "prefix": ""},
                "extra": [{"key": "tenant", "valueExpression": "'a'"}],
            },
            "domain-prefixed path",
            id="extra-key-not-domain-prefixed",
        ),
        pytest.param(
            {
                "username": {"claim": "sub", "prefix": ""},
                "extra": [{"key": "example.com/Tenant", "valueExpression": "'a'"}],
            },
            "must be lowercase",
            id="extra-key-uppercase",
        ),
        pytest.param(
            {
                "username": {"claim": "sub", "prefix": ""},
                "extra": [{"key": "foo.kubernetes.io/x", "valueExpression": "'a'"}],
            },
            "reserved",
            id="extra-key-reserved-domain",
        ),
        pytest.param(
            {
                "username": {"claim": "sub", "prefix": ""},
                "extra": [
                    {"key": "example.com/a", "valueExpression": "'a'"},
                    {"key": "example.com/a", "valueExpression": "'b'"},
                ],
            },
            "duplicate key",
            id="extra-key-duplicate",
        ),
        pytest.param(
            {"username": {"claim": "sub", "prefix": ""}, "extra": [{"key": "example.com/a"}]},
            "valueExpression: required",
            id="extra-without-value-expression",
        ),
    ],
)
def test_structured_config_validation(mappings: dict[str, Any], message: str) -> None:
    with pytest.raises(oidc.ConfigError, match=message):
        oidc.settings_from_config(_jwt_entry(mappings))


def test_a_required_claim_without_equals_is_a_config_error() -> None:
    # cliflag MapStringString.Set: "malformed pair, expect string=string"
    flags = parse_flags(["--oidc-issuer-url=https://i", "--oidc-client-id=c", "--oidc-required-claim=hd"])
    with pytest.raises(oidc.ConfigError, match="malformed pair"):
        oidc.settings_from_flags(flags)
