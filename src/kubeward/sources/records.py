"""Decoded documents -> Kubernetes object records.

* A document must be a mapping with string ``apiVersion`` and ``kind``; anything else is
  an input error naming the file and line (empty documents are skipped, as kubectl does).
* ``kind: List`` and every ``*List`` (``kubectl get -o yaml|json``, raw API list
  responses) expand to their items; items of a typed list without ``apiVersion``/``kind``
  get them from the list, as the API server's list responses imply.
* Secret values never stay in memory: ``data``/``stringData`` values, and the
  ``last-applied-configuration`` annotation that repeats them, are replaced by
  :data:`REDACTED`. Kubeconfig files (``kind: Config``) are kept for the authentication
  controls with their private keys, tokens and passwords redacted the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kubeward.errors import InputError
from kubeward.k8s.objects import ID_TOKEN_VALIDITY, Origin, Record, is_kubeconfig
from kubeward.k8s.schema import describe_value
from kubeward.sources.goyaml import ComposedDocument

__all__ = ["REDACTED", "holds_secret_values", "records_from_documents", "redact"]

REDACTED = "<redacted by kubeward>"
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SECRET_FLAG = re.compile(r"token|secret|passw|credential|private|key(?!s)", re.IGNORECASE)
_USERINFO = re.compile(r"//[^/@]*@")
_KUBECONFIG_KEYS = frozenset({"clusters", "contexts", "users"})
_KUBECONFIG_USER_SECRETS = ("client-key-data", "token", "password")
_AUTH_PROVIDER_SECRETS = (
    "id-token",
    "refresh-token",
    "client-secret",
    "access-token",
    "idp-certificate-authority-data",
)


def holds_secret_values(body: Mapping[str, Any]) -> bool:
    """Whether the text of this object held secret values (a Secret or a kubeconfig)."""
    return (body.get("kind") == "Secret" and body.get("apiVersion") == "v1") or is_kubeconfig(body)


def redact(body: dict[str, Any]) -> None:
    """Replace secret values in a Secret or kubeconfig body, in place."""
    kind = body.get("kind")
    if kind == "Secret" and body.get("apiVersion") == "v1":
        for field in ("data", "stringData"):
            values = body.get(field)
            if isinstance(values, dict):
                for key in values:
                    values[key] = REDACTED
            elif values is not None:  # malformed, but a value all the same
                body[field] = REDACTED
        metadata = body.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        if isinstance(annotations, dict) and _LAST_APPLIED in annotations:
            annotations[_LAST_APPLIED] = REDACTED
    elif is_kubeconfig(body):
        _redact_kubeconfig(body)


def _redact_kubeconfig(body: dict[str, Any]) -> None:
    users = body.get("users")
    for entry in users if isinstance(users, list) else []:
        user = entry.get("user") if isinstance(entry, dict) else None
        if not isinstance(user, dict):
            continue
        for field in _KUBECONFIG_USER_SECRETS:
            if field in user:
                user[field] = REDACTED
        provider = user.get("auth-provider")
        config = provider.get("config") if isinstance(provider, dict) else None
        if isinstance(config, dict):
            validity = _token_validity(config.get("id-token"))
            for field in _AUTH_PROVIDER_SECRETS:
                if field in config:
                    config[field] = REDACTED
            if validity:
                config[ID_TOKEN_VALIDITY] = validity
        exec_config = user.get("exec")
        if isinstance(exec_config, dict):
            env = exec_config.get("env")
            for variable in env if isinstance(env, list) else []:
                if isinstance(variable, dict) and "value" in variable:
                    variable["value"] = REDACTED
            if isinstance(exec_config.get("args"), list):
                exec_config["args"] = _redact_args(exec_config["args"])
    clusters = body.get("clusters")
    for entry in clusters if isinstance(clusters, list) else []:
        cluster = entry.get("cluster") if isinstance(entry, dict) else None
        if isinstance(cluster, dict) and isinstance(cluster.get("proxy-url"), str):
            cluster["proxy-url"] = _USERINFO.sub(f"//{REDACTED}@", cluster["proxy-url"])


def _token_validity(token: object) -> dict[str, int]:
    """The ``iat`` and ``exp`` claims of a JWT, read without verifying it (none when it is no
    JWT): kept when the token is redacted, so its lifetime can still be judged."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return {}
    if not isinstance(claims, dict):
        return {}
    return {
        claim: int(value)
        for claim in ("iat", "exp")
        if isinstance(value := claims.get(claim), int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    }


def _redact_args(args: list[Any]) -> list[Any]:
    """Credential plugin arguments with the values of flags that look like credentials
    (``--token=x``, ``--client-secret x``) redacted; the other arguments stay (an OIDC
    issuer URL is what the authentication controls read)."""
    out: list[Any] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append(REDACTED)
            hide_next = False
            continue
        if isinstance(arg, str) and arg.startswith("-") and _SECRET_FLAG.search(arg.split("=", 1)[0]):
            if "=" in arg:
                out.append(f"{arg.split('=', 1)[0]}={REDACTED}")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(arg)
    return out


def _object_problem(body: Any) -> str | None:
    """Why a decoded value is not a Kubernetes object, or None when it is one."""
    if not isinstance(body, dict):
        return (
            f"not a Kubernetes object: found {describe_value(body)}, not a mapping with apiVersion and kind"
        )
    missing = [field for field in ("apiVersion", "kind") if field not in body]
    if missing:
        return f"not a Kubernetes object: no {' or '.join(missing)}"
    for field in ("apiVersion", "kind"):
        if not isinstance(body[field], str) or not body[field]:
            return f"not a Kubernetes object: {field} must be a non-empty string"
    return None


def _is_list(body: Mapping[str, Any]) -> bool:
    """``kind: List``, or a typed list (``PodList``) as the API returns: one with ``items``."""
    kind = body["kind"]
    return kind == "List" or (kind.endswith("List") and "items" in body)


def records_from_documents(
    file: str, documents: Iterable[ComposedDocument], template: str | None = None
) -> tuple[list[Record], list[InputError]]:
    """The objects in ``documents`` and the problems met; nothing valid is dropped."""
    records: list[Record] = []
    errors: list[InputError] = []
    for document in documents:
        for problem in document.problems:
            errors.append(InputError(file, problem.message, problem.line, document.index, fatal=False))
        if document.error is not None:
            error = document.error
            errors.append(InputError(file, error.message, error.line or document.line, document.index))
            continue
        body = document.value
        if body is None:
            continue
        if isinstance(body, dict) and "kind" not in body and _KUBECONFIG_KEYS & set(body):
            body.update(apiVersion=body.get("apiVersion", "v1"), kind="Config")  # kubectl reads these too
        why = _object_problem(body)
        if why is not None:
            errors.append(InputError(file, why, document.line, document.index))
            continue
        _add_object(file, document, body, (), document.line, template, records, errors)
    return records, errors


def _add_object(
    file: str,
    document: ComposedDocument,
    body: dict[str, Any],
    path: tuple[str | int, ...],
    line: int,
    template: str | None,
    records: list[Record],
    errors: list[InputError],
) -> None:
    """Add one object, or every item of a List (Lists in Lists flattened, as kubectl's
    ``FlattenListVisitor`` does)."""
    if not _is_list(body):
        redact(body)
        records.append(Record(body, Origin(file, document.index, line, path, template)))
        return
    items = body.get("items")
    if items is None:  # an empty list, as the API writes it
        return
    where = f"{_path_text(path)}items" if path else "items"
    if not isinstance(items, list):
        message = f"{where}: a {body['kind']}'s items must be a list"
        errors.append(InputError(file, message, line, document.index))
        return
    list_kind: str = body["kind"]
    item_kind = list_kind[: -len("List")] if list_kind != "List" else None
    for index, item in enumerate(items):
        item_line = document.item_lines.get(index, line) if not path else line
        if isinstance(item, dict) and item_kind is not None:
            item.setdefault("apiVersion", body["apiVersion"])
            item.setdefault("kind", item_kind)
        problem = _object_problem(item)
        if problem is not None:
            errors.append(InputError(file, f"{where}[{index}]: {problem}", item_line, document.index))
            continue
        _add_object(file, document, item, (*path, "items", index), item_line, template, records, errors)


def _path_text(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]." if isinstance(part, int) else str(part) for part in path)
