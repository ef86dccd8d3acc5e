"""A naive reference RBAC authorizer, transcribed from the Kubernetes Go code.

It shares nothing with :mod:`kubeward.engines.rbac`: it reads the raw objects (dicts) and,
for every question, loops over every binding and every rule, as upstream does:

* ``plugin/pkg/auth/authorizer/rbac/rbac.go`` (``Authorize``, ``RuleAllows``, ``RulesAllow``);
* ``pkg/apis/rbac/v1/evaluation_helpers.go`` (``VerbMatches``, ``APIGroupMatches``,
  ``ResourceMatches``, ``ResourceNameMatches``, ``NonResourceURLMatches``);
* ``pkg/registry/rbac/validation/rule.go`` (``VisitRulesFor``, ``GetRoleReferenceRules``,
  ``appliesTo``, ``appliesToUser``) and ``serviceaccount.MatchesUsername``;
* ``plugin/pkg/auth/authorizer/rbac/subject_locator.go`` (``AllowedSubjects``);
* ``pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go``
  (``syncClusterRole``), for manifests (the reference assumes no aggregation cycle);
* ``pkg/kubeapiserver/authorizer``: the ``system:masters`` authorizer runs first;
* ``staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`` (``--as``).

Label selectors are evaluated with the brute-force reference of ``unit.k8s.selector_reference``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unit.k8s.selector_reference import reference_matches

__all__ = [
    "RefWorld",
    "Req",
    "ref_impersonate",
]

Obj = Mapping[str, Any]
SubjectKey = tuple[str, str, str]  # (kind, name, namespace); namespace only for ServiceAccounts


@dataclass(frozen=True)
class Req:
    """``authorizer.Attributes``: a resource request unless ``path`` is set."""

    verb: str
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    namespace: str = ""
    path: str = ""

    @property
    def is_resource_request(self) -> bool:
        return self.path == ""


# --- evaluation_helpers.go -------------------------------------------------------------------


def _list(rule: Obj, field: str) -> list[str]:
    return list(rule.get(field) or [])


def verb_matches(rule: Obj, requested_verb: str) -> bool:
    for rule_verb in _list(rule, "verbs"):
        if rule_verb == "*":
            return True
        if rule_verb == requested_verb:
            return True
    return False


def api_group_matches(rule: Obj, requested_group: str) -> bool:
    for rule_group in _list(rule, "apiGroups"):
        if rule_group == "*":
            return True
        if rule_group == requested_group:
            return True
    return False


def resource_matches(rule: Obj, combined_requested_resource: str, requested_subresource: str) -> bool:
    for rule_resource in _list(rule, "resources"):
        if rule_resource == "*":
            return True
        if rule_resource == combined_requested_resource:
            return True
        if len(requested_subresource) == 0:
            continue
        if (
            len(rule_resource) == len(requested_subresource) + 2
            and rule_resource.startswith("*/")
            and rule_resource.endswith(requested_subresource)
        ):
            return True
    return False


def resource_name_matches(rule: Obj, requested_name: str) -> bool:
    names = _list(rule, "resourceNames")
    if len(names) == 0:
        return True
    return any(rule_name == requested_name for rule_name in names)


def non_resource_url_matches(rule: Obj, requested_url: str) -> bool:
    for rule_url in _list(rule, "nonResourceURLs"):
        if rule_url == "*":
            return True
        if rule_url == requested_url:
            return True
        if rule_url.endswith("*") and requested_url.startswith(rule_url.rstrip("*")):
            return True
    return False


# --- rbac.go ---------------------------------------------------------------------------------


def rule_allows(request: Req, rule: Obj) -> bool:
    if request.is_resource_request:
        combined = request.resource
        if len(request.subresource) > 0:
            combined = request.resource + "/" + request.subresource
        return (
            verb_matches(rule, request.verb)
            and api_group_matches(rule, request.api_group)
            and resource_matches(rule, combined, request.subresource)
            and resource_name_matches(rule, request.name)
        )
    return verb_matches(rule, request.verb) and non_resource_url_matches(rule, request.path)


def rules_allow(request: Req, rules: Iterable[Obj]) -> bool:
    return any(rule_allows(request, rule) for rule in rules)


# --- serviceaccount/util.go, rule.go ---------------------------------------------------------

SA_PREFIX = "system:serviceaccount:"


def matches_username(namespace: str, name: str, username: str) -> bool:
    if not username.startswith(SA_PREFIX):
        return False
    username = username[len(SA_PREFIX) :]
    if not username.startswith(namespace):
        return False
    username = username[len(namespace) :]
    if not username.startswith(":"):
        return False
    return username[1:] == name


def applies_to_user(user: str, groups: Iterable[str], subject: Obj, namespace: str) -> bool:
    kind = subject.get("kind")
    if kind == "User":
        return user == subject.get("name")
    if kind == "Group":
        return subject.get("name") in list(groups)
    if kind == "ServiceAccount":
        sa_namespace = namespace
        if subject.get("namespace"):
            sa_namespace = subject["namespace"]
        if len(sa_namespace) == 0:
            return False
        return matches_username(sa_namespace, subject.get("name", ""), user)
    return False


def applies_to(user: str, groups: Iterable[str], subjects: list[Obj], namespace: str) -> int | None:
    """The index of the first subject that applies (``appliesTo``), or None."""
    for index, subject in enumerate(subjects):
        if applies_to_user(user, groups, subject, namespace):
            return index
    return None


# --- impersonation.go ------------------------------------------------------------------------

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _valid_dns_subdomain(text: str) -> bool:
    """``IsDNS1123Subdomain``: at most 253 characters, dot-separated DNS-label-shaped parts."""
    return 0 < len(text) <= 253 and all(_DNS_LABEL.fullmatch(part) for part in text.split("."))


def split_username(username: str) -> tuple[str, str] | None:
    """``serviceaccount.SplitUsername`` (with its namespace and name validation)."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if not (len(namespace) <= 63 and _DNS_LABEL.fullmatch(namespace)):
        return None
    if not _valid_dns_subdomain(name):
        return None
    return namespace, name


