"""``kubeward netpol``: connlist, can-reach and diff on the command line.

The outputs are golden files under tests/data/cli/netpol/golden/ (refresh them with
KUBEWARD_UPDATE_FIXTURES=1 and review the diff); the fixture cluster is described at the top
of tests/data/cli/netpol/cluster.yaml.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_helpers import Outcome, run_cli
from golden import check_golden
from kubeward.cli import netpol as netpol_cli
from kubeward.engines.netpol.connections import ConnectionSet
from kubeward.engines.netpol.evaluate import Connection
from kubeward.engines.netpol.network import IpRange, WorkloadPeer

DATA = Path(__file__).parents[1] / "data/cli/netpol"
GOLDEN = DATA / "golden"


@pytest.fixture(autouse=True)
def _in_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """File names in the outputs are as given (relative), and tables are never wrapped."""
    monkeypatch.chdir(DATA)
    monkeypatch.delenv("COLUMNS", raising=False)


def _golden(name: str, outcome: Outcome, *, stderr: bool = True) -> None:
    """Standard output, and standard error (the input problems) unless it is the same as
    another format's."""
    check_golden(GOLDEN / name, outcome.out)
    if stderr:
        check_golden(GOLDEN / f"{name}.stderr", outcome.err)


# --- connlist ------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json", "csv", "md", "dot"])
def test_connlist_formats(capsys: pytest.CaptureFixture[str], output: str) -> None:
    outcome = run_cli(capsys, "netpol", "connlist", "cluster.yaml", "-o", output)
    assert outcome.code == 0
    _golden(f"connlist.{output}", outcome, stderr=output == "text")


def test_connlist_prints_long_tables_as_plain_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(netpol_cli, "_RICH_ROWS", 3)
    outcome = run_cli(capsys, "netpol", "connlist", "cluster.yaml", "-n", "shop", "--exclude-external")
    check_golden(GOLDEN / "connlist.long.text", outcome.out)


def _connections(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    outcome = run_cli(capsys, "netpol", "connlist", "cluster.yaml", "-o", "json", *args)
    assert outcome.code == 0
    connections: list[dict[str, Any]] = json.loads(outcome.out)["connections"]
    return connections


def _touches(connection: dict[str, Any], namespace: str) -> bool:
    return namespace in (connection["src"].get("namespace"), connection["dst"].get("namespace"))


def _external(connection: dict[str, Any]) -> bool:
    return "ipRange" in connection["src"] or "ipRange" in connection["dst"]


@pytest.mark.parametrize(
    ("args", "keep"),
    [
        (["-n", "payments"], lambda c: _touches(c, "payments")),
        (["--namespace", "shop"], lambda c: _touches(c, "shop")),
        (["--exclude-external"], lambda c: not _external(c)),
        (["-n", "shop", "--exclude-external"], lambda c: _touches(c, "shop") and not _external(c)),
    ],
)
def test_connlist_filters_keep_exactly_the_matching_connections(
    capsys: pytest.CaptureFixture[str], args: list[str], keep: Any
) -> None:
    everything = _connections(capsys)
    filtered = _connections(capsys, *args)
    assert filtered == [c for c in everything if keep(c)]
    assert filtered and len(filtered) < len(everything)


def test_connlist_of_an_unknown_namespace_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "connlist", "cluster.yaml", "-n", "nowhere")
    assert (outcome.code, outcome.out) == (0, "no connections are allowed\n")
    assert "no workloads in namespace 'nowhere'" in outcome.err


def test_invalid_input_is_reported_and_the_rest_still_listed(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "connlist", "bad.yaml", "-o", "json")
    assert outcome.code == 2
    _golden("bad.connlist.json", outcome)
    report = json.loads(outcome.out)
    assert {
        "src": {"kind": "Deployment", "namespace": "shop", "name": "web"},
        "dst": {"kind": "Deployment", "namespace": "shop", "name": "api"},
        "ports": [{"protocol": "TCP", "port": 9090}],
    } in report["connections"]
    assert {(p["severity"], p["object"]["name"], p["file"]) for p in report["problems"]} >= {
        ("error", "web", "bad.yaml"),
        ("warning", "api", "bad.yaml"),
    }
    assert all(p["line"] for p in report["problems"])


