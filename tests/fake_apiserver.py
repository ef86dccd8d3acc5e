"""A loopback HTTPS server that answers like the Kubernetes API for a recorded state.

It serves discovery (``/apis``, ``/api/v1``, ``/apis/<group>/<version>``) and the list API
of every resource whose objects it holds, paged with ``limit``/``continue`` as the real
server pages, ``PartialObjectMetadataList`` when the client asks for it, ``403`` for
resources it is told to forbid and ``410 Gone`` for continue tokens it is told to expire.
It requires a bearer token and records every request, so tests can assert that kubeward
only lists and never sees a Secret value.
"""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kubeward.k8s.objects import GroupKind, split_api_version
from kubeward.k8s.resources import BUILTIN

TOKEN = "test-token-for-the-fake-apiserver"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    accept: str


@dataclass
class State:
    """What the server holds and how it misbehaves."""

    objects: list[dict[str, Any]]
    forbidden: set[str] = field(default_factory=set)  # plurals answered with 403
    expire_first_continue: set[str] = field(default_factory=set)  # plurals whose first continue gets 410
    requests: list[Request] = field(default_factory=list)


def _certificate(directory: Path) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path, cert_pem


def _served(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(group, version) -> {plural: (kind, namespaced, [objects])}"""
    served: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for obj in objects:
        group, version = split_api_version(obj["apiVersion"])
        resource = BUILTIN.by_kind(GroupKind(group, obj["kind"]))
        assert resource is not None, obj["kind"]
        entry = served[(group, version)].setdefault(resource.plural, (resource.kind, resource.namespaced, []))
        entry[2].append(obj)
    return served


class _Handler(BaseHTTPRequestHandler):
    state: State
    served: dict[tuple[str, str], dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, reason: str, message: str) -> None:
        self._send(
            code,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": reason,
                "message": message,
                "code": code,
            },
        )

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.state.requests.append(Request("GET", url.path, query, self.headers.get("Accept", "")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._status(401, "Unauthorized", "Unauthorized")
            return
        parts = [part for part in url.path.split("/") if part]
        if parts == ["apis"]:
            groups = sorted({group for group, _ in self.served if group})
            self._send(
                200,
                {
                    "kind": "APIGroupList",
                    "apiVersion": "v1",
                    "groups": [
                        {
                            "name": group,
                            "versions": [
                                {"groupVersion": f"{group}/{v}", "version": v}
                                for g, v in self.served
                                if g == group
                            ],
                            "preferredVersion": {
                                "groupVersion": f"{group}/{self._preferred(group)}",
                                "version": self._preferred(group),
                            },
                        }
                        for group in groups
                    ],
                },
            )
            return
        if parts[:2] == ["api", "v1"] and len(parts) == 2:
            self._resource_list("", "v1")
            return
        if parts[:1] == ["apis"] and len(parts) == 3:
            self._resource_list(parts[1], parts[2])
            return
        if parts[:2] == ["api", "v1"] and len(parts) == 3:
            self._list("", "v1", parts[2], query)
            return
        if parts[:1] == ["apis"] and len(parts) == 4:
            self._list(parts[1], parts[2], parts[3], query)
            return
        self._status(404, "NotFound", f"the server could not find the requested resource ({url.path})")

    def _preferred(self, group: str) -> str:
        return sorted(v for g, v in self.served if g == group)[0]

    def _resource_list(self, group: str, version: str) -> None:
        resources = self.served.get((group, version))
        if resources is None and group:
            self._status(404, "NotFound", "not found")
            return
        group_version = f"{group}/{version}" if group else version
        self._send(
            200,
            {
                "kind": "APIResourceList",
                "groupVersion": group_version,
                "resources": [
                    {
                        "name": plural,
                        "singularName": kind.lower(),
                        "namespaced": namespaced,
                        "kind": kind,
                        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                    }
                    for plural, (kind, namespaced, _) in sorted((resources or {}).items())
                ]
                + [
                    {
                        "name": "pods/exec",
                        "kind": "PodExecOptions",
                        "namespaced": True,
                        "verbs": ["create", "get"],
                    }
                ]
                * (group == ""),
            },
        )

    def _list(self, group: str, version: str, plural: str, query: dict[str, list[str]]) -> None:
        resources = self.served.get((group, version), {})
        if plural not in resources:
            self._status(404, "NotFound", f"the server could not find the requested resource ({plural})")
            return
        if plural in self.state.forbidden:
            self._status(
                403, "Forbidden", f'{plural} is forbidden: User "tester" cannot list resource "{plural}"'
            )
            return
        kind, _, objects = resources[plural]
        limit = int(query.get("limit", ["0"])[0]) or len(objects)
        token = query.get("continue", [""])[0]
        if token and plural in self.state.expire_first_continue:
            self.state.expire_first_continue.discard(plural)
            self._status(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result.",
            )
            return
        start = int(base64.b64decode(token)) if token else 0
        page = objects[start : start + limit]
        following = start + limit
        metadata: dict[str, Any] = {"resourceVersion": "12345"}
        if following < len(objects):
            metadata["continue"] = base64.b64encode(str(following).encode()).decode()
            metadata["remainingItemCount"] = len(objects) - following
        if "as=PartialObjectMetadataList" in self.headers.get("Accept", ""):
            items = [
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata", {}),
                }
                for obj in page
            ]
            self._send(
                200,
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": metadata,
                    "items": items,
                },
            )
            return
        items = [
            {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")} for obj in page
        ]
        group_version = f"{group}/{version}" if group else version
        self._send(
            200, {"kind": f"{kind}List", "apiVersion": group_version, "metadata": metadata, "items": items}
        )


@contextmanager
def serve(state: State, directory: Path) -> Iterator[Path]:
    """Run the server; yields the path of a kubeconfig that reaches it."""
    cert_path, key_path, cert_pem = _certificate(directory)
    handler = type("Handler", (_Handler,), {"state": state, "served": _served(state.objects)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = directory / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "fake",
                "clusters": [
                    {
                        "name": "fake",
                        "cluster": {
                            "server": f"https://127.0.0.1:{server.server_port}",
                            "certificate-authority-data": base64.b64encode(cert_pem).decode(),
                        },
                    }
                ],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
                "users": [{"name": "tester", "user": {"token": TOKEN}}],
            }
        )
    )
    try:
        yield kubeconfig
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
