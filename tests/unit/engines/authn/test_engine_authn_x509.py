"""engines/authn/x509: certificates, requests, CSR objects and kubeconfig users, against the
table in tests/data/authn/x509/certificates.yaml (certificates built in memory)."""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.engines.authn import x509
from unit.engines.authn.certs import b64, build_der, build_pem

TABLE = yaml.safe_load((Path(__file__).parents[3] / "data/authn/x509/certificates.yaml").read_text())


def _facts(info: x509.CertificateInfo) -> dict[str, Any]:
    facts = info.to_dict()
    facts.update(key_bits=info.key_bits, is_request=info.is_request, uid_problem=info.uid_problem)
    return facts


@pytest.mark.parametrize("case", TABLE, ids=lambda case: case["name"])
def test_identity_mapping(case: dict[str, Any]) -> None:
    [info] = x509.decode_certificates(build_pem(case["cert"]))
    facts = _facts(info)
    assert {key: facts[key] for key in case["expect"]} == case["expect"]


@pytest.mark.parametrize("case", TABLE, ids=lambda case: case["name"])
def test_der_decodes_like_pem(case: dict[str, Any]) -> None:
    [from_pem] = x509.decode_certificates(build_pem(case["cert"]))
    [from_der] = x509.decode_certificates(build_der(case["cert"]))
    assert from_der.to_dict() == from_pem.to_dict()


def test_a_bundle_yields_every_certificate() -> None:
    bundle = build_pem({"cn": "a"}) + build_pem({"cn": "b", "o": ["g"]})
    assert [info.user for info in x509.decode_certificates(bundle)] == ["a", "b"]


@pytest.mark.parametrize(
    "data",
    [b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", b"", b"\x30\x03\x02\x01"],
    ids=["text", "bad-pem-body", "empty", "truncated-der"],
)
def test_garbage_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(x509.DecodeError):
        x509.decode_certificates(data)


def test_a_pem_block_without_end_is_a_decode_error() -> None:
    pem = build_pem({"cn": "a"})
    with pytest.raises(x509.DecodeError, match="END"):
        x509.decode_certificates(pem[: pem.index(b"-----END")])


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_decode_error(data: bytes) -> None:
    with contextlib.suppress(x509.DecodeError):
        x509.decode_certificates(data)


def _csr(
    request: dict[str, Any] | None, certificate: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"signerName": x509.CLIENT_SIGNER, "usages": ["client auth"], **extra}
    if request is not None:
        spec["request"] = b64({**request, "csr": True})
    status: dict[str, Any] = {}
    if certificate is not None:
        status = {"conditions": [{"type": "Approved", "status": "True"}], "certificate": b64(certificate)}
    return {"kind": "CertificateSigningRequest", "metadata": {"name": "x"}, "spec": spec, "status": status}


def test_csr_object_pending() -> None:
    csr = x509.decode_csr_object(_csr({"cn": "bot", "o": ["system:masters"]}, username="sa", groups=["g"]))
    assert (csr.state, csr.client_signer, csr.requestor, csr.requestor_groups) == (
        "Pending",
        True,
        "sa",
        ("g",),
    )
    assert csr.request is not None and csr.request.groups == ("system:masters",)
    assert csr.certificate is None and csr.problems == ()


def test_csr_object_issued_with_expiration() -> None:
    csr = x509.decode_csr_object(_csr({"cn": "c"}, {"cn": "c", "days": 30}, expirationSeconds=2592000))
    assert csr.approved and csr.expiration_seconds == 2592000
    assert csr.certificate is not None and csr.certificate.lifetime_days == 30


@pytest.mark.parametrize(
    ("conditions", "state"),
    [
        ([{"type": "Approved", "status": "True"}], "Approved"),
        ([{"type": "Approved"}, {"type": "Denied"}], "Denied"),
        ([{"type": "Approved"}, {"type": "Failed"}], "Failed"),
        ([{"type": "Approved", "status": "False"}], "Pending"),
        ([], "Pending"),
    ],
)
def test_csr_state(conditions: list[dict[str, str]], state: str) -> None:
    body = _csr({"cn": "c"})
    body["status"] = {"conditions": conditions}
    assert x509.decode_csr_object(body).state == state


def test_csr_object_with_bad_request_names_the_field() -> None:
    body = _csr(None)
    body["spec"]["request"] = "not base64!"
    body["status"] = {"certificate": base64.b64encode(b"junk").decode()}
    csr = x509.decode_csr_object(body)
    assert csr.request is None and csr.certificate is None
    assert [problem.split(":")[0] for problem in csr.problems] == ["spec.request", "status.certificate"]


def test_kubeconfig_users() -> None:
    body = {
        "kind": "Config",
        "users": [
            {"name": "embedded", "user": {"client-certificate-data": b64({"cn": "admin", "o": ["ops"]})}},
            {"name": "file", "user": {"client-certificate": "certs/me.crt", "client-key": "certs/me.key"}},
            {"name": "token", "user": {"token": "<redacted>"}},
            {"name": "broken", "user": {"client-certificate-data": "@@@"}},
        ],
    }
    found = x509.kubeconfig_certificates(body)
    assert [(entry.user, entry.index) for entry in found] == [("embedded", 0), ("file", 1), ("broken", 3)]
    assert found[0].certificate is not None and found[0].certificate.groups == ("ops",)
    assert found[1].path == "certs/me.crt" and found[1].certificate is None
    assert "not valid base64" in found[2].problem


_NAMES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=20)


@settings(max_examples=25, deadline=None)
@given(cn=st.one_of(st.none(), _NAMES), orgs=st.lists(_NAMES, max_size=4))
def test_user_is_the_cn_and_groups_are_every_o(cn: str | None, orgs: list[str]) -> None:
    [info] = x509.decode_certificates(build_pem({"cn": cn, "o": orgs, "key": "ec256"}))
    assert (info.user, info.groups, info.valid_user) == (cn or "", tuple(orgs), bool(cn))
