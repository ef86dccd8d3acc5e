"""Observed network flows: Cilium Hubble flow JSON and a simple CSV, read into plain records.

Two formats, told apart by the first non-blank character (``{`` is Hubble):

* **Hubble** (``hubble observe -o json``, also Hubble's flow-log export): one JSON object
  per line, a bare ``Flow`` or a ``GetFlowsResponse`` ``{"flow": {...}, "node_name": ...,
  "time": ...}``, with the proto field names of cilium/cilium ``api/v1/flow/flow.proto``
  (``source``/``destination`` endpoints with ``namespace``, ``pod_name``, ``labels``
  (``k8s:app=web``, ``reserved:world``...) and ``workloads``; ``IP.source``/``IP.destination``;
  ``l4.TCP|UDP|SCTP.destination_port``; ``is_reply``; ``verdict``; ``Type``), or the
  lowerCamelCase names (``isReply``, ``podName``...) other protojson writers use.
* **CSV**: ``src_namespace,src_workload,dst_namespace,dst_workload_or_cidr,port,protocol``
  (header optional, ``#`` comments, protocol optional = TCP). An external endpoint is an IP
  address or CIDR in the workload column with an empty namespace.

Which Hubble events are connections the application needs:

* only ``L3_L4`` events (an L7 event repeats a connection its L3/L4 events already show);
* only the initiating direction: ``is_reply: false``; when ``is_reply`` is absent (unknown),
  a TCP packet with SYN and without ACK, and nothing else;
* every verdict that shows an attempt: FORWARDED, DROPPED, AUDIT and REDIRECTED. Dropped
  traffic counts because what the application tried is what it needs (a flow dropped by
  the current policies is exactly the one a new policy set must allow);
* ICMP is skipped (NetworkPolicy cannot express it), and so is traffic to or from a node
  (``reserved:host``/``reserved:remote-node``: a pod's own node is always allowed, other
  nodes' addresses are not stable endpoints).

Skipped events are counted per reason (:attr:`FlowsRead.skipped`); a line that cannot be
read is an :class:`~kubeward.errors.InputError` with file and line, and the rest is used.
"""

from __future__ import annotations

import csv
import ipaddress
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from kubeward.errors import InputError
from kubeward.sources.files import STDIN

__all__ = ["CSV_COLUMNS", "PROTOCOLS", "Endpoint", "Flow", "FlowsRead", "parse_flows", "read_flows"]

PROTOCOLS = ("TCP", "UDP", "SCTP")
CSV_COLUMNS = ("src_namespace", "src_workload", "dst_namespace", "dst_workload_or_cidr", "port", "protocol")
MAX_FILE_BYTES = 256 * 1024 * 1024

_COUNTED_VERDICTS = frozenset({"FORWARDED", "DROPPED", "AUDIT", "REDIRECTED"})
_ICMP = ("ICMPv4", "ICMPv6")
_NODE_IDENTITIES = frozenset({"reserved:host", "reserved:remote-node"})
_EXTERNAL_IDENTITIES = frozenset(
    {"reserved:world", "reserved:world-ipv4", "reserved:world-ipv6", "reserved:kube-apiserver"}
)
# Labels Cilium adds to an identity; they are not the pod's own labels.
_CILIUM_LABEL_PREFIXES = ("io.kubernetes.pod.namespace", "io.cilium.k8s.")

SKIP_REPLY = "reply direction (or not a TCP SYN when the direction is unknown)"
SKIP_ICMP = "ICMP (NetworkPolicy cannot express it)"
SKIP_NODE = "to or from a node (reserved:host / reserved:remote-node)"
SKIP_CILIUM = "to or from a Cilium-internal identity (reserved:health, init, unmanaged, ingress)"
SKIP_EXTERNAL = "between two external addresses (no NetworkPolicy governs it)"
SKIP_TYPE = "not an L3/L4 event (L7 and socket events repeat L3/L4 ones)"
SKIP_VERDICT = "verdict ERROR, TRACED, TRANSLATED or unknown"
SKIP_NO_L4 = "no TCP, UDP or SCTP port"


@dataclass(frozen=True, slots=True, order=True)
class Endpoint:
    """One end of a flow: a pod or workload (``namespace`` set) or an external ``address``
    (an IP address or CIDR, as written).

    ``workload`` is the workload's name as the input gives it (Hubble's ``workloads[0]``,
    the CSV column), ``pod`` the pod's name, ``labels`` the pod's labels Hubble reports
    (``k8s:`` labels without Cilium's own); ``names`` the DNS names Hubble saw an external
    address as (``source_names``/``destination_names``)."""

    namespace: str = ""
    workload: str = ""
    workload_kind: str = ""
    pod: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    address: str = ""
    names: tuple[str, ...] = ()

    @property
    def external(self) -> bool:
        return not self.namespace

    def __str__(self) -> str:
        if self.external:
            return self.address
        labels = ",".join(f"{key}={value}" for key, value in self.labels)
        return f"{self.namespace}/{self.pod or self.workload or labels}"


