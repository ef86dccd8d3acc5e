"""What a kube-apiserver command line means for authentication and authorization.

Pure functions over the parsed flags (:func:`kubeward.engines.authn.apiserver_flags.apiserver_flags`:
flag name without dashes -> every value given) and, where defaults changed between
releases, the server's minor version (from its image tag; ``None`` when unknown, which
means a current release). Defaults are those of ``pkg/kubeapiserver/options`` in
kubernetes/kubernetes:

* ``--anonymous-auth`` defaults to ``true``. With a structured ``--authentication-config``
  (``apiserver.config.k8s.io`` AuthenticationConfiguration), its ``anonymous`` section
  decides instead (the two are mutually exclusive); a config without that section leaves
  the flag's default.
* ``--authorization-mode`` defaults to ``AlwaysAllow``; ``--authorization-config``
  (structured authorization, 1.29+) replaces it, and is not judged here.
* Admission: ``--enable-admission-plugins`` adds to the default-on set and
  ``--disable-admission-plugins`` removes from it; the legacy ``--admission-control``
  replaces the whole set. ``PodSecurity`` is on by default from 1.23 (beta);
  ``PodSecurityPolicy`` was never on by default and was removed in 1.25; ``NodeRestriction``
  and ``AlwaysAdmit`` are off by default.
* ``--insecure-port`` (default 8080 on 127.0.0.1, no authentication or authorization)
  accepts only ``0`` from 1.20 and was removed with ``--insecure-bind-address`` in 1.24.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HEALTH_PATHS",
    "Anonymous",
    "Version",
    "admission_plugins",
    "anonymous_auth",
    "audit_gaps",
    "authorization_modes",
    "image_version",
    "insecure_serving",
    "pod_security_admission",
]

Version = tuple[int, int]
Flags = Mapping[str, Sequence[str]]

HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
"""Paths CIS (v2.1.0 1.2.1) accepts anonymous requests to."""

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?")

#: Plugins on unless disabled, for the plugins whose default matters here.
_POD_SECURITY_DEFAULT_ON: Version = (1, 23)
_PSP_REMOVED: Version = (1, 25)
_INSECURE_ZERO_ONLY: Version = (1, 20)
_INSECURE_REMOVED: Version = (1, 24)
#: What Go's ``strconv.ParseBool`` (pflag's bool flags) reads as false; anything else but
#: its true spellings stops the server.
_GO_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def _last(flags: Flags, name: str) -> str | None:
    values = flags.get(name)
    return values[-1] if values else None


def _split(flags: Flags, name: str) -> list[str]:
    """A comma-separated list flag: every value given, split, blanks dropped."""
    return [item.strip() for value in flags.get(name, ()) for item in value.split(",") if item.strip()]


def _text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def image_version(image: str) -> Version | None:
    """The minor version in an image tag (``registry.k8s.io/kube-apiserver:v1.31.4`` ->
    ``(1, 31)``), or None when the tag has none (a digest alone, ``latest``)."""
    reference = image.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    match = _VERSION.match(last.split(":", 1)[1])
    return (int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True, slots=True)
class Anonymous:
    """Whether anonymous requests are authenticated (as ``system:anonymous``), and where:
    ``paths`` is None for every path, else the paths a structured config allows.
    ``source`` says what decided it."""

    enabled: bool
    paths: frozenset[str] | None
    source: str

    @property
    def beyond_health_checks(self) -> bool:
        return self.enabled and (self.paths is None or not self.paths <= HEALTH_PATHS)


def anonymous_auth(flags: Flags, authentication_config: Mapping[str, Any] | None = None) -> Anonymous:
    """Anonymous authentication as the server resolves it (see the module docstring).
    ``authentication_config`` is the AuthenticationConfiguration body the server's
    ``--authentication-config`` names, when known."""
    value = _last(flags, "anonymous-auth")
    section = authentication_config.get("anonymous") if authentication_config else None
    if value is not None:
        source = f"--anonymous-auth={value}"
        if section is not None:  # pkg/kubeapiserver/options/authentication.go: field.Forbidden
            source += (
                "; the --authentication-config file has an anonymous section too,"
                " so the server refuses to start"
            )
        return Anonymous(value.strip() not in _GO_FALSE, None, source)
    if isinstance(section, Mapping):
        enabled = section.get("enabled") is True
        conditions = section.get("conditions")
        paths = None
        if isinstance(conditions, list) and conditions:
            paths = frozenset(
                str(condition.get("path"))
                for condition in conditions
                if isinstance(condition, Mapping) and condition.get("path")
            )
        return Anonymous(
            enabled, paths if enabled else None, "the anonymous section of --authentication-config"
        )
    return Anonymous(True, None, "--anonymous-auth is not set and defaults to true")


def authorization_modes(flags: Flags) -> tuple[str, ...] | None:
    """The authorizer chain in order; ``("AlwaysAllow",)`` by default; None when a
    structured ``--authorization-config`` replaces the flag."""
    if "authorization-config" in flags:
        return None
    modes = _split(flags, "authorization-mode")
    return tuple(modes) if modes else ("AlwaysAllow",)


def admission_plugins(flags: Flags, plugin: str, version: Version | None = None) -> bool:
    """Whether admission plugin ``plugin`` is on. Only the defaults of the plugins this
    module judges are known (``PodSecurity``: on from 1.23; the others: off)."""
    if "admission-control" in flags:
        return plugin in _split(flags, "admission-control")
    if plugin in _split(flags, "enable-admission-plugins"):
        return True  # in both lists: the server refuses to start; treated as enabled
    if plugin in _split(flags, "disable-admission-plugins"):
        return False
    return plugin == "PodSecurity" and (version is None or version >= _POD_SECURITY_DEFAULT_ON)


def pod_security_admission(flags: Flags, version: Version | None = None) -> str | None:
    """The pod security admission plugin in force (``PodSecurity``, or
    ``PodSecurityPolicy`` before 1.25), or None when there is none."""
    if admission_plugins(flags, "PodSecurity", version):
        return "PodSecurity"
    if (version is None or version < _PSP_REMOVED) and admission_plugins(flags, "PodSecurityPolicy", version):
        return "PodSecurityPolicy"
    return None


def insecure_serving(flags: Flags, version: Version | None = None) -> list[str]:
    """Why the server serves (or is configured to serve) the API over plain HTTP without
    authentication or authorization: one sentence per cause, empty when it does not."""
    problems = []
    port = _last(flags, "insecure-port")
    port = port.strip() if port is not None else None
    if port is not None and port != "0":
        note = ""
        if version is not None and version >= _INSECURE_REMOVED:
            note = f" (the flag was removed in 1.24: a {_text(version)} server refuses to start with it)"
        elif version is not None and version >= _INSECURE_ZERO_ONLY:
            note = f" (from 1.20 only 0 is accepted: a {_text(version)} server refuses to start with it)"
        problems.append(f"--insecure-port={port} serves the API without authentication{note}")
    elif port is None and version is not None and version < _INSECURE_ZERO_ONLY:
        problems.append(
            f"--insecure-port is not set: a {version[0]}.{version[1]} server serves the API"
            " without authentication on 127.0.0.1:8080 by default"
        )
    address = _last(flags, "insecure-bind-address")
    zero_by_default = version is not None and _INSECURE_ZERO_ONLY <= version < _INSECURE_REMOVED
    if address is not None and port != "0" and not (port is None and zero_by_default):
        note = ""
        if version is None or version >= _INSECURE_REMOVED:
            note = " (the flag was removed in 1.24: a server of 1.24 or later refuses to start with it)"
        problems.append(f"--insecure-bind-address={address} exposes the insecure port on that address{note}")
    return problems


def audit_gaps(flags: Flags) -> list[str]:
    """Why API requests are not audited: no policy (no events are generated), or no
    backend (neither ``--audit-log-path`` nor ``--audit-webhook-config-file``)."""
    gaps = []
    if not _last(flags, "audit-policy-file"):
        gaps.append("--audit-policy-file is not set, so no audit events are generated")
    if not _last(flags, "audit-log-path") and not _last(flags, "audit-webhook-config-file"):
        gaps.append(
            "neither --audit-log-path nor --audit-webhook-config-file is set, so no audit events are kept"
        )
    return gaps
