"""The compact notation of the RBAC tables under ``tests/data/rbac/``.

* A request is ``VERB RESOURCE[.GROUP][/SUBRESOURCE] [name=NAME] [ns=NAMESPACE]`` (resource
  requests; no ``ns=`` means cluster-scoped) or ``VERB /URL`` (non-resource requests):
  ``get pods/log name=web ns=team``, ``update deployments.apps/scale ns=team``, ``get /healthz``.
* An identity is ``User:NAME``, ``ServiceAccount:NAMESPACE:NAME`` or ``Group:NAME`` (a member
  named ``someone``), given the groups the API server adds on impersonation (``--as``), plus
  the case's ``groups``; with ``raw: true`` it has exactly the groups listed.
* A subject is written the same way; a grant as
  ``BindingKind [ns/]name → RoleKind name #ruleIndex to Subject``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kubeward.engines.rbac.identity import Identity, Subject, impersonate
from kubeward.engines.rbac.rules import Request
from kubeward.engines.rbac.world import Grant
from unit.engines.rbac.rbac_reference import Req

__all__ = [
    "DATA",
    "TABLES",
    "format_grant",
    "format_subject",
    "identity",
    "load_table",
    "manifests",
    "parse_request",
    "to_request",
]

DATA = Path(__file__).parents[3] / "data" / "rbac"
TABLES = ("impersonation.yaml", "rules.yaml", "scenarios.yaml")


def load_table(name: str) -> list[dict[str, Any]]:
    assert name in TABLES, name
    cases = yaml.safe_load((DATA / name).read_text())
    assert isinstance(cases, list)
    return cases


def parse_request(text: str) -> Req:
    verb, target, *options = text.split()
    fields = dict(option.split("=", 1) for option in options)
    assert set(fields) <= {"name", "ns"}, text
    if target.startswith("/"):
        assert not fields, text
        return Req(verb, path=target)
    typed, _, subresource = target.partition("/")
    resource, _, group = typed.partition(".")
    return Req(verb, group, resource, subresource, fields.get("name", ""), fields.get("ns", ""))


def to_request(req: Req) -> Request:
    return Request(req.verb, req.resource, req.api_group, req.subresource, req.name, req.namespace, req.path)


def identity(spec: str, groups: list[str] | None = None, *, raw: bool = False) -> Identity:
    kind, _, rest = spec.partition(":")
    groups = list(groups or [])
    if kind == "User":
        user = rest
    elif kind == "ServiceAccount":
        namespace, _, name = rest.partition(":")
        user = f"system:serviceaccount:{namespace}:{name}"
    elif kind == "Group":
        user, groups = "someone", [rest, *groups]
    else:
        raise AssertionError(f"unknown identity {spec!r}")
    return Identity(user, frozenset(groups)) if raw else impersonate(user, tuple(groups))


def format_subject(subject: Subject) -> str:
    if subject.kind == "ServiceAccount":
        return f"ServiceAccount:{subject.namespace}:{subject.name}"
    return f"{subject.kind}:{subject.name}"


def _name(ref: Any) -> str:
    return f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name


def format_grant(grant: Grant) -> str:
    binding, role = grant.binding.ref, grant.role.ref
    return (
        f"{binding.kind} {_name(binding)} → {role.kind} {role.name} #{grant.rule_index}"
        f" to {format_subject(grant.subject)}"
    )


def manifests(objects: list[Mapping[str, Any]]) -> str:
    """A YAML stream of ``objects``, each given the RBAC apiVersion unless it has one."""
    documents = [{"apiVersion": "rbac.authorization.k8s.io/v1", **obj} for obj in objects]
    return "---\n".join(yaml.safe_dump(document, sort_keys=False) for document in documents)