@dataclass(frozen=True, slots=True)
class Flow:
    """One observed connection attempt: ``src`` opened ``protocol``/``port`` to ``dst``."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int
    file: str
    line: int
    verdict: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class FlowsRead:
    """The flows of one or more files, the lines that could not be read, and the count of
    events skipped per reason (replies, ICMP, node traffic...)."""

    flows: list[Flow] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def extend(self, other: FlowsRead) -> None:
        self.flows.extend(other.flows)
        self.errors.extend(other.errors)
        self.skipped.update(other.skipped)


def read_flows(path: str, stdin: BinaryIO | None = None) -> FlowsRead:
    """Read one flow file (Hubble JSON lines or CSV; ``-`` is standard input); an unreadable
    file is one error."""
    try:
        if path == STDIN:
            data = (stdin or sys.stdin.buffer).read(MAX_FILE_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return FlowsRead(errors=[InputError(path, f"cannot read: {error.strerror or error}")])
    if len(data) > MAX_FILE_BYTES:
        return FlowsRead(errors=[InputError(path, f"larger than {MAX_FILE_BYTES // 2**20} MiB; not read")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return FlowsRead(errors=[InputError(path, f"not UTF-8 text (byte {error.start})")])
    return parse_flows(path, text)


def parse_flows(file: str, text: str) -> FlowsRead:
    """The flows in ``text`` (named ``file`` in errors); the format is told by its first
    non-blank character."""
    if text.lstrip()[:1] == "{":
        return _parse_hubble(file, text)
    return _parse_csv(file, text)


# --- Hubble ------------------------------------------------------------------------------


class _BadLine(ValueError):
    """A line that cannot be used; the message says why."""


class _Skip(Exception):
    """An event that is read correctly but is not a connection to allow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse_hubble(file: str, text: str) -> FlowsRead:
    read = FlowsRead()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            read.flows.append(_hubble_flow(file, number, line))
        except _Skip as skip:
            read.skipped[skip.reason] += 1
        except _BadLine as error:
            read.errors.append(InputError(file, str(error), number))
    return read


def _hubble_flow(file: str, number: int, line: str) -> Flow:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise _BadLine(f"not JSON: {error}") from None
    if not isinstance(event, dict):
        raise _BadLine("not a JSON object")
    flow = event.get("flow", event)
    if not isinstance(flow, dict) or not ("source" in flow or "destination" in flow or "l4" in flow):
        raise _BadLine("not a Hubble flow (no source, destination or l4)")
    if flow.get("Type", "L3_L4") != "L3_L4":
        raise _Skip(SKIP_TYPE)
    verdict = flow.get("verdict", "")
    if verdict not in _COUNTED_VERDICTS:
        raise _Skip(SKIP_VERDICT)
    l4 = _mapping(flow, "l4")
    if any(icmp in l4 for icmp in _ICMP):
        raise _Skip(SKIP_ICMP)
    protocol = next((name for name in PROTOCOLS if name in l4), None)
    if protocol is None:
        raise _Skip(SKIP_NO_L4)
    ports = _mapping(l4, protocol)
    if not _initiating(flow, protocol, ports):
        raise _Skip(SKIP_REPLY)
    port = _field(ports, "destination_port")
    if port is None:
        raise _Skip(SKIP_NO_L4)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise _BadLine(f"l4.{protocol}.destination_port {port!r} is not a port number")
    ip = _mapping(flow, "IP")
    src = _hubble_endpoint(flow, ip.get("source"), "source")
    dst = _hubble_endpoint(flow, ip.get("destination"), "destination")
    if src.external and dst.external:
        raise _Skip(SKIP_EXTERNAL)
    return Flow(src, dst, protocol, port, file, number, verdict)


def _field(message: Mapping[str, Any], proto_name: str) -> Any:
    """A field by its proto name, or by the lowerCamelCase JSON name protojson also writes."""
    if proto_name in message:
        return message[proto_name]
    head, *rest = proto_name.split("_")
    return message.get(head + "".join(part.title() for part in rest))


