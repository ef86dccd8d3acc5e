"""The configuration file (``--config``, or ``.kubeward.yaml`` in the current directory)
and the baseline report (``--baseline``)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubeward.controls import suppress
from kubeward.controls.finding import Severity
from kubeward.controls.registry import REGISTRY
from kubeward.errors import ConfigError
from kubeward.sources.files import decode_text
from kubeward.sources.goyaml import compose_documents

__all__ = ["DEFAULT_CONFIG", "Config", "load_baseline", "load_config"]

DEFAULT_CONFIG = ".kubeward.yaml"
_KEYS = {
    "fail-on",
    "min-severity",
    "controls",
    "skip-controls",
    "sections",
    "system-namespaces",
    "include-system-rbac",
    "ignore",
}


@dataclass(frozen=True)
class Config:
    fail_on: str | None = None
    min_severity: str | None = None
    controls: tuple[str, ...] = ()
    skip_controls: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    system_namespaces: tuple[str, ...] | None = None
    include_system_rbac: bool = False
    ignore: tuple[suppress.IgnoreRule, ...] = ()
    path: str | None = None


def _read(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(4 * 1024 * 1024)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    text = decode_text(data)
    if text is None:
        raise ConfigError(f"{path}: not valid UTF-8")
    return text


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a list of strings")


def load_config(path: str | None) -> Config:
    """The configuration at ``path``, or in ``.kubeward.yaml`` if that exists, or none."""
    if path is None:
        if not os.path.exists(DEFAULT_CONFIG):
            return Config()
        path = DEFAULT_CONFIG
    documents = list(compose_documents(_read(path)))
    if documents and documents[0].error is not None:
        error = documents[0].error
        raise ConfigError(f"{path}:{error.line}: {error.message}")
    if not documents or documents[0].value is None:
        return Config(path=path)
    data = documents[0].value
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the configuration must be a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})"
        )
    for key in ("fail-on", "min-severity"):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, str) or (value != "none" and value.upper() not in Severity.__members__)
        ):
            raise ConfigError(f"{path}: {key}: expected a severity, got {value!r}")
    try:
        rules = suppress.parse_ignore_rules(data.get("ignore"), path, REGISTRY)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    system = data.get("system-namespaces")
    include_system = data.get("include-system-rbac", False)
    if not isinstance(include_system, bool):
        raise ConfigError(f"{path}: include-system-rbac: expected true or false, got {include_system!r}")
    return Config(
        fail_on=data.get("fail-on"),
        min_severity=data.get("min-severity"),
        controls=_strings(data.get("controls", []), f"{path}: controls"),
        skip_controls=_strings(data.get("skip-controls", []), f"{path}: skip-controls"),
        sections=_strings(data.get("sections", []), f"{path}: sections"),
        system_namespaces=None if system is None else _strings(system, f"{path}: system-namespaces"),
        include_system_rbac=include_system,
        ignore=rules,
        path=path,
    )


def load_baseline(path: str) -> frozenset[str]:
    """The fingerprints of the findings in a previous ``-o json`` report."""
    try:
        report = json.loads(_read(path))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
    try:
        return suppress.parse_baseline(report, path)
    except ValueError as error:
        raise ConfigError(str(error)) from None
