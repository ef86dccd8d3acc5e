"""A directory mixing one file of every kind of bad input with valid files: every valid
object is analysed, every broken file is named (with its line), no traceback, exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli_helpers import run_cli

VALID = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: good-%(n)s, namespace: default}
spec: {template: {spec: {containers: [{name: c, image: nginx:1.27}]}}}
"""

LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)

# file name -> (content, expected error message fragment, expected line)
BAD: dict[str, tuple[bytes, str, int | None]] = {
    "syntax.yaml": (b"apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n", "invalid YAML", 4),
    "broken.json": (b'{"apiVersion": "v1", "kind": "Pod",\n "metadata": }', "invalid JSON", 1),
    "not-an-object.yaml": (
        b"just: a config file\nwith: values\n",
        "not a Kubernetes object: no apiVersion or kind",
        1,
    ),
    "scalar.yaml": (b"--- 42\n", "not a Kubernetes object: found a number", 1),
    "wrong-types.yaml": (
        b"apiVersion: v1\nkind: Pod\nmetadata: []\nspec:\n  containers: x\n  hostNetwork: yes\n",
        "metadata: expected a mapping, got a list",
        3,
    ),
    "null-spec.yaml": (
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nullspec, namespace: default}\n"
        b"spec: null\n",
        "spec: required field is null",
        4,
    ),
    "duplicate-keys.yaml": (
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dup\n  namespace: default\n  name: dup2\n"
        b"spec: {template: {spec: {containers: [{name: c, image: nginx:1.27}]}}}\n",
        "duplicate key 'name'; the last value is used",
        6,
    ),
    "deep.yaml": (b"apiVersion: v1\nkind: Pod\nmetadata:\n  x: " + b"[" * 5000 + b"\n", "nesting depth", 4),
    "laughs.yaml": (LAUGHS.encode(), "document contains excessive aliasing", 4),
    "python-tag.yaml": (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tag, namespace: default}\n"
        b"data: !!python/object/apply:os.system ['echo pwned']\n",
        "unsupported YAML tag '!!python/object/apply:os.system' ignored",
        4,
    ),
    "latin1.yaml": (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9, namespace: default}\n",
        "not valid UTF-8 (byte 0xe9)",
        3,
    ),
}


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "manifests"
    (root / "nested").mkdir(parents=True)
    for n in range(3):
        (root / ("nested" if n else ".") / f"good-{n}.yaml").write_text(VALID % {"n": n})
    for name, (content, _, _) in BAD.items():
        (root / name).write_bytes(content)
    (root / "huge.yaml").write_bytes(b"# padding\n" * 120_000)  # 1.2 MB, over a 1 MiB limit
    os.symlink(root / "nowhere.yaml", root / "dangling.yaml")
    os.mkfifo(root / "fifo.yaml")
    return root


def test_every_valid_object_is_analysed_and_every_broken_file_named(
    capsys: pytest.CaptureFixture[str], mixed: Path
) -> None:
    outcome = run_cli(
        capsys, "scan", str(mixed), "--max-file-size", "1", "--controls", "KW-NS-001", "-o", "json"
    )
    assert outcome.code == 2
    assert "Traceback" not in outcome.err
    report = json.loads(outcome.out)
    reported = sorted(f["object"]["name"] for f in report["findings"])
    assert reported == ["dup2", "good-0", "good-1", "good-2"]  # the duplicate-key object is still analysed
    errors = report["inputErrors"]
    for name, (_, fragment, line) in BAD.items():
        matching = [e for e in errors if e["file"] == str(mixed / name) and fragment in e["message"]]
        assert matching, f"{name}: no input error containing {fragment!r} in {errors}"
        assert matching[0]["line"] == line, (name, matching)
    by_file = {Path(e["file"]).name: e["message"] for e in errors}
    assert "larger than the 1 MiB limit" in by_file["huge.yaml"]
    assert "dangling symbolic link" in by_file["dangling.yaml"]
    assert "not a regular file" in by_file["fifo.yaml"]
    assert report["summary"]["inputErrors"] == len(errors)


def test_input_errors_show_in_every_format(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    args = ("scan", str(mixed), "--max-file-size", "1", "--controls", "KW-NS-001")
    table = run_cli(capsys, *args)
    assert table.code == 2 and "Input errors" in table.out and "laughs.yaml" in table.out
    sarif = json.loads(run_cli(capsys, *args, "-o", "sarif").out)
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notifications}
    assert any(uri.endswith("/laughs.yaml") for uri in uris)
    junit = run_cli(capsys, *args, "-o", "junit").out
    assert 'name="input"' in junit and "laughs.yaml" in junit


def test_ignore_input_errors_keeps_them_visible(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    outcome = run_cli(
        capsys,
        "scan",
        str(mixed),
        "--max-file-size",
        "1",
        "--controls",
        "KW-NS-001",
        "--ignore-input-errors",
        "-o",
        "json",
    )
    assert outcome.code == 1
    assert json.loads(outcome.out)["summary"]["inputErrors"] > len(BAD)
