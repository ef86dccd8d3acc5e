"""The indexed RBAC engine against a naive reference authorizer (``rbac_reference``) on
random small RBAC worlds: roles with rules drawn from small alphabets that hit every
matching rule (``*``, ``*/scale``, ``pods/*``, subresources, resourceNames, URL prefixes),
bindings with every kind of subject and roleRefs to missing roles, nested aggregation, and
random identities and requests."""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from kubeward.engines.rbac import query
from kubeward.engines.rbac.identity import Identity, impersonate
from kubeward.engines.rbac.world import RbacWorld, build_world
from kubeward.k8s.objects import Origin, Record
from kubeward.snapshot import snapshot
from unit.engines.rbac.rbac_reference import RefWorld, Req, ref_impersonate, subject_key
from unit.engines.rbac.rbac_tables import to_request
from unit.k8s.selector_reference import KEYS, VALUES, label_maps

RBAC_V1 = "rbac.authorization.k8s.io/v1"
NAMESPACES = ("a", "b")
REQUEST_NAMESPACES = ("", "a", "b", "c")
ROLE_NAMES = ("r1", "r2")
CLUSTER_ROLE_NAMES = ("c1", "c2", "c3", "c4")
LEVEL = "kubeward.test/level"  # aggregation levels keep the selection graph acyclic

VERBS = ("get", "list", "create", "delete", "deletecollection", "patch", "escalate", "bind", "impersonate")
RULE_VERBS = (*VERBS, "*")
GROUPS = ("", "apps", "rbac.authorization.k8s.io")
RULE_GROUPS = (*GROUPS, "*")
RESOURCES = ("pods", "deployments", "nodes", "secrets", "roles")
SUBRESOURCES = ("", "", "log", "status", "scale", "*")
RULE_RESOURCES = (
    *RESOURCES,
    *("pods/log", "pods/status", "pods/*", "deployments/scale", "*/scale", "*/status", "*", "*/*"),
)
NAMES = ("x", "y")
URLS = ("/healthz", "/healthz/ready", "/healthzx", "/api", "/apis", "/api/v1", "/metrics", "/", "/logs/a*b")
RULE_URLS = (
    "/healthz",
    "/healthz/*",
    "/healthz*",
    "/api",
    "/api/*",
    "/ap*",
    "*",
    "/metrics",
    "/logs/a*",
    "/api**",
)
USERS = (
    "alice",
    "bob",
    "system:anonymous",
    "system:serviceaccount:a:sa1",
    "system:serviceaccount:b:sa1",
    "system:serviceaccount:a:default",
    "system:serviceaccount:a:sa1:x",
)
USER_GROUPS = (
    "dev",
    "ops",
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
    "system:serviceaccounts:a",
)

# --- strategies --------------------------------------------------------------------------------


def _subset(values: tuple[str, ...], *, min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True)


