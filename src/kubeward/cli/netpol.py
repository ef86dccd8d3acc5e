"""``kubeward netpol``: what the NetworkPolicies allow, explained, compared and generated."""

from __future__ import annotations

import bisect
import csv
import difflib
import io
import ipaddress
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import click
from rich.markup import escape
from rich.table import Table

from kubeward.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, abort
from kubeward.cli.common import load_sources, print_json
from kubeward.cli.console import err_console, out_console
from kubeward.engines.netpol.connections import PROTOCOLS, ConnectionSet, Explained, RuleRef
from kubeward.engines.netpol.evaluate import Connection, Direction, Verdict, connlist, verdict
from kubeward.engines.netpol.network import IpRange, Network, Problem, WorkloadPeer, network_of, peer_order
from kubeward.inputs import Inputs
from kubeward.k8s.objects import ObjectRef, Origin, format_path
from kubeward.k8s.objects import Path as FieldPath

__all__ = ["netpol"]

_Peer = WorkloadPeer | IpRange


@click.group()
def netpol() -> None:
    """Network policy: every allowed connection, can X reach Y (and why), what a change does,
    and policies generated from observed traffic."""


# --- loading and input problems ----------------------------------------------------------

_WHAT = "the workloads and network policies"
_DEFAULT_NAMESPACE = "default"  # where `kubectl apply` without -n puts a manifest that sets none


@dataclass(frozen=True)
class _Loaded:
    inputs: Inputs
    network: Network
    problems: list[dict[str, Any]]

    @property
    def failed(self) -> bool:
        """An input could not be read, or a policy is invalid (the API server would refuse it)."""
        return bool(self.inputs.errors) or any(p["severity"] == "error" for p in self.problems)


def _load(sources: tuple[str, ...], label: str = "") -> _Loaded:
    """The SOURCEs' network, its problems printed to stderr (prefixed with ``label``) with
    file and line; nothing valid is dropped because something else is invalid."""
    inputs = load_sources(sources, _WHAT, namespace=_DEFAULT_NAMESPACE)
    network = network_of(inputs.snapshot)
    problems = [_problem_json(inputs, problem) for problem in network.problems]
    console = err_console()
    for problem in problems:
        style = {"error": "red", "warning": "yellow"}.get(problem["severity"], "dim")
        console.print(
            f"[{style}]{label}{problem['severity']}:[/] {escape(_problem_text(problem))}", soft_wrap=True
        )
    return _Loaded(inputs, network, problems)


