"""``kubeward authn whoami``: what user the API server makes of an OIDC token.

Reads the token (``--token JWT`` or ``--token @FILE``), the issuer's JWKS (``--jwks``) and
either the kube-apiserver static pod manifest (its ``--oidc-*`` flags) or a structured
``AuthenticationConfiguration``; prints ``{"authenticated", "username", "uid", "groups",
"extra", "reason"}`` as JSON. Exit 0 when the token authenticates, 1 when it is rejected
(``reason`` says why), 2 when an input cannot be read. The token is never printed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, abort
from kubeward.cli.authn import authn
from kubeward.cli.common import print_json
from kubeward.engines.authn import oidc
from kubeward.engines.authn.apiserver_flags import apiserver_container, apiserver_flags

__all__ = ["whoami"]


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        abort(f"{path}: cannot read the {what}: {error.strerror or error}")
    except UnicodeDecodeError:
        abort(f"{path}: cannot read the {what}: not UTF-8 text")


def _yaml_documents(path: str, what: str) -> list[Any]:
    text = _read_text(path, what)
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        abort(f"{path}{line}: the {what} is not valid YAML: {problem}")


def _from_manifest(path: str) -> list[oidc.JwtAuthenticator]:
    for doc in _yaml_documents(path, "kube-apiserver manifest"):
        spec = doc.get("spec") if isinstance(doc, dict) and doc.get("kind") == "Pod" else None
        if not isinstance(spec, dict) or apiserver_container(spec) is None:
            continue
        flags = apiserver_flags(spec)
        try:
            authenticator = oidc.settings_from_flags(flags)
        except oidc.ConfigError as error:
            abort(f"{path}: {error}")
        if authenticator is None:
            hint = (
                " (it uses --authentication-config: pass that file with --authentication-config)"
                if "authentication-config" in flags
                else ""
            )
            abort(f"{path}: kube-apiserver has no --oidc-issuer-url{hint}")
        return [authenticator]
    return abort(f"{path}: no Pod running kube-apiserver")


def _from_config(path: str) -> list[oidc.JwtAuthenticator]:
    docs = _yaml_documents(path, "AuthenticationConfiguration")
    if len(docs) != 1 or not isinstance(docs[0], dict):
        abort(f"{path}: expected one AuthenticationConfiguration document")
    try:
        authenticators = oidc.settings_from_config(docs[0])
    except oidc.ConfigError as error:
        abort(f"{path}: {error}")
    if not authenticators:
        abort(f"{path}: the AuthenticationConfiguration has no jwt authenticators")
    return list(authenticators)


def _token(value: str) -> str:
    if value.startswith("@"):
        return _read_text(value[1:], "token").strip()
    return value.strip()


def _jwks(path: str) -> Any:
    text = _read_text(path, "JWKS")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        abort(f"{path}:{error.lineno}: the JWKS is not valid JSON: {error.msg}")
    try:
        return oidc.parse_jwks(document)
    except oidc.TokenError as error:
        abort(f"{path}: {error}")


@authn.command()
@click.option(
    "--token", "token_arg", required=True, metavar="JWT|@FILE", help="The token, or @FILE holding it."
)
@click.option("--jwks", "jwks_path", required=True, metavar="FILE", help="The issuer's JWKS (JSON).")
@click.option(
    "--apiserver-manifest", metavar="FILE", help="kube-apiserver static pod manifest (--oidc-* flags)."
)
@click.option("--authentication-config", metavar="FILE", help="A structured AuthenticationConfiguration.")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    help="Check exp/nbf at this time (UTC unless an offset is given) instead of the current time.",
)
def whoami(
    token_arg: str,
    jwks_path: str,
    apiserver_manifest: str | None,
    authentication_config: str | None,
    now: datetime | None,
) -> None:
    """Verify an OIDC token and show the user the API server maps it to.

    Exactly one of --apiserver-manifest and --authentication-config gives the settings.
    Exit 0: authenticated; 1: rejected (see "reason"); 2: unreadable input.
    """
    if (apiserver_manifest is None) == (authentication_config is None):
        abort("give exactly one of --apiserver-manifest and --authentication-config")
    if apiserver_manifest is not None:
        authenticators = _from_manifest(apiserver_manifest)
    else:
        assert authentication_config is not None
        authenticators = _from_config(authentication_config)
    jwks = _jwks(jwks_path)
    token = _token(token_arg)
    where = token_arg if token_arg.startswith("@") else "--token"
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        result = oidc.authenticate(token, jwks, authenticators, now=now)
    except oidc.TokenError as error:
        abort(f"{where.lstrip('@')}: malformed token: {error}")
    except oidc.UnsupportedExpression as error:
        abort(str(error))
    print_json(result.to_json())
    raise SystemExit(EXIT_OK if result.authenticated else EXIT_FINDINGS)
