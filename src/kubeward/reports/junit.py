"""JUnit XML for CI dashboards: a test suite per section, a passing test case per control
without findings and a failing one per finding; input errors are errored test cases in a
suite of their own."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kubeward.controls.registry import SECTIONS
from kubeward.reports.model import Report
from kubeward.reports.text import printable

__all__ = ["render_junit"]


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name)


def _count(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for case in cases if case.find("failure") is not None)
    errors = sum(1 for case in cases if case.find("error") is not None)
    skipped = sum(1 for case in cases if case.find("skipped") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", "0")
    return len(cases), failures, errors


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="kubeward")
    suites: dict[str, ET.Element] = {}
    for result in report.result.results:
        control = result.control
        section = control.section
        if section not in suites:
            suites[section] = _suite(root, f"{section}: {SECTIONS[section]}")
        suite = suites[section]
        classname = f"kubeward.{section}.{control.id}"
        if result.skipped is not None:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=f"{control.id} {control.title}", time="0"
            )
            ET.SubElement(case, "skipped", message=result.skipped)
            continue
        if result.error is not None:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=f"{control.id} {control.title}", time="0"
            )
            ET.SubElement(case, "error", message=result.error, type="internal-error").text = result.error
            continue
        if not result.findings:
            ET.SubElement(
                suite, "testcase", classname=classname, name=f"{control.id} {control.title}", time="0"
            )
            continue
        for finding in result.findings:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=classname,
                name=f"{control.id} {control.title} [{finding.ref}]",
                time="0",
            )
            failure = ET.SubElement(case, "failure", message=finding.detail, type=control.severity.label)
            failure.text = "\n".join(
                [f"{finding.detail}", f"object: {finding.ref}", f"location: {report.location(finding)}"]
                + [f"evidence: {line}" for line in finding.why]
                + [f"remediation: {control.remediation}"]
            )
    if report.input_errors:
        suite = _suite(root, "input")
        for error in report.input_errors:
            case = ET.SubElement(suite, "testcase", classname="kubeward.input", name=str(error), time="0")
            ET.SubElement(
                case, "error", message=error.message, type="fatal" if error.fatal else "warning"
            ).text = str(error)
    totals = [_count(suite) for suite in root.findall("testsuite")]
    root.set("tests", str(sum(t[0] for t in totals)))
    root.set("failures", str(sum(t[1] for t in totals)))
    root.set("errors", str(sum(t[2] for t in totals)))
    root.set("time", "0")
    ET.indent(root)
    # Control characters from the input are not allowed in XML: written as escapes instead.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + printable(ET.tostring(root, encoding="unicode")) + "\n"
    )
