"""The workloads view: one workload per top owner, from the scenarios in
``tests/data/snapshot/workloads/*.yaml``.

Each scenario states the rule it pins (``rule``), the input objects (``objects``, read in
order from one file), an optional ``default_namespace``, and every workload the view must
hold, sorted by reference (``expect``): the reference findings go to, the object whose
template is analysed, whether the owner is in the input, the members in input order, the
template's paths, the names of its containers (init, regular, ephemeral) and its labels.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

from kubeward.k8s.containers import iter_containers
from kubeward.k8s.objects import Origin, Record
from kubeward.snapshot import snapshot
from kubeward.snapshot.snapshot import Snapshot, Workload

SCENARIOS = pathlib.Path(__file__).parents[2] / "data" / "snapshot" / "workloads"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


def _load(path: pathlib.Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        scenario: dict[str, Any] = yaml.safe_load(stream)
    return scenario


def _build(scenario: dict[str, Any]) -> Snapshot:
    records = [
        Record(body, Origin(f"{scenario['name']}.yaml", index))
        for index, body in enumerate(scenario["objects"])
    ]
    return snapshot.build(records, default_namespace=scenario.get("default_namespace"))


def _describe(workload: Workload) -> dict[str, Any]:
    return {
        "ref": str(workload.ref),
        "source": str(workload.source.ref),
        "owner_in_input": workload.owner_in_input,
        "members": [str(member.ref) for member in workload.members],
        "spec_path": list(workload.spec_path),
        "metadata_path": list(workload.location.metadata),
        "containers": [container.name for container in iter_containers(workload.pod_spec)],
        "labels": dict(workload.labels),
    }


def _expected(entry: dict[str, Any]) -> dict[str, Any]:
    spec_path = entry["spec_path"]
    default_metadata = [*spec_path[:-1], "metadata"]
    return {
        "ref": entry["ref"],
        "source": entry["source"],
        "owner_in_input": entry["owner_in_input"],
        "members": entry["members"],
        "spec_path": spec_path,
        "metadata_path": entry.get("metadata_path", default_metadata),
        "containers": entry["containers"],
        "labels": entry.get("labels", {}),
    }


def test_scenarios_are_complete() -> None:
    assert len(SCENARIO_FILES) >= 12
    for path in SCENARIO_FILES:
        scenario = _load(path)
        assert set(scenario) <= {"rule", "objects", "expect", "default_namespace"}, path.name
        assert scenario["rule"] and scenario["objects"] and "expect" in scenario, path.name


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[path.stem for path in SCENARIO_FILES])
def test_workloads(path: pathlib.Path) -> None:
    scenario = {"name": path.stem, **_load(path)}
    view = _build(scenario).workloads
    assert [_describe(workload) for workload in view] == [_expected(entry) for entry in scenario["expect"]]


def test_every_object_with_a_template_is_in_exactly_one_workload() -> None:
    for path in SCENARIO_FILES:
        snap = _build({"name": path.stem, **_load(path)})
        members = [id(member) for workload in snap.workloads for member in workload.members]
        assert len(members) == len(set(members)), path.name


def test_workload_properties() -> None:
    snap = _build(
        {
            "name": "props",
            "objects": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {
                        "name": "web",
                        "namespace": "prod",
                        "labels": {"owner": "label"},
                        "annotations": {"kubeward.io/ignore": "KW-POD-001"},
                    },
                    "spec": {
                        "template": {
                            "metadata": {"labels": {"app": "web"}, "annotations": {"pod": "annotation"}},
                            "spec": {"containers": [{"name": "app"}]},
                        }
                    },
                }
            ],
        }
    )
    (workload,) = snap.workloads
    assert workload.namespace == "prod"
    assert dict(workload.labels) == {"app": "web"}  # the pod template's labels
    assert dict(workload.annotations) == {"kubeward.io/ignore": "KW-POD-001"}  # the owner's
    assert workload.pod_spec is workload.source.body["spec"]["template"]["spec"]
    assert workload.pod_metadata is workload.source.body["spec"]["template"]["metadata"]


def test_workloads_view_is_cached() -> None:
    snap = _build({"name": "cached", "objects": _load(SCENARIO_FILES[0])["objects"]})
    assert snap.workloads is snap.workloads
