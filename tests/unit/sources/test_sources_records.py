"""Decoded documents -> records: object checks, List expansion, and secret values redacted."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest

from kubeward.errors import InputError
from kubeward.k8s.objects import Origin, is_kubeconfig
from kubeward.sources.files import read_inputs
from kubeward.sources.goyaml import ComposedDocument, DocumentProblem, compose_documents
from kubeward.sources.goyaml_resolve import YAMLFailure
from kubeward.sources.jsondoc import decode_json_stream
from kubeward.sources.records import REDACTED, records_from_documents, redact

# --- records_from_documents ------------------------------------------------------------------------


def test_documents_become_records_problems_and_errors() -> None:
    documents = [
        ComposedDocument(
            0, 1, {"apiVersion": "v1", "kind": "Pod"}, [DocumentProblem(3, "duplicate key 'a'")]
        ),
        ComposedDocument(1, 5, None),  # empty: skipped
        ComposedDocument(2, 7, error=YAMLFailure("unknown anchor 'x' referenced", 9)),
        ComposedDocument(3, 11, error=YAMLFailure("invalid YAML: bad")),  # no line: the document's
        ComposedDocument(4, 13, "text"),
        ComposedDocument(
            5,
            15,
            {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod"}]},
            item_lines={0: 17},
        ),
    ]
    records, errors = records_from_documents("f.yaml", documents, "chart/templates/t.yaml")
    assert [(r.body["kind"], r.origin) for r in records] == [
        ("Pod", Origin("f.yaml", 0, 1, (), "chart/templates/t.yaml")),
        ("Pod", Origin("f.yaml", 5, 17, ("items", 0), "chart/templates/t.yaml")),
    ]
    assert errors == [
        InputError("f.yaml", "duplicate key 'a'", 3, 0, fatal=False),
        InputError("f.yaml", "unknown anchor 'x' referenced", 9, 2),
        InputError("f.yaml", "invalid YAML: bad", 11, 3),
        InputError(
            "f.yaml", "not a Kubernetes object: found a string, not a mapping with apiVersion and kind", 13, 4
        ),
    ]


def test_a_list_item_without_a_known_line_gets_the_list_line() -> None:
    document = ComposedDocument(
        0, 4, {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "A"}]}
    )
    records, errors = records_from_documents("f", [document])
    assert ([r.origin for r in records], errors) == ([Origin("f", 0, 4, ("items", 0))], [])


# --- redaction ----------------------------------------------------------------------------------------

SECRET_VALUES = [
    "c3VwZXJzZWNyZXQ=",
    "plain-text-password",
    "a-token-value",
    "-----BEGIN RSA PRIVATE KEY-----MIIEsecret",
    "kubeconfig-bearer-token",
    "kubeconfig-password",
    "oidc-id-token",
    "oidc-refresh-token",
    "oidc-client-secret",
    "gcp-access-token",
    "exec-env-secret",
    "last-applied-secret",
]

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {
        "name": "db",
        "namespace": "prod",
        "labels": {"app": "db"},
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": (
                '{"apiVersion":"v1","kind":"Secret","data":{"password":"last-applied-secret"}}'
            ),
            "owner": "team-db",
        },
    },
    "type": "Opaque",
    "data": {"password": "c3VwZXJzZWNyZXQ=", "empty": ""},
    "stringData": {"user-password": "plain-text-password", "token": "a-token-value"},
}

REDACTED_SECRET = {
    **SECRET,
    "metadata": {
        **SECRET["metadata"],
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": REDACTED, "owner": "team-db"},
    },
    "data": {"password": REDACTED, "empty": REDACTED},
    "stringData": {"user-password": REDACTED, "token": REDACTED},
}

KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "current-context": "prod",
    "clusters": [
        {
            "name": "prod",
            "cluster": {"server": "https://k8s:6443", "certificate-authority-data": "Q0EtZGF0YQ=="},
        }
    ],
    "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "admin"}}],
    "users": [
        {
            "name": "admin",
            "user": {
                "client-certificate-data": "Q0VSVC1kYXRh",
                "client-key-data": "-----BEGIN RSA PRIVATE KEY-----MIIEsecret",
                "client-certificate": "/etc/kubernetes/admin.crt",
                "client-key": "/etc/kubernetes/admin.key",
            },
        },
        {"name": "bearer", "user": {"token": "kubeconfig-bearer-token", "tokenFile": "/var/run/token"}},
        {"name": "basic", "user": {"username": "alice", "password": "kubeconfig-password"}},
        {
            "name": "oidc",
            "user": {
                "auth-provider": {
                    "name": "oidc",
                    "config": {
                        "client-id": "kubernetes",
                        "idp-issuer-url": "https://issuer",
                        "id-token": "oidc-id-token",
                        "refresh-token": "oidc-refresh-token",
                        "client-secret": "oidc-client-secret",
                    },
                }
            },
        },
        {
            "name": "gcp",
            "user": {"auth-provider": {"name": "gcp", "config": {"access-token": "gcp-access-token"}}},
        },
        {
            "name": "exec",
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": "aws",
                    "args": ["eks", "get-token"],
                    "env": [{"name": "AWS_SECRET", "value": "exec-env-secret"}, {"name": "NO_VALUE"}],
                }
            },
        },
        {"name": "odd", "user": "not a mapping"},
    ],
}


def _user(config: dict[str, Any], name: str) -> Any:
    return next(entry["user"] for entry in config["users"] if entry["name"] == name)


def test_secret_values_are_redacted_and_keys_kept() -> None:
    body = copy.deepcopy(SECRET)
    redact(body)
    assert body == REDACTED_SECRET


def test_kubeconfig_secrets_are_redacted_and_the_rest_kept() -> None:
    body = copy.deepcopy(KUBECONFIG)
    assert is_kubeconfig(body)
    redact(body)
    assert body["clusters"] == KUBECONFIG["clusters"]
    assert _user(body, "admin") == {
        "client-certificate-data": "Q0VSVC1kYXRh",
        "client-key-data": REDACTED,
        "client-certificate": "/etc/kubernetes/admin.crt",
        "client-key": "/etc/kubernetes/admin.key",
    }
    assert _user(body, "bearer") == {"token": REDACTED, "tokenFile": "/var/run/token"}
    assert _user(body, "basic") == {"username": "alice", "password": REDACTED}
    assert _user(body, "oidc")["auth-provider"]["config"] == {
        "client-id": "kubernetes",
        "idp-issuer-url": "https://issuer",
        "id-token": REDACTED,
        "refresh-token": REDACTED,
        "client-secret": REDACTED,
    }
    assert _user(body, "gcp")["auth-provider"]["config"] == {"access-token": REDACTED}
    assert _user(body, "exec")["exec"] == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "aws",
        "args": ["eks", "get-token"],
        "env": [{"name": "AWS_SECRET", "value": REDACTED}, {"name": "NO_VALUE"}],
    }
    assert _user(body, "odd") == "not a mapping"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"password": "kept"}}, id="a ConfigMap"
        ),
        pytest.param({"apiVersion": "v2", "kind": "Secret", "data": {"k": "kept"}}, id="not core v1 Secret"),
        pytest.param({"apiVersion": "v1", "kind": "Secret", "data": None}, id="a Secret without data"),
        pytest.param(
            {"apiVersion": "v2", "kind": "Config", "users": [{"user": {"token": "x"}}]}, id="not v1"
        ),
    ],
)
def test_other_objects_are_left_alone(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    redact(body)
    assert body == before


STREAM = """apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","kind":"Secret","data":{"password":"last-applied-secret"}}
data:
  password: c3VwZXJzZWNyZXQ=