def ref_impersonate(user: str, groups: Iterable[str] = ()) -> tuple[str, list[str]]:
    """The user info ``--as user --as-group g...`` gives (``WithImpersonation``)."""
    requested_groups = list(groups)
    groups_specified = len(requested_groups) > 0
    out: list[str] = []
    account = split_username(user)
    if account is not None and not groups_specified:
        out = ["system:serviceaccounts", "system:serviceaccounts:" + account[0]]
    for group in requested_groups:
        out.append(group)
    if user != "system:anonymous":
        if not any(group in ("system:authenticated", "system:unauthenticated") for group in out):
            out.append("system:authenticated")
    elif "system:unauthenticated" not in out:
        out.append("system:unauthenticated")
    return user, out


# --- the world -------------------------------------------------------------------------------


def _meta(obj: Obj, field: str) -> str:
    return str((obj.get("metadata") or {}).get(field) or "")


def _kind(obj: Obj) -> str:
    return str(obj.get("kind"))


@dataclass(frozen=True)
class Grant:
    """A binding rule that allows a request: (binding kind, namespace, name), the index of
    the subject ``appliesTo`` found, (role kind, name) and the index of the first allowing rule."""

    binding: tuple[str, str, str]
    subject_index: int
    role: tuple[str, str]
    rule_index: int


