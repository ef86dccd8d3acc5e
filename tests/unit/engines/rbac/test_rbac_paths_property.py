"""The escalation-path engine against a naive reference (``paths_reference``) on random
small worlds: service accounts, pods and token Secrets in two or three namespaces; roles
whose rules are the escalation primitives, near misses (``pods/*``, ``pods/log``, core-group
``deployments``, ``get`` where ``create`` is needed...) and wildcards, some restricted by
resourceNames; bindings to users, groups (the implicit ones too) and service accounts,
some to a ``cluster-admin`` ClusterRole the input may lack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from kubeward.engines.rbac.identity import Subject
from kubeward.engines.rbac.paths import CLUSTER_ADMIN, Path, Step, escalation_paths
from kubeward.engines.rbac.world import Grant, build_world
from kubeward.k8s.objects import Origin, Record
from kubeward.snapshot import snapshot
from unit.engines.rbac import paths_reference as ref
from unit.engines.rbac.paths_reference import ADMIN, RefPaths, RefSubject
from unit.engines.rbac.rbac_reference import RefWorld, Req, applies_to, rule_allows

RBAC = "rbac.authorization.k8s.io"
RBAC_V1 = f"{RBAC}/v1"
CERTIFICATES = "certificates.k8s.io"
ACCOUNTS = ("default", "sa1", "sa2")
CLUSTER_ROLE_NAMES = ("c1", "c2", "c3")

# (apiGroups, resources, verbs): each one-rule primitive of the docstring, in its shapes ...
PRIMITIVES = (
    (
        ([""], ["pods"], ["create"]),
        (["apps"], ["deployments"], ["patch"]),
        (["batch"], ["cronjobs"], ["update"]),
        ([""], ["replicationcontrollers"], ["create"]),
        (["apps"], ["statefulsets"], ["create"]),
    ),
    (([""], ["serviceaccounts/token"], ["create"]),),
    (([""], ["pods/exec"], ["create"]), ([""], ["*/exec"], ["create"])),
    (([""], ["secrets"], ["list"]),),
    (([""], ["serviceaccounts"], ["impersonate"]),),
    (([""], ["users"], ["impersonate"]), ([""], ["groups"], ["impersonate"])),
    (([""], ["nodes/proxy"], ["get"]),),
    ((["*"], ["*"], ["*"]),),
)
# ... those that take several rules, drawn together (now and then one rule short) ...
BUNDLES = (
    (
        ([CERTIFICATES], ["certificatesigningrequests"], ["create"]),
        ([CERTIFICATES], ["certificatesigningrequests/approval"], ["update"]),
        ([CERTIFICATES], ["signers"], ["approve"]),
    ),
    (([RBAC], ["clusterroles"], ["bind"]), ([RBAC], ["clusterrolebindings"], ["create"])),
    (([RBAC], ["clusterroles"], ["escalate"]), ([RBAC], ["clusterroles"], ["update"])),
    (([""], ["groups"], ["impersonate"]), ([""], ["users"], ["impersonate"])),
    (([""], ["groups"], ["impersonate"]), ([""], ["serviceaccounts"], ["impersonate"])),
)
# ... and the near misses
DECOYS = (
    ([""], ["pods/*"], ["create"]),
    ([""], ["pods/log"], ["get", "create"]),
    ([""], ["deployments"], ["create"]),
    ([""], ["pods"], ["get", "patch"]),
    ([""], ["secrets"], ["get"]),
    ([""], ["pods/exec"], ["get"]),
    ([""], ["nodes"], ["get", "proxy"]),
    (["*"], ["*"], ["get", "list"]),
    ([""], ["*"], ["*"]),
    ([RBAC], ["roles"], ["bind", "escalate"]),
    ([RBAC], ["rolebindings"], ["create"]),
    ([RBAC], ["clusterroles"], ["patch"]),
    ([CERTIFICATES], ["certificatesigningrequests"], ["get"]),
    ([""], ["serviceaccounts"], ["create"]),
)
RESOURCE_NAMES = (
    "default",
    "sa1",
    "alice",
    "dev",
    "system:masters",
    "cluster-admin",
    "kubernetes.io/kube-apiserver-client",
    "x",
)
# the names a rule on each resource is most likely restricted to
NAMES_OF = {
    "serviceaccounts": ("default", "sa1", "sa2"),
    "serviceaccounts/token": ("default", "sa1", "sa2"),
    "users": ("alice", "bob", "mallory"),
    "groups": ("system:masters", "dev", "system:serviceaccounts"),
    "clusterroles": ("cluster-admin", "c1", "edit"),
    "signers": ("kubernetes.io/kube-apiserver-client", "kubernetes.io/kubelet-serving"),
    "pods/exec": ("p0", "p1"),
    "nodes/proxy": ("node-1",),
}
USERS = ("alice", "bob", "system:anonymous", "system:serviceaccount:a:sa1")
GROUPS = (
    "dev",
    "dev",
    "system:serviceaccounts",
    "system:serviceaccounts:a",
    "system:serviceaccounts:b",
    "system:authenticated",
    "system:masters",
    "system:unauthenticated",
)

# --- strategies --------------------------------------------------------------------------------


Shape = tuple[list[str], list[str], list[str]]


@st.composite
def rule(draw: st.DrawFn, shape: Shape) -> dict[str, Any]:
    """A rule of that shape, now and then with another verb, every group or resourceNames."""
    groups, resources, verbs = shape
    drawn: dict[str, Any] = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if draw(st.integers(0, 5)) == 0:
        drawn["verbs"] = [*verbs, draw(st.sampled_from(("*", "create", "get", "impersonate")))]
    if draw(st.integers(0, 7)) == 0:
        drawn["apiGroups"] = ["*"]
    if draw(st.integers(0, 3)) == 0:
        names = NAMES_OF.get(resources[0], RESOURCE_NAMES) if draw(st.integers(0, 3)) else RESOURCE_NAMES
        drawn["resourceNames"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    return drawn


@st.composite
def rule_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three pieces, each a near miss, a one-rule primitive, a bundle or ``*``."""
    shapes: list[Shape] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 11))
        if kind <= 1:
            shapes.append(draw(st.sampled_from(DECOYS)))
        elif kind <= 7:
            shapes.append(draw(st.sampled_from(draw(st.sampled_from(PRIMITIVES)))))
        elif kind <= 10:
            bundle = list(draw(st.sampled_from(BUNDLES)))
            if draw(st.integers(0, 3)) == 0:
                del bundle[draw(st.integers(0, len(bundle) - 1))]
            shapes.extend(bundle)
        else:
            shapes.append((["*"], ["*"], ["*"]))
    return [draw(rule(shape)) for shape in shapes]


