"""Section RBAC: who may do what, decided with the authorizer's own predicates.

Permissions are decided by matching requests with the RBAC engine's ``rule_allows``,
never by comparing strings. "``get`` on every Secret" is a request whose name no
``resourceNames`` lists. "Every verb on every resource" is a request whose verb, group,
resource and name no rule lists, so only ``*`` matches it. Scope follows the authorizer
(``VisitRulesFor``): a ClusterRoleBinding grants everywhere; a RoleBinding grants only in
its namespace. That covers the namespaced resources of that namespace and the Namespace
object itself, which the API server authorizes inside its own namespace. It never covers
other cluster-scoped resources.

Findings about a permission are reported on the binding that grants it, one per subject
(``key``: the subject). Each names the subject, the permission, the binding, the role and
what an attacker gains; the evidence (``why``) names the rules. Findings about a role's
shape (wildcards, roles bound to nobody) are reported on the role. A cause is reported
once: a binding that grants everything by KW-RBAC-001, and a RoleBinding of the default
``admin`` or ``edit`` role by KW-RBAC-019; the permission controls (KW-RBAC-003 to
KW-RBAC-012) do not repeat them.

A grant limited by ``resourceNames`` is reported only where naming objects does not limit
what is gained: impersonating a named identity; changing a named pod controller, webhook
or namespace; proxying to a named node; binding or escalating a named role that grants
everything. Named Secrets, tokens of named service accounts and exec into named pods are
the least-privilege form of those grants and are not reported.

Platform objects are skipped unless ``Settings.include_system_rbac`` is set
(``--include-system``):

* roles and bindings named ``system:*`` or ``kubeadm:*``, or labelled
  ``kubernetes.io/bootstrapping: rbac-defaults``;
* users and groups named ``system:*`` or ``kubeadm:*``, except the groups that stand for
  everyone (``system:authenticated``, ``system:unauthenticated``,
  ``system:serviceaccounts[:<ns>]``) and user ``system:anonymous``;
* service accounts of the system namespaces, except ``default``.

The default roles ``cluster-admin``, ``admin``, ``edit`` and ``view`` count as platform
roles for the role-shape controls. Binding them is a user decision and is judged like any
other binding.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubeward.controls.finding import Finding, Severity, in_namespace
from kubeward.controls.registry import control
from kubeward.controls.settings import Settings
from kubeward.engines.rbac import paths as escalation
from kubeward.engines.rbac.identity import (
    ANONYMOUS,
    AUTHENTICATED,
    MASTERS,
    SERVICE_ACCOUNTS,
    UNAUTHENTICATED,
    Subject,
    split_service_account,
)
from kubeward.engines.rbac.platform import EVERYONE, account_of, is_platform_name, is_platform_subject
from kubeward.engines.rbac.rules import UNLISTED, Request, Rule, rule_allows
from kubeward.engines.rbac.world import Binding, Grant, RbacWorld, Role, world_of
from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef, Path
from kubeward.k8s.workloads import service_account, token_mounted
from kubeward.snapshot.snapshot import KubeObject, Snapshot, Workload

__all__: list[str] = []

RBAC = "rbac.authorization.k8s.io"
ROLE_BINDING = GroupKind(RBAC, "RoleBinding")
CLUSTER_ROLE_BINDING = GroupKind(RBAC, "ClusterRoleBinding")
SERVICE_ACCOUNT = GroupKind("", "ServiceAccount")
CERTIFICATES = "certificates.k8s.io"
ADMISSION = "admissionregistration.k8s.io"
AUTHENTICATION = "authentication.k8s.io"


def _cis(number: str) -> str:
    return f"CIS Kubernetes Benchmark v1.10 {number}"


RBAC_GOOD_PRACTICES = "Kubernetes documentation: Role Based Access Control Good Practices"

_BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"
_DEFAULT_USER_ROLES = frozenset({"cluster-admin", "admin", "edit", "view"})
_NAMESPACE_ROLES = frozenset({"admin", "edit"})
_DISCOVERY_ROLES = frozenset({"system:discovery", "system:basic-user", "system:public-info-viewer"})
_AGGREGATE_LABEL_PREFIX = "rbac.authorization.k8s.io/aggregate-to-"
_CLIENT_SIGNERS = {
    "kubernetes.io/kube-apiserver-client": "client certificates for any user and group"
    " (system:masters excepted by the CertificateSubjectRestriction admission plugin)",
    "kubernetes.io/kube-apiserver-client-kubelet": "client certificates for any node"
    " (user system:node:<name>, group system:nodes)",
}


# --- platform objects ---------------------------------------------------------------------


def _system_object(obj: KubeObject) -> bool:
    return is_platform_name(obj.ref.name) or obj.labels.get(_BOOTSTRAP_LABEL) == "rbac-defaults"


_SYSTEM_BINDINGS: weakref.WeakKeyDictionary[Binding, bool] = weakref.WeakKeyDictionary()


def _system_binding(binding: Binding) -> bool:
    found = _SYSTEM_BINDINGS.get(binding)
    if found is None:
        found = _SYSTEM_BINDINGS[binding] = _system_object(binding.obj)
    return found


def _system_role(role: Role) -> bool:
    return _system_object(role.obj) or (role.is_cluster_role and role.ref.name in _DEFAULT_USER_ROLES)


def _system_subject(subject: Subject, settings: Settings) -> bool:
    return not settings.include_system_rbac and is_platform_subject(subject, settings.system_namespaces)


def _kubernetes_creates(binding: Binding) -> bool:
    """Whether the role a binding names is one Kubernetes (or kubeadm) creates itself."""
    name = binding.role_name
    if binding.role_kind == "ClusterRole":
        return name in _DEFAULT_USER_ROLES or is_platform_name(name)
    return is_platform_name(name) or name == "extension-apiserver-authentication-reader"


# --- subjects, bindings and roles ---------------------------------------------------------


def _who(subject: Subject) -> str:
    text = str(subject)
    if subject.kind == "Group":
        if subject.name in EVERYONE:
            return f"{text} ({EVERYONE[subject.name]})"
        if subject.name.startswith(SERVICE_ACCOUNTS + ":"):
            namespace = subject.name[len(SERVICE_ACCOUNTS) + 1 :]
            return f"{text} (every service account of namespace {namespace!r})"
    if subject.kind == "User":
        if subject.name == ANONYMOUS:
            return f"{text} (every unauthenticated request)"
        account = split_service_account(subject.name)
        if account is not None:
            return f"{text} (ServiceAccount {account[0]}/{account[1]})"
    return text


def _subject_key(subject: Subject) -> str:
    if subject.namespace:
        return f"{subject.kind}:{subject.namespace}/{subject.name}"
    return f"{subject.kind}:{subject.name}"


_SUBJECTS: weakref.WeakKeyDictionary[Binding, tuple[tuple[int, Subject], ...]] = weakref.WeakKeyDictionary()


def _indexed_subjects(binding: Binding) -> tuple[tuple[int, Subject], ...]:
    """Each subject the engine resolved, with its index in the binding's ``subjects`` (the
    engine keeps the entries that are mappings with a string kind and name, in order)."""
    found = _SUBJECTS.get(binding)
    if found is None:
        raw = binding.obj.body.get("subjects")
        indices = [
            index
            for index, entry in enumerate(raw if isinstance(raw, list) else [])
            if isinstance(entry, Mapping)
            and isinstance(entry.get("kind"), str)
            and isinstance(entry.get("name"), str)
        ]
        found = _SUBJECTS[binding] = tuple(zip(indices, binding.subjects, strict=True))
    return found


def _subjects(binding: Binding, settings: Settings) -> list[tuple[int, Subject]]:
    """The subjects that can match someone and are not the platform's."""
    return [
        (index, subject)
        for index, subject in _indexed_subjects(binding)
        if subject.kind in ("User", "Group") or (subject.kind == "ServiceAccount" and subject.namespace)
        if not _system_subject(subject, settings)
    ]


def _bindings(snapshot: Snapshot, settings: Settings) -> list[Binding]:
    world = world_of(snapshot)
    return [b for b in world.bindings if settings.include_system_rbac or not _system_binding(b)]


def _roles(snapshot: Snapshot, settings: Settings) -> list[Role]:
    world = world_of(snapshot)
    roles = sorted(world.roles.values(), key=lambda role: role.ref)
    return [role for role in roles if settings.include_system_rbac or not _system_role(role)]


def _via(binding: Binding) -> str:
    return f"{binding.ref.kind} {binding.ref.name} of {binding.role_kind or 'role'} {binding.role_name}"


def _where(binding: Binding, cluster_scoped: bool) -> str:
    if binding.is_cluster_binding:
        return "cluster-wide" if cluster_scoped else "in every namespace"
    return in_namespace(binding.namespace)


def _first_rule(rules: Sequence[Rule], request: Request) -> int | None:
    for index, rule in enumerate(rules):
        if rule_allows(rule, request):
            return index
    return None


_EVERYTHING = Request(UNLISTED, UNLISTED, UNLISTED, name=UNLISTED)


def _full_access(binding: Binding) -> str | None:
    """Evidence that the binding grants every verb on every resource of every API group
    (None when it does not): a rule that allows a request nothing but wildcards match, or
    a roleRef to ClusterRole ``cluster-admin`` when the input does not hold it."""
    role = binding.role
    if role is None:
        if binding.role_kind == "ClusterRole" and binding.role_name == "cluster-admin":
            return (
                "ClusterRole cluster-admin is not in the input: Kubernetes creates it with every verb on"
                " every resource and non-resource URL"
            )
        return None
    if role not in _EVERYTHING_RULE:
        _EVERYTHING_RULE[role] = _first_rule(role.rules, _EVERYTHING)
    index = _EVERYTHING_RULE[role]
    if index is None:
        return None
    return f"{role.ref.label} rule {index} ({role.rules[index]}) matches every request"


