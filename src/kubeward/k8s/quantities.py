"""Resource quantities (``500m``, ``1Gi``, ``1e3``) parsed exactly, as ``resource.Quantity``.

Grammar (apimachinery ``pkg/api/resource/quantity.go``)::

    quantity        ::= signedNumber suffix
    signedNumber    ::= [+-] (digits [. digits?] | . digits)
    suffix          ::= binarySI | decimalSI | decimalExponent
    binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
    decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
    decimalExponent ::= e signedNumber | E signedNumber      (an integer exponent)

A JSON/YAML number is read through its text, as ``Quantity.UnmarshalJSON`` does. Values
are exact fractions, so ``0.1`` and ``100m`` compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = ["Quantity", "parse_quantity"]

_NUMBER = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)", re.S)
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed quantity: its exact ``value`` and the text it was written as."""

    value: Fraction
    text: str

    def __str__(self) -> str:
        return self.text


def parse_quantity(raw: Any) -> Quantity:
    """Parse a quantity from a string or a number; ``ValueError`` names what is wrong."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ValueError(f"quantity must be a string or a number, not {type(raw).__name__}")
    text = raw if isinstance(raw, str) else repr(raw)
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a quantity (a number and an optional suffix such as m, Ki, Mi, k, M or e3)"
        )
    number, suffix = match.groups()
    value = Fraction(number)
    if suffix in _BINARY:
        value *= _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= _DECIMAL[suffix]
    elif (exponent := _EXPONENT.fullmatch(suffix)) is not None:
        value *= Fraction(10) ** int(exponent.group(1))
    else:
        raise ValueError(f"unable to parse quantity's suffix: {text!r}")
    return Quantity(value, text)
