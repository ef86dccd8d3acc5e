"""RBAC policy rules and the request attributes they are matched against.

Each predicate is upstream's, to the letter (``pkg/apis/rbac/v1/evaluation_helpers.go``,
``plugin/pkg/auth/authorizer/rbac/rbac.go`` ``RuleAllows``):

* verb: ``*`` or equal (``*`` also covers escalate, bind, impersonate, approve, use...);
* API group: ``*`` or equal (``""`` is the core group);
* resource: ``*`` (subresources included), an exact ``resource`` or ``resource/sub``, or
  ``*/sub`` for that subresource of any resource. ``pods/*`` is *not* a wildcard: it only
  matches a subresource literally named ``*``;
* resourceNames: empty matches any name; otherwise the name must be listed, so a request
  without a name (list, create, deletecollection) never matches;
* nonResourceURLs: ``*``, equal, or a rule ending in ``*`` whose text without its trailing
  stars prefixes the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["UNLISTED", "Request", "Rule", "rule_allows"]

UNLISTED = "\x00unlisted"
"""A verb, group, resource or name no valid rule lists: only ``*`` (or, for names, an empty
``resourceNames``) matches it, so a request made of it asks "on every object"."""


@dataclass(frozen=True, slots=True)
class Request:
    """What is asked (``authorizer.Attributes``): a resource request when ``path`` is
    empty, otherwise a non-resource request for ``path``."""

    verb: str
    resource: str = ""
    api_group: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""
    path: str = ""

    @property
    def is_resource_request(self) -> bool:
        return not self.path

    @property
    def scope(self) -> str:
        """The namespace whose RoleBindings may grant the request: a non-resource request
        has none (RequestInfo never sets it), nor does a cluster-scoped one (``""``)."""
        return self.namespace if self.is_resource_request else ""

    @property
    def combined_resource(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def __str__(self) -> str:
        if not self.is_resource_request:
            return f"{self.verb} {self.path}"
        kind = self.combined_resource + (f".{self.api_group}" if self.api_group else "")
        name = f"/{self.name}" if self.name else ""
        where = f" in namespace {self.namespace!r}" if self.namespace else " (cluster-wide)"
        return f"{self.verb} {kind}{name}{where}"


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``PolicyRule``, as the authorizer reads it."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_policy_rule(cls, rule: Mapping[str, Any]) -> Rule:
        return cls(
            verbs=_strings(rule.get("verbs")),
            api_groups=_strings(rule.get("apiGroups")),
            resources=_strings(rule.get("resources")),
            resource_names=_strings(rule.get("resourceNames")),
            non_resource_urls=_strings(rule.get("nonResourceURLs")),
        )

    def verb_matches(self, verb: str) -> bool:
        return "*" in self.verbs or verb in self.verbs

    def group_matches(self, group: str) -> bool:
        return "*" in self.api_groups or group in self.api_groups

    def resource_matches(self, combined: str, subresource: str) -> bool:
        for resource in self.resources:
            if resource in ("*", combined):
                return True
            if subresource and resource == f"*/{subresource}":
                return True
        return False

    def name_matches(self, name: str) -> bool:
        return not self.resource_names or name in self.resource_names

    def url_matches(self, path: str) -> bool:
        for url in self.non_resource_urls:
            if url in ("*", path):
                return True
            if url.endswith("*") and path.startswith(url.rstrip("*")):
                return True
        return False

    def to_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"verbs": list(self.verbs)}
        if self.non_resource_urls:
            out["nonResourceURLs"] = list(self.non_resource_urls)
        if self.api_groups or self.resources:
            out["apiGroups"] = list(self.api_groups)
            out["resources"] = list(self.resources)
        if self.resource_names:
            out["resourceNames"] = list(self.resource_names)
        return out

    def __str__(self) -> str:
        verbs = ",".join(self.verbs)
        if self.non_resource_urls:
            return f"{verbs} {','.join(self.non_resource_urls)}"
        groups = ",".join(group or '""' for group in self.api_groups)
        names = f" resourceNames={','.join(self.resource_names)}" if self.resource_names else ""
        return f"{verbs} {','.join(self.resources)} (apiGroups {groups}){names}"


def rule_allows(rule: Rule, request: Request) -> bool:
    """``RuleAllows``: whether ``rule`` grants ``request``."""
    if request.is_resource_request:
        return (
            rule.verb_matches(request.verb)
            and rule.group_matches(request.api_group)
            and rule.resource_matches(request.combined_resource, request.subresource)
            and rule.name_matches(request.name)
        )
    return rule.verb_matches(request.verb) and rule.url_matches(request.path)
