"""Signing keys, a JWKS and signed JWTs for the OIDC tests, all made in memory.

No private key is committed: the keys are generated at first use. Claims given as
``"+600"``/``"-600"`` strings are seconds relative to :data:`NOW`; a claim set to None is
removed from the defaults (iss, aud, exp)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
ISSUER = "https://login.example.com"
DEFAULT_CLAIMS: dict[str, Any] = {"iss": ISSUER, "aud": "kubernetes", "exp": "+600"}


@dataclass(frozen=True)
class Keys:
    private: dict[str, Any]  # name -> private key
    jwks: dict[str, Any]


@functools.cache
def keys() -> Keys:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(ec_key.public_key()))
    rsa_jwk.update(kid="k1", use="sig")
    ec_jwk.update(kid="k2", use="sig")
    return Keys({"k1": rsa_key, "k2": ec_key, "rogue": rogue}, {"keys": [rsa_jwk, ec_jwk]})


def resolve_claims(raw: dict[str, Any] | None) -> dict[str, Any]:
    claims = {**DEFAULT_CLAIMS, **(raw or {})}
    out: dict[str, Any] = {}
    for name, value in claims.items():
        if value is None:
            continue
        relative = isinstance(value, str) and value[:1] in "+-" and value[1:].isdigit()
        out[name] = int(NOW.timestamp()) + int(value) if relative else value
    return out


def make_token(
    raw_claims: dict[str, Any] | None = None,
    *,
    alg: str = "RS256",
    kid: str | None = "k1",
    key: str = "k1",
) -> str:
    headers = {"kid": kid} if kid is not None else {}
    signing_key: Any = b"a-shared-secret-of-32-bytes-long!" if alg.startswith("HS") else keys().private[key]
    return jwt.encode(resolve_claims(raw_claims), signing_key, algorithm=alg, headers=headers)