_EVERYTHING_RULE: weakref.WeakKeyDictionary[Role, int | None] = weakref.WeakKeyDictionary()


def _namespace_role(binding: Binding) -> bool:
    """A RoleBinding of Kubernetes' own ``admin`` or ``edit`` ClusterRole: one the input does
    not hold, or holds labelled as the default policy."""
    if binding.is_cluster_binding or binding.role_kind != "ClusterRole":
        return False
    if binding.role_name not in _NAMESPACE_ROLES:
        return False
    return binding.role is None or binding.role.obj.labels.get(_BOOTSTRAP_LABEL) == "rbac-defaults"


# --- permissions: probes and what a binding grants of them ---------------------------------


@dataclass(frozen=True, slots=True)
class _Perm:
    """A permission to probe: ``verb`` on ``resource[/subresource]`` of ``group``."""

    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    cluster_scoped: bool = False

    @property
    def kind(self) -> str:
        combined = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{combined}.{self.group}" if self.group else combined

    @property
    def named(self) -> bool:
        """Whether its requests carry an object name (create of a whole object, list, watch
        and deletecollection do not, so a rule with resourceNames never grants them)."""
        if self.verb in ("list", "watch", "deletecollection"):
            return False
        return self.verb != "create" or bool(self.subresource)

    def request(self, name: str, namespace: str) -> Request:
        return Request(self.verb, self.resource, self.group, self.subresource, name, namespace)


def _perms(verbs: str, resources: str, group: str = "", *, cluster: bool = False) -> list[_Perm]:
    out = []
    for resource in resources.split():
        base, _, subresource = resource.partition("/")
        out += [_Perm(verb, base, group, subresource, cluster) for verb in verbs.split()]
    return out


@dataclass(frozen=True, slots=True)
class _Held:
    """A permission a binding grants: on every object by rule ``rule``, or (``rule`` None)
    only on the ``names`` listed, each with the rule that lists it."""

    perm: _Perm
    rule: int | None
    names: tuple[tuple[str, int], ...] = ()

    @property
    def object_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.names)


_PROBES: weakref.WeakKeyDictionary[Role, dict[tuple[Any, ...], _Held | None]] = weakref.WeakKeyDictionary()
"""What each role grants of each probe, per binding scope: many bindings share a role."""


def _check(binding: Binding, role: Role, perm: _Perm, *, named: bool) -> _Held | None:
    """What ``binding`` (of ``role``) grants of ``perm``, in the binding's scope; grants
    limited to named objects only when ``named``. The answer depends on the binding only
    through its kind, and for ``namespaces`` through its namespace."""
    own = binding.namespace if perm.resource == "namespaces" else ""
    key = (perm, named, binding.is_cluster_binding, own)
    probes = _PROBES.setdefault(role, {})
    if key not in probes:
        probes[key] = _probe(binding, role.rules, perm, named=named)
    return probes[key]


def _probe(binding: Binding, rules: Sequence[Rule], perm: _Perm, *, named: bool) -> _Held | None:
    if perm.resource == "namespaces" and not perm.subresource:
        # RequestInfo places /api/v1/namespaces/<ns> inside namespace <ns>: a RoleBinding
        # grants its rules on its own Namespace object, and nothing else cluster-scoped.
        if not binding.is_cluster_binding:
            own = binding.namespace
            index = _first_rule(rules, perm.request(own, own)) if own else None
            return None if index is None else _Held(perm, None, ((own, index),))
        namespace_of: Callable[[str], str] = lambda name: name  # noqa: E731
    elif perm.cluster_scoped:
        if not binding.is_cluster_binding:
            return None
        namespace_of = lambda name: ""  # noqa: E731
    else:
        namespace_of = lambda name: binding.namespace  # noqa: E731 - "" = every namespace
    every_name = UNLISTED if perm.named else ""
    index = _first_rule(rules, perm.request(every_name, namespace_of(every_name)))
    if index is not None:
        return _Held(perm, index)
    if not named or not perm.named:
        return None
    names: dict[str, int] = {}
    for index, rule in enumerate(rules):
        for name in rule.resource_names:
            if name not in names and rule_allows(rule, perm.request(name, namespace_of(name))):
                names[name] = index
    return _Held(perm, None, tuple(names.items())) if names else None


def _holds(binding: Binding, role: Role, perms: Iterable[_Perm], *, named: bool) -> list[_Held]:
    verbs, groups, resources = _fields(role)
    found = (
        _check(binding, role, perm, named=named)
        for perm in perms
        # a cheap first test: a rule that grants the permission names its verb, group and
        # resource (or a wildcard for them); the rules decide the rest
        if (perm.verb in verbs or "*" in verbs)
        and (perm.group in groups or "*" in groups)
        and (perm.resource in resources or "*" in resources)
    )
    return [held for held in found if held is not None]


_FIELDS: weakref.WeakKeyDictionary[Role, tuple[frozenset[str], ...]] = weakref.WeakKeyDictionary()


def _fields(role: Role) -> tuple[frozenset[str], ...]:
    """The verbs, API groups and resources (without subresources, and ``*`` for ``*/sub``)
    the role's rules name."""
    found = _FIELDS.get(role)
    if found is None:
        found = _FIELDS[role] = (
            frozenset(verb for rule in role.rules for verb in rule.verbs),
            frozenset(group for rule in role.rules for group in rule.api_groups),
            frozenset(resource.partition("/")[0] for rule in role.rules for resource in rule.resources),
        )
    return found


def _summary(items: Iterable[tuple[_Perm, tuple[str, ...]]]) -> str:
    """``get, list secrets; update, patch deployments, statefulsets (apps) named 'api'``:
    the verbs of each resource, resources with the same verbs, group and names together."""
    verbs_of: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for perm, names in items:
        resource = f"{perm.resource}/{perm.subresource}" if perm.subresource else perm.resource
        verbs = verbs_of.setdefault((resource, perm.group, names), [])
        if perm.verb not in verbs:
            verbs.append(perm.verb)
    lines: dict[tuple[tuple[str, ...], str, tuple[str, ...]], list[str]] = {}
    for (resource, group, names), verbs in verbs_of.items():
        lines.setdefault((tuple(verbs), group, names), []).append(resource)
    return "; ".join(
        f"{', '.join(verbs)} {', '.join(resources)}"
        + (f" ({group})" if group else "")
        + (f" named {', '.join(map(repr, names))}" if names else "")
        for (verbs, group, names), resources in lines.items()
    )


def _held_summary(held: Iterable[_Held]) -> str:
    return _summary((item.perm, item.object_names) for item in held)


def _evidence(role: Role, held: Iterable[_Held]) -> tuple[str, ...]:
    """One line per granting rule: the rule and what it grants."""
    by_rule: dict[int, list[tuple[_Perm, tuple[str, ...]]]] = {}
    for item in held:
        if item.rule is not None:
            by_rule.setdefault(item.rule, []).append((item.perm, ()))
        named: dict[int, list[str]] = {}
        for name, index in item.names:
            named.setdefault(index, []).append(name)
        for index, names in named.items():
            by_rule.setdefault(index, []).append((item.perm, tuple(names)))
    return tuple(
        f"{role.ref.label} rule {index} ({role.rules[index]}) grants {_summary(items)}"
        for index, items in sorted(by_rule.items())
    )


def _granting(
    snapshot: Snapshot, settings: Settings
) -> Iterator[tuple[Binding, Role, list[tuple[int, Subject]]]]:
    """The bindings the permission controls judge: not the platform's, with a role, to
    someone, not granting everything (KW-RBAC-001 reports those, once) and not a
    RoleBinding of the default ``admin`` or ``edit`` (KW-RBAC-019 reports those, once)."""
    for binding in _bindings(snapshot, settings):
        if binding.role is None or _full_access(binding) is not None or _namespace_role(binding):
            continue
        subjects = _subjects(binding, settings)
        if subjects:
            yield binding, binding.role, subjects


def _on_binding(
    control_id: str,
    binding: Binding,
    subjects: Iterable[tuple[int, Subject]],
    reason: str,
    predicate: str,
    why: tuple[str, ...],
    key_suffix: str = "",
) -> Iterator[Finding]:
    for index, subject in subjects:
        yield Finding(
            control_id,
            binding.ref,
            binding.obj.origin,
            reason,
            f"{_who(subject)} {predicate}",
            paths=(("subjects", index), ("roleRef", "name")),
            why=why,
            key=_subject_key(subject) + key_suffix,
        )


def _permission_findings(
    control_id: str,
    reason: str,
    binding: Binding,
    role: Role,
    subjects: Iterable[tuple[int, Subject]],
    held: Sequence[_Held],
    gain: str,
    extra_why: tuple[str, ...] = (),
    key_suffix: str = "",
    cluster_scoped: bool = False,
) -> Iterator[Finding]:
    where = _where(binding, cluster_scoped or any(item.perm.cluster_scoped for item in held))
    summary = _held_summary(held)
    yield from _on_binding(
        control_id,
        binding,
        subjects,
        reason,
        f"may {summary} {where} ({_via(binding)}): {gain}",
        _evidence(role, held) + extra_why,
        key_suffix,
    )


