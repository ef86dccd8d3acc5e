"""``kubeward pods harden``: diff, --in-place, -o json, stdin and exit codes."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from cli_helpers import run_cli

DATA = Path(__file__).parents[1] / "data" / "harden"


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name.replace(".in.", ".")
    target.write_bytes((DATA / name).read_bytes())
    return target


def test_diff_shows_only_added_lines_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = _copy(tmp_path, "comments.in.yaml")
    before = manifest.read_bytes()
    outcome = run_cli(capsys, "pods", "harden", str(manifest))
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith(f"--- {manifest}\n+++ {manifest}\n@@ ")
    changed = [
        line for line in outcome.out.splitlines()[2:] if line[:1] in "+-" and not line.startswith("@@")
    ]
    assert changed and all(line.startswith("+") for line in changed)
    assert "+            - ALL" in changed
    assert manifest.read_bytes() == before
    assert "runAsNonRoot: true was added" in outcome.err


def test_in_place_writes_the_golden_output_then_nothing_is_left(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = _copy(tmp_path, "crlf.in.yaml")
    os.chmod(manifest, 0o640)
    outcome = run_cli(capsys, "pods", "harden", "--in-place", str(manifest))
    assert outcome.code == 0, outcome.err
    assert manifest.read_bytes() == (DATA / "crlf.out.yaml").read_bytes()
    assert os.stat(manifest).st_mode & 0o777 == 0o640
    assert f"{manifest}: hardened 1 object" in outcome.err
    again = run_cli(capsys, "pods", "harden", str(manifest))
    assert (again.code, again.out) == (0, "")


def test_a_byte_order_mark_is_kept(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = tmp_path / "bom.yaml"
    text = (DATA / "windows.in.yaml").read_text()
    manifest.write_bytes(codecs.BOM_UTF8 + text.encode())
    assert run_cli(capsys, "pods", "harden", "--in-place", str(manifest)).code == 0
    assert manifest.read_bytes() == codecs.BOM_UTF8 + (DATA / "windows.out.yaml").read_bytes()


def test_refused_objects_exit_1_and_say_why(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = _copy(tmp_path, "refused.in.yaml")
    outcome = run_cli(capsys, "pods", "harden", str(manifest))
    assert outcome.code == 1
    assert (
        f"{manifest}:1: DaemonSet node-agent: left unchanged: host namespaces (hostNetwork=true)"
        in outcome.err
    )
    assert "+      allowPrivilegeEscalation: false" in outcome.out  # bind-service is still fixed


def test_json_lists_changes_and_reasons(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = _copy(tmp_path, "yaml11.in.yaml")
    outcome = run_cli(capsys, "pods", "harden", "-o", "json", "--version", "v1.30", str(manifest))
    assert outcome.code == 1
    report = json.loads(outcome.out)
    assert report["policy"] == "restricted:v1.30"
    assert report["files"] == [{"file": str(manifest), "changed": True, "written": False}]
    statuses = {each["object"]["name"]: each["status"] for each in report["results"]}
    assert statuses == {"privileged-yes": "refused", "escalation-no": "fixed", "escalation-yes": "refused"}
    fixed = next(each for each in report["results"] if each["status"] == "fixed")
    assert fixed["changes"] == [
        {"path": "spec.securityContext.seccompProfile", "set": {"type": "RuntimeDefault"}}
    ]
    assert fixed["origin"] == {"file": str(manifest), "document": 1, "line": 13}
    refused = next(each for each in report["results"] if each["object"]["name"] == "privileged-yes")
    assert refused["reasons"][0]["check"] == "privileged"


def test_stdin_prints_the_hardened_stream(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "kinds.in.yaml").read_bytes()
    outcome = run_cli(capsys, "pods", "harden", "-", stdin=text)
    assert outcome.code == 0, outcome.err
    assert outcome.out == (DATA / "kinds.out.yaml").read_text()


def test_broken_documents_are_reported_and_the_rest_fixed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = _copy(tmp_path, "broken.in.yaml")
    outcome = run_cli(capsys, "pods", "harden", "--in-place", str(manifest))
    assert outcome.code == 2
    assert f"{manifest}:13: invalid YAML" in outcome.err
    assert manifest.read_bytes() == (DATA / "broken.out.yaml").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.30", "x.yaml"], "--version"),
        ([], "give the manifest files"),
        (["-", "x.yaml"], "cannot be hardened together"),
        (["missing.yaml"], "missing.yaml: cannot read"),
    ],
)
def test_usage_and_input_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    outcome = run_cli(capsys, "pods", "harden", *args)
    assert outcome.code == 2
    assert message in outcome.err
