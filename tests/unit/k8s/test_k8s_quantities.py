"""Quantities: the ``resource.Quantity`` grammar, ``ParseQuantity`` bounds and ``UnmarshalJSON``."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeward.k8s.quantities import Quantity, parse_quantity

NANO = Fraction(1, 10**9)
MAX_INT64 = 2**63 - 1

# (text or number, exact value)
VALID: list[tuple[Any, Fraction]] = [
    ("100m", Fraction(1, 10)),
    ("0.1", Fraction(1, 10)),
    ("1", Fraction(1)),
    ("0", Fraction(0)),
    ("5n", 5 * NANO),
    ("4u", Fraction(4, 10**6)),
    ("8k", Fraction(8000)),
    ("7M", Fraction(7 * 10**6)),
    ("1G", Fraction(10**9)),
    ("5T", Fraction(5 * 10**12)),
    ("2P", Fraction(2 * 10**15)),
    ("1E", Fraction(10**18)),  # E alone is exa, not an exponent
    ("1Ki", Fraction(1024)),
    ("7Mi", Fraction(7 * 2**20)),
    ("1Gi", Fraction(2**30)),
    ("5Ti", Fraction(5 * 2**40)),
    ("4Pi", Fraction(4 * 2**50)),
    ("3Ei", Fraction(3 * 2**60)),
    ("1e3", Fraction(1000)),
    ("1E3", Fraction(1000)),
    ("1E-3", Fraction(1, 1000)),
    ("1.3E+6", Fraction(1_300_000)),
    ("0.5e-2", Fraction(5, 1000)),
    (".5", Fraction(1, 2)),
    (".001", Fraction(1, 1000)),
    (".0001k", Fraction(1, 10)),
    ("1.", Fraction(1)),
    ("1.G", Fraction(10**9)),
    ("+1", Fraction(1)),
    ("-1Ki", Fraction(-1024)),
    ("-0.5", Fraction(-1, 2)),
    ("100.035k", Fraction(100035)),
    ("0.5Mi", Fraction(2**19)),
    ("100.035Ki", Fraction(10243584, 100)),
    ("007", Fraction(7)),
    # the scanner takes an empty number as 0 (parseQuantityString(".") is valid)
    (".", Fraction(0)),
    ("-.", Fraction(0)),
    ("+", Fraction(0)),
    ("m", Fraction(0)),
    ("Ki", Fraction(0)),
    # ParseQuantity rounds non-zero values up, away from zero, to a whole number of nanos
    ("3.001n", 4 * NANO),
    ("1.1E-9", 2 * NANO),
    ("0.0000000001", NANO),
    ("0.5e-9", NANO),
    ("0.9n", NANO),
    ("-0.9n", -NANO),
    ("0.00000012345", 124 * NANO),
    ("0.000000000001Ki", 2 * NANO),
    ("1e-20000", NANO),
    ("0e-20000", Fraction(0)),
    # and caps binary-suffixed values at 2^63-1
    ("9Ei", Fraction(MAX_INT64)),
    ("9223372036854775807Ki", Fraction(MAX_INT64)),
    ("-9Ei", Fraction(-MAX_INT64)),
    ("12E", Fraction(12 * 10**18)),  # decimal suffixes are not capped
    # UnmarshalJSON trims surrounding spaces before parsing
    (" 1Gi", Fraction(2**30)),
    ("500m\n", Fraction(1, 2)),
    ("\t2 ", Fraction(2)),
    # numbers are read through their text
    (1, Fraction(1)),
    (0, Fraction(0)),
    (2**40, Fraction(2**40)),
    (0.5, Fraction(1, 2)),
    (0.1, Fraction(1, 10)),
    (1.0, Fraction(1)),
    (1e20, Fraction(10**20)),
    (1e-7, Fraction(1, 10**7)),
    (-3, Fraction(-3)),
]


@pytest.mark.parametrize(("raw", "value"), VALID, ids=[repr(raw) for raw, _ in VALID])
def test_parse_quantity(raw: Any, value: Fraction) -> None:
    parsed = parse_quantity(raw)
    assert parsed.value == value
    assert parsed.text == (raw if isinstance(raw, str) else repr(raw))


def test_equal_values_compare_equal_whatever_the_spelling() -> None:
    assert parse_quantity("0.1").value == parse_quantity("100m").value == parse_quantity("1e-1").value
    assert parse_quantity("1Ki").value == parse_quantity("1024").value == parse_quantity(1024).value
    assert parse_quantity("1G").value != parse_quantity("1Gi").value


def test_quantity_keeps_its_text() -> None:
    assert parse_quantity("1.5Gi") == Quantity(Fraction(3 * 2**29), "1.5Gi")
    assert str(parse_quantity("250m")) == "250m"


INVALID: list[tuple[Any, str]] = [
    ("", "is not a quantity"),
    ("   ", "is not a quantity"),
    ("1 Gi", "is not a quantity"),
    ("1gi", "is not a quantity"),
    ("1KiB", "is not a quantity"),
    ("abc", "is not a quantity"),
    ("aoeu", "is not a quantity"),
    ("1.1.M", "is not a quantity"),
    ("1+1.0M", "is not a quantity"),
    ("0.1am", "is not a quantity"),
    ("1,5", "is not a quantity"),
    ("1_000", "is not a quantity"),
    ("0x10", "is not a quantity"),
    ("1e", "unable to parse quantity's suffix"),
    ("1e+", "unable to parse quantity's suffix"),
    ("-3.01e-", "unable to parse quantity's suffix"),
    ("0.1mi", "unable to parse quantity's suffix"),
    (".5i", "unable to parse quantity's suffix"),
    ("1i", "unable to parse quantity's suffix"),
    ("1Kii", "unable to parse quantity's suffix"),
    ("1ee3", "unable to parse quantity's suffix"),
    ("+-1", "unable to parse quantity's suffix"),
    ("1e99999999999999999999", "unable to parse quantity's suffix"),  # beyond int64
    ("1e99999", "exponent too large"),
    (True, "not bool"),
    (False, "not bool"),
    (None, "not NoneType"),
    ([1], "not list"),
    ({"cpu": 1}, "not dict"),
    (float("inf"), "is not a quantity"),
    (float("nan"), "is not a quantity"),
]


@pytest.mark.parametrize(("raw", "message"), INVALID, ids=[repr(raw) for raw, _ in INVALID])
def test_invalid_quantity(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_quantity(raw)


SUFFIXES: dict[str, Fraction] = {
    "n": NANO,
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=-(10**12), max_value=10**12), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_integer_with_suffix_is_n_times_multiplier(n: int, suffix: str) -> None:
    expected = n * SUFFIXES[suffix]
    if suffix.endswith("i"):  # ParseQuantity caps binary quantities at 2^63-1 in magnitude
        expected = max(min(expected, Fraction(MAX_INT64)), Fraction(-MAX_INT64))
    assert parse_quantity(f"{n}{suffix}").value == expected


def _round_up_to_nano(value: Fraction) -> Fraction:
    """Away from zero, to a multiple of 1e-9 (inf.RoundUp on the magnitude)."""
    nanos = abs(value) / NANO
    whole = int(nanos) + (1 if nanos != int(nanos) else 0)
    return (whole * NANO) if value >= 0 else -(whole * NANO)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=-(10**9), max_value=10**9),
    exponent=st.integers(min_value=-15, max_value=20),
    letter=st.sampled_from("eE"),
)
def test_decimal_exponent(n: int, exponent: int, letter: str) -> None:
    assert parse_quantity(f"{n}{letter}{exponent}").value == _round_up_to_nano(n * Fraction(10) ** exponent)


@settings(max_examples=300, deadline=None)
@given(
    whole=st.integers(min_value=0, max_value=10**6),
    fraction=st.text(alphabet="0123456789", max_size=12),
    sign=st.sampled_from(["", "+", "-"]),
)
def test_decimal_fraction(whole: int, fraction: str, sign: str) -> None:
    text = f"{sign}{whole}.{fraction}"
    exact = Fraction(f"{whole}.{fraction}" if fraction else str(whole))
    assert parse_quantity(text).value == _round_up_to_nano(-exact if sign == "-" else exact)