class RefWorld:
    """The raw RBAC objects, with the rules the authorizer reads for each role."""

    def __init__(self, objects: list[Obj], *, whole_cluster: bool) -> None:
        self.roles = {(_meta(o, "namespace"), _meta(o, "name")): o for o in objects if _kind(o) == "Role"}
        self.cluster_roles = {_meta(o, "name"): o for o in objects if _kind(o) == "ClusterRole"}
        self.role_bindings = [o for o in objects if _kind(o) == "RoleBinding"]
        self.cluster_role_bindings = [o for o in objects if _kind(o) == "ClusterRoleBinding"]
        self.cluster_role_rules = {name: list(o.get("rules") or []) for name, o in self.cluster_roles.items()}
        if not whole_cluster:
            self._aggregate()

    # clusterroleaggregation_controller.go syncClusterRole, applied until nothing changes
    def _aggregate(self) -> None:
        for _ in range(len(self.cluster_roles) + 2):
            changed = False
            for name in sorted(self.cluster_roles):
                shared = self.cluster_roles[name]
                aggregation = shared.get("aggregationRule")
                if aggregation is None:
                    continue
                new_rules: list[Obj] = []
                for selector in aggregation.get("clusterRoleSelectors") or []:
                    matched = sorted(
                        other
                        for other, obj in self.cluster_roles.items()
                        if reference_matches(selector, (obj.get("metadata") or {}).get("labels") or {})
                    )
                    for other in matched:
                        if other == name:
                            continue
                        for rule in self.cluster_role_rules[other]:
                            if rule not in new_rules:  # ruleExists: deep equality
                                new_rules.append(rule)
                if new_rules != self.cluster_role_rules[name]:
                    self.cluster_role_rules[name] = new_rules
                    changed = True
            if not changed:
                return
        raise AssertionError("aggregation did not converge (a cycle?)")

    # rule.go GetRoleReferenceRules
    def role_reference_rules(self, role_ref: Obj, binding_namespace: str) -> list[Obj] | None:
        kind, name = role_ref.get("kind"), role_ref.get("name")
        if kind == "Role":
            role = self.roles.get((binding_namespace, name)) if binding_namespace else None
            return None if role is None else list(role.get("rules") or [])
        if kind == "ClusterRole":
            return self.cluster_role_rules.get(name)
        return None

    def _scoped_bindings(self, namespace: str) -> Iterable[tuple[Obj, str]]:
        """VisitRulesFor's order: every ClusterRoleBinding, then (for a namespaced request)
        the RoleBindings of that namespace; each with the namespace it resolves in."""
        for binding in self.cluster_role_bindings:
            yield binding, ""
        if len(namespace) > 0:
            for binding in self.role_bindings:
                if _meta(binding, "namespace") == namespace:
                    yield binding, namespace

    # rbac.go Authorize (after the system:masters authorizer)
    def authorize(self, user: str, groups: list[str], request: Req) -> bool:
        if "system:masters" in groups:
            return True
        for binding, namespace in self._scoped_bindings(request.namespace):
            if applies_to(user, groups, binding.get("subjects") or [], namespace) is None:
                continue
            rules = self.role_reference_rules(binding.get("roleRef") or {}, namespace)
            for rule in rules or []:
                if rule_allows(request, rule):
                    return True
        return False

    def grants(self, user: str, groups: list[str], request: Req) -> list[Grant]:
        """Every binding that allows ``request`` for the user, with its first allowing rule."""
        found = []
        for binding, namespace in self._scoped_bindings(request.namespace):
            subject_index = applies_to(user, groups, binding.get("subjects") or [], namespace)
            if subject_index is None:
                continue
            role_ref = binding.get("roleRef") or {}
            rules = self.role_reference_rules(role_ref, namespace) or []
            for index, rule in enumerate(rules):
                if rule_allows(request, rule):
                    ref = (_kind(binding), _meta(binding, "namespace"), _meta(binding, "name"))
                    found.append(Grant(ref, subject_index, (role_ref["kind"], role_ref["name"]), index))
                    break
        return found

    # subject_locator.go AllowedSubjects (RoleBindings never grant non-resource URLs: the
    # authorizer visits them only for namespaced requests, and those are resource requests)
    def allowed_subjects(self, request: Req) -> set[SubjectKey]:
        subjects: set[SubjectKey] = {("Group", "system:masters", "")}
        for binding, namespace in self._scoped_bindings(
            request.namespace if request.is_resource_request else ""
        ):
            rules = self.role_reference_rules(binding.get("roleRef") or {}, namespace) or []
            if rules_allow(request, rules):
                subjects |= {subject_key(subject, namespace) for subject in binding.get("subjects") or []}
        return subjects

    def namespaces(self) -> set[str]:
        return {_meta(binding, "namespace") for binding in self.role_bindings}

    # rule.go RulesFor, per namespace: cluster-wide rules once, then each namespace's
    def rules_for(
        self, user: str, groups: list[str], namespaces: Iterable[str]
    ) -> list[tuple[str, str, Obj]]:
        """(where, binding name, rule) for every rule the user holds."""
        found = []
        for namespace in ["", *sorted(set(namespaces) - {""})]:
            for binding, resolved in self._scoped_bindings(namespace):
                if namespace and resolved == "":
                    continue
                if applies_to(user, groups, binding.get("subjects") or [], resolved) is None:
                    continue
                for rule in self.role_reference_rules(binding.get("roleRef") or {}, resolved) or []:
                    found.append((resolved, _meta(binding, "name"), rule))
        return found


def subject_key(subject: Obj, binding_namespace: str) -> SubjectKey:
    """A binding subject as kubeward reports it: a ServiceAccount's namespace defaults to
    its RoleBinding's; other kinds have no namespace."""
    kind, name = str(subject.get("kind")), str(subject.get("name"))
    if kind == "ServiceAccount":
        return kind, name, str(subject.get("namespace") or binding_namespace)
    return kind, name, ""
