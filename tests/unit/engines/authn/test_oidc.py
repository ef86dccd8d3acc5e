"""OIDC token verification and claim mapping (engines/authn/oidc.py), table-driven from
tests/data/authn/oidc/*.yaml; tokens and keys are made in the test (oidc_tokens)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.engines.authn import oidc
from kubeward.engines.authn.apiserver_flags import parse_flags
from oidc_tokens import NOW, keys, make_token

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
