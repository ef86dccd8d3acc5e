"""Resource quantities (``500m``, ``1Gi``, ``1e3``) parsed exactly, as ``resource.Quantity``.

Grammar (apimachinery ``pkg/api/resource/quantity.go``)::

    quantity        ::= signedNumber suffix
    signedNumber    ::= [+-] (digits [. digits?] | . digits)
                        (the scanner also takes an empty number as 0: ".", "+", "m")
    suffix          ::= binarySI | decimalSI | decimalExponent
    binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
    decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
    decimalExponent ::= e signedNumber | E signedNumber      (an integer exponent)

A JSON/YAML number is read through its text, and surrounding spaces are trimmed, as
``Quantity.UnmarshalJSON`` does. Values are exact fractions, so ``0.1`` and ``100m``
compare equal, after ``ParseQuantity``'s bounds: a non-zero value is rounded up (away from
zero) to a whole number of nanos (``0.1n`` is ``1n``), and a binary-suffixed one is capped
at 2^63-1 (``9Ei``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

__all__ = ["Quantity", "parse_quantity"]

# apimachinery's scanner (``parseQuantityString``): every part of the number may be empty,
# so ``"."``, ``"+"`` and ``"m"`` are zero; the suffix is letters, then a signed integer.
_QUANTITY = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
# ``Quantity.UnmarshalJSON`` trims what Go's ``unicode.IsSpace`` calls space.
_SPACE = "".join(map(chr, (*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B))))
_SPACE += "\u2028\u2029\u202f\u205f\u3000"
_NANO = 10**9
_MAX_BINARY = Fraction(2**63 - 1)
_MAX_EXPONENT = 10_000
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
    """Parse a quantity from a string or a number; ``ValueError`` names what is wrong.

    As the API server does: surrounding spaces are trimmed (``UnmarshalJSON``), a non-zero
    value is rounded up, away from zero, to a whole number of nanos, and a binary-suffixed
    value is capped at 2^63-1 in magnitude. Exponents beyond 10000 are refused rather
    than computed (no real quantity has them).
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ValueError(f"quantity must be a string or a number, not {type(raw).__name__}")
    return _parse_text(raw if isinstance(raw, str) else repr(raw))


@lru_cache(maxsize=4096)  # manifests repeat the same few quantities ("100m", "128Mi")
def _parse_text(text: str) -> Quantity:
    trimmed = text.strip(_SPACE)
    match = _QUANTITY.fullmatch(trimmed) if trimmed else None
    if match is None:
        raise ValueError(
            f"{text!r} is not a quantity (a number and an optional suffix such as m, Ki, Mi, k, M or e3)"
        )
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    value = Fraction(int(whole + fraction or "0"), 10 ** len(fraction))
    if sign == "-":
        value = -value
    if suffix in _BINARY:
        value *= _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= _DECIMAL[suffix]
    elif (exponent := _EXPONENT.fullmatch(suffix)) is not None:
        power = int(exponent.group(1))
        if not -(2**63) <= power < 2**63:  # strconv.ParseInt(..., 64) fails
            raise ValueError(f"unable to parse quantity's suffix: {text!r}")
        if value and power > _MAX_EXPONENT:
            raise ValueError(f"{text!r}: exponent too large")
        if value:  # below 10^-_MAX_EXPONENT, every value rounds up to one nano all the same
            value *= Fraction(10) ** max(power, -_MAX_EXPONENT)
    else:
        raise ValueError(f"unable to parse quantity's suffix: {text!r}")
    magnitude = abs(value)
    if magnitude and (magnitude * _NANO).denominator != 1:
        magnitude = Fraction(-((-magnitude.numerator * _NANO) // magnitude.denominator), _NANO)
    if suffix in _BINARY:
        magnitude = min(magnitude, _MAX_BINARY)
    return Quantity(-magnitude if value < 0 else magnitude, text)