# --- scopes: what each control evaluates ---------------------------------------------------


def _binding_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [binding.ref for binding in _bindings(snapshot, settings)]


def _role_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [role.ref for role in _roles(snapshot, settings)]


def _user_role_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    """Roles that are not the platform's, even with ``include_system_rbac``."""
    return [role.ref for role in _roles(snapshot, Settings(settings.system_namespaces))]


def _account_binding_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [
        binding.ref
        for binding in _bindings(snapshot, settings)
        if any(account_of(subject) is not None for _, subject in _indexed_subjects(binding))
    ]


def _workload_refs(snapshot: Snapshot, settings: Settings) -> Iterable[ObjectRef]:
    return [workload.ref for workload in _workloads(snapshot, settings)]


def _workloads(snapshot: Snapshot, settings: Settings) -> list[Workload]:
    return [
        workload
        for workload in snapshot.workloads
        if settings.include_system_rbac or workload.namespace not in settings.system_namespaces
    ]


# --- controls ---------------------------------------------------------------------------


@control(
    id="KW-RBAC-001",
    title="Full access (cluster-admin or * on * in every API group) granted",
    section="RBAC",
    severity=Severity.CRITICAL,
    scope=_binding_refs,
    rationale="""
        Every verb on every resource is everything: every Secret, every workload, every
        role and binding. Through a ClusterRoleBinding it is the whole cluster; through a
        RoleBinding it is the whole namespace, its service accounts' tokens included. A
        person or workload that holds it permanently is the most valuable credential an
        attacker can steal.
    """,
    remediation="""
        Bind a narrower role: ``admin`` or ``edit`` in the namespaces a team owns, or a
        Role listing the verbs and resources the workload uses (``kubeward rbac list``
        shows what a subject holds). Keep cluster-admin for break-glass access that is
        granted on demand and expires.
    """,
    references=(_cis("5.1.1"), _cis("5.1.3"), RBAC_GOOD_PRACTICES),
)
def full_access(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant a subject every verb on every resource of every API group.
    That is a roleRef to ClusterRole ``cluster-admin`` (also when the input does not hold
    it), or a role with a rule that allows a request whose verb, API group, resource and
    name no rule lists (``*`` verbs, resources and apiGroups without resourceNames).

    Through a ClusterRoleBinding this is cluster-wide. Through a RoleBinding it covers the
    binding's namespace. A binding reported here is not reported again by KW-RBAC-003 to
    KW-RBAC-012.

    Like every RBAC control, it skips the platform's objects unless ``--include-system``
    is given. Those are roles and bindings named ``system:*`` or ``kubeadm:*`` or labelled
    ``kubernetes.io/bootstrapping: rbac-defaults``; users and groups named ``system:*`` or
    ``kubeadm:*`` (but not ``system:authenticated``, ``system:unauthenticated``,
    ``system:anonymous`` or ``system:serviceaccounts[:<ns>]``); and the service accounts of
    the system namespaces other than ``default``."""
    for binding in _bindings(snapshot, settings):
        evidence = _full_access(binding)
        if evidence is None:
            continue
        if binding.is_cluster_binding:
            where, gain = "cluster-wide", "full control of the cluster, every Secret and workload included"
        elif binding.namespace in settings.system_namespaces:
            where = in_namespace(binding.namespace)
            gain = (
                f"full control of namespace {binding.namespace!r}, whose service accounts and Secrets"
                " amount to cluster-admin"
            )
        else:
            where = in_namespace(binding.namespace)
            gain = (
                "full control of the namespace: every Secret, service account token and workload there,"
                " and its roles and bindings"
            )
        yield from _on_binding(
            "KW-RBAC-001",
            binding,
            _subjects(binding, settings),
            "full-access",
            f"holds every verb on every resource of every API group {where} ({_via(binding)}): {gain}",
            (evidence,),
        )


def _wildcards(rule: Rule) -> list[str]:
    """Which of the rule's fields match anything (decided by matching names no rule lists)."""
    found = []
    if rule.resources:
        if rule.verb_matches(UNLISTED):
            found.append("verbs")
        if rule.resource_matches(UNLISTED, ""):
            found.append("resources")
        if rule.group_matches(UNLISTED):
            found.append("apiGroups")
    if rule.url_matches("/" + UNLISTED):
        found.append("nonResourceURLs")
    return found


_WILDCARD_GAINS = {
    "verbs": "every verb, escalate, bind and impersonate included",
    "resources": "every resource, subresources and resources added later included",
    "apiGroups": "every API group, custom resources added later included",
    "nonResourceURLs": "every non-resource URL",
}


@control(
    id="KW-RBAC-002",
    title="Role grants wildcard verbs, resources or API groups",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_role_refs,
    rationale="""
        A wildcard grants more than its author listed: ``*`` verbs include escalate, bind,
        impersonate, approve and verbs added in later releases; ``*`` resources include
        every subresource (pods/exec, nodes/proxy, serviceaccounts/token) and every
        custom resource installed later. What a wildcard role grants grows without
        anyone editing it.
    """,
    remediation="""
        List the verbs, API groups and resources the role's holder uses (``kubeward rbac
        list`` on the holder, or audit2rbac on its API audit log).
    """,
    references=(_cis("5.1.3"), "Checkov CKV_K8S_49"),
)
def wildcard_rules(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A Role or ClusterRole that is not the platform's (see KW-RBAC-001) nor a default
    role (``cluster-admin``, ``admin``, ``edit``, ``view``) must not have a rule whose
    ``verbs``, ``resources`` or ``apiGroups`` is ``*``, or whose ``nonResourceURLs`` match
    every path (``*``, ``/*``).

    Each field is tested by matching it against a name no rule lists, so only a wildcard
    matches. ``*/scale``-style subresource wildcards and URL prefixes such as
    ``/healthz/*`` are not reported. The role's own ``rules`` are judged; rules an aggregated
    ClusterRole takes from others are reported on those others."""
    for role in _roles(snapshot, settings):
        raw = role.obj.body.get("rules")
        parts, paths, fields = [], [], []
        for index, entry in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(entry, Mapping):
                continue
            found = _wildcards(Rule.from_policy_rule(entry))
            if found:
                parts.append(f"rule {index}: {', '.join(found)} '*'")
                paths.append(("rules", index))
                fields += [field for field in found if field not in fields]
        if parts:
            yield Finding(
                "KW-RBAC-002",
                role.ref,
                role.obj.origin,
                "wildcard-rule",
                f"{role.ref.named} uses wildcards ({'; '.join(parts)}): it grants "
                + "; ".join(_WILDCARD_GAINS[field] for field in fields),
                paths=tuple(paths),
            )


_SECRETS_READ = _perms("get list watch", "secrets")


@control(
    id="KW-RBAC-003",
    title="Read access to Secrets",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        Secrets hold credentials: database passwords, TLS keys, cloud keys, and the
        long-lived tokens of service accounts (legacy token Secrets). ``list`` and
        ``watch`` return every Secret with its data; ``get`` returns any Secret whose name
        is known or guessed (token Secret names are predictable).
    """,
    remediation="""
        Remove the Secrets rule, or grant ``get`` on the Secrets the holder needs, named in
        ``resourceNames``. Mount Secrets into the pods that need them instead of reading
        them through the API.
    """,
    references=(_cis("5.1.2"), "Checkov CKV2_K8S_5"),
)
def secrets_access(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant ``get``, ``list`` or ``watch`` on every ``secrets`` object (core
    group) of a namespace (a RoleBinding) or of every namespace (a ClusterRoleBinding).
    Grants limited by ``resourceNames`` to named Secrets are the fix and are not
    reported."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _SECRETS_READ, named=False)
        if not held:
            continue
        verbs = {item.perm.verb for item in held}
        gain = (
            "reads every Secret's data, service account tokens and credentials included"
            if verbs & {"list", "watch"}
            else "reads any Secret whose name it knows or guesses (token Secret names are predictable)"
        )
        yield from _permission_findings(
            "KW-RBAC-003", "can-read-secrets", binding, role, subjects, held, gain
        )


_ESCALATE = _perms("escalate", "roles", RBAC) + _perms("escalate", "clusterroles", RBAC, cluster=True)
# The bind check for a RoleBinding asks for bind on its roleRef (roles or clusterroles) in
# the binding's namespace, so a RoleBinding grants bind on clusterroles in its namespace.
_BIND = _perms("bind", "roles clusterroles", RBAC)
_IMPERSONATE_IDENTITIES = (
    _perms("impersonate", "users groups", cluster=True)
    + _perms("impersonate", "serviceaccounts")
    + _perms("impersonate", "uids", AUTHENTICATION, cluster=True)
)
_ROLE_WRITES = _perms("create update patch", "roles", RBAC) + _perms(
    "create update patch", "clusterroles", RBAC, cluster=True
)
_BINDING_CREATES = _perms("create", "rolebindings", RBAC) + _perms(
    "create", "clusterrolebindings", RBAC, cluster=True
)


def _grants_everything(world: RbacWorld, namespace: str, perm: _Perm, name: str) -> bool:
    """Whether a role ``name`` that a named bind grant names grants everything: the
    ClusterRole, or the Role of that name in ``namespace`` (in any namespace when ``""``)."""
    if perm.resource == "clusterroles":
        role = world.role("", name)
        if role is None:
            return name == "cluster-admin"
        return _first_rule(role.rules, _EVERYTHING) is not None
    return any(
        _first_rule(role.rules, _EVERYTHING) is not None
        for (where, role_name), role in world.roles.items()
        if role_name == name and not role.is_cluster_role and (where == namespace or not namespace)
    )


def _role_grants(world: RbacWorld, binding: Binding, held: list[_Held]) -> list[_Held]:
    """Bind grants on every role, or on named roles that grant everything."""
    out = []
    for item in held:
        if item.rule is not None:
            out.append(item)
            continue
        names = tuple(
            (name, index)
            for name, index in item.names
            if _grants_everything(world, binding.namespace, item.perm, name)
        )
        if names:
            out.append(_Held(item.perm, None, names))
    return out


def _userextras(binding: Binding, role: Role) -> list[_Held]:
    """Impersonation of user extras: ``userextras/<key>``, probed for every key a rule names
    and for a key none names (only ``*`` matches that)."""
    keys = sorted(
        {
            resource.partition("/")[2]
            for rule in role.rules
            for resource in rule.resources
            if resource.startswith("userextras/")
        }
    )
    perms = [_Perm("impersonate", "userextras", AUTHENTICATION, key, True) for key in [UNLISTED, *keys]]
    held = _holds(binding, role, perms, named=True)
    if held and held[0].perm.subresource == UNLISTED:
        return [
            _Held(_Perm("impersonate", "userextras", AUTHENTICATION, "*", True), held[0].rule, held[0].names)
        ]
    return held


def _escalate_gain(binding: Binding, held: Sequence[_Held]) -> str:
    kinds = {item.perm.resource for item in held if item.rule is not None}
    if not kinds:
        names = sorted({name for item in held for name in item.object_names})
        return (
            f"bypasses the escalation check: it may write into {', '.join(map(repr, names))}"
            " permissions it does not hold, every verb on every resource included, for whoever"
            " holds them"
        )
    if kinds == {"roles", "clusterroles"}:
        what = "any Role or ClusterRole"
    elif kinds == {"clusterroles"}:
        what = "any ClusterRole"
    else:
        what = "any Role " + ("of any namespace" if binding.is_cluster_binding else "of the namespace")
    return (
        "bypasses the escalation check: it may write into "
        f"{what} permissions it does not hold, every verb on every resource included"
    )


def _bind_gain(binding: Binding, held: Sequence[_Held]) -> str:
    if any(item.rule is None for item in held):
        names = sorted({name for item in held for name in item.object_names})
        what = f"{', '.join(map(repr, names))} (every verb on every resource)"
    elif any(item.perm.resource == "clusterroles" for item in held):
        what = "any ClusterRole, cluster-admin included,"
    else:
        what = "any Role " + ("of any namespace" if binding.is_cluster_binding else "of the namespace")
    whom = "anyone" if binding.is_cluster_binding else "anyone within the namespace"
    return f"bypasses the escalation check for bindings: it may bind {what} to {whom}, itself included"


def _also(binding: Binding, role: Role, perms: Sequence[_Perm], use: str) -> str:
    """Evidence: whether the same binding grants what using the permission takes."""
    held = _holds(binding, role, perms, named=False)
    if held:
        return f"the same binding grants {_held_summary(held)}, so it can {use}"
    needed = [perm for perm in perms if binding.is_cluster_binding or not perm.cluster_scoped]
    return (
        f"to {use} it also needs {_summary((perm, ()) for perm in needed)}, which this binding does not grant"
    )


@control(
    id="KW-RBAC-004",
    title="Escalate, bind or impersonate permission",
    section="RBAC",
    severity=Severity.CRITICAL,
    scope=_binding_refs,
    rationale="""
        These verbs switch off RBAC's own defences. ``escalate`` lets its holder write
        roles with permissions it does not hold. ``bind`` lets it bind roles it does not
        hold, cluster-admin included, to anyone, itself included. ``impersonate`` lets it
        act as another user, group or service account; impersonating group
        system:masters bypasses authorization altogether.
    """,
    remediation="""
        Remove the verbs. To let team leads hand out roles, grant ``bind`` on the
        ``roles``/``clusterroles`` they may hand out, by name (``resourceNames``), in
        their namespaces only. Grant impersonation only for named users or service
        accounts, to a break-glass or support group.
    """,
    references=(_cis("5.1.8"), "Checkov CKV_K8S_157, CKV_K8S_158, CKV2_K8S_3"),
)
def escalate_bind_impersonate(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant ``escalate`` or ``bind`` on ``roles`` or ``clusterroles``
    (rbac.authorization.k8s.io), or ``impersonate`` on ``users``, ``groups``,
    ``serviceaccounts`` (core) or ``uids`` (authentication.k8s.io).

    ``serviceaccounts`` is what impersonating a service account needs: ``users`` does not
    cover it. ``userextras/<key>`` and ``uids`` are listed when held but are not reported
    alone, because the API server accepts them only with an impersonated user.

    ``roles`` and ``serviceaccounts`` are namespaced, so a RoleBinding grants them in its
    namespace. So is ``bind`` on ``clusterroles``: creating a RoleBinding checks ``bind`` on
    its roleRef in the binding's namespace. The other resources are cluster-scoped, so only
    a ClusterRoleBinding grants them. Named impersonation is reported with the names.
    Named ``escalate`` is reported with the names: whoever holds those roles gets what it
    writes into them. Named ``bind`` is reported only when a named role grants everything
    (``cluster-admin``, also when the input does not hold it)."""
    world = world_of(snapshot)
    for binding, role, subjects in _granting(snapshot, settings):
        escalate = _holds(binding, role, _ESCALATE, named=True)
        if escalate:
            yield from _permission_findings(
                "KW-RBAC-004",
                "can-escalate-roles",
                binding,
                role,
                subjects,
                escalate,
                _escalate_gain(binding, escalate),
                (_also(binding, role, _ROLE_WRITES, "write such roles"),),
                "|escalate",
            )
        bind = _role_grants(world, binding, _holds(binding, role, _BIND, named=True))
        if bind:
            yield from _permission_findings(
                "KW-RBAC-004",
                "can-bind-roles",
                binding,
                role,
                subjects,
                bind,
                _bind_gain(binding, bind),
                (_also(binding, role, _BINDING_CREATES, "create such bindings"),),
                "|bind",
                cluster_scoped=True,
            )
        identities = _holds(binding, role, _IMPERSONATE_IDENTITIES, named=True)
        if any(item.perm.resource != "uids" for item in identities):
            impersonated = {item.perm.resource for item in identities if item.rule is not None}
            masters = any(
                item.perm.resource == "groups" and MASTERS in item.object_names for item in identities
            )
            if impersonated & {"users", "groups"} or masters:
                gain = "acts as any user or group, group system:masters included: cluster-admin"
                if not impersonated & {"users", "groups"}:
                    gain = "acts as group system:masters, which RBAC never limits: cluster-admin"
            elif "serviceaccounts" in impersonated:
                where = "any namespace" if binding.is_cluster_binding else "the namespace"
                gain = f"acts as any service account of {where}, with every permission it holds"
            else:
                gain = "acts as the named identities, with every permission they hold"
            yield from _permission_findings(
                "KW-RBAC-004",
                "can-impersonate",
                binding,
                role,
                subjects,
                identities + _userextras(binding, role),
                gain,
                key_suffix="|impersonate",
            )


_POD_RUNNERS = (
    _perms("create update patch", "pods replicationcontrollers")
    + _perms("create update patch", "deployments replicasets statefulsets daemonsets", "apps")
    + _perms("create update patch", "jobs cronjobs", "batch")
)


@control(
    id="KW-RBAC-005",
    title="May create pods or pod controllers (runs as any service account of the namespace)",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        Whoever creates a pod chooses its image, its command and its service account, so
        they run code as any service account of the namespace and hold its token and
        permissions. Creating or changing a Deployment, ReplicaSet, StatefulSet,
        DaemonSet, Job, CronJob or ReplicationController creates pods just the same. If
        Pod Security admission allows it, they also get a privileged pod, which means the
        node. Patching a running pod swaps its image.
    """,
    remediation="""
        Deploy through a pipeline whose identity alone holds these rights, limited to the
        namespace it deploys (a RoleBinding) and to the controllers it manages (name them
        in ``resourceNames`` for update/patch). Give people read access.
        Enforce Pod Security ``restricted`` in the namespace.
    """,
    references=(_cis("5.1.4"),),
)
def pod_creation(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant ``create``, ``update`` or ``patch`` on ``pods`` or
    ``replicationcontrollers`` (core), on ``deployments``, ``replicasets``,
    ``statefulsets`` or ``daemonsets`` (apps), or on ``jobs`` or ``cronjobs`` (batch).

    A RoleBinding grants this in its namespace; a ClusterRoleBinding grants it in every
    namespace, kube-system included. ``update``/``patch`` of named pod controllers is
    reported with the names: changing one is enough to run any image as any service
    account. ``update``/``patch`` of named pods is not reported, because a pod's service
    account cannot change."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = [
            item
            for item in _holds(binding, role, _POD_RUNNERS, named=True)
            if item.rule is not None or item.perm.resource != "pods"
        ]
        if not held:
            continue
        creates = any(item.perm.resource != "pods" or item.perm.verb == "create" for item in held)
        if not creates:
            gain = "replaces the image of any running pod there, and so runs code as its service account"
        elif binding.is_cluster_binding:
            gain = (
                "runs any image as any service account of any namespace and mounts any Secret,"
                " kube-system's included: cluster-admin equivalent"
            )
        else:
            gain = (
                "runs any image as any service account of the namespace, with its token and permissions,"
                " and mounts any Secret there"
            )
        yield from _permission_findings(
            "KW-RBAC-005", "can-run-workloads", binding, role, subjects, held, gain
        )


_POD_SHELLS = _perms("create get", "pods/exec pods/attach pods/portforward") + _perms(
    "update patch", "pods/ephemeralcontainers"
)


@control(
    id="KW-RBAC-006",
    title="May exec, attach, port-forward or add ephemeral containers to pods",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        ``pods/exec`` and ``pods/attach`` run commands inside a running container, with its
        files, its secrets and its service account token. ``pods/ephemeralcontainers``
        adds a container of one's choosing to a running pod. ``pods/portforward``
        reaches any port of a pod directly, whatever the NetworkPolicies say.
    """,
    remediation="""
        Keep these subresources out of everyday roles. Grant them just in time, in one
        namespace, to the people on call, and log their use. Before Kubernetes 1.35,
        ``get`` on these subresources is enough to exec, so remove ``get`` too.
    """,
    references=("Kubernetes documentation: RBAC Good Practices (exec into pods)",),
)
def pod_exec(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant, on every pod, ``create`` or ``get`` on ``pods/exec``,
    ``pods/attach`` or ``pods/portforward``, or ``update`` or ``patch`` on
    ``pods/ephemeralcontainers``.

    ``get`` alone is enough before Kubernetes 1.35, where the websocket upgrade is
    authorized as ``get``; from 1.35, ``create`` is required too
    (``AuthorizePodWebsocketUpgradeCreatePermission``). Only the exact subresource, ``*``
    or ``*/<sub>`` grants it: ``pods/*`` does not. Grants limited to named pods are not
    reported."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _POD_SHELLS, named=False)
        if not held:
            continue
        subresources = {item.perm.subresource for item in held}
        created = {item.perm.subresource for item in held if item.perm.verb == "create"}
        gains = []
        if subresources & {"exec", "attach"}:
            gains.append("runs commands in any pod there as whatever it runs as, its token included")
        if "ephemeralcontainers" in subresources:
            gains.append("adds a container of its choosing to any running pod there")
        if "portforward" in subresources:
            gains.append("reaches any port of any pod there, past NetworkPolicies")
        get_only = sorted(subresources & {"exec", "attach", "portforward"} - created)
        note = (
            f". get alone on pods/{', pods/'.join(get_only)} suffices before Kubernetes 1.35; from 1.35"
            " create is also required"
            if get_only
            else ""
        )
        yield from _permission_findings(
            "KW-RBAC-006", "can-run-commands-in-pods", binding, role, subjects, held, "; ".join(gains) + note
        )


_NODE_PROXY = _perms("get create", "nodes/proxy", cluster=True)


@control(
    id="KW-RBAC-007",
    title="Access to the kubelet API (nodes/proxy)",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        ``nodes/proxy`` forwards requests to the kubelet API of a node: it runs commands in
        every container on that node and reads their service account tokens. A websocket
        exec is a GET, so ``get`` is enough, and the Kubernetes 1.35 check that requires
        ``create`` for pod websockets does not apply to ``nodes/proxy``. Kubelet requests
        bypass audit logging of the pods they reach.
    """,
    remediation="""
        Remove ``nodes/proxy``. Monitoring needs ``nodes/metrics`` and ``nodes/stats`` (or,
        from 1.36, the fine-grained kubelet authorization subresources), not the proxy.
    """,
    references=(_cis("5.1.10"), "Checkov CKV2_K8S_2"),
)
def node_proxy(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No ClusterRoleBinding may grant ``get`` or ``create`` on ``nodes/proxy`` (core); a
    RoleBinding cannot grant it, since nodes are cluster-scoped. Grants limited to named
    nodes are reported with the names."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _NODE_PROXY, named=True)
        if not held:
            continue
        which = "every node" if any(item.rule is not None for item in held) else "those nodes"
        gain = f"runs commands in every pod on {which} and reads their service account tokens"
        yield from _permission_findings(
            "KW-RBAC-007", "can-proxy-to-kubelet", binding, role, subjects, held, gain
        )


_TOKEN_MINTING = _perms("create", "serviceaccounts/token secrets")


@control(
    id="KW-RBAC-008",
    title="May mint service account tokens (serviceaccounts/token or Secrets)",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        ``create serviceaccounts/token`` issues a token for any service account of the
        namespace. ``create secrets`` can make a ``kubernetes.io/service-account-token``
        Secret for any service account, which the token controller fills with a token
        that never expires. Either way the holder acts as every service account there.
    """,
    remediation="""
        Name the service accounts a token may be requested for in ``resourceNames`` (on
        ``serviceaccounts/token``). Let only the controllers that manage Secrets create them,
        and restrict them to named Secrets for updates.
    """,
    references=(_cis("5.1.13"),),
)
def token_minting(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant ``create`` on ``serviceaccounts/token`` for every service
    account, or ``create`` on ``secrets`` (core). Creating a whole object never carries a
    name, so ``resourceNames`` cannot narrow ``create secrets``. Tokens of named service
    accounts are not reported."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _TOKEN_MINTING, named=False)
        if not held:
            continue
        gains: list[str] = []
        why: tuple[str, ...] = ()
        if any(item.perm.resource == "serviceaccounts" for item in held):
            gains.append("requests a token for any service account there and acts as it")
        if any(item.perm.resource == "secrets" for item in held):
            gains.append("creates a service-account-token Secret for any service account there")
            readable = _holds(binding, role, _perms("get", "secrets"), named=False)
            why = (
                ("it reads the minted token back through the same binding (get secrets)",)
                if readable
                else ("reading the minted token back needs get on secrets from another binding",)
            )
        yield from _permission_findings(
            "KW-RBAC-008", "can-mint-tokens", binding, role, subjects, held, "; ".join(gains), why
        )


_APPROVAL = _Perm("update", "certificatesigningrequests", CERTIFICATES, "approval", True)
_CSR_CREATE = _Perm("create", "certificatesigningrequests", CERTIFICATES, "", True)


def _signer_requests(signer: str) -> list[Request]:
    """``approve`` on the signer, or on its ``<domain>/*`` (the admission plugin's fallback)."""
    requests = [Request("approve", "signers", CERTIFICATES, name=signer)]
    if signer != UNLISTED:
        requests.append(Request("approve", "signers", CERTIFICATES, name=signer.partition("/")[0] + "/*"))
    return requests


def _signer_rule(binding: Binding, rules: Sequence[Rule], signer: str) -> int | None:
    if not binding.is_cluster_binding:
        return None
    for request in _signer_requests(signer):
        index = _first_rule(rules, request)
        if index is not None:
            return index
    return None


def _elsewhere(
    world: RbacWorld, subject: Subject, requests: Iterable[Request], binding: Binding
) -> Grant | None:
    for request in requests:
        for grant in world.grants(subject.identity, request):
            if grant.binding is not binding:
                return grant
    return None


@control(
    id="KW-RBAC-009",
    title="May approve certificate signing requests for client certificates",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        Approving a CertificateSigningRequest for the ``kubernetes.io/kube-apiserver-client``
        signer makes the cluster issue a client certificate with any user name and groups the
        requester chose. Such a certificate cannot be revoked before it expires.
        ``kube-apiserver-client-kubelet`` issues node identities.
    """,
    remediation="""
        Leave client certificate approval to the kube-controller-manager's own approver
        for kubelets, and approve user certificates, if at all, through a reviewed
        process whose identity alone holds ``approve`` on the signer.
    """,
    references=(_cis("5.1.11"), "Checkov CKV_K8S_156"),
)
def csr_approval(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A subject must not hold both halves of certificate approval, through a binding that
    grants at least one of them. One half is ``update`` on
    ``certificatesigningrequests/approval`` (certificates.k8s.io). The other is ``approve``
    on ``signers`` named ``kubernetes.io/kube-apiserver-client`` or
    ``kubernetes.io/kube-apiserver-client-kubelet``, on their ``kubernetes.io/*``, or on
    every signer.

    The other half may come from another of the subject's bindings; its implicit groups
    count. Both resources are cluster-scoped, so only ClusterRoleBindings grant them. The
    evidence says whether the subject can also create CSRs, or only approve those others
    submit."""
    world = world_of(snapshot)
    for binding, role, subjects in _granting(snapshot, settings):
        if not binding.is_cluster_binding:
            continue
        approval = _check(binding, role, _APPROVAL, named=False)
        signers = {
            signer: index
            for signer in [*_CLIENT_SIGNERS, UNLISTED]
            if (index := _signer_rule(binding, role.rules, signer)) is not None
        }
        if approval is None and not signers:
            continue
        for index, subject in subjects:
            why: list[str] = []
            if approval is not None:
                why += _evidence(role, [approval])
            else:
                other = _elsewhere(world, subject, [_APPROVAL.request(UNLISTED, "")], binding)
                if other is None:
                    continue
                why.append(f"update certificatesigningrequests/approval: {other}")
            approved = dict(signers)
            for signer in [*_CLIENT_SIGNERS, UNLISTED]:
                if signer not in approved:
                    grant = _elsewhere(world, subject, _signer_requests(signer), binding)
                    if grant is not None:
                        why.append(f"approve signers {_signer_text(signer)}: {grant}")
                        approved[signer] = -1
            if not approved:
                continue
            for signer, rule_index in approved.items():
                if rule_index >= 0:
                    why.append(
                        f"{role.ref.label} rule {rule_index} ({role.rules[rule_index]})"
                        f" grants approve signers {_signer_text(signer)}"
                    )
            creates = world.grants(subject.identity, _CSR_CREATE.request("", ""), first_only=True)
            why.append(
                f"it can create CSRs itself: {creates[0]}"
                if creates
                else "it cannot create CSRs itself: it approves those others submit"
            )
            if UNLISTED in approved:
                what, gain = (
                    "every signer",
                    "certificates from any signer, client certificates for any user included",
                )
            else:
                chosen = [signer for signer in _CLIENT_SIGNERS if signer in approved]
                what = ", ".join(chosen)
                gain = "; ".join(_CLIENT_SIGNERS[signer] for signer in chosen)
            yield Finding(
                "KW-RBAC-009",
                binding.ref,
                binding.obj.origin,
                "can-approve-client-certificates",
                f"{_who(subject)} may approve certificate signing requests for {what} (cluster-wide;"
                f" {_via(binding)}): the cluster issues {gain}",
                paths=(("subjects", index), ("roleRef", "name")),
                why=tuple(why),
                key=_subject_key(subject),
            )


def _signer_text(signer: str) -> str:
    return "(every signer)" if signer == UNLISTED else repr(signer)


_ADMISSION_WRITES = _perms(
    "create update patch delete",
    "mutatingwebhookconfigurations validatingwebhookconfigurations"
    " mutatingadmissionpolicies mutatingadmissionpolicybindings"
    " validatingadmissionpolicies validatingadmissionpolicybindings",
    ADMISSION,
    cluster=True,
)


@control(
    id="KW-RBAC-010",
    title="May change admission webhooks or admission policies",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        A mutating webhook receives every object it registers for, Secrets and pod specs
        included, and may rewrite them (add a container, change an image). Deleting or
        loosening a validating webhook or an admission policy switches off the checks
        it enforces, such as Kyverno, Gatekeeper or image signature verification.
    """,
    remediation="""
        Let only the policy engine's installer hold write access to webhook
        configurations and admission policies, and name the objects it manages in
        ``resourceNames`` for update, patch and delete.
    """,
    references=(_cis("5.1.12"), "Checkov CKV_K8S_155"),
)
def admission_control(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No ClusterRoleBinding may grant ``create``, ``update``, ``patch`` or ``delete`` on
    ``mutatingwebhookconfigurations``, ``validatingwebhookconfigurations``,
    ``mutatingadmissionpolicies``, ``mutatingadmissionpolicybindings``,
    ``validatingadmissionpolicies`` or ``validatingadmissionpolicybindings``
    (admissionregistration.k8s.io).

    They are cluster-scoped, so a RoleBinding cannot grant them. Grants limited to named
    objects are reported with the names, since changing one is enough."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _ADMISSION_WRITES, named=True)
        if held:
            yield from _permission_findings(
                "KW-RBAC-010",
                "can-change-admission-control",
                binding,
                role,
                subjects,
                held,
                "sees and may rewrite objects as they are admitted (Secrets and pods included), or"
                " switches admission checks off",
            )


_PV_CREATE = _perms("create", "persistentvolumes", cluster=True)


@control(
    id="KW-RBAC-011",
    title="May create PersistentVolumes (hostPath)",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_binding_refs,
    rationale="""
        A PersistentVolume may be a ``hostPath``. Whoever creates one, claims it and
        mounts it into a pod reads and writes that directory of the node (``/`` included),
        even where Pod Security forbids hostPath volumes in pods.
    """,
    remediation="""
        Let only the storage provisioners create PersistentVolumes. Users create
        PersistentVolumeClaims of a StorageClass.
    """,
    references=(_cis("5.1.9"),),
)
def persistent_volume_creation(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No ClusterRoleBinding may grant ``create`` on ``persistentvolumes`` (core); it is
    cluster-scoped, so a RoleBinding cannot grant it."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _PV_CREATE, named=False)
        if held:
            yield from _permission_findings(
                "KW-RBAC-011",
                "can-create-persistent-volumes",
                binding,
                role,
                subjects,
                held,
                "creates hostPath volumes: with a claim and a pod, it mounts any directory of a node",
            )


_NAMESPACE_WRITES = _perms("update patch", "namespaces", cluster=True)


@control(
    id="KW-RBAC-012",
    title="May change Namespaces (weaken Pod Security labels)",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_binding_refs,
    rationale="""
        Pod Security admission reads its level from the namespace's
        ``pod-security.kubernetes.io/enforce`` label. Whoever may patch a namespace can set
        it to ``privileged`` and then run privileged pods there, as well as change the
        labels NetworkPolicies and webhooks select namespaces by.
    """,
    remediation="""
        Leave namespace changes to the platform team (or the GitOps controller). Tenants
        get ``admin`` inside their namespace, which does not include patching it.
    """,
    references=("Kubernetes documentation: Pod Security Admission",),
)
def namespace_changes(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may grant ``update`` or ``patch`` on ``namespaces`` (core). A
    ClusterRoleBinding grants it on every namespace, or on those named in
    ``resourceNames``. A RoleBinding grants it on the Namespace of its own namespace,
    because the API server authorizes ``/api/v1/namespaces/<ns>`` inside ``<ns>``, and on
    no other namespace."""
    for binding, role, subjects in _granting(snapshot, settings):
        held = _holds(binding, role, _NAMESPACE_WRITES, named=True)
        if not held:
            continue
        verbs = ", ".join(dict.fromkeys(item.perm.verb for item in held))
        why = _evidence(role, held)
        if any(item.rule is not None for item in held):
            target, which = "every namespace", "any namespace"
        elif not binding.is_cluster_binding:
            target, which = f"its own namespace {binding.namespace!r}", "it"
            why += (
                "a RoleBinding grants rights on namespaces for its own Namespace: the API server"
                " authorizes /api/v1/namespaces/<ns> inside <ns>",
            )
        else:
            names = sorted({name for item in held for name in item.object_names})
            target = "namespace" + ("s " if len(names) > 1 else " ") + ", ".join(map(repr, names))
            which = "it" if len(names) == 1 else "them"
        gain = (
            f"relabels {which}: switches Pod Security admission to privileged, then runs privileged"
            " pods there"
        )
        yield from _on_binding(
            "KW-RBAC-012",
            binding,
            subjects,
            "can-change-namespaces",
            f"may {verbs} {target} ({_via(binding)}): {gain}",
            why,
        )


_PUBLIC = {("Group", AUTHENTICATED), ("Group", UNAUTHENTICATED), ("User", ANONYMOUS)}


@control(
    id="KW-RBAC-013",
    title="Role bound to every user (system:authenticated, system:unauthenticated, system:anonymous)",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_binding_refs,
    rationale="""
        ``system:unauthenticated`` and ``system:anonymous`` are anyone who can reach the
        API server. ``system:authenticated`` is every user and every service account of
        every pod, so a compromise of anything becomes a compromise of this role.
        Kubernetes binds them only to the discovery roles.
    """,
    remediation="""
        Bind the role to the groups of the people or the service accounts that need it.
    """,
    references=("Kubernetes documentation: RBAC default roles and role bindings", RBAC_GOOD_PRACTICES),
)
def everyone_bound(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may name group ``system:authenticated``, group ``system:unauthenticated``
    or user ``system:anonymous`` as a subject, except a binding of one of the default
    discovery ClusterRoles (``system:discovery``, ``system:basic-user``,
    ``system:public-info-viewer``). This holds whatever the role grants, and also when
    the input does not hold the role."""
    for binding in _bindings(snapshot, settings):
        if binding.role_kind == "ClusterRole" and binding.role_name in _DISCOVERY_ROLES:
            continue
        public = [(i, s) for i, s in _indexed_subjects(binding) if (s.kind, s.name) in _PUBLIC]
        if not public:
            continue
        role = binding.role
        what = (
            f"the role's {len(role.rules)} rule(s)"
            if role is not None
            else "whatever the role grants (the input does not hold it)"
        )
        where = _where(binding, True)
        yield from _on_binding(
            "KW-RBAC-013",
            binding,
            public,
            "role-bound-to-everyone",
            f"is bound to {binding.role_kind} {binding.role_name} {where}"
            f" ({binding.ref.kind} {binding.ref.name}): everyone in it holds {what}",
            tuple(f"{role.ref.label} rule {i}: {rule}" for i, rule in enumerate(role.rules))
            if role is not None
            else (),
        )


def _service_account_subject(subject: Subject) -> str | None:
    """Why a subject covers a namespace's ``default`` service account (None if it does not)."""
    account = account_of(subject)
    if account is not None:
        return "default" if account[1] == "default" else None
    if subject.kind == "Group" and (
        subject.name == SERVICE_ACCOUNTS or subject.name.startswith(SERVICE_ACCOUNTS + ":")
    ):
        return "all"
    return None


@control(
    id="KW-RBAC-014",
    title="Role bound to a namespace's default ServiceAccount (or to every service account)",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_binding_refs,
    rationale="""
        Every pod that names no service account runs as its namespace's ``default``
        account, so a role bound to it is held by every such pod, today's and
        tomorrow's, whatever it runs. A role bound to ``system:serviceaccounts[:<ns>]``
        is held by every pod of the namespace (or cluster) whatever its account.
    """,
    remediation="""
        Create a ServiceAccount for the workload that needs the role, bind the role to
        it, and set ``serviceAccountName`` in that workload's pod template.
    """,
    references=(_cis("5.1.5"), "Checkov CKV_K8S_41"),
)
def default_service_account_bound(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """No binding may name as a subject the ServiceAccount ``default`` of a namespace, by
    its kind or as User ``system:serviceaccount:<ns>:default``. A RoleBinding's
    ServiceAccount subject without a namespace is in the binding's namespace. Nor may it
    name group ``system:serviceaccounts`` (every service account of the cluster) or
    ``system:serviceaccounts:<ns>`` (every service account of a namespace)."""
    for binding in _bindings(snapshot, settings):
        for index, subject in _subjects(binding, settings):
            which = _service_account_subject(subject)
            if which is None:
                continue
            where = _where(binding, True)
            if which == "default":
                reason = "role-bound-to-default-service-account"
                gain = "every pod of its namespace that names no service account holds it"
            else:
                reason = "role-bound-to-every-service-account"
                gain = "every pod holds it, whatever its service account"
            yield Finding(
                "KW-RBAC-014",
                binding.ref,
                binding.obj.origin,
                reason,
                f"{_who(subject)} is bound to {binding.role_kind} {binding.role_name} {where}"
                f" ({binding.ref.kind} {binding.ref.name}): {gain}",
                paths=(("subjects", index),),
                key=_subject_key(subject),
            )


def _grants_something(binding: Binding) -> bool:
    if binding.role is None:
        return _kubernetes_creates(binding)
    return bool(binding.role.rules)


@control(
    id="KW-RBAC-015",
    title="Workload runs as the default ServiceAccount, which holds permissions",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_workload_refs,
    rationale="""
        A workload that names no service account runs as ``default`` and shares its token
        and permissions with every other such pod of the namespace. Whatever one of them
        needs, all of them hold, and a compromise of the least important one yields
        them.
    """,
    remediation="""
        Give the workload a ServiceAccount of its own, bind to it only the roles it
        needs, and remove the bindings from ``default`` (and set
        ``automountServiceAccountToken: false`` on ``default``).
    """,
    references=(_cis("5.1.5"), _cis("5.1.6")),
)
def default_service_account_used(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload (any kind that makes pods) must not run as its namespace's ``default``
    ServiceAccount (``serviceAccountName`` or the deprecated ``serviceAccount``; empty
    means ``default``) while a binding names that account and grants something: a role
    with rules, or a default role Kubernetes creates.

    Grants to groups every service account is in are not counted, because a dedicated
    account would hold them too. Workloads that do not get the token (pod or account
    ``automountServiceAccountToken: false``, and no projected token) are not reported."""
    world = world_of(snapshot)
    for workload in _workloads(snapshot, settings):
        name, path = service_account(workload.pod_spec)
        if name != "default":
            continue
        namespace = workload.namespace
        account = snapshot.get(SERVICE_ACCOUNT, namespace, "default")
        if not token_mounted(workload.pod_spec, account.body if account else None):
            continue
        identity = Subject("ServiceAccount", "default", namespace).identity
        grants = [
            (binding, subject)
            for binding, subject in world.bindings_for(identity, namespace)
            if account_of(subject) == (namespace, "default")
            and _grants_something(binding)
            and (settings.include_system_rbac or not _system_binding(binding))
        ]
        if not grants:
            continue
        roles = "; ".join(f"{b.role_kind} {b.role_name} ({b.ref.label})" for b, _ in grants)
        how = "names no service account" if path is None else f"sets {path[0]}: default"
        yield Finding(
            "KW-RBAC-015",
            workload.ref,
            workload.source.origin,
            "runs-as-privileged-default-service-account",
            f"{workload.ref.named} {how}, so it runs as ServiceAccount"
            f" {namespace}/default with its token mounted, and that account holds {roles}",
            paths=((*workload.spec_path, path[0] if path else "serviceAccountName"),),
            why=tuple(f"{b.ref.label} binds {b.role_kind} {b.role_name} to {s}" for b, s in grants),
        )


@control(
    id="KW-RBAC-016",
    title="Binding refers to a role that does not exist",
    section="RBAC",
    severity=Severity.LOW,
    scope=_binding_refs,
    rationale="""
        A binding whose role is missing grants nothing today. It comes alive as soon as
        a role of that name is created, granting whatever that role then holds to
        subjects nobody reviewed against it. It is usually left over from a removed
        application, or a typo that leaves the intended subjects without their rights.
    """,
    remediation="""
        Delete the binding, or fix ``roleRef`` (which cannot be changed in place:
        recreate the binding).
    """,
    references=("Kubernetes RBAC authorizer: VisitRulesFor (missing roles are errors, not denials)",),
)
def missing_role(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A binding's ``roleRef`` must name a Role of its namespace (RoleBindings only) or a
    ClusterRole that the input holds, when the input holds every role. Roles Kubernetes
    or kubeadm create themselves (``cluster-admin``, ``admin``, ``edit``, ``view``,
    ``system:*``, ``kubeadm:*``) are taken to exist."""
    world = world_of(snapshot)
    considered = {id(binding) for binding in _bindings(snapshot, settings)}
    for binding, problem in world.problems:
        if id(binding) not in considered or _kubernetes_creates(binding):
            continue
        valid = binding.role_kind == "ClusterRole" or (binding.role_kind == "Role" and binding.namespace)
        yield Finding(
            "KW-RBAC-016",
            binding.ref,
            binding.obj.origin,
            "role-does-not-exist" if valid else "invalid-role-ref",
            f"{binding.ref.named}: {problem}"
            + ("; it grants nothing until a role of that name is created" if valid else ""),
            paths=(("roleRef",),),
        )


@control(
    id="KW-RBAC-017",
    title="Binding names a ServiceAccount that does not exist",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_account_binding_refs,
    rationale="""
        A binding to a service account that does not exist waits for it: whoever may
        create service accounts in that namespace creates one of that name and holds
        the binding's role. It is usually left over from a removed application, or a
        typo (the wrong namespace, most often).
    """,
    remediation="""
        Delete the binding or fix its subject. In a ClusterRoleBinding, give every
        ServiceAccount subject its namespace.
    """,
    references=("Kubernetes documentation: RBAC referring to subjects",),
    requires=(SERVICE_ACCOUNT,),
)
def missing_service_account(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every service account a binding names (a ServiceAccount subject, or User
    ``system:serviceaccount:<ns>:<name>``) must exist in the input; ``default`` exists in
    every namespace, and the platform's bindings' accounts in the system namespaces are the
    controller manager's. A ServiceAccount subject without a namespace takes a RoleBinding's
    namespace. In a ClusterRoleBinding it matches nobody, and the API server rejects it.
    Runs only when the input holds every ServiceAccount."""
    for binding in _bindings(snapshot, settings):
        for index, subject in _indexed_subjects(binding):
            account = account_of(subject)
            if account is None or _system_subject(subject, settings):
                continue
            namespace, name = account
            if _system_binding(binding) and namespace in settings.system_namespaces:
                continue  # the platform's controllers' accounts: the controller manager creates them
            if subject.kind == "ServiceAccount" and not namespace:
                reason = "service-account-subject-without-namespace"
                detail = (
                    f"{binding.ref.named} names ServiceAccount {name!r} without a"
                    " namespace, which matches nobody in a ClusterRoleBinding"
                )
            elif name == "default" or snapshot.get(SERVICE_ACCOUNT, namespace, name) is not None:
                continue
            else:
                reason = "service-account-does-not-exist"
                detail = (
                    f"{binding.ref.named} binds {binding.role_kind} {binding.role_name}"
                    f" to ServiceAccount {namespace}/{name}, which does not exist: whoever creates it"
                    " holds the role"
                )
            yield Finding(
                "KW-RBAC-017",
                binding.ref,
                binding.obj.origin,
                reason,
                detail,
                paths=(("subjects", index),),
                key=_subject_key(subject),
            )


def _aggregated_into(snapshot: Snapshot, world: RbacWorld) -> set[str]:
    """ClusterRoles an aggregating ClusterRole of the input selects."""
    roles = [role for role in world.roles.values() if role.is_cluster_role]
    used: set[str] = set()
    for role in roles:
        rule = role.obj.body.get("aggregationRule")
        chosen = rule.get("clusterRoleSelectors") if isinstance(rule, Mapping) else None
        for raw in chosen if isinstance(chosen, list) else []:
            try:
                selector = selectors.parse_label_selector(raw)
            except selectors.SelectorError:
                continue
            used.update(
                other.ref.name for other in roles if other is not role and selector.matches(other.obj.labels)
            )
    return used


@control(
    id="KW-RBAC-018",
    title="Role bound to nobody",
    section="RBAC",
    severity=Severity.INFO,
    scope=_user_role_refs,
    rationale="""
        A role nobody is bound to grants nothing, but it is there to be bound: by anyone
        with ``bind`` on it, or by a later binding nobody compares with what the role
        has grown to hold. Unused roles also make the real ones harder to review.
    """,
    remediation="""
        Delete the role, or bind it where it was meant to be used.
    """,
    references=("Kubernetes documentation: RBAC Good Practices",),
    requires=(ROLE_BINDING, CLUSTER_ROLE_BINDING),
)
def unbound_role(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """Every Role and ClusterRole that is not a platform or default role must be used (the
    default policy's roles exist to be bound on demand, so they are never reported).
    Used means named by the ``roleRef`` of a binding (a Role by a RoleBinding of its
    namespace, a ClusterRole by any binding), selected by an aggregated ClusterRole's
    ``aggregationRule``, or labelled ``rbac.authorization.k8s.io/aggregate-to-*`` to feed
    the default roles.

    Runs only when the input holds every binding."""
    world = world_of(snapshot)
    referenced = {(b.role_kind, b.role_ref.namespace, b.role_name) for b in world.bindings}
    aggregated = _aggregated_into(snapshot, world)
    for role in _roles(snapshot, Settings(settings.system_namespaces)):
        if (role.ref.kind, role.ref.namespace, role.ref.name) in referenced:
            continue
        if role.is_cluster_role and (
            role.ref.name in aggregated
            or any(key.startswith(_AGGREGATE_LABEL_PREFIX) for key in role.obj.labels)
        ):
            continue
        scope = f"in namespace {role.ref.namespace!r}" if role.ref.namespace else "in the cluster"
        yield Finding(
            "KW-RBAC-018",
            role.ref,
            role.obj.origin,
            "role-bound-to-nobody",
            f"{role.ref.named}: no binding {scope} refers to it and no aggregated ClusterRole selects it",
        )


_NAMESPACE_POWERS: tuple[tuple[str, list[_Perm]], ...] = (
    ("reads every Secret", _SECRETS_READ),
    ("runs any image as any service account", _POD_RUNNERS),
    ("runs commands in any pod", _POD_SHELLS),
    ("mints service account tokens", _TOKEN_MINTING),
    ("impersonates any service account", _perms("impersonate", "serviceaccounts")),
    (
        "writes Roles and RoleBindings (within what it holds)",
        _perms("create update patch", "roles rolebindings", RBAC),
    ),
)
_DEFAULT_POWERS = {
    "edit": "reads every Secret, runs any image as any service account, runs commands in any pod,"
    " mints service account tokens and impersonates any service account",
    "admin": "reads every Secret, runs any image as any service account, runs commands in any pod,"
    " mints service account tokens, impersonates any service account and writes Roles and"
    " RoleBindings (within what it holds)",
}


@control(
    id="KW-RBAC-019",
    title="Namespace admin or edit role granted (every identity and Secret of the namespace)",
    section="RBAC",
    severity=Severity.MEDIUM,
    scope=_binding_refs,
    rationale="""
        The default ``admin`` and ``edit`` roles are meant for a namespace's owners. They
        read every Secret of the namespace, run any image as any of its service accounts,
        exec into its pods, mint tokens and impersonate its service accounts. Whoever holds
        them holds every identity of the namespace. That is right for the people who own it,
        and too much for a workload, a pipeline or a whole department.
    """,
    remediation="""
        Keep ``admin``/``edit`` for the namespace's owning team. Give workloads and
        pipelines a Role listing what they use, and give everyone else ``view``.
    """,
    references=(_cis("5.1.2"), _cis("5.1.4"), RBAC_GOOD_PRACTICES),
)
def namespace_role(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A RoleBinding of the default ClusterRole ``admin`` or ``edit`` is reported once per
    subject, with what the role grants in the namespace. The role must be Kubernetes' own:
    not in the input, or labelled ``kubernetes.io/bootstrapping: rbac-defaults``. When the
    input holds it, its rules (aggregated ones included) are probed as KW-RBAC-003 to
    KW-RBAC-008 do. KW-RBAC-003 to KW-RBAC-012 do not report these bindings again. A
    customized ``admin``/``edit``, or one bound through a ClusterRoleBinding, is judged by
    those controls instead."""
    for binding in _bindings(snapshot, settings):
        if not _namespace_role(binding):
            continue
        subjects = _subjects(binding, settings)
        role = binding.role
        if role is None:
            powers = _DEFAULT_POWERS[binding.role_name]
            why: tuple[str, ...] = (
                f"ClusterRole {binding.role_name} is not in the input; Kubernetes' default grants that",
            )
        else:
            held = {
                name: found
                for name, perms in _NAMESPACE_POWERS
                if (found := _holds(binding, role, perms, named=False))
            }
            if not held:
                continue
            names = list(held)
            powers = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
            why = _evidence(role, [item for found in held.values() for item in found])
        yield from _on_binding(
            "KW-RBAC-019",
            binding,
            subjects,
            "namespace-role-granted",
            f"holds ClusterRole {binding.role_name} {in_namespace(binding.namespace)} ({binding.ref.kind}"
            f" {binding.ref.name}): it {powers} there, so it holds every identity of the namespace",
            why,
        )


def _steps_evidence(path: escalation.Path) -> tuple[str, ...]:
    return tuple(
        f"{number}. {step}"
        + (f" (via {'; '.join(str(grant) for grant in step.grants)})" if step.grants else "")
        for number, step in enumerate(path.steps, 1)
    )


def _first_step_finding(path: escalation.Path) -> Finding:
    first = path.steps[0].grants[0]
    binding = first.binding
    index = next(i for i, subject in _indexed_subjects(binding) if subject == first.subject)
    return Finding(
        "KW-RBAC-020",
        binding.ref,
        binding.obj.origin,
        "path-to-cluster-admin",
        f"{_who(path.subject)} can become cluster-admin in {len(path.steps)} steps: {path}",
        paths=(("subjects", index), ("roleRef", "name")),
        why=_steps_evidence(path),
        key=_subject_key(path.subject),
    )


@control(
    id="KW-RBAC-020",
    title="Indirect path to cluster-admin",
    section="RBAC",
    severity=Severity.CRITICAL,
    scope=_binding_refs,
    rationale="""
        Permissions that look limited chain together: whoever may run a pod in a namespace
        runs it as any service account there; whoever may mint a token, impersonate or read
        a token Secret becomes that account; and if one of those accounts is cluster-admin,
        so is everyone who can reach it. Each binding is reviewed on its own, so the chain is
        what reviews miss and attackers look for.
    """,
    remediation="""
        Break the chain at its weakest link: take the powerful binding away from the
        service account (or move the account to a namespace only its owners can run pods
        in), or narrow the first step's permission. ``kubeward rbac paths`` shows every
        path with the rules each step uses.
    """,
    references=(RBAC_GOOD_PRACTICES, "Kubernetes documentation: RBAC privilege escalation prevention"),
)
def paths_to_cluster_admin(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A subject that is not the platform's must not reach the equivalent of cluster-admin
    through two or more steps, each a permission the authorizer grants: running a pod (or
    changing a pod controller) in a namespace yields its service accounts; creating
    ``serviceaccounts/token``, reading a service account's token Secret, exec into its
    pods or ``nodes/proxy`` yield that account; impersonating yields the impersonated
    user, group or account; approving ``kubernetes.io/kube-apiserver-client`` certificates
    (with create and approval of CSRs) yields any user and group but ``system:masters``.
    Cluster-admin is ``*`` on everything, ``bind`` of ClusterRoles with create of
    ClusterRoleBindings, ``escalate`` with update of ClusterRoles, impersonating
    ``system:masters``, or being in it.

    The shortest path of each subject is reported, on the binding that grants its first
    step. A one-step path is reported by KW-RBAC-001 or KW-RBAC-004 instead."""
    world = world_of(snapshot)
    found = escalation.escalation_paths(
        world, snapshot, select=lambda subject: not _system_subject(subject, settings)
    )
    for path in found:
        if len(path.steps) > 1:
            yield _first_step_finding(path)


@control(
    id="KW-RBAC-021",
    title="Workload holds a token that can become cluster-admin",
    section="RBAC",
    severity=Severity.HIGH,
    scope=_workload_refs,
    rationale="""
        A pod's service account token is readable by every process in the pod: whoever
        exploits the application, or runs a build in it, holds the token. When that
        account is cluster-admin, or can become it, one compromised pod is a compromised
        cluster.
    """,
    remediation="""
        Give the workload an account that holds only what the workload calls, and run
        the work that needs more elsewhere (a controller outside the cluster, a
        short-lived token minted for one job). If the workload does not call the API
        server, set ``automountServiceAccountToken: false``.
    """,
    references=(RBAC_GOOD_PRACTICES, _cis("5.1.6")),
)
def workload_token_reaches_cluster_admin(snapshot: Snapshot, settings: Settings) -> Iterator[Finding]:
    """A workload that gets its service account's token (automounted or projected, see
    KW-RBAC-015) must not run as an account whose shortest path to cluster-admin (as
    KW-RBAC-020 finds them, one step included) exists. Workloads of the system namespaces
    are skipped unless ``--include-system`` is given."""
    runs: list[tuple[Workload, Subject, Path]] = []
    for workload in _workloads(snapshot, settings):
        name, path = service_account(workload.pod_spec)
        account = snapshot.get(SERVICE_ACCOUNT, workload.namespace, name)
        if token_mounted(workload.pod_spec, account.body if account else None):
            field = path[0] if path else "serviceAccountName"
            runs.append(
                (workload, Subject("ServiceAccount", name, workload.namespace), (*workload.spec_path, field))
            )
    if not runs:
        return
    accounts = sorted({subject for _, subject, _ in runs})
    found = {
        path.subject: path for path in escalation.escalation_paths(world_of(snapshot), snapshot, accounts)
    }
    for workload, subject, field_path in runs:
        chain = found.get(subject)
        if chain is None:
            continue
        steps = len(chain.steps)
        yield Finding(
            "KW-RBAC-021",
            workload.ref,
            workload.source.origin,
            "token-reaches-cluster-admin",
            f"{workload.ref.named} runs as {subject} with its token mounted, and that"
            f" account {'is cluster-admin' if steps == 1 else f'can become cluster-admin in {steps} steps'}:"
            f" {chain}",
            paths=(field_path,),
            why=_steps_evidence(chain),
        )