def _ref_json(ref: ObjectRef) -> dict[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _problem_json(inputs: Inputs, problem: Problem) -> dict[str, Any]:
    origin, path = _locate(inputs, problem.ref, problem.path)
    return {
        "severity": problem.severity,
        "object": _ref_json(problem.ref),
        "path": format_path(problem.path),
        "message": problem.message,
        "file": origin.file if origin else None,
        "line": inputs.locator.line(origin, path) if origin else None,
    }


def _locate(inputs: Inputs, ref: ObjectRef, path: FieldPath) -> tuple[Origin | None, FieldPath]:
    """The object's origin and the path inside it; a workload whose top owner is not in the
    input is located in the object its pod template was read from."""
    obj = inputs.snapshot.get(ref.group_kind, ref.namespace, ref.name)
    if obj is not None:
        return obj.origin, path
    for workload in inputs.snapshot.workloads:
        if workload.ref == ref:
            return workload.source.origin, path
    return None, path


def _problem_text(problem: dict[str, Any]) -> str:
    where = problem["file"] or ""
    if where and problem["line"]:
        where += f":{problem['line']}"
    obj = problem["object"]
    name = f"{obj['kind']} {obj['namespace'] + '/' if obj['namespace'] else ''}{obj['name']}"
    path = f": {problem['path']}" if problem["path"] else ""
    return f"{where + ': ' if where else ''}{name}{path}: {problem['message']}"


def _exit(failed_inputs: bool, failed: bool) -> NoReturn:
    raise SystemExit(EXIT_USAGE if failed_inputs else EXIT_FINDINGS if failed else EXIT_OK)


# --- peers and connections as text ---------------------------------------------------------


def _peer_text(peer: _Peer) -> str:
    """``namespace/name[Kind]`` for a workload; a CIDR, or ``first-last``, for an address range."""
    return str(peer) if isinstance(peer, IpRange) else f"{peer.namespace}/{peer.name}[{peer.kind}]"


def _touches(connection: Connection, namespace: str | None, exclude_external: bool) -> bool:
    peers = (connection.src, connection.dst)
    if exclude_external and any(isinstance(peer, IpRange) for peer in peers):
        return False
    return namespace is None or any(
        isinstance(peer, WorkloadPeer) and peer.namespace == namespace for peer in peers
    )


# --- connlist ------------------------------------------------------------------------------

_NAMESPACE_FILTER = click.option(
    "-n", "--namespace", metavar="NS", help="Only connections from or to workloads of namespace NS."
)
_EXCLUDE_EXTERNAL = click.option(
    "--exclude-external", is_flag=True, help="Only connections between workloads (no address ranges)."
)


@netpol.command("connlist")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
@_NAMESPACE_FILTER
@_EXCLUDE_EXTERNAL
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "csv", "md", "dot"]),
    default="text",
    show_default=True,
    help="dot is a Graphviz graph: `dot -Tsvg` renders it.",
)
def connlist_command(
    sources: tuple[str, ...], namespace: str | None, exclude_external: bool, output: str
) -> None:
    """Every connection the policies allow: workload to workload, workload to external
    address ranges and back (the ranges cut at every ipBlock boundary), with the ports
    (TCP, UDP, SCTP) of each. A workload is reachable from itself; those connections are not
    listed. Manifests that set no namespace are in "default". Exit 2 if an input could not be
    read or a policy is invalid (what is valid is still analysed and listed), else 0."""
    loaded = _load(sources)
    if namespace is not None and not any(w.namespace == namespace for w in loaded.network.workloads):
        err_console().print(f"[dim]note:[/] no workloads in namespace {escape(repr(namespace))}")
    shown = [c for c in connlist(loaded.network) if _touches(c, namespace, exclude_external)]
    if output == "json":
        print_json({"connections": [c.to_json() for c in shown], "problems": loaded.problems})
    elif output == "csv":
        click.echo(_connections_csv(shown), nl=False)
    elif output == "md":
        click.echo(_markdown(("src", "dst", "ports"), [_row(c) for c in shown]), nl=False)
    elif output == "dot":
        workloads = [w for w in loaded.network.workloads if namespace is None or w.namespace == namespace]
        click.echo(_dot(workloads, shown), nl=False)
    else:
        _connections_table(shown)
    _exit(loaded.failed, False)


def _row(connection: Connection) -> tuple[str, str, str]:
    return _peer_text(connection.src), _peer_text(connection.dst), str(connection.allowed)


def _connections_table(shown: list[Connection]) -> None:
    if not shown:
        out_console().print("no connections are allowed")
        return
    _print_table(("src", "dst", "ports"), [_row(connection) for connection in shown])


_RICH_ROWS = 2000
"""Longer tables are printed as plain aligned columns: rich takes minutes to lay out the
hundreds of thousands of rows of a large cluster's connlist."""


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if len(rows) > _RICH_ROWS:
        upper = tuple(title.upper() for title in header)
        widths = [max(len(row[column]) for row in (upper, *rows)) for column in range(len(header))]
        click.echo(
            "\n".join(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                for row in (upper, *rows)
            )
        )
        return
    table = Table(show_edge=False, header_style="bold")
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    out_console().print(table)


def _connections_csv(shown: list[Connection]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("src", "dst", "ports"))
    writer.writerows(_row(connection) for connection in shown)
    return buffer.getvalue()