stringData:
  user-password: plain-text-password
  token: a-token-value
---
apiVersion: v1
kind: SecretList
items:
- metadata: {name: listed}
  stringData: {token: a-token-value}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Config
  users:
  - name: admin
    user:
      client-key-data: "-----BEGIN RSA PRIVATE KEY-----MIIEsecret"
      token: kubeconfig-bearer-token
      password: kubeconfig-password
      auth-provider:
        config:
          id-token: oidc-id-token
          refresh-token: oidc-refresh-token
          client-secret: oidc-client-secret
          access-token: gcp-access-token
      exec:
        env:
        - name: X
          value: exec-env-secret
"""


def test_no_secret_value_survives_reading_yaml() -> None:
    result = read_inputs(["-"], stdin=io.BytesIO(STREAM.encode()))
    assert [(r.body["kind"], r.body.get("metadata", {}).get("name")) for r in result.records] == [
        ("Secret", "db"),
        ("Secret", "listed"),
        ("Config", None),
    ]
    assert result.errors == []
    dumped = repr(result.records)
    assert [value for value in SECRET_VALUES if value in dumped] == []
    assert result.records[1].body["stringData"] == {"token": REDACTED}


def test_no_secret_value_survives_reading_json() -> None:
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [SECRET, KUBECONFIG]}, indent=2)
    records, errors = records_from_documents("dump.json", decode_json_stream(text))
    assert errors == []
    assert records[0].body == REDACTED_SECRET
    dumped = repr(records)
    assert [value for value in SECRET_VALUES if value in dumped] == []


def test_malformed_secret_data_is_redacted_whole() -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": "aHVudGVyMg==",
        "stringData": ["x"],
    }
    redact(body)
    assert body["data"] == REDACTED and body["stringData"] == REDACTED


def test_credential_plugin_flags_and_proxy_passwords_are_redacted() -> None:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "c", "cluster": {"server": "https://k", "proxy-url": "http://bob:hunter2@proxy:3128"}}
        ],
        "users": [
            {
                "name": "u",
                "user": {
                    "exec": {
                        "command": "kubectl",
                        "args": [
                            "oidc-login",
                            "--oidc-issuer-url=https://login.example.com",
                            "--token=abc",
                            "--client-secret",
                            "s3cr3t",
                            "--oidc-extra-scope=groups",
                        ],
                    }
                },
            }
        ],
    }
    redact(body)
    assert body["clusters"][0]["cluster"]["proxy-url"] == f"http://{REDACTED}@proxy:3128"
    assert body["users"][0]["user"]["exec"]["args"] == [
        "oidc-login",
        "--oidc-issuer-url=https://login.example.com",
        f"--token={REDACTED}",
        "--client-secret",
        REDACTED,
        "--oidc-extra-scope=groups",
    ]


def test_kubeconfigs_without_api_version_and_kind_are_recognised() -> None:
    [document] = compose_documents("current-context: a\nusers:\n- name: u\n  user: {token: abc}\n")
    records, errors = records_from_documents("config", [document])
    assert errors == []
    assert [(r.body["kind"], r.body["users"][0]["user"]["token"]) for r in records] == [("Config", REDACTED)]
