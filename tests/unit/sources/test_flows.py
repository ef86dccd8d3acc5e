"""Reading observed flows (Hubble JSON lines and CSV): which events count, and every bad line
reported with its file and line while the rest is read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubeward.errors import InputError
from kubeward.sources import flows

DATA = Path(__file__).parents[2] / "data" / "netpol" / "flows"


_FIRST = {
    "verdict": "FORWARDED",
    "is_reply": False,
    "l4": {"TCP": {"destination_port": 1}},
    "source": {"namespace": "a", "pod_name": "first"},
    "destination": {"namespace": "a", "pod_name": "second"},
}


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text())
    return cases


def _text(flow: flows.Flow) -> str:
    return f"{flow.src} -> {flow.dst} {flow.protocol}/{flow.port}"


def _check(case: dict[str, Any], read: flows.FlowsRead) -> None:
    if "flow" in case:
        assert (read.errors, dict(read.skipped)) == ([], {})
        assert [_text(flow) for flow in read.flows] == [case["flow"]]
        flow = read.flows[0]
        assert (flow.file, flow.line) == ("f", 2)
        if "source_labels" in case:
            assert dict(flow.src.labels) == case["source_labels"]
        if "destination_names" in case:
            assert list(flow.dst.names) == case["destination_names"]
        if "source_workload" in case:
            assert f"{flow.src.workload_kind}/{flow.src.workload}" == case["source_workload"]
    elif "skip" in case:
        assert (read.flows, read.errors) == ([], [])
        assert dict(read.skipped) == {getattr(flows, case["skip"]): 1}
    else:
        assert (read.flows, dict(read.skipped)) == ([], {})
        assert read.errors == [InputError("f", case["error"], 2)]


@pytest.mark.parametrize("case", _cases("hubble_cases.yaml"), ids=lambda case: case["name"])
def test_hubble_event(case: dict[str, Any]) -> None:
    line = case["line"] if "line" in case else json.dumps(case["event"])
    # A flow on the first line makes the stream Hubble's whatever the case's line holds.
    read = flows.parse_flows("f", json.dumps(_FIRST) + "\n" + line + "\n")
    assert [_text(flow) for flow in read.flows[:1]] == ["a/first -> a/second TCP/1"]
    _check(case, dataclasses.replace(read, flows=read.flows[1:]))


@pytest.mark.parametrize("case", _cases("csv_cases.yaml"), ids=lambda case: case["name"])
def test_csv_line(case: dict[str, Any]) -> None:
    read = flows.parse_flows("f", "# observed\n" + case["line"] + "\n")
    _check(case, read)


def test_a_hubble_capture_is_read_around_its_bad_lines() -> None:
    read = flows.read_flows(str(DATA / "hubble.json"))
    file = str(DATA / "hubble.json")
    assert [(flow.line, _text(flow), flow.verdict) for flow in read.flows] == [
        (1, "203.0.113.7 -> shop/frontend-7c9d8b6f5-x2x4q TCP/8080", "FORWARDED"),
        (3, "shop/frontend-7c9d8b6f5-x2x4q -> shop/api-5f6d7c8b9-k8j2m TCP/8080", "FORWARDED"),
        (4, "shop/frontend-7c9d8b6f5-x2x4q -> shop/api-5f6d7c8b9-k8j2m TCP/8080", "FORWARDED"),
        (5, "shop/api-5f6d7c8b9-k8j2m -> shop/db-0 TCP/5432", "DROPPED"),
        (8, "shop/api-5f6d7c8b9-k8j2m -> kube-system/coredns-76f75df574-9xk2p UDP/53", "FORWARDED"),
        (9, "shop/worker-6b7c8d9f4-qq7ws -> 198.51.100.10 TCP/443", "FORWARDED"),
        (10, "monitoring/prometheus-5d8f7c9b4-abcde -> shop/api-5f6d7c8b9-k8j2m TCP/9090", "FORWARDED"),
        (15, "shop/worker-6b7c8d9f4-qq7ws -> shop/api-5f6d7c8b9-k8j2m TCP/8080", "DROPPED"),
    ]
    assert [(error.file, error.line) for error in read.errors] == [(file, 6), (file, 11)]
    assert read.errors[1].message == "source.pod_name is not a string"
    assert dict(read.skipped) == {
        flows.SKIP_REPLY: 2,
        flows.SKIP_ICMP: 1,
        flows.SKIP_NODE: 1,
        flows.SKIP_TYPE: 1,
    }
    frontend = read.flows[1].src
    assert (frontend.workload_kind, frontend.workload) == ("Deployment", "frontend")
    assert dict(frontend.labels) == {"app": "frontend", "team": "shop", "tier": "web"}


def test_a_csv_file_with_header_comments_and_bad_lines() -> None:
    file = str(DATA / "flows.csv")
    read = flows.read_flows(file)
    assert [(flow.line, _text(flow)) for flow in read.flows] == [
        (3, "203.0.113.7 -> shop/frontend TCP/8080"),
        (4, "shop/frontend -> shop/api TCP/8080"),
        (5, "shop/frontend -> shop/api TCP/8080"),
        (6, "shop/api -> shop/db TCP/5432"),
        (7, "shop/api -> kube-system/coredns UDP/53"),
        (8, "shop/worker -> 198.51.100.10 TCP/443"),
        (9, "monitoring/prometheus -> shop/api TCP/9090"),
        (11, "shop/worker -> shop/api TCP/8080"),
    ]
    assert [(error.file, error.line) for error in read.errors] == [(file, 12), (file, 13)]
    assert dict(read.skipped) == {flows.SKIP_ICMP: 1}


def test_a_header_is_only_a_header_on_the_first_line() -> None:
    header = ",".join(flows.CSV_COLUMNS)
    read = flows.parse_flows("f", f"{header}\na,b,a,c,80,TCP\n{header}\n")
    assert [_text(flow) for flow in read.flows] == ["a/b -> a/c TCP/80"]
    assert [error.line for error in read.errors] == [3]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8 text (byte 0)"),
        (None, "cannot read: No such file or directory"),
    ],
)
def test_unreadable_files_are_one_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "flows.json"
    if content is not None:
        path.write_bytes(content)
    read = flows.read_flows(str(path))
    assert (read.flows, read.errors) == ([], [InputError(str(path), message)])


def test_a_utf8_bom_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ",".join(flows.CSV_COLUMNS).encode() + b"\na,b,a,c,80,TCP\n")
    assert [_text(flow) for flow in flows.read_flows(str(path)).flows] == ["a/b -> a/c TCP/80"]