@st.composite
def policy_rules(draw: st.DrawFn, *, urls: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {"verbs": draw(_subset(RULE_VERBS))}
    shape = draw(st.sampled_from(("resources", "resources", "urls", "both") if urls else ("resources",)))
    if shape in ("resources", "both"):
        rule["apiGroups"] = draw(_subset(RULE_GROUPS, max_size=2))
        rule["resources"] = draw(_subset(RULE_RESOURCES))
        rule["resourceNames"] = draw(_subset(NAMES, min_size=0, max_size=2))
    if shape in ("urls", "both"):
        rule["nonResourceURLs"] = draw(_subset(RULE_URLS))
    return {key: value for key, value in rule.items() if value}


def _rarely_empty(strategy: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[list[Any]]:
    return st.integers(0, 9).flatmap(lambda n: st.just([]) if n == 0 else strategy)


def _rules(*, urls: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    return _rarely_empty(st.lists(policy_rules(urls=urls), min_size=1, max_size=3))


@st.composite
def selectors_below(draw: st.DrawFn, level: int) -> dict[str, Any]:
    """A ClusterRole selector that can match the roles of lower levels (and the role itself)."""
    expressions = [{"key": LEVEL, "operator": "NotIn", "values": [str(n) for n in range(level + 1, 3)]}]
    for _ in range(draw(st.integers(0, 1))):
        operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
        expression: dict[str, Any] = {"key": draw(st.sampled_from(KEYS)), "operator": operator}
        if operator in ("In", "NotIn"):
            expression["values"] = draw(_subset(VALUES, max_size=2))
        expressions.append(expression)
    selector: dict[str, Any] = {"matchExpressions": [e for e in expressions if e.get("values") != []]}
    if draw(st.booleans()):
        selector["matchLabels"] = draw(
            st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=1)
        )
    return selector


@st.composite
def cluster_roles(draw: st.DrawFn) -> list[dict[str, Any]]:
    """ClusterRoles; at most one aggregates at each level 1 and 2, selecting lower levels."""
    levels = draw(st.lists(st.sampled_from((0, 0, 1, 2)), min_size=3, max_size=len(CLUSTER_ROLE_NAMES)))
    seen: set[int] = set()
    roles = []
    for name, drawn in zip(CLUSTER_ROLE_NAMES, levels, strict=False):
        level = 0 if drawn in seen else drawn
        seen.add(level)
        labels = draw(label_maps())
        if level:
            labels[LEVEL] = str(level)
        role: dict[str, Any] = {
            "apiVersion": RBAC_V1,
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels},
            "rules": draw(_rules(urls=True)),
        }
        if level:
            role["aggregationRule"] = {
                "clusterRoleSelectors": draw(st.lists(selectors_below(level), min_size=1, max_size=2))
            }
        roles.append(role)
    return roles


@st.composite
def roles(draw: st.DrawFn) -> list[dict[str, Any]]:
    found = []
    for namespace in NAMESPACES:
        for name in draw(_subset(ROLE_NAMES, min_size=1, max_size=2)):
            found.append(
                {
                    "apiVersion": RBAC_V1,
                    "kind": "Role",
                    "metadata": {"name": name, "namespace": namespace},
                    "rules": draw(_rules(urls=False)),
                }
            )
    return found


SUBJECTS = st.one_of(
    st.builds(
        lambda name: {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name},
        st.sampled_from(USERS),
    ),
    st.builds(
        lambda name: {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name},
        st.sampled_from((*USER_GROUPS, "system:masters")),
    ),
    st.builds(
        lambda name, namespace: (
            {"kind": "ServiceAccount", "name": name} | ({"namespace": namespace} if namespace else {})
        ),
        st.sampled_from(("sa1", "default", "sa1:x")),
        st.sampled_from(("", "a", "b")),
    ),
    st.just({"kind": "Robot", "name": "alice"}),
)


@st.composite
def bindings(draw: st.DrawFn) -> list[dict[str, Any]]:
    """RoleBindings and ClusterRoleBindings; some roleRefs name a missing role, and some
    ClusterRoleBindings a Role (which grants nothing)."""
    found = []
    for index in range(draw(st.integers(2, 6))):
        namespace = draw(st.sampled_from(("", *NAMESPACES)))
        metadata = {"name": f"b{index}"} | ({"namespace": namespace} if namespace else {})
        # now and then a RoleBinding whose manifest leaves its namespace to `kubectl -n`
        kind = "RoleBinding" if namespace or draw(st.integers(0, 9)) == 0 else "ClusterRoleBinding"
        if draw(st.integers(0, 7)) == 0 or (namespace and draw(st.booleans())):
            role_ref = {"kind": "Role", "name": draw(st.sampled_from((*ROLE_NAMES, *ROLE_NAMES, "gone")))}
        else:
            names = (*CLUSTER_ROLE_NAMES, *CLUSTER_ROLE_NAMES, "gone")
            role_ref = {"kind": "ClusterRole", "name": draw(st.sampled_from(names))}
        found.append(
            {
                "apiVersion": RBAC_V1,
                "kind": kind,
                "metadata": metadata,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io"} | role_ref,
                "subjects": draw(_rarely_empty(st.lists(SUBJECTS, min_size=1, max_size=3))),
            }
        )
    return found


def _random_request(draw: st.DrawFn) -> Req:
    if draw(st.integers(0, 4)) == 0:
        return Req(draw(st.sampled_from(("get", "post", "put", "delete"))), path=draw(st.sampled_from(URLS)))
    return Req(
        verb=draw(st.sampled_from(VERBS)),
        api_group=draw(st.sampled_from(GROUPS)),
        resource=draw(st.sampled_from(RESOURCES)),
        subresource=draw(st.sampled_from(SUBRESOURCES)),
        name=draw(st.sampled_from(("", *NAMES, "z"))),
        namespace=draw(st.sampled_from(REQUEST_NAMESPACES)),
    )


def _concrete(draw: st.DrawFn, values: list[str], alphabet: tuple[str, ...], *, nudge: bool) -> str:
    """One of a rule's values (a wildcard replaced by anything), or now and then anything."""
    value = draw(st.sampled_from(values or list(alphabet)))
    return draw(st.sampled_from(alphabet)) if value == "*" or _nudge(draw, nudge=nudge) else value


def _nudge(draw: st.DrawFn, *, nudge: bool = True) -> bool:
    return nudge and draw(st.integers(0, 9)) == 0


def _request_near(draw: st.DrawFn, rule: dict[str, Any], namespace: str, *, nudge: bool = True) -> Req:
    """A request built from a rule's own values, some of them (if ``nudge``) nudged off it."""
    verb = _concrete(draw, rule.get("verbs", []), VERBS, nudge=nudge)
    if "nonResourceURLs" in rule and ("resources" not in rule or draw(st.booleans())):
        url = draw(st.sampled_from(rule["nonResourceURLs"]))
        if url.endswith("*"):
            url = url.rstrip("*") + draw(st.sampled_from(("", "/ready", "x", "/")))
        return Req(verb, path=draw(st.sampled_from(URLS)) if _nudge(draw, nudge=nudge) else url or "/")
    if "resources" not in rule:
        return _random_request(draw)
    resource, _, subresource = draw(st.sampled_from(rule["resources"])).partition("/")
    if resource == "*" or _nudge(draw, nudge=nudge):
        resource = draw(st.sampled_from(RESOURCES))
    if (subresource == "*" and draw(st.booleans())) or _nudge(draw, nudge=nudge):
        subresource = draw(st.sampled_from(SUBRESOURCES))
    names = rule.get("resourceNames", [])
    return Req(
        verb=verb,
        api_group=_concrete(draw, rule.get("apiGroups", []), GROUPS, nudge=nudge),
        resource=resource,
        subresource=subresource,
        name=draw(st.sampled_from(("", *NAMES)))
        if not names or _nudge(draw, nudge=nudge)
        else draw(st.sampled_from(names)),
        namespace=draw(st.sampled_from(REQUEST_NAMESPACES)) if _nudge(draw, nudge=nudge) else namespace,
    )


def _identity_near(draw: st.DrawFn, subject: dict[str, Any], binding_namespace: str) -> tuple[str, list[str]]:
    """An identity that a binding subject names (most of the time)."""
    groups = draw(_subset(USER_GROUPS, min_size=0, max_size=2))
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "Group":
        return draw(st.sampled_from(USERS)), [name, *groups]
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or draw(st.sampled_from((binding_namespace, *NAMESPACES)))
        return f"system:serviceaccount:{namespace}:{name}", groups
    return name, groups


Scenario = tuple[list[dict[str, Any]], bool, list[tuple[str, list[str]]], list[Req]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A world (objects, whole cluster?), identities and requests, most built from the
    world's own subjects and rules so that many questions are answered "yes"."""
    objects = [*draw(roles()), *draw(cluster_roles()), *draw(bindings())]
    rules = [rule for obj in objects for rule in obj.get("rules", [])]
    subjects = [
        (subject, obj["metadata"].get("namespace", ""))
        for obj in objects
        for subject in obj.get("subjects", [])
    ]
    identities = []
    for _ in range(draw(st.integers(1, 4))):
        if subjects and draw(st.integers(0, 3)):
            identities.append(_identity_near(draw, *draw(st.sampled_from(subjects))))
        else:
            user, groups = draw(st.sampled_from(USERS)), draw(_subset(USER_GROUPS, min_size=0, max_size=3))
            identities.append(
                (user, [*groups, "system:masters"] if draw(st.integers(0, 19)) == 0 else groups)
            )
    requests = []
    for _ in range(draw(st.integers(1, 8))):
        if rules and draw(st.integers(0, 3)):
            requests.append(
                _request_near(draw, draw(st.sampled_from(rules)), draw(st.sampled_from(NAMESPACES)))
            )
        else:
            requests.append(_random_request(draw))
    # and a few questions a binding is meant to answer "yes": one of its subjects, one of its rules
    whole_cluster = draw(st.booleans())
    reference = RefWorld(objects, whole_cluster=whole_cluster)
    meant = [
        (binding, granted)
        for binding in objects
        if "roleRef" in binding and binding["subjects"]
        for granted in [
            reference.role_reference_rules(binding["roleRef"], binding["metadata"].get("namespace", ""))
        ]
        if granted
    ]
    for binding, granted in draw(st.lists(st.sampled_from(meant), min_size=1, max_size=3)) if meant else []:
        namespace = binding["metadata"].get("namespace", "")
        identities.append(_identity_near(draw, draw(st.sampled_from(binding["subjects"])), namespace))
        where = namespace or draw(st.sampled_from(REQUEST_NAMESPACES))
        requests.append(_request_near(draw, draw(st.sampled_from(granted)), where, nudge=False))
    return objects, whole_cluster, identities, requests


def _engine_world(objects: list[dict[str, Any]], whole_cluster: bool) -> RbacWorld:
    records = [Record(body, Origin("in.yaml", index)) for index, body in enumerate(objects)]
    return build_world(snapshot.build(records, whole_cluster=whole_cluster))


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_can_i_is_the_reference_authorizer(scenario: Scenario) -> None:
    objects, whole_cluster, identities, asked = scenario
    engine, reference = _engine_world(objects, whole_cluster), RefWorld(objects, whole_cluster=whole_cluster)
    for user, groups in identities:
        for req in asked:
            decision = query.can_i(engine, Identity(user, frozenset(groups)), to_request(req))
            expected = reference.authorize(user, groups, req)
            assert decision.allowed == expected, (user, groups, req)
            masters = "system:masters" in groups
            assert decision.masters == masters
            event(f"allowed={expected} masters={masters} url={not req.is_resource_request}")
            if masters:
                continue
            # every grant is a binding that allows it, with appliesTo's subject and the
            # binding's first allowing rule; and every such binding is a grant
            got = {
                (
                    (g.binding.ref.kind, g.binding.ref.namespace, g.binding.ref.name),
                    g.binding.subjects.index(g.subject),
                    (g.role.ref.kind, g.role.ref.name),
                    g.rule_index,
                )
                for g in decision.grants
            }
            want = {
                (g.binding, g.subject_index, g.role, g.rule_index)
                for g in reference.grants(user, groups, req)
            }
            assert got == want, (user, groups, req)
            if any(grant.role.aggregated for grant in decision.grants):
                event("allowed through an aggregated ClusterRole")


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_who_can_is_the_reference_subject_locator(scenario: Scenario) -> None:
    objects, whole_cluster, _, asked = scenario
    engine, reference = _engine_world(objects, whole_cluster), RefWorld(objects, whole_cluster=whole_cluster)
    for req in asked:
        answers = query.who_can(engine, to_request(req))
        got = {(a.subject.kind, a.subject.name, a.subject.namespace) for a in answers}
        want = reference.allowed_subjects(req)
        assert got == want, req
        event(f"subjects={min(len(want) - 1, 3)}")
        for answer in answers:
            subject = answer.subject
            # the reference authorizer allows the identity each subject names
            if subject.kind == "User":
                user, groups = subject.name, []
            elif subject.kind == "Group":
                user, groups = "someone", [subject.name]
            elif subject.kind == "ServiceAccount" and subject.namespace:
                user, groups = f"system:serviceaccount:{subject.namespace}:{subject.name}", []
            else:
                continue  # a subject that names nobody
            assert reference.authorize(user, groups, req), (subject, req)
            assert subject.name == "system:masters" or answer.grants, (subject, req)
            # each binding once, even when it names the subject twice
            assert len({id(grant.binding) for grant in answer.grants}) == len(answer.grants), subject

        # -A: for a namespaced request, the union over every namespace a binding lives in
        every = query.who_can(engine, to_request(req), all_namespaces=True)
        got = {(a.subject.kind, a.subject.name, a.subject.namespace) for a in every}
        if req.is_resource_request and req.namespace:
            for namespace in reference.namespaces():
                want |= reference.allowed_subjects(
                    Req(req.verb, req.api_group, req.resource, req.subresource, req.name, namespace)
                )
        assert got == want, req


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_permissions_are_the_reference_rules_for(scenario: Scenario) -> None:
    objects, whole_cluster, identities, _ = scenario
    engine, reference = _engine_world(objects, whole_cluster), RefWorld(objects, whole_cluster=whole_cluster)
    for user, groups in identities:
        found = query.permissions(engine, Identity(user, frozenset(groups)), NAMESPACES)
        got = sorted((p.namespace, p.binding.ref.name, repr(p.rule.to_dict())) for p in found.rules)
        want = sorted(
            (where, name, repr(_canonical(rule)))
            for where, name, rule in reference.rules_for(user, groups, NAMESPACES)
        )
        assert got == want, (user, groups)
        event(f"rules={min(len(want), 3)}")
        assert found.masters == ("system:masters" in groups)


def _canonical(rule: dict[str, Any]) -> dict[str, list[str]]:
    """A rule as ``Rule.to_dict`` prints it (the fields set, in a fixed order)."""
    out: dict[str, list[str]] = {"verbs": list(rule.get("verbs") or [])}
    if rule.get("nonResourceURLs"):
        out["nonResourceURLs"] = list(rule["nonResourceURLs"])
    if rule.get("apiGroups") or rule.get("resources"):
        out["apiGroups"] = list(rule.get("apiGroups") or [])
        out["resources"] = list(rule.get("resources") or [])
    if rule.get("resourceNames"):
        out["resourceNames"] = list(rule["resourceNames"])
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from((*USERS, "system:serviceaccount:A:sa", "system:serviceaccount::sa", "carol")),
    _subset((*USER_GROUPS, "system:masters"), min_size=0, max_size=3),
)
def test_impersonate_is_the_api_servers(user: str, groups: list[str]) -> None:
    identity = impersonate(user, tuple(groups))
    expected_user, expected_groups = ref_impersonate(user, groups)
    assert (identity.user, identity.groups) == (expected_user, frozenset(expected_groups))


def test_subject_keys_resolve_service_account_namespaces() -> None:
    assert subject_key({"kind": "ServiceAccount", "name": "s"}, "a") == ("ServiceAccount", "s", "a")
    assert subject_key({"kind": "User", "name": "u", "namespace": "a"}, "a") == ("User", "u", "")
