"""The Snapshot: every object of the input, indexed, plus the views engines share.

Built once from the records the sources read (:func:`build`); engines and controls only
read it. Indexes: by group+kind, by namespace, by name, and by label (for selectors).
Views:

* :attr:`Snapshot.workloads` - one :class:`Workload` per top owner. A Deployment, its
  ReplicaSets and their Pods (as in a live dump) are one workload, reported on the
  Deployment and analysed from its template; a Pod whose controller is not in the input
  is reported on that controller as its ``ownerReferences`` name it.
* :meth:`Snapshot.namespace_labels` - a namespace's labels with the
  ``kubernetes.io/metadata.name`` label the API server sets on every namespace.

Building also checks each object's read fields against their types
(:mod:`kubeward.k8s.schema`); what does not fit is dropped and listed in
:attr:`Snapshot.field_problems`, and the rest of the object is still analysed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kubeward.k8s import schema, selectors
from kubeward.k8s import types as k8s_types
from kubeward.k8s.objects import (
    GroupKind,
    ObjectRef,
    Origin,
    Path,
    Record,
    get_path,
    is_kubeconfig,
    split_api_version,
)
from kubeward.k8s.pods import as_created
from kubeward.k8s.resources import BUILTIN, ResourceTable
from kubeward.k8s.workloads import (
    NOT_WORKLOAD_OWNERS,
    POD,
    WORKLOAD_KINDS,
    TemplateLocation,
    controller_ref,
    template_location,
)

__all__ = ["NAMESPACE_NAME_LABEL", "KubeObject", "Snapshot", "Workload", "build"]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
NAMESPACE = GroupKind("", "Namespace")
_CRD = GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")
_EMPTY: Mapping[str, Any] = {}
_UNNAMED = "an object needs metadata.name (or generateName); it is not analysed"


@dataclass(frozen=True, slots=True, eq=False)
class KubeObject:
    """One object: its body (never mutated once built), reference and origin."""

    body: Mapping[str, Any]
    ref: ObjectRef
    origin: Origin
    api_version: str

    @property
    def metadata(self) -> Mapping[str, Any]:
        metadata = self.body.get("metadata")
        return metadata if isinstance(metadata, Mapping) else _EMPTY

    @property
    def labels(self) -> Mapping[str, str]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, Mapping) else _EMPTY

    @property
    def annotations(self) -> Mapping[str, str]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, Mapping) else _EMPTY

    @property
    def group_kind(self) -> GroupKind:
        return self.ref.group_kind

    def __repr__(self) -> str:
        return f"KubeObject({self.ref}, {self.origin})"


@dataclass(frozen=True, slots=True, eq=False)
class Workload:
    """Pods-to-be: the pod template of one top owner and every input object it covers.

    ``ref`` is where findings go (the top owner, possibly absent from the input: see
    ``owner_in_input``); ``source`` is the object whose template is analysed, and
    ``spec_path``/``metadata_path`` locate that template inside ``source.body``.
    """

    ref: ObjectRef
    source: KubeObject
    location: TemplateLocation
    pod_spec: Mapping[str, Any]
    pod_metadata: Mapping[str, Any]
    members: tuple[KubeObject, ...]
    owner_in_input: bool

    @property
    def namespace(self) -> str:
        return self.source.ref.namespace

    @property
    def spec_path(self) -> Path:
        return self.location.spec

    @property
    def labels(self) -> Mapping[str, str]:
        labels = self.pod_metadata.get("labels")
        return labels if isinstance(labels, Mapping) else _EMPTY

    @property
    def annotations(self) -> Mapping[str, str]:
        """The owner's annotations (where users put ``kubeward.io/ignore``)."""
        return self.source.annotations


