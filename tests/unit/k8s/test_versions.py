"""Kubernetes minor versions as PSA api/helpers.go ParseVersion reads them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubeward.k8s.versions import Version, parse_version


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("v1.0", Version(1, 0)),
        ("v1.9", Version(1, 9)),
        ("v1.30", Version(1, 30)),
        ("v1.999", Version(1, 999)),
        (f"v1.{2**63 - 1}", Version(1, 2**63 - 1)),
    ],
)
def test_valid(text: str, version: Version) -> None:
    assert parse_version(text) == version
    assert str(version) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "latest",
        "1.30",
        "v1",
        "v1.",
        "v1.01",
        "v1.-1",
        "v2.0",
        "v0.9",
        "V1.30",
        "v1.30.0",
        " v1.30",
        "v1.30\n",
        "v1.３",  # a non-ASCII digit
        f"v1.{2**63}",  # Go's strconv.Atoi overflows
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(ValueError, match="invalid version"):
        parse_version(text)


@pytest.mark.parametrize("value", [None, 1.3, b"v1.3"])
def test_not_a_string(value: Any) -> None:
    with pytest.raises(ValueError, match="invalid version"):
        parse_version(value)


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_order_is_numeric(a: int, b: int) -> None:
    assert (parse_version(f"v1.{a}") < parse_version(f"v1.{b}")) == (a < b)
    assert Version(1, a) < Version(2, 0)