def _mapping(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _BadLine(f"{key} is not an object")
    return value


def _initiating(flow: Mapping[str, Any], protocol: str, ports: Mapping[str, Any]) -> bool:
    """Whether this event is of the direction that opens the connection."""
    is_reply = _field(flow, "is_reply")
    if isinstance(is_reply, bool):
        return not is_reply
    if flow.get("reply") is True:
        return False
    flags = ports.get("flags")
    return (
        protocol == "TCP" and isinstance(flags, Mapping) and bool(flags.get("SYN")) and not flags.get("ACK")
    )


def _hubble_endpoint(flow: Mapping[str, Any], ip: Any, side: str) -> Endpoint:
    endpoint = _mapping(flow, side)
    raw_labels = endpoint.get("labels", [])
    if not isinstance(raw_labels, list) or not all(isinstance(label, str) for label in raw_labels):
        raise _BadLine(f"{side}.labels is not a list of strings")
    identities = {label for label in raw_labels if label.startswith("reserved:")}
    if identities & _NODE_IDENTITIES:
        raise _Skip(SKIP_NODE)
    if identities - _EXTERNAL_IDENTITIES:
        raise _Skip(SKIP_CILIUM)
    namespace = endpoint.get("namespace") or ""
    if not isinstance(namespace, str):
        raise _BadLine(f"{side}.namespace is not a string")
    if namespace:
        return _hubble_pod(endpoint, namespace, raw_labels, side)
    if not isinstance(ip, str) or not ip:
        raise _BadLine(f"{side} has no namespace (an external endpoint) and the flow has no IP.{side}")
    try:
        address = str(_address(ip))
    except ValueError:
        raise _BadLine(f"IP.{side} {ip!r} is not an IP address") from None
    names = _field(flow, f"{side}_names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise _BadLine(f"{side}_names is not a list of strings")
    return Endpoint(address=address, names=tuple(sorted(set(names))))


def _hubble_pod(endpoint: Mapping[str, Any], namespace: str, raw_labels: list[str], side: str) -> Endpoint:
    pod = _field(endpoint, "pod_name") or ""
    if not isinstance(pod, str):
        raise _BadLine(f"{side}.pod_name is not a string")
    workloads = endpoint.get("workloads") or []
    first = workloads[0] if isinstance(workloads, list) and workloads else {}
    if not isinstance(first, Mapping):
        raise _BadLine(f"{side}.workloads is not a list of objects")
    name, kind = first.get("name") or "", first.get("kind") or ""
    if not isinstance(name, str) or not isinstance(kind, str):
        raise _BadLine(f"{side}.workloads[0] name and kind must be strings")
    labels = tuple(sorted(_pod_labels(raw_labels)))
    if not (pod or name or labels):
        raise _BadLine(f"{side} names a namespace but no pod, workload or labels")
    return Endpoint(namespace=namespace, workload=name, workload_kind=kind, pod=pod, labels=labels)


def _pod_labels(raw_labels: list[str]) -> Iterator[tuple[str, str]]:
    """The pod's own labels from Cilium's ``source:key=value`` identity labels."""
    for label in raw_labels:
        source, _, rest = label.partition(":")
        key, _, value = rest.partition("=")
        if source == "k8s" and key and not key.startswith(_CILIUM_LABEL_PREFIXES):
            yield key, value


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An IP address; an IPv6 zone (``fe80::1%eth0``) is refused: an ipBlock cannot hold it."""
    address = ipaddress.ip_address(text)
    if getattr(address, "scope_id", None):
        raise ValueError(f"{text!r} has a zone")
    return address


# --- CSV ---------------------------------------------------------------------------------


def _parse_csv(file: str, text: str) -> FlowsRead:
    read = FlowsRead()
    for index, (number, row) in enumerate(_csv_rows(text)):
        cells = [cell.strip() for cell in row]
        if index == 0 and [cell.lower() for cell in cells] == list(CSV_COLUMNS[: len(cells)]):
            continue  # the header
        try:
            read.flows.append(_csv_flow(file, number, cells))
        except _Skip as skip:
            read.skipped[skip.reason] += 1
        except _BadLine as error:
            read.errors.append(InputError(file, str(error), number))
    return read


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield number, next(csv.reader([line]))


def _csv_flow(file: str, number: int, row: list[str]) -> Flow:
    if len(row) == len(CSV_COLUMNS) - 1:
        row = [*row, ""]
    if len(row) != len(CSV_COLUMNS):
        raise _BadLine(f"expected the {len(CSV_COLUMNS)} columns {','.join(CSV_COLUMNS)}, found {len(row)}")
    src_namespace, src_workload, dst_namespace, dst_workload, port_text, protocol_text = row
    protocol = protocol_text.upper() or "TCP"
    if protocol in ("ICMP", "ICMPV6", "ICMPV4"):
        raise _Skip(SKIP_ICMP)
    if protocol not in PROTOCOLS:
        raise _BadLine(f"protocol {protocol_text!r} is not TCP, UDP or SCTP")
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise _BadLine(f"port {port_text!r} is not a number from 1 to 65535")
    src = _csv_endpoint(src_namespace, src_workload, "source")
    dst = _csv_endpoint(dst_namespace, dst_workload, "destination")
    if src.external and dst.external:
        raise _BadLine("both ends are external addresses: no NetworkPolicy governs that")
    return Flow(src, dst, protocol, int(port_text), file, number)


def _csv_endpoint(namespace: str, name: str, side: str) -> Endpoint:
    if not name:
        raise _BadLine(f"the {side} workload (or address) is empty")
    if namespace:
        return Endpoint(namespace=namespace, workload=name)
    try:
        address = _address(name.partition("/")[0])
        loose = ipaddress.ip_network(name, strict=False)
    except ValueError:
        raise _BadLine(f"the {side} {name!r} has no namespace, so it must be an IP address or CIDR") from None
    if loose.network_address != address:
        raise _BadLine(f"the {side} CIDR {name!r} has host bits set (the network is {loose})")
    return Endpoint(address=str(loose) if "/" in name else str(loose.network_address))