def test_problems_of_a_workload_whose_owner_is_absent_are_located(capsys: pytest.CaptureFixture[str]) -> None:
    pod = b"""apiVersion: v1
kind: Pod
metadata:
  name: agent-x
  namespace: ops
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: u1, controller: true}]
spec:
  hostNetwork: true
  containers: [{name: a, image: a}]
"""
    outcome = run_cli(capsys, "netpol", "connlist", "-", "-o", "json", stdin=pod)
    [problem] = json.loads(outcome.out)["problems"]
    assert (problem["object"], problem["path"], problem["file"], problem["line"]) == (
        {"kind": "DaemonSet", "namespace": "ops", "name": "agent"},
        "spec.hostNetwork",
        "-",
        8,
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("web", '"web"'), ('a"b', '"a\\"b"'), ("c\\d", '"c\\\\d"'), ("e\nf", '"e\\nf"')],
)
def test_dot_strings_are_escaped(text: str, quoted: str) -> None:
    assert netpol_cli._dot_string(text) == quoted


# --- can-reach -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "dst", "port", "code"),
    [
        ("shop/web", "shop/api", "9090", 0),  # web's egress and api's ingress name port "http"
        ("shop/web", "shop/api", "9100", 1),
        ("shop/web", "shop/api", "9090/udp", 1),
        ("shop/web", "shop/db", None, 1),  # web's egress allows api only
        ("shop/api", "shop/db", "5432/TCP", 0),
        ("shop/api", "payments/gateway", "8443", 0),  # egress 8443-8445 ∩ ingress "https" (8443)
        ("shop/api", "payments/gateway", "8444", 1),
        ("monitoring/prometheus", "shop/api", "9100", 0),  # namespaceSelector AND podSelector
        ("monitoring/prometheus", "shop/api", "9090", 1),
        ("monitoring/prometheus", "shop/api", "metrics", 0),  # api's container port named metrics
        ("shop/web", "shop/api", "http/tcp", 0),
        ("payments/settle-x7k2p", "payments/gateway", "8443", 0),  # a pod, its Job absent
        ("payments/settle", "monitoring/prometheus", "9/sctp", 0),  # neither is isolated
        ("203.0.113.5", "shop/web", "8080", 0),
        ("10.1.2.3", "shop/web", "8080", 1),  # in the ipBlock's except
        ("2001:db8::1", "shop/web", "8080", 0),
        ("2001:db9::1", "shop/web", "8080", 1),
        ("payments/gateway", "192.168.2.1", "443", 0),
        ("payments/gateway", "192.168.1.5", "443", 1),
        ("payments/gateway", "192.168.2.1", "53/UDP", 0),
        ("payments/gateway", "192.168.2.1", "53", 1),
        ("shop/debug", "shop/web", None, 1),  # a bare pod under default-deny
        ("shop/web", "shop/web", "1", 0),  # a workload reaches itself
    ],
)
def test_can_reach_answers_and_exit_codes(
    capsys: pytest.CaptureFixture[str], src: str, dst: str, port: str | None, code: int
) -> None:
    args = [src, dst, *([port] if port else []), "cluster.yaml"]
    outcome = run_cli(capsys, "netpol", "can-reach", *args)
    assert outcome.code == code, outcome.out + outcome.err
    assert outcome.out.startswith("yes: " if code == 0 else "no: ")
    answer = json.loads(run_cli(capsys, "netpol", "can-reach", *args, "-o", "json").out)
    assert answer["allowed"] is (code == 0)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("yes-port", ["shop/web", "shop/api", "9090"]),
        ("no-port", ["shop/web", "shop/api", "9100"]),
        ("yes-any-port", ["shop/api", "payments/gateway"]),
        ("no-any-port", ["shop/debug", "shop/api"]),
        ("external", ["10.1.2.3", "shop/web", "8080"]),
    ],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_can_reach_explains(
    capsys: pytest.CaptureFixture[str], name: str, args: list[str], output: str
) -> None:
    outcome = run_cli(capsys, "netpol", "can-reach", *args, "cluster.yaml", "-o", output)
    _golden(f"can-reach.{name}.{output}", outcome, stderr=output == "text")


