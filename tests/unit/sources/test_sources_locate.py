"""Lines of fields inside objects, found again from the text after loading."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeward
from kubeward.k8s.objects import Origin
from kubeward.k8s.objects import Path as FieldPath
from kubeward.sources.files import ReadResult, read_inputs
from kubeward.sources.locate import Locator

STREAM = """apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  containers:
  - name: c
    image: nginx
    securityContext:
      privileged: yes
---
# Source: chart/templates/list.yaml
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
  spec:
    "on": quoted
    on: resolved
    containers:
    - name: d
- apiVersion: v1
  kind: Pod
  metadata: {name: e, labels: {app: x}}
"""

# (rule, object name, field path, line)
YAML_CASES: list[tuple[str, str, FieldPath, int]] = [
    ("the object itself", "a", (), 1),
    ("a top-level field", "a", ("spec",), 5),
    ("a nested field through a list", "a", ("spec", "containers", 0, "image"), 8),
    ("a deep field", "a", ("spec", "containers", 0, "securityContext", "privileged"), 10),
    ("a missing field: its parent", "a", ("spec", "containers", 0, "securityContext", "runAsUser"), 9),
    ("a missing list index: the list", "a", ("spec", "containers", 3, "image"), 6),
    ("a missing top-level field: the object", "a", ("status", "phase"), 1),
    ("an index into a mapping does not exist", "a", ("spec", 0), 5),
    ("a List item, after a Helm Source comment", "b", (), 16),
    ("a field of a List item", "b", ("metadata", "name"), 19),
    ("a list element's line is its own", "b", ("spec", "containers", 0), 24),
    ("a missing field of a List item", "b", ("spec", "containers", 0, "image"), 24),
    ("a quoted key is what it says", "b", ("spec", "on"), 21),
    ("a plain key is what it resolves to", "b", ("spec", "true"), 22),
    ("the next List item", "e", (), 25),
    ("a flow mapping field", "e", ("metadata", "labels", "app"), 27),
]  # fmt: skip


def by_name(result: ReadResult) -> dict[str, Origin]:
    return {record.body["metadata"]["name"]: record.origin for record in result.records}


@pytest.fixture(scope="module")
def yaml_file(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Origin]:
    file = tmp_path_factory.mktemp("locate") / "stream.yaml"
    file.write_text(STREAM)
    result = read_inputs([str(file)])
    assert result.errors == []
    return by_name(result)


@pytest.mark.parametrize(
    ("name", "path", "line"),
    [pytest.param(name, path, line, id=rule) for rule, name, path, line in YAML_CASES],
)
def test_lines_in_a_yaml_file(yaml_file: dict[str, Origin], name: str, path: FieldPath, line: int) -> None:
    assert Locator().line(yaml_file[name], path) == line


@pytest.mark.parametrize(
    ("name", "path", "line"),
    [pytest.param(name, path, line, id=rule) for rule, name, path, line in YAML_CASES],
)
def test_lines_in_stdin(name: str, path: FieldPath, line: int) -> None:
    result = read_inputs(["-"], stdin=io.BytesIO(STREAM.encode()))
    assert Locator(stdin_text=result.stdin_text).line(by_name(result)[name], path) == line


JSON_DUMP = """{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {"name": "x"},
      "spec": {
        "containers": [
          {"name": "c", "image": "nginx"}
        ]
      }
    },
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "y"}}
  ]
}
"""


@pytest.mark.parametrize(
    ("name", "path", "line"),
    [
        pytest.param("x", (), 5, id="a List item"),
        pytest.param("x", ("metadata", "name"), 8, id="a field of an item"),
        pytest.param("x", ("spec", "containers", 0, "image"), 11, id="a nested field"),
        pytest.param("x", ("spec", "hostNetwork"), 9, id="a missing field: its parent"),
        pytest.param("y", (), 15, id="an item on one line"),
        pytest.param("y", ("spec", "containers"), 15, id="a missing field of a one-line item"),
    ],
)
def test_lines_in_a_json_file(tmp_path: Path, name: str, path: FieldPath, line: int) -> None:
    file = tmp_path / "dump.json"
    file.write_text(JSON_DUMP)
    result = read_inputs([str(file)])
    assert Locator().line(by_name(result)[name], path) == line


def test_lines_of_json_objects_in_a_stream() -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}\n{"apiVersion": "v1",\n "kind": "Pod",\n "metadata": {"name": "q"}}\n'  # noqa: E501
    result = read_inputs(["-"], stdin=io.BytesIO(text.encode()))
    locator = Locator(stdin_text=result.stdin_text)
    origins = by_name(result)
    assert [
        locator.line(origins["p"], ("metadata", "name")),
        locator.line(origins["q"], ("metadata", "name")),
    ] == [1, 4]


@pytest.mark.parametrize(
    ("origin", "line"),
    [
        pytest.param(Origin("cluster:prod", 0, None), None, id="an object without a line"),
        pytest.param(Origin("/no/such/file.yaml", 0, 7), 7, id="a file that cannot be read: the object line"),
        pytest.param(Origin("-", 0, 3), 3, id="stdin without its text: the object line"),
    ],
)
def test_lines_that_cannot_be_found_fall_back(origin: Origin, line: int | None) -> None:
    assert Locator().line(origin, ("spec", "x")) == line


def test_a_file_changed_since_loading_falls_back_to_the_object_line(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text("apiVersion: v1\nkind: Pod\nspec:\n  x: 1\n")
    origin = read_inputs([str(file)]).records[0].origin
    file.write_text("# now longer\n\napiVersion: v1\nkind: Pod\nspec:\n  x: 1\n")
    assert Locator().line(origin, ("spec", "x")) == 1


def test_locating_in_a_large_list_composes_only_the_item(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A finding on one item of a dump must not recompose the whole dump (it once took
    minutes for a few dozen findings on a 14 MB List)."""
    items = "".join(
        f"- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n"
        "  spec:\n    containers:\n    - name: c\n      image: nginx\n  status:\n    phase: Running\n"
        for i in range(2000)
    )
    path = tmp_path / "dump.yaml"
    path.write_text("apiVersion: v1\nkind: List\nitems:\n" + items)
    records = read_inputs([str(path)]).records
    composed: list[int] = []
    real_compose = yaml.compose

    def counting_compose(stream: str, Loader: Any) -> Any:
        composed.append(len(stream))  # never padded with the lines before it
        return real_compose(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "compose", counting_compose)
    locator = Locator()
    lines = [locator.line(record.origin, ("spec", "containers", 0, "image")) for record in records[::100]]
    assert lines == [record.origin.line + 7 for record in records[::100]]
    assert len(composed) == 20
    assert max(composed) < 300  # one item's text, not the List's


SECRET_AND_POD = (
    "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: aHVudGVyMg==}\n---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
)


def test_text_holding_secret_values_is_never_kept_or_read_again(tmp_path: Path) -> None:
    """Field lines cost a second read of the input; not for text with Secret values in it:
    objects there keep the line they start on."""
    stdin = read_inputs(["-"], stdin=io.BytesIO(SECRET_AND_POD.encode()))
    assert stdin.stdin_text is None
    assert any("text is not kept" in note for note in stdin.notes)
    path = tmp_path / "both.yaml"
    path.write_text(SECRET_AND_POD)
    inputs = kubeward.load([str(path)])
    pod = next(obj for obj in inputs.snapshot.objects if obj.ref.kind == "Pod")
    assert inputs.locator.withheld == frozenset({str(path)})
    assert inputs.locator.line(pod.origin, ("spec", "containers", 0, "name")) == pod.origin.line == 6
