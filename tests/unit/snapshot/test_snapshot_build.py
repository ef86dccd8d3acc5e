"""Building a Snapshot: references, indexes, namespaces, whole-cluster detection, field
problems and label selection (compared with a brute-force filter)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.k8s import selectors
from kubeward.k8s.objects import GroupKind, ObjectRef, Origin, Record
from kubeward.k8s.schema import FieldProblem
from kubeward.snapshot import snapshot
from kubeward.snapshot.snapshot import NAMESPACE_NAME_LABEL, Snapshot
from unit.k8s.selector_reference import label_maps, raw_selectors, reference_matches

POD = GroupKind("", "Pod")
SERVICE = GroupKind("", "Service")
NAMESPACE = GroupKind("", "Namespace")
DEPLOYMENT = GroupKind("apps", "Deployment")


def _obj(
    api_version: str, kind: str, name: str, namespace: str | None = None, **extra: Any
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **extra}


def _build(*bodies: dict[str, Any], **options: Any) -> Snapshot:
    return snapshot.build(
        [Record(body, Origin("in.yaml", index)) for index, body in enumerate(bodies)], **options
    )


WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Cluster",
        "versions": [{"name": "v1", "served": True, "storage": True}],
    },
}
GADGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Gadget", "plural": "gadgets"},
        "scope": "Namespaced",
        "versions": [{"name": "v1", "served": True, "storage": True}],
    },
}

# (rule, bodies, default_namespace, refs of the objects in order)
REFS: list[tuple[str, list[dict[str, Any]], str | None, list[ObjectRef]]] = [
    (
        "the group comes from apiVersion; the core group is empty",
        [_obj("apps/v1", "Deployment", "web", "prod"), _obj("v1", "Pod", "p", "prod")],
        None,
        [ObjectRef("Deployment", "web", "prod", "apps"), ObjectRef("Pod", "p", "prod")],
    ),
    (
        "a namespaced kind without a namespace gets the default namespace",
        [_obj("v1", "ConfigMap", "cm"), _obj("rbac.authorization.k8s.io/v1", "Role", "r")],
        "team",
        [ObjectRef("ConfigMap", "cm", "team"), ObjectRef("Role", "r", "team", "rbac.authorization.k8s.io")],
    ),
    (
        "a manifest's own namespace wins over the default",
        [_obj("v1", "ConfigMap", "cm", "prod")],
        "team",
        [ObjectRef("ConfigMap", "cm", "prod")],
    ),
    (
        "without a default namespace the namespace stays empty",
        [_obj("v1", "ConfigMap", "cm")],
        None,
        [ObjectRef("ConfigMap", "cm", "")],
    ),
    (
        "an empty namespace in the manifest is no namespace",
        [_obj("v1", "ConfigMap", "cm", "")],
        "team",
        [ObjectRef("ConfigMap", "cm", "team")],
    ),
    (
        "cluster-scoped kinds drop a stray namespace and never get the default",
        [
            _obj("v1", "Namespace", "prod", "prod"),
            _obj("rbac.authorization.k8s.io/v1", "ClusterRole", "admin", "prod"),
            _obj("v1", "Node", "n1"),
        ],
        "team",
        [
            ObjectRef("Namespace", "prod"),
            ObjectRef("ClusterRole", "admin", "", "rbac.authorization.k8s.io"),
            ObjectRef("Node", "n1"),
        ],
    ),
    (
        "unknown kinds keep their namespace and get no default",
        [_obj("example.com/v1", "Thing", "a", "prod"), _obj("example.com/v1", "Thing", "b")],
        "team",
        [ObjectRef("Thing", "a", "prod", "example.com"), ObjectRef("Thing", "b", "", "example.com")],
    ),
    (
        "a CRD in the input decides a custom kind's scope, wherever it is in the input",
        [
            _obj("example.com/v1", "Widget", "w", "prod"),
            _obj("example.com/v1", "Gadget", "g"),
            WIDGET_CRD,
            GADGET_CRD,
        ],
        "team",
        [
            ObjectRef("Widget", "w", "", "example.com"),
            ObjectRef("Gadget", "g", "team", "example.com"),
            ObjectRef("CustomResourceDefinition", "widgets.example.com", "", "apiextensions.k8s.io"),
            ObjectRef("CustomResourceDefinition", "gadgets.example.com", "", "apiextensions.k8s.io"),
        ],
    ),
    (
        "generateName names an object without a name",
        [{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "migrate-"}}],
        "team",
        [ObjectRef("Job", "migrate-", "team", "batch")],
    ),
    (
        "an API object without a name is not analysed (the API server refuses it)",
        [
            {"apiVersion": "v1", "kind": "ConfigMap"},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": []},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 7, "namespace": ["x"]}},
        ],
        "team",
        [],
    ),
    (
        "a kind that is not an API resource (a configuration file) needs no name",
        [{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration"}],
        None,
        [ObjectRef("AuthenticationConfiguration", "", "", "apiserver.config.k8s.io")],
    ),
]


@pytest.mark.parametrize(
    ("rule", "bodies", "default_namespace", "refs"), REFS, ids=[case[0] for case in REFS]
)
def test_refs(
    rule: str, bodies: list[dict[str, Any]], default_namespace: str | None, refs: list[ObjectRef]
) -> None:
    snap = _build(*bodies, default_namespace=default_namespace)
    assert [obj.ref for obj in snap.objects] == refs


def test_objects_keep_body_origin_and_api_version() -> None:
    body = _obj("apps/v1", "Deployment", "web", "prod", spec={"template": {"spec": {"containers": []}}})
    snap = snapshot.build([Record(body, Origin("deploy.yaml", 2, 7))])
    (obj,) = snap.objects
    assert obj.body is body
    assert obj.origin == Origin("deploy.yaml", 2, 7)
    assert obj.api_version == "apps/v1"
    assert obj.group_kind == DEPLOYMENT
    assert repr(obj) == "KubeObject(Deployment.apps prod/web, deploy.yaml:7)"


def test_metadata_labels_and_annotations_views() -> None:
    snap = _build(
        _obj("v1", "Pod", "a", "x"),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "b", "namespace": "x", "labels": {"app": "b"}, "annotations": {"note": "n"}},
        },
    )
    first, second = snap.objects
    assert (dict(first.labels), dict(first.annotations)) == ({}, {})
    assert (dict(second.labels), dict(second.annotations)) == ({"app": "b"}, {"note": "n"})
    assert second.metadata["name"] == "b"


# --- indexes --------------------------------------------------------------------------------


@pytest.fixture
def indexed() -> Snapshot:
    return _build(
        _obj("v1", "Namespace", "prod"),
        _obj("v1", "Pod", "web", "prod"),
        _obj("v1", "Pod", "web", "staging"),
        _obj("apps/v1", "Deployment", "web", "prod"),
        _obj("v1", "Service", "web", "prod"),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "namespace": "prod", "uid": "second"},
        },
        _obj("v1", "Node", "n1"),
        _obj("v1", "Namespace", "kube-system"),
    )


def test_of_kind(indexed: Snapshot) -> None:
    assert [str(obj.ref) for obj in indexed.of_kind(POD)] == [
        "Pod prod/web",
        "Pod staging/web",
        "Pod prod/web",
    ]
    assert [str(obj.ref) for obj in indexed.of_kind(DEPLOYMENT)] == ["Deployment.apps prod/web"]
    assert indexed.of_kind(GroupKind("extensions", "Deployment")) == ()
    assert indexed.of_kind(GroupKind("", "Deployment")) == ()


def test_get_returns_the_first_of_duplicates(indexed: Snapshot) -> None:
    found = indexed.get(POD, "prod", "web")
    assert found is indexed.objects[1]
    assert indexed.get(POD, "staging", "web") is indexed.objects[2]
    assert indexed.get(POD, "", "web") is None
    assert indexed.get(GroupKind("", "Node"), "", "n1") is indexed.objects[6]
    assert indexed.get(SERVICE, "prod", "nope") is None


def test_in_namespace(indexed: Snapshot) -> None:
    assert [str(obj.ref) for obj in indexed.in_namespace("prod")] == [
        "Pod prod/web",
        "Deployment.apps prod/web",
        "Service prod/web",
        "Pod prod/web",
    ]
    assert indexed.in_namespace("") == ()  # cluster-scoped objects are in no namespace
    assert indexed.in_namespace("absent") == ()
    assert [str(obj.ref) for obj in indexed.in_namespace_of_kind(SERVICE, "prod")] == ["Service prod/web"]


def test_namespaces(indexed: Snapshot) -> None:
    assert sorted(indexed.namespaces) == ["kube-system", "prod"]
    assert indexed.namespaces["prod"] is indexed.objects[0]


@pytest.mark.parametrize(
    ("labels", "name", "expected"),
    [
        ({"team": "a"}, "prod", {"team": "a", NAMESPACE_NAME_LABEL: "prod"}),
        (None, "prod", {NAMESPACE_NAME_LABEL: "prod"}),
        ({NAMESPACE_NAME_LABEL: "spoofed"}, "prod", {NAMESPACE_NAME_LABEL: "prod"}),
    ],
    ids=["declared labels plus the name label", "no labels", "the API server overwrites the name label"],
)
def test_namespace_labels(labels: dict[str, str] | None, name: str, expected: dict[str, str]) -> None:
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = labels
    snap = _build({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
    assert dict(snap.namespace_labels(name)) == expected


def test_namespace_labels_of_an_undeclared_namespace() -> None:
    snap = _build(_obj("v1", "Pod", "p", "apps"))
    assert dict(snap.namespace_labels("apps")) == {NAMESPACE_NAME_LABEL: "apps"}
    assert dict(snap.namespace_labels("nowhere")) == {NAMESPACE_NAME_LABEL: "nowhere"}


def test_namespace_labels_are_a_copy() -> None:
    body = _obj("v1", "Namespace", "prod")
    body["metadata"]["labels"] = {"team": "a"}
    snap = _build(body)
    snap.namespace_labels("prod")
    assert body["metadata"]["labels"] == {"team": "a"}


# --- whole cluster ----------------------------------------------------------------------------

WHOLE_CLUSTER: list[tuple[str, list[str], list[str], bool | None, bool]] = [
    ("nothing declared", [], [], None, False),
    ("only default", ["default"], [], None, False),
    ("only kube-system", ["kube-system"], [], None, False),
    ("default and kube-system", ["default", "kube-system", "prod"], [], None, True),
    ("namespaces used but not declared", [], ["default", "kube-system"], None, False),
    ("explicit False wins", ["default", "kube-system"], [], False, False),
    ("explicit True wins", [], [], True, True),
]


@pytest.mark.parametrize(
    ("rule", "declared", "used", "explicit", "expected"),
    WHOLE_CLUSTER,
    ids=[case[0] for case in WHOLE_CLUSTER],
)
def test_whole_cluster(
    rule: str, declared: list[str], used: list[str], explicit: bool | None, expected: bool
) -> None:
    bodies = [_obj("v1", "Namespace", name) for name in declared]
    bodies += [_obj("v1", "ConfigMap", "cm", namespace) for namespace in used]
    assert _build(*bodies, whole_cluster=explicit).whole_cluster is expected


def test_a_namespace_declared_as_another_kind_does_not_count() -> None:
    assert not _build(
        _obj("example.com/v1", "Namespace", "default"), _obj("v1", "Namespace", "kube-system")
    ).whole_cluster


# --- kubeconfigs and field problems -------------------------------------------------------------


def test_kubeconfigs_are_kept_apart() -> None:
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}
    not_a_kubeconfig = {"apiVersion": "example.com/v1", "kind": "Config", "metadata": {"name": "c"}}
    snap = snapshot.build(
        [
            Record(kubeconfig, Origin("kubeconfig.yaml")),
            Record(_obj("v1", "Pod", "p", "x"), Origin("pod.yaml")),
            Record(not_a_kubeconfig, Origin("config.yaml")),
        ]
    )
    assert [obj.ref for obj in snap.kubeconfigs] == [ObjectRef("Config", "kubeconfig.yaml")]
    assert snap.kubeconfigs[0].body is kubeconfig
    assert [obj.ref for obj in snap.objects] == [
        ObjectRef("Pod", "p", "x"),
        ObjectRef("Config", "c", "", "example.com"),
    ]
    assert snap.of_kind(GroupKind("", "Config")) == ()


def test_field_problems_name_the_object_and_the_path() -> None:
    pod = _obj("v1", "Pod", "p", "x", spec={"containers": [{"name": "a"}], "hostNetwork": "yes"})
    deployment = _obj("apps/v1", "Deployment", "d", "x", spec=None)
    rollout = _obj(
        "argoproj.io/v1alpha1",
        "Rollout",
        "r",
        "x",
        spec={"template": {"metadata": {"labels": {"v": 2}}, "spec": {"containers": [{"name": 1}]}}},
    )
    fine = _obj("v1", "Pod", "fine", "x", spec={"containers": []})
    snap = _build(pod, deployment, rollout, fine)
    assert [(str(obj.ref), problem) for obj, problem in snap.field_problems] == [
        ("Pod x/p", FieldProblem(("spec", "hostNetwork"), "expected a boolean, got a string")),
        ("Deployment.apps x/d", FieldProblem(("spec",), "required field is null")),
        (
            "Rollout.argoproj.io x/r",
            FieldProblem(("spec", "template", "metadata", "labels", "v"), "expected a string, got a number"),
        ),
        (
            "Rollout.argoproj.io x/r",
            FieldProblem(
                ("spec", "template", "spec", "containers", 0, "name"), "expected a string, got a number"
            ),
        ),
    ]
    # what did not fit is gone from the bodies; the rest is still there
    assert pod["spec"] == {"containers": [{"name": "a"}]}
    assert "spec" not in deployment
    assert rollout["spec"]["template"] == {"metadata": {"labels": {}}, "spec": {"containers": [{}]}}


# --- selection ----------------------------------------------------------------------------------


def test_select_basics() -> None:
    snap = _build(
        _obj(
            "v1",
            "Pod",
            "a",
            "x",
        ),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "b", "namespace": "x", "labels": {"app": "web"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "c", "namespace": "y", "labels": {"app": "web"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "d", "namespace": "x", "labels": {"app": "web"}},
        },
    )
    web = selectors.parse_label_selector({"matchLabels": {"app": "web"}})
    assert [obj.ref.name for obj in snap.select(POD, "x", web)] == ["b"]
    assert [obj.ref.name for obj in snap.select(POD, "x", selectors.EVERYTHING)] == ["a", "b"]
    assert snap.select(POD, "x", selectors.NOTHING) == ()
    assert snap.select(POD, "z", selectors.EVERYTHING) == ()
    not_web = selectors.parse_label_selector(
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}
    )
    assert [obj.ref.name for obj in snap.select(POD, "x", not_web)] == ["a"]


def test_select_cluster_scoped_objects_with_the_empty_namespace() -> None:
    snap = _build(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"team": "t"}}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}},
    )
    team = selectors.parse_label_selector({"matchExpressions": [{"key": "team", "operator": "Exists"}]})
    assert [obj.ref.name for obj in snap.select(NAMESPACE, "", team)] == ["a"]


_KINDS = (("v1", "Pod"), ("v1", "Service"), ("apps/v1", "Deployment"), ("v1", "Namespace"))
_NAMESPACES = ("a", "b", None)


@st.composite
def _clusters(draw: st.DrawFn) -> list[dict[str, Any]]:
    bodies = []
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        api_version, kind = draw(st.sampled_from(_KINDS))
        metadata: dict[str, Any] = {"name": f"o{index}"}
        namespace = draw(st.sampled_from(_NAMESPACES))
        if namespace is not None:
            metadata["namespace"] = namespace
        labels = draw(label_maps())
        if labels or draw(st.booleans()):
            metadata["labels"] = labels
        bodies.append({"apiVersion": api_version, "kind": kind, "metadata": metadata})
    return bodies


@settings(max_examples=400, deadline=None)
@given(
    bodies=_clusters(),
    kind=st.sampled_from([POD, SERVICE, DEPLOYMENT, NAMESPACE]),
    namespace=st.sampled_from(["a", "b", ""]),
    raw=raw_selectors(),
)
def test_select_agrees_with_brute_force(
    bodies: list[dict[str, Any]], kind: GroupKind, namespace: str, raw: dict[str, Any] | None
) -> None:
    snap = _build(*bodies)
    got = snap.select(kind, namespace, selectors.parse_label_selector(raw))
    position = {id(obj): index for index, obj in enumerate(snap.objects)}
    expected = [
        index
        for index, obj in enumerate(snap.objects)
        if obj.group_kind == kind and obj.ref.namespace == namespace and reference_matches(raw, obj.labels)
    ]
    assert sorted(position[id(obj)] for obj in got) == expected
    assert len({id(obj) for obj in got}) == len(got)  # no object twice


def test_unnamed_api_objects_are_fatal_field_problems() -> None:
    snap = _build({"apiVersion": "v1", "kind": "Namespace", "metadata": []})
    assert snap.objects == ()
    [(_, wrong_type), (obj, problem)] = snap.field_problems
    assert (wrong_type.path, wrong_type.message) == (("metadata",), "expected a mapping, got a list")
    assert (str(obj.ref), problem.path, problem.fatal) == ("Namespace <unnamed>", ("metadata", "name"), True)
    assert problem.message == "an object needs metadata.name (or generateName); it is not analysed"