@pytest.mark.parametrize(
    ("args", "code", "lines"),
    [
        (
            ["shop/api", "payments/gateway", "8443"],
            1,
            [
                "no: shop/api[Deployment] -> payments/gateway[Deployment] on TCP 8443",
                "  egress: denied by AdminNetworkPolicy no-shop-to-payments egress[0]",
                "  ingress: denied by BaselineAdminNetworkPolicy default ingress[0]",
            ],
        ),
        (
            ["shop/api", "payments/gateway", "80"],
            1,
            [
                "no: shop/api[Deployment] -> payments/gateway[Deployment] on TCP 80",
                "  egress: allowed by default (no policy tier decides it)",
                "  ingress: denied by BaselineAdminNetworkPolicy default ingress[0]",
            ],
        ),
        (
            ["payments/gateway", "shop/api", "80"],
            0,
            [
                "yes: payments/gateway[Deployment] -> shop/api[Deployment] on TCP 80",
                "  egress: payments/gateway[Deployment] is not isolated (no policy selects it for egress)",
                "  ingress: shop/api[Deployment] is not isolated (no policy selects it for ingress)",
            ],
        ),
    ],
)
def test_can_reach_names_the_admin_rules_that_decide(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, lines: list[str]
) -> None:
    outcome = run_cli(capsys, "netpol", "can-reach", *args, "admin.yaml")
    assert (outcome.code, outcome.out.splitlines()) == (code, lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shop/wbe", "shop/api"], "shop/web"),  # a near name is suggested
        (["shop/web", "nowhere/api"], "DST 'nowhere/api'"),
        (["shop/web", "shop/api", "80/icmp"], "unknown protocol 'icmp'"),
        (["shop/web", "shop/api", "70000"], "port 70000 is out of range"),
        (["shop/web", "shop/api", "grpc"], "DST 'shop/api' has no container port named 'grpc'"),
        (["shop/web", "shop/api", "http/udp"], "no container port named 'http/udp'"),
    ],
)
def test_can_reach_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    outcome = run_cli(capsys, "netpol", "can-reach", *args, "cluster.yaml")
    assert (outcome.code, outcome.out) == (2, "")
    assert message in " ".join(outcome.err.split())


def test_can_reach_needs_sources(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "can-reach", "shop/web", "shop/api", "80")
    assert outcome.code == 2
    assert "give the files" in outcome.err


# --- diff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json", "md"])
def test_diff_formats(capsys: pytest.CaptureFixture[str], output: str) -> None:
    outcome = run_cli(capsys, "netpol", "diff", "cluster.yaml", "changed.yaml", "-o", output)
    assert outcome.code == 0
    _golden(f"diff.{output}", outcome, stderr=output == "text")


def test_diff_compares_address_ranges_cut_differently(capsys: pytest.CaptureFixture[str]) -> None:
    """changed.yaml adds 172.16.0.0/12 to an except: only that range stops reaching web,
    although the two inputs cut the address space into different ranges."""
    outcome = run_cli(capsys, "netpol", "diff", "cluster.yaml", "changed.yaml", "-o", "json")
    removed = [c for c in json.loads(outcome.out)["removed"] if "ipRange" in c["src"]]
    assert removed == [
        {
            "src": {"ipRange": "172.16.0.0-172.31.255.255"},
            "dst": {"kind": "Deployment", "namespace": "shop", "name": "web"},
            "ports": [{"protocol": "TCP", "port": 8080}],
        }
    ]


def _without_db_policy() -> bytes:
    """cluster.yaml without the policy that lets api reach db: connectivity only narrows."""
    text = (DATA / "cluster.yaml").read_text()
    start = text.index("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db,")
    return (text[:start] + text[text.index("---", start + 3) :]).encode()


@pytest.mark.parametrize(
    ("new", "fail_on", "code"),
    [
        ("changed.yaml", None, 0),
        ("changed.yaml", "none", 0),
        ("changed.yaml", "added", 1),
        ("changed.yaml", "any", 1),
        ("-", "added", 0),  # only removed
        ("-", "any", 1),
        ("cluster.yaml", "any", 0),
    ],
)
def test_diff_fail_on(capsys: pytest.CaptureFixture[str], new: str, fail_on: str | None, code: int) -> None:
    args = ["netpol", "diff", "cluster.yaml", new, *(["--fail-on", fail_on] if fail_on else [])]
    outcome = run_cli(capsys, *args, stdin=_without_db_policy() if new == "-" else None)
    assert outcome.code == code, outcome.out + outcome.err