@st.composite
def subjects(draw: st.DrawFn, namespaces: list[str], *, cluster: bool) -> dict[str, Any]:
    kind = draw(st.sampled_from(("User", "Group", "ServiceAccount", "ServiceAccount")))
    if kind == "User":
        return {"kind": "User", "apiGroup": RBAC, "name": draw(st.sampled_from(USERS))}
    if kind == "Group":
        return {"kind": "Group", "apiGroup": RBAC, "name": draw(st.sampled_from(GROUPS))}
    subject = {"kind": "ServiceAccount", "name": draw(st.sampled_from(ACCOUNTS))}
    # a RoleBinding's service account defaults to its namespace; a ClusterRoleBinding's is nobody
    if cluster or draw(st.booleans()):
        namespace = draw(st.sampled_from(namespaces)) if draw(st.integers(0, 9)) else ""
        subject |= {"namespace": namespace} if namespace else {}
    return subject


def _meta(name: str, namespace: str = "") -> dict[str, str]:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


def _rbac(kind: str, metadata: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"apiVersion": RBAC_V1, "kind": kind, "metadata": metadata, **fields}


@st.composite
def worlds(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The objects of a small world. Most have a subject bound to cluster-admin (the
    ClusterRole present, missing, or a fake without ``*``), and pods and token Secrets
    that often belong to that subject when it is a service account: the victim the
    other subjects' primitives lead to, in one or more steps."""
    namespaces = ["a", "b", "c"][: draw(st.integers(2, 3))]
    victim = None
    if draw(st.integers(0, 3)):
        kind = draw(st.sampled_from(("ServiceAccount", "ServiceAccount", "User", "Group")))
        if kind == "ServiceAccount":
            victim = {
                "kind": kind,
                "name": draw(st.sampled_from(ACCOUNTS)),
                "namespace": draw(st.sampled_from(namespaces)),
            }
        else:
            victim = {"kind": kind, "apiGroup": RBAC, "name": "alice" if kind == "User" else "dev"}

    def account(*others: str | None) -> tuple[str | None, str]:
        """A service account's name (None: none named) and namespace, now and then the victim's."""
        if victim and victim["kind"] == "ServiceAccount" and draw(st.booleans()):
            return victim["name"], victim["namespace"]
        return draw(st.sampled_from(others)), draw(st.sampled_from(namespaces))

    objects: list[dict[str, Any]] = []
    for namespace in namespaces:
        for name in draw(st.lists(st.sampled_from(ACCOUNTS), max_size=2, unique=True)):
            objects.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, namespace)})
    for index in range(draw(st.integers(0, 3))):
        runs_as, namespace = account(None, "sa1", "sa2")
        spec: dict[str, Any] = {"containers": [{"name": "c", "image": "registry.example/app:1"}]}
        spec |= {"serviceAccountName": runs_as} if runs_as and runs_as != "default" else {}
        objects.append(
            {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(f"p{index}", namespace), "spec": spec}
        )
    for index in range(draw(st.integers(0, 2))):
        owner, namespace = account(None, "sa1", "default", "ghost")
        metadata: dict[str, Any] = _meta(f"s{index}", namespace)
        metadata |= {"annotations": {"kubernetes.io/service-account.name": owner}} if owner else {}
        secret_type = "kubernetes.io/service-account-token" if owner else "Opaque"
        objects.append({"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": secret_type})

    cluster_roles = list(CLUSTER_ROLE_NAMES[: draw(st.integers(1, 3))])
    for name in cluster_roles:
        objects.append(_rbac("ClusterRole", _meta(name), rules=draw(rule_lists())))
    admin = draw(st.sampled_from(("real", "real", "missing", "missing", "fake")))
    if admin != "missing":
        verbs = ["*"] if admin == "real" else ["get", "list"]
        objects.append(
            _rbac(
                "ClusterRole",
                _meta("cluster-admin"),
                rules=[{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}],
            )
        )
    role_namespaces = draw(st.lists(st.sampled_from(namespaces), max_size=2, unique=True))
    for namespace in role_namespaces:
        objects.append(_rbac("Role", _meta("r", namespace), rules=draw(rule_lists())))
    attacker = {"kind": "User", "apiGroup": RBAC, "name": "mallory"}
    for index in range(draw(st.integers(2, 6))):
        namespace = draw(st.sampled_from(["", "", *namespaces]))
        if namespace in role_namespaces and draw(st.booleans()):
            role_ref = {"kind": "Role", "name": "r"}
        else:
            role_ref = {
                "kind": "ClusterRole",
                "name": draw(st.sampled_from([*cluster_roles, "cluster-admin"])),
            }
        bound = draw(st.lists(subjects(namespaces, cluster=not namespace), min_size=1, max_size=2))
        if draw(st.booleans()):
            bound[0] = attacker  # one subject with several bindings, so primitives add up
        kind = "RoleBinding" if namespace else "ClusterRoleBinding"
        objects.append(
            _rbac(kind, _meta(f"b{index}", namespace), roleRef={"apiGroup": RBAC} | role_ref, subjects=bound)
        )
    if draw(st.integers(0, 2)) == 0:
        # a bundle split between a ClusterRoleBinding and a RoleBinding: only namespaced
        # primitives (service accounts) count from the RoleBinding
        bundle = draw(st.permutations(draw(st.sampled_from(BUNDLES))))
        split = draw(st.integers(1, len(bundle) - 1))
        namespace = draw(st.sampled_from(namespaces))
        for kind, metadata, shapes in (
            ("ClusterRole", _meta("split"), bundle[:split]),
            ("Role", _meta("split", namespace), bundle[split:]),
        ):
            objects.append(_rbac(kind, metadata, rules=[draw(rule(shape)) for shape in shapes]))
            role_ref = {"apiGroup": RBAC, "kind": kind, "name": "split"}
            binding = "RoleBinding" if kind == "Role" else "ClusterRoleBinding"
            objects.append(_rbac(binding, metadata, roleRef=role_ref, subjects=[attacker]))
    if victim:
        role_ref = {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"}
        objects.append(_rbac("ClusterRoleBinding", _meta("victim"), roleRef=role_ref, subjects=[victim]))
    return objects


# --- the engine and the reference --------------------------------------------------------------


def _engine_paths(objects: list[dict[str, Any]]) -> list[Path]:
    records = [Record(body, Origin("in.yaml", index)) for index, body in enumerate(objects)]
    built = snapshot.build(records, whole_cluster=False)
    assert not built.field_problems, built.field_problems
    return escalation_paths(build_world(built), built)


def _key(subject: Subject) -> RefSubject:
    return ADMIN if subject == CLUSTER_ADMIN else (subject.kind, subject.name, subject.namespace)


def _requirements(reference: RefPaths, step: Step) -> list[list[Req]] | None:
    """What the step's action takes: requests each of which some cited grant must allow
    (of each inner list, one), or None for a step that cites no grant."""
    action, (_, name, namespace) = step.action, _key(step.target)
    someone = reference.impersonate_someone
    table: list[tuple[str, list[list[Req]] | None]] = [
        ("is in group system:masters", None),
        ("is bound to ClusterRole cluster-admin", None),
        ("holds every verb on every resource", [[ref.everything()]]),
        ("binds any ClusterRole (cluster-admin)", [[request] for request in ref.bind_cluster_admin()]),
        ("adds any rule to a ClusterRole", [[request] for request in ref.escalate_cluster_roles()]),
        ("impersonates group system:masters", [[ref.impersonate_group("system:masters")], someone]),
        ("runs a pod as it", [ref.run_pod(namespace)]),
        ("creates a token for it", [[ref.token(namespace, name)]]),
        ("execs into a pod that runs as it", [[ref.exec_pods(namespace)]]),
        ("reads its token Secret", [[ref.list_secrets(namespace)]]),
        ("impersonates it (serviceaccounts)", [[ref.impersonate_account(namespace, name)]]),
        ("execs into its pods through the kubelet", [[ref.nodes_proxy()]]),
        ("impersonates it (users)", [[ref.impersonate_user(name)]]),
        ("impersonates it (groups)", [[ref.impersonate_group(name)], someone]),
        ("issues itself a client certificate", [[request] for request in ref.certificates()]),
    ]
    for prefix, requirements in table:
        if action.startswith(prefix):
            event(f"a step: {prefix}")
            return requirements
    raise AssertionError(f"an action the test does not know: {action!r}")


def _grant_allows(
    reference: RefPaths, world: RefWorld, source: RefSubject, grant: Grant, request: Req
) -> bool:
    """Whether the grant's binding, as the raw objects have it, applies to the source's
    identity for ``request`` (a RoleBinding only in its namespace) and its rule allows it."""
    binding = grant.binding
    if binding.is_cluster_binding:
        raw = [b for b in world.cluster_role_bindings if b["metadata"]["name"] == binding.ref.name]
    else:
        if request.namespace != binding.namespace:
            return False
        raw = [
            b
            for b in world.role_bindings
            if (b["metadata"]["name"], b["metadata"].get("namespace"))
            == (binding.ref.name, binding.namespace)
        ]
    [obj] = raw
    user, groups = reference.identity(source)
    subject_index = applies_to(user, groups, obj["subjects"], binding.namespace)
    assert subject_index is not None and binding.subjects[subject_index] == grant.subject, grant
    assert (obj["roleRef"]["kind"], obj["roleRef"]["name"]) == (grant.role.ref.kind, grant.role.ref.name), (
        grant
    )
    rules = world.role_reference_rules(obj["roleRef"], binding.namespace)
    assert rules is not None, grant
    return rule_allows(request, rules[grant.rule_index])


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(worlds())
def test_escalation_paths_are_the_references_shortest(objects: list[dict[str, Any]]) -> None:
    raw: list[Mapping[str, Any]] = [*objects]
    world = RefWorld(raw, whole_cluster=False)
    reference = RefPaths(raw, world)
    paths = _engine_paths(objects)

    # (a) who has a path, and how long the shortest one is
    got = {_key(path.subject): len(path.steps) for path in paths}
    assert len(got) == len(paths), [str(path) for path in paths]
    assert got == reference.distances

    longest = max(got.values(), default=0)
    event(f"longest path: {min(longest, 4)} steps")
    event(f"some path of 2+ steps: {longest >= 2}")

    for path in paths:
        source = _key(path.subject)
        for step in path.steps:
            # (b) each step is one the reference takes
            assert _key(step.source) == source, path
            assert step.target != step.source, path
            assert reference.yields(source, _key(step.target)), (str(step), str(path))
            # (c) each grant cited allows a request of the step's kind, and together they allow all
            requirements = _requirements(reference, step)
            if requirements is None:
                assert step.grants == (), str(step)
            else:
                for grant in step.grants:
                    assert any(
                        _grant_allows(reference, world, source, grant, request)
                        for requests in requirements
                        for request in requests
                    ), (str(step), str(grant))
                for requests in requirements:
                    assert any(
                        _grant_allows(reference, world, source, grant, request)
                        for grant in step.grants
                        for request in requests
                    ), (str(step), requests)
            source = _key(step.target)
        assert source == ADMIN, path