@dataclass(frozen=True)
class Snapshot:
    """The indexed input.

    ``whole_cluster`` says the input is a whole cluster's state (a live read, or a dump
    holding the ``default`` and ``kube-system`` namespaces), so a namespace that is not
    there does not exist. ``complete_kinds`` says which kinds the input holds *every*
    object of, so that a control may conclude from absence (no ResourceQuota in this
    namespace): ``None`` means every kind (manifests describe all that will exist, and a
    dump declared with ``--whole-cluster`` holds everything); a live read knows the kinds
    it could list; an auto-detected dump knows the kinds it holds at least one of."""

    objects: tuple[KubeObject, ...]
    kubeconfigs: tuple[KubeObject, ...] = ()
    resources: ResourceTable = BUILTIN
    whole_cluster: bool = False
    field_problems: tuple[tuple[KubeObject, schema.FieldProblem], ...] = ()
    complete_kinds: frozenset[GroupKind] | None = None
    _by_kind: Mapping[GroupKind, tuple[KubeObject, ...]] = field(init=False, repr=False)
    _by_name: Mapping[tuple[GroupKind, str, str], tuple[KubeObject, ...]] = field(init=False, repr=False)
    _by_namespace: Mapping[str, tuple[KubeObject, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_kind: dict[GroupKind, list[KubeObject]] = defaultdict(list)
        by_name: dict[tuple[GroupKind, str, str], list[KubeObject]] = defaultdict(list)
        by_namespace: dict[str, list[KubeObject]] = defaultdict(list)
        for obj in self.objects:
            ref = obj.ref
            by_kind[ref.group_kind].append(obj)
            by_name[(ref.group_kind, ref.namespace, ref.name)].append(obj)
            if ref.namespace:
                by_namespace[ref.namespace].append(obj)
        object.__setattr__(self, "_by_kind", {key: tuple(value) for key, value in by_kind.items()})
        object.__setattr__(self, "_by_name", {key: tuple(value) for key, value in by_name.items()})
        object.__setattr__(self, "_by_namespace", {key: tuple(value) for key, value in by_namespace.items()})

    def of_kind(self, group_kind: GroupKind) -> tuple[KubeObject, ...]:
        return self._by_kind.get(group_kind, ())

    def knows_all(self, group_kind: GroupKind) -> bool:
        """Whether every object of this kind is in the input (see ``complete_kinds``)."""
        return self.complete_kinds is None or group_kind in self.complete_kinds

    def get(self, group_kind: GroupKind, namespace: str, name: str) -> KubeObject | None:
        """The object of this kind and name (the first one, if the input defines it twice)."""
        found = self._by_name.get((group_kind, namespace, name))
        return found[0] if found else None

    def in_namespace(self, namespace: str) -> tuple[KubeObject, ...]:
        return self._by_namespace.get(namespace, ())

    def in_namespace_of_kind(self, group_kind: GroupKind, namespace: str) -> tuple[KubeObject, ...]:
        return tuple(obj for obj in self.of_kind(group_kind) if obj.ref.namespace == namespace)

    @cached_property
    def namespaces(self) -> Mapping[str, KubeObject]:
        """The Namespace objects in the input, by name."""
        return {obj.ref.name: obj for obj in self.of_kind(NAMESPACE)}

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        """The namespace's labels as the API server holds them (name label included)."""
        namespace = self.namespaces.get(name)
        labels = dict(namespace.labels) if namespace is not None else {}
        labels[NAMESPACE_NAME_LABEL] = name
        return labels

    def select(
        self, group_kind: GroupKind, namespace: str, selector: selectors.Selector
    ) -> tuple[KubeObject, ...]:
        """Objects of ``group_kind`` in ``namespace`` whose labels match ``selector``."""
        if selector.selects_nothing:
            return ()
        candidates = self._label_index.get((group_kind, namespace))
        if candidates is None:
            return ()
        pool: Iterable[KubeObject] = candidates[None]
        for requirement in selector.requirements:
            if requirement.operator in ("Equals", "In"):
                by_value = candidates.get(requirement.key)
                if by_value is None:
                    return ()
                pool = [obj for value in sorted(requirement.values) for obj in by_value.get(value, ())]
                break
        return tuple(obj for obj in pool if selector.matches(obj.labels))

    @cached_property
    def _label_index(self) -> Mapping[tuple[GroupKind, str], dict[Any, Any]]:
        index: dict[tuple[GroupKind, str], dict[Any, Any]] = {}
        for obj in self.objects:
            entry = index.setdefault((obj.ref.group_kind, obj.ref.namespace), {None: []})
            entry[None].append(obj)
            for key, value in obj.labels.items():
                entry.setdefault(key, {}).setdefault(value, []).append(obj)
        return index

    @cached_property
    def workloads(self) -> tuple[Workload, ...]:
        """One workload per top owner, sorted by reference."""
        return _workloads(self)


# --- building ----------------------------------------------------------------------------


def build(
    records: Iterable[Record],
    *,
    default_namespace: str | None = None,
    whole_cluster: bool | None = None,
    listed_kinds: frozenset[GroupKind] | None = None,
) -> Snapshot:
    """Index ``records``. ``default_namespace`` is given to namespaced objects whose
    manifest has none (as ``kubectl apply -n`` would); ``whole_cluster=None`` decides from
    the input; ``listed_kinds`` are the kinds a live read listed in full (see
    :class:`Snapshot` for which kinds are known complete)."""
    records = list(records)
    crds = [record.body for record in records if _group_kind(record.body) == _CRD]
    table = BUILTIN.with_crds(crds)
    objects: list[KubeObject] = []
    kubeconfigs: list[KubeObject] = []
    problems: list[tuple[KubeObject, schema.FieldProblem]] = []
    for record in records:
        body = record.body
        group_kind = _group_kind(body)
        if is_kubeconfig(body):
            kubeconfigs.append(KubeObject(body, ObjectRef("Config", record.origin.file), record.origin, "v1"))
            continue
        found = schema.check_object(group_kind, body)
        obj = KubeObject(
            body, _ref(group_kind, body, table, default_namespace), record.origin, body["apiVersion"]
        )
        if not obj.ref.name and table.by_kind(group_kind) is not None:
            # An API object the server would refuse; kinds that are not API resources
            # (AuthenticationConfiguration, Kustomization...) have no names and stay.
            problems.extend((obj, problem) for problem in found)
            problems.append((obj, schema.FieldProblem(("metadata", "name"), _UNNAMED, fatal=True)))
            continue
        if group_kind not in WORKLOAD_KINDS and template_location(group_kind, body) is not None:
            template = body["spec"]["template"]  # a custom workload: check its template too
            found += schema.check_value(k8s_types.PodTemplateSpec, template, ("spec", "template"))
        problems.extend((obj, problem) for problem in found)
        objects.append(obj)
    complete = listed_kinds
    if whole_cluster is None:
        declared = {obj.ref.name for obj in objects if obj.ref.group_kind == NAMESPACE}
        whole_cluster = {"default", "kube-system"} <= declared
        if whole_cluster and complete is None:  # a dump, not declared whole: only what it shows
            complete = frozenset(obj.ref.group_kind for obj in objects)
    return Snapshot(tuple(objects), tuple(kubeconfigs), table, whole_cluster, tuple(problems), complete)


def _group_kind(body: Mapping[str, Any]) -> GroupKind:
    return GroupKind(split_api_version(str(body.get("apiVersion", "")))[0], str(body.get("kind", "")))


def _ref(
    group_kind: GroupKind, body: Mapping[str, Any], table: ResourceTable, default_namespace: str | None
) -> ObjectRef:
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else _EMPTY
    name = metadata.get("name") or metadata.get("generateName") or ""
    namespace = metadata.get("namespace") or ""
    namespaced = table.is_namespaced(group_kind)
    if namespaced is False:
        namespace = ""
    elif namespaced and not namespace and default_namespace:
        namespace = default_namespace
    return ObjectRef(group_kind.kind, name, namespace, group_kind.group)


def _workloads(snapshot: Snapshot) -> tuple[Workload, ...]:
    candidates: list[tuple[KubeObject, TemplateLocation]] = []
    for obj in snapshot.objects:
        location = template_location(obj.group_kind, obj.body)
        if location is not None:
            candidates.append((obj, location))
    by_uid = {obj.metadata["uid"]: obj for obj, _ in candidates if isinstance(obj.metadata.get("uid"), str)}
    by_name = {(obj.ref.kind, obj.ref.namespace, obj.ref.name): obj for obj, _ in reversed(candidates)}
    locations = {id(obj): location for obj, location in candidates}

    groups: dict[ObjectRef, list[KubeObject]] = defaultdict(list)
    tops: dict[ObjectRef, list[KubeObject]] = defaultdict(list)
    for obj, _ in candidates:
        top, ref = _top_owner(obj, by_uid, by_name)
        groups[ref].append(obj)
        tops[ref].append(top)

    workloads: list[Workload] = []
    for ref, members in groups.items():
        # The top owner's template, or (when it is unusable, or the owner is absent) the
        # next member's: a controller before a pod, then by name.
        order = sorted(
            {id(obj): obj for obj in tops[ref] + members}.values(), key=lambda o: (o.ref != ref, _rank(o))
        )
        for source in order:
            location = locations[id(source)]
            pod_spec = get_path(source.body, location.spec)
            if isinstance(pod_spec, Mapping):
                break
        else:
            continue  # no usable template: the field checks reported why
        pod_metadata = get_path(source.body, location.metadata)
        pod_metadata = pod_metadata if isinstance(pod_metadata, Mapping) else _EMPTY
        if source.group_kind == POD:
            pod_spec = as_created(pod_metadata, pod_spec)
        workloads.append(
            Workload(
                ref=ref,
                source=source,
                location=location,
                pod_spec=pod_spec,
                pod_metadata=pod_metadata,
                members=tuple(members),
                owner_in_input=snapshot.get(ref.group_kind, ref.namespace, ref.name) is not None,
            )
        )
    workloads.sort(key=lambda workload: workload.ref)
    return tuple(workloads)


def _rank(obj: KubeObject) -> tuple[int, str]:
    return (1 if obj.ref.kind == "Pod" else 0, obj.ref.name)


_POD_TEMPLATE_HASH = "pod-template-hash"


def _deployment_by_hash(
    obj: KubeObject,
    owner_kind: GroupKind,
    owner_name: str,
    by_name: Mapping[tuple[str, str, str], KubeObject],
) -> KubeObject | None:
    """The Deployment behind an absent ReplicaSet (``kubectl get deploy,pods`` dumps have no
    ReplicaSets): the deployment controller names a ReplicaSet ``<deployment>-<hash>`` and
    labels its pods ``pod-template-hash: <hash>``."""
    template_hash = obj.labels.get(_POD_TEMPLATE_HASH)
    if owner_kind.kind != "ReplicaSet" or not template_hash or not owner_name.endswith(f"-{template_hash}"):
        return None
    deployment = by_name.get(("Deployment", obj.ref.namespace, owner_name[: -len(template_hash) - 1]))
    return (
        deployment
        if deployment is not None and deployment.group_kind.group in ("apps", "extensions")
        else None
    )


def _top_owner(
    obj: KubeObject,
    by_uid: Mapping[str, KubeObject],
    by_name: Mapping[tuple[str, str, str], KubeObject],
) -> tuple[KubeObject, ObjectRef]:
    """(the highest owner present in the input, the ref findings go to).

    An owner is found by the reference's uid; by kind, namespace and name only when the
    reference or the candidate has no uid (a different uid is a different object, even
    with the same name)."""
    current = obj
    seen = {id(obj)}
    while True:
        controller = controller_ref(current.metadata)
        if controller is None or controller.group_kind in NOT_WORKLOAD_OWNERS:
            return current, current.ref
        owner = by_uid.get(controller.uid) if controller.uid else None
        if owner is None:
            named = by_name.get((controller.group_kind.kind, current.ref.namespace, controller.name))
            if named is not None and not (controller.uid and isinstance(named.metadata.get("uid"), str)):
                owner = named
        if owner is None:
            owner = _deployment_by_hash(current, controller.group_kind, controller.name, by_name)
        if owner is None:
            absent = ObjectRef(
                controller.group_kind.kind,
                controller.name,
                current.ref.namespace,
                controller.group_kind.group,
            )
            return current, absent
        if id(owner) in seen:  # an ownership cycle: stop at the object where it closes
            return owner, owner.ref
        seen.add(id(owner))
        current = owner