def _markdown(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """A GitHub table; every cell is a code span (a ``|`` in it escaped, as GFM tables need)."""

    def cell(text: str) -> str:
        return "`" + text.replace("|", "\\|") + "`" if text else ""

    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(text) for text in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    """A DOT quoted string (IDs and labels), so any name renders as it is."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_id(peer: _Peer) -> str:
    if isinstance(peer, IpRange):
        return _dot_string(f"ip:{peer.start}-{peer.end}")
    return _dot_string(f"{peer.kind}:{peer.namespace}/{peer.name}")


def _box_label(peer: WorkloadPeer) -> str:
    return f"{peer.name}\n{peer.kind}"


def _dot(workloads: Iterable[WorkloadPeer], shown: list[Connection]) -> str:
    """Namespaces are clusters of boxes (every workload, connected or isolated); address
    ranges are ellipses outside them; an edge is labelled with its ports."""
    peers = {*workloads, *(peer for c in shown for peer in (c.src, c.dst))}
    by_namespace: dict[str, list[WorkloadPeer]] = {}
    for peer in peers:
        if isinstance(peer, WorkloadPeer):
            by_namespace.setdefault(peer.namespace, []).append(peer)
    lines = [
        "digraph connlist {",
        "\trankdir=LR",
        "\tnewrank=true",  # Graphviz' default ranking fails on large graphs with clusters
        '\tgraph [fontname="Helvetica"]',
        '\tnode [fontname="Helvetica" fontsize=11]',
        '\tedge [fontname="Helvetica" fontsize=9]',
    ]
    for namespace in sorted(by_namespace):
        lines += [
            f"\tsubgraph {_dot_string('cluster_' + namespace)} {{",
            f"\t\tlabel={_dot_string(namespace)}",
        ]
        lines += [
            f"\t\t{_node_id(peer)} [label={_dot_string(_box_label(peer))} shape=box]"
            for peer in sorted(by_namespace[namespace], key=peer_order)
        ]
        lines.append("\t}")
    lines += [
        f"\t{_node_id(peer)} [label={_dot_string(_peer_text(peer))} shape=ellipse style=dashed]"
        for peer in sorted((p for p in peers if isinstance(p, IpRange)), key=peer_order)
    ]
    lines += [
        f"\t{_node_id(c.src)} -> {_node_id(c.dst)} [label={_dot_string(str(c.allowed))}]"
        for c in sorted(shown, key=lambda c: (peer_order(c.src), peer_order(c.dst)))
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- can-reach ---------------------------------------------------------------------------

_PORT = re.compile(r"(?P<port>\d+|[a-z0-9]([a-z0-9-]*[a-z0-9])?)(?:/(?P<protocol>[A-Za-z]+))?")


@dataclass(frozen=True)
class _Port:
    protocol: str
    number: int
    name: str | None = None

    @property
    def connections(self) -> ConnectionSet:
        return ConnectionSet.of(self.protocol, self.number, self.number)

    def to_json(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "port": self.number} | ({"name": self.name} if self.name else {})

    def __str__(self) -> str:
        return f"{self.protocol} {self.number}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class _PortArgument:
    text: str
    port: str  # a number or a container port's name
    protocol: str | None


def _split_port(rest: tuple[str, ...]) -> tuple[_PortArgument | None, tuple[str, ...]]:
    """PORT[/PROTO] is the first of the remaining arguments when it looks like one and is
    not a file (a name, only when a SOURCE follows it)."""
    if not rest or os.path.exists(rest[0]) or not (match := _PORT.fullmatch(rest[0])):
        return None, rest
    if not match["port"].isdigit() and (len(rest) == 1 or not re.search("[a-z]", match["port"])):
        return None, rest
    protocol = match["protocol"].upper() if match["protocol"] else None
    if protocol is not None and protocol not in PROTOCOLS:
        abort(f"unknown protocol {match['protocol']!r} in {rest[0]!r}: use {', '.join(PROTOCOLS)}")
    return _PortArgument(rest[0], match["port"], protocol), rest[1:]


def _resolve_port(argument: _PortArgument, network: Network, dst: _Peer, dst_text: str) -> _Port:
    """A number, or the destination's container port of that name (and protocol, if given),
    as a NetworkPolicy's named port is resolved."""
    if argument.port.isdigit():
        number = int(argument.port)
        if not 1 <= number <= 65535:
            abort(f"port {number} is out of range: a port is 1 to 65535")
        return _Port(argument.protocol or "TCP", number)
    named = network.named_ports(dst).get(argument.port, ())
    found = [(protocol, number) for protocol, number in named if argument.protocol in (None, protocol)]
    if len(found) != 1:
        declared = ", ".join(sorted(network.named_ports(dst))) or "none"
        what = "no" if not found else "more than one"
        abort(
            f"DST {dst_text!r} has {what} container port named {argument.text!r}"
            f" (its named ports: {declared})"
        )
    return _Port(found[0][0], found[0][1], argument.port)


def _find(network: Network, text: str, role: str) -> _Peer:
    try:
        return network.find(text)
    except KeyError as error:
        message = error.args[0] if error.args else f"{text!r} is not in the input"
        names = [f"{w.namespace}/{w.name}" for w in network.workloads]
        near = (
            difflib.get_close_matches(text, names, n=5, cutoff=0.5)
            or [name for name in names if name.startswith(text.partition("/")[0] + "/")][:5]
        )
        hint = f"; did you mean {', '.join(near)}?" if near and text not in names else ""
        if not names:
            hint = "; the input holds no workloads"
        abort(f"{role} {text!r}: {message}{hint}")


@netpol.command("can-reach")
@click.argument("src")
@click.argument("dst")
@click.argument("rest", nargs=-1, metavar="[PORT[/PROTO]] SOURCE...")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def can_reach(src: str, dst: str, rest: tuple[str, ...], output: str) -> None:
    """Whether SRC may open a connection to DST on PORT (a number, TCP unless /UDP or /SCTP
    follows, or the name of a container port of DST; without PORT: on any port), and why:
    the policy rules that allow it in each direction, or which direction isolates and that
    no rule matches. SRC and DST are NAMESPACE/WORKLOAD, NAMESPACE/POD or an IP address.
    Exit 0 if yes, 1 if no, 2 if a peer or port is unknown, an input could not be read or a
    policy is invalid."""
    port_argument, sources = _split_port(rest)
    loaded = _load(sources)
    src_peer, dst_peer = _find(loaded.network, src, "SRC"), _find(loaded.network, dst, "DST")
    port = _resolve_port(port_argument, loaded.network, dst_peer, dst) if port_argument else None
    answer = verdict(loaded.network, src_peer, dst_peer)
    allowed = port.connections <= answer.allowed if port else bool(answer.allowed)
    if output == "json":
        print_json(_verdict_json(answer, allowed, port, (src, dst), loaded.problems))
    else:
        _verdict_text(answer, allowed, port, (src, dst))
    _exit(loaded.failed, not allowed)


def _rule_json(rule: RuleRef) -> dict[str, Any]:
    return {
        "policy": _ref_json(rule.policy),
        "direction": rule.direction,
        "index": rule.index,
        "text": str(rule),
    }


def _parts_json(explained: Explained) -> list[dict[str, Any]]:
    return [
        {"ports": part.to_json(), "rules": [_rule_json(rule) for rule in sorted(rules)]}
        for part, rules in explained.parts
    ]


def _direction_json(direction: Direction) -> dict[str, Any]:
    return {
        "isolated": direction.isolated,
        "policies": [_ref_json(ref) for ref in direction.policies],
        "allowed": direction.allowed.connections().to_json(),
        "rules": _parts_json(direction.allowed),
        "denied": _parts_json(direction.denied),
    }


def _verdict_json(
    answer: Verdict, allowed: bool, port: _Port | None, asked: tuple[str, str], problems: list[dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "allowed": allowed,
        "src": {"query": asked[0], **answer.src.to_json()},
        "dst": {"query": asked[1], **answer.dst.to_json()},
    }
    if port:
        out["port"] = port.to_json()
    return out | {
        "connections": answer.allowed.to_json(),
        "egress": _direction_json(answer.egress),
        "ingress": _direction_json(answer.ingress),
        "explanation": answer.explain(),
        "notes": list(answer.notes),
        "problems": problems,
    }


def _port_reasons(answer: Verdict, port: _Port) -> Iterator[str]:
    """For one port, in each direction that decides: the rules that allow it, the admin
    rules that deny it, or the policies that isolate without a rule allowing it."""
    if answer.src == answer.dst:
        yield "a workload may always reach itself"
        return
    for name, direction, peer in (
        ("egress", answer.egress, answer.src),
        ("ingress", answer.ingress, answer.dst),
    ):
        if isinstance(peer, IpRange):
            continue
        allowing = sorted(str(rule) for rule in direction.allowed.rules_for(port.connections))
        denying = sorted(str(rule) for rule in direction.denied.rules_for(port.connections))
        if not direction.isolated:
            yield f"{name}: {_peer_text(peer)} is not isolated (no policy selects it for {name})"
        elif allowing:
            yield f"{name}: allowed by " + "; ".join(allowing)
        elif port.connections <= direction.allowed.connections():
            yield f"{name}: allowed by default (no policy tier decides it)"
        elif denying:
            yield f"{name}: denied by " + "; ".join(denying)
        else:
            policies = ", ".join(ref.label for ref in direction.policies)
            yield f"{name}: {_peer_text(peer)} is isolated by {policies}; no rule allows {port}"


def _asked_text(text: str, peer: _Peer) -> str:
    """The peer, and what the user asked for when it was a pod or an address in it."""
    if isinstance(peer, IpRange):
        return f"{text} (in {_peer_text(peer)})"
    return _peer_text(peer) if text == f"{peer.namespace}/{peer.name}" else f"{text} ({_peer_text(peer)})"


def _verdict_text(answer: Verdict, allowed: bool, port: _Port | None, asked: tuple[str, str]) -> None:
    console = out_console()
    src, dst = (_asked_text(text, peer) for text, peer in zip(asked, (answer.src, answer.dst), strict=True))
    if port:
        what = f"on {port}"
    else:
        what = "on every port" if answer.allowed.is_all() else f"on {answer.allowed or 'any port'}"
    console.print(f"{'yes' if allowed else 'no'}: {escape(src)} -> {escape(dst)} {escape(what)}")
    lines = list(_port_reasons(answer, port)) if port else answer.explain()
    for line in lines:
        console.print(f"  {escape(line)}")
    if port and answer.allowed and not allowed:
        console.print(f"  allowed between them: {escape(str(answer.allowed))}")
    for note in answer.notes:
        console.print(f"[dim]note: {escape(note)}[/]")


# --- diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    src: _Peer
    dst: _Peer
    before: ConnectionSet
    after: ConnectionSet

    @property
    def kind(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"

    @property
    def widens(self) -> bool:
        return not self.after <= self.before

    def to_json(self) -> dict[str, Any]:
        peers = {"src": self.src.to_json(), "dst": self.dst.to_json()}
        if self.kind == "added":
            return peers | {"ports": self.after.to_json()}
        if self.kind == "removed":
            return peers | {"ports": self.before.to_json()}
        return peers | {"before": self.before.to_json(), "after": self.after.to_json()}


_Segment = tuple[int, int, ConnectionSet]  # first and last address (as integers), what is allowed


def _external_side(connection: Connection) -> tuple[tuple[WorkloadPeer, str, int], _Segment] | None:
    """Connections with an address range, keyed by (workload, which side the range is, IP
    version): the two inputs cut the address space differently, so they are compared as
    functions of the address."""
    for side, outside, workload in (
        ("dst", connection.dst, connection.src),
        ("src", connection.src, connection.dst),
    ):
        if isinstance(outside, IpRange) and isinstance(workload, WorkloadPeer):
            return (workload, side, outside.start.version), (
                int(outside.start),
                int(outside.end),
                connection.allowed,
            )
    return None


def _lookup(segments: list[_Segment], starts: list[int], address: int) -> ConnectionSet:
    index = bisect.bisect_right(starts, address) - 1
    if index >= 0 and segments[index][1] >= address:
        return segments[index][2]
    return ConnectionSet.none()


def _refine(
    before: list[_Segment], after: list[_Segment]
) -> Iterator[tuple[int, int, ConnectionSet, ConnectionSet]]:
    """The address space cut at every boundary of either side, with what each side allows
    there; neighbouring pieces that compare the same are joined."""
    before, after = sorted(before, key=lambda s: s[0]), sorted(after, key=lambda s: s[0])
    starts_before, starts_after = [s[0] for s in before], [s[0] for s in after]
    bounds = sorted({s[0] for s in before + after} | {s[1] + 1 for s in before + after})
    pending: tuple[int, int, ConnectionSet, ConnectionSet] | None = None
    for low, high in itertools.pairwise(bounds):
        pair = (_lookup(before, starts_before, low), _lookup(after, starts_after, low))
        if pending and pending[1] + 1 == low and (pending[2], pending[3]) == pair:
            pending = (pending[0], high - 1, *pair)
            continue
        if pending:
            yield pending
        pending = (low, high - 1, *pair)
    if pending:
        yield pending


def _ip_range(version: int, first: int, last: int) -> IpRange:
    address: Callable[[int], Any] = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return IpRange(address(first), address(last))


def _diff(old: list[Connection], new: list[Connection]) -> list[_Change]:
    pairs: dict[tuple[_Peer, _Peer], list[ConnectionSet]] = {}
    external: dict[tuple[WorkloadPeer, str, int], tuple[list[_Segment], list[_Segment]]] = {}
    for index, connections in enumerate((old, new)):
        for connection in connections:
            keyed = _external_side(connection)
            if keyed is None:
                pair = pairs.setdefault((connection.src, connection.dst), [ConnectionSet.none()] * 2)
                pair[index] = connection.allowed
            else:
                external.setdefault(keyed[0], ([], []))[index].append(keyed[1])
    changes = [
        _Change(src, dst, before, after) for (src, dst), (before, after) in pairs.items() if before != after
    ]
    for (workload, side, version), (before_segments, after_segments) in external.items():
        for first, last, before, after in _refine(before_segments, after_segments):
            if before != after:
                addresses = _ip_range(version, first, last)
                src, dst = (workload, addresses) if side == "dst" else (addresses, workload)
                changes.append(_Change(src, dst, before, after))
    return sorted(changes, key=lambda c: (peer_order(c.src), peer_order(c.dst)))


_FAIL_ON: dict[str, Callable[[list[_Change]], bool]] = {
    "none": lambda changes: False,
    "added": lambda changes: any(change.widens for change in changes),
    "any": bool,
}


@netpol.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@_NAMESPACE_FILTER
@_EXCLUDE_EXTERNAL
@click.option(
    "--fail-on",
    type=click.Choice(list(_FAIL_ON)),
    default="none",
    show_default=True,
    help="Exit 1 when connectivity widens (added: a connection or a port is added) or on any change.",
)
@click.option("-o", "--output", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def diff(
    old: str, new: str, namespace: str | None, exclude_external: bool, fail_on: str, output: str
) -> None:
    """The connections added, removed and changed (ports) from OLD to NEW, each a file,
    a directory or '-' (e.g. the manifests before and after a pull request). Address
    ranges are compared address by address, whatever ipBlocks cut them. Exit 0 unless
    --fail-on says otherwise; 2 if an input could not be read or a policy is invalid."""
    if old == new == "-":
        abort("OLD and NEW cannot both be '-' (standard input is read once)")
    before, after = _load((old,), "OLD "), _load((new,), "NEW ")
    changes = [
        change
        for change in _diff(connlist(before.network), connlist(after.network))
        if _touches(Connection(change.src, change.dst, change.after), namespace, exclude_external)
    ]
    if output == "json":
        by_kind = {
            kind: [c.to_json() for c in changes if c.kind == kind] for kind in ("added", "removed", "changed")
        }
        print_json(by_kind | {"problems": {"old": before.problems, "new": after.problems}})
    elif output == "md":
        click.echo(_markdown(("change", "src", "dst", "ports"), [_change_row(c) for c in changes]), nl=False)
    else:
        _diff_text(changes)
    _exit(before.failed or after.failed, _FAIL_ON[fail_on](changes))


def _change_row(change: _Change) -> tuple[str, str, str, str]:
    ports = {
        "added": str(change.after),
        "removed": str(change.before),
        "changed": f"{change.before} -> {change.after}",
    }[change.kind]
    return change.kind, _peer_text(change.src), _peer_text(change.dst), ports


def _diff_text(changes: list[_Change]) -> None:
    console = out_console()
    if not changes:
        console.print("no connectivity changes")
        return
    _print_table(("change", "src", "dst", "ports"), [_change_row(change) for change in changes])
    counts = {kind: sum(c.kind == kind for c in changes) for kind in ("added", "removed", "changed")}
    console.print(", ".join(f"{count} {kind}" for kind, count in counts.items()))