def test_diff_of_equal_inputs_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "diff", "cluster.yaml", "cluster.yaml")
    assert (outcome.code, outcome.out) == (0, "no connectivity changes\n")
    outcome = run_cli(capsys, "netpol", "diff", "cluster.yaml", "cluster.yaml", "-o", "json")
    report = json.loads(outcome.out)
    assert (report["added"], report["removed"], report["changed"]) == ([], [], [])
    assert report["problems"]["old"] == report["problems"]["new"]


def test_diff_reads_standard_input_once(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "diff", "-", "-", stdin=b"")
    assert outcome.code == 2
    assert "cannot both be '-'" in outcome.err


def test_diff_with_an_invalid_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "netpol", "diff", "cluster.yaml", "bad.yaml", "-o", "json")
    assert outcome.code == 2
    assert json.loads(outcome.out)["removed"]
    assert "NEW error: bad.yaml:" in outcome.err


# --- the documented JSON schema -----------------------------------------------------------

_SCHEMA = json.loads((Path(__file__).parents[2] / "docs/schema/netpol.v1.json").read_text())


@pytest.mark.parametrize(
    ("pattern", "definition"),
    [("*connlist.json", "connlist"), ("can-reach.*.json", "canReach"), ("diff.json", "diff")],
)
def test_json_outputs_follow_the_documented_schema(pattern: str, definition: str) -> None:
    validator = jsonschema.Draft202012Validator({"$defs": _SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"})
    outputs = sorted(GOLDEN.glob(pattern))
    assert outputs
    for output in outputs:
        validator.validate(json.loads(output.read_text()))


# --- diff of address ranges against a per-address reference ---------------------------------

_SETS = [ConnectionSet.of("TCP", 80, 80), ConnectionSet.of("TCP", 80, 81), ConnectionSet.of("UDP", 53, 53)]
_SPACE = 64  # addresses 0.0.0.0 - 0.0.0.63 stand for the whole space


@st.composite
def _cut_space(draw: st.DrawFn) -> list[tuple[int, int, ConnectionSet | None]]:
    """The small space cut into ranges, each allowing one of _SETS or nothing."""
    cuts = sorted(draw(st.sets(st.integers(1, _SPACE - 1), max_size=8)))
    bounds = [0, *cuts, _SPACE]
    return [
        (low, high - 1, draw(st.sampled_from([None, *_SETS]))) for low, high in itertools.pairwise(bounds)
    ]


def _as_connections(pieces: list[tuple[int, int, ConnectionSet | None]]) -> list[Connection]:
    web = WorkloadPeer("Deployment", "shop", "web")
    return [
        Connection(IpRange(ipaddress.IPv4Address(low), ipaddress.IPv4Address(high)), web, allowed)
        for low, high, allowed in pieces
        if allowed
    ]


def _at(pieces: list[tuple[int, int, ConnectionSet | None]], address: int) -> ConnectionSet:
    return next((allowed or ConnectionSet.none() for low, high, allowed in pieces if low <= address <= high))


@given(_cut_space(), _cut_space())
def test_diff_of_ranges_matches_a_per_address_reference(
    old: list[tuple[int, int, ConnectionSet | None]], new: list[tuple[int, int, ConnectionSet | None]]
) -> None:
    changes = netpol_cli._diff(_as_connections(old), _as_connections(new))
    covered: dict[int, tuple[ConnectionSet, ConnectionSet]] = {}
    for change in changes:
        assert isinstance(change.src, IpRange)
        for address in range(int(change.src.start), int(change.src.end) + 1):
            covered[address] = (change.before, change.after)
    expected = {
        address: (_at(old, address), _at(new, address))
        for address in range(_SPACE)
        if _at(old, address) != _at(new, address)
    }
    assert covered == expected
    # maximal: neighbouring reported ranges differ in what changed
    for first, second in itertools.pairwise(changes):
        assert isinstance(first.src, IpRange) and isinstance(second.src, IpRange)
        if int(first.src.end) + 1 == int(second.src.start):
            assert (first.before, first.after) != (second.before, second.after)
