"""Plain scalars and map keys resolved as Kubernetes resolves them.

``sigs.k8s.io/yaml`` decodes YAML with go-yaml v2 into ``interface{}`` (``resolve.go``), then
turns map keys into strings (``convertToJSONableObject``). These tables pin every rule of
both; a property test compares :func:`resolve_plain` with a reference written from the Go
sources in a different shape (regular expressions for ``strconv.ParseInt``'s syntax).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kubeward.sources.goyaml_resolve import YAMLFailure, key_to_string, resolve_plain

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def typed(value: Any) -> tuple[str, str]:
    """A value with its type, so that ``True != 1 != 1.0`` and ``nan == nan``."""
    return type(value).__name__, repr(value)


TRUE_WORDS = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
FALSE_WORDS = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
NULL_WORDS = ["", "~", "null", "Null", "NULL"]

TEXT = object()  # "resolves to the text itself": a string

# (rule, plain scalar text, value go-yaml v2 decodes into interface{})
RESOLVE_CASES: list[tuple[str, str, Any]] = [
    *[("YAML 1.1 true (y/Y are booleans in go-yaml, not in PyYAML)", word, True) for word in TRUE_WORDS],
    *[("YAML 1.1 false (n/N are booleans in go-yaml, not in PyYAML)", word, False) for word in FALSE_WORDS],
    *[("null words", word, None) for word in NULL_WORDS],
    ("nan", ".nan", math.nan),
    ("nan", ".NaN", math.nan),
    ("nan", ".NAN", math.nan),
    ("infinity", ".inf", math.inf),
    ("infinity", ".Inf", math.inf),
    ("infinity", ".INF", math.inf),
    ("signed infinity", "+.inf", math.inf),
    ("signed infinity", "+.Inf", math.inf),
    ("signed infinity", "+.INF", math.inf),
    ("negative infinity", "-.inf", -math.inf),
    ("negative infinity", "-.Inf", -math.inf),
    ("negative infinity", "-.INF", -math.inf),
    # Words only resolve in the exact spellings of the table.
    ("mixed-case true is a string", "tRUE", "tRUE"),
    ("mixed-case no is a string", "nO", "nO"),
    ("yes with punctuation is a string", "Yes!", "Yes!"),
    ("yes with more words is a string", "yes please", "yes please"),
    ("mixed-case null is a string", "nULL", "nULL"),
    ("mixed-case infinity is a string", ".iNF", ".iNF"),
    ("mixed-case nan is a string", ".nAn", ".nAn"),
    ("negative nan is a string", "-.nan", "-.nan"),
    ("single t is a string", "t", "t"),
    ("single o is a string", "o", "o"),
    # The first character decides whether resolution is tried at all.
    ("a first character that is no hint: string", "abc", "abc"),
    ("underscore first: string, not 1", "_1", "_1"),
    ("the merge key as a value is a string", "<<", "<<"),
    ("non-ASCII first character: string", "é1", "é1"),
    ("full-width digits are not digits", "１２", "１２"),
    # Integers: underscores removed, then strconv.ParseInt(s, 0, 64).
    ("zero", "0", 0),
    ("negative zero is int 0", "-0", 0),
    ("decimal", "12", 12),
    ("plus sign", "+12", 12),
    ("minus sign", "-12", -12),
    ("leading 0 is octal (defaultMode: 0644)", "0644", 420),
    ("leading 0 is octal (0755)", "0755", 493),
    ("negative octal", "-0644", -420),
    ("double zero is octal zero", "00", 0),
    ("0o octal", "0o17", 15),
    ("0O octal", "0O17", 15),
    ("0x hex", "0x1F", 31),
    ("0X hex, any case digits", "0X1f", 31),
    ("negative hex", "-0x1F", -31),
    ("0b binary", "0b101", 5),
    ("0B binary", "0B101", 5),
    ("negative binary", "-0b101", -5),
    ("positive binary", "+0b101", 5),
    ("underscores are removed", "1_000", 1000),
    ("underscores are removed anywhere", "1__0_", 10),
    ("underscore after the base prefix", "0x_1F", 31),
    ("underscore after the sign", "-_1", -1),
    ("int64 max", "9223372036854775807", INT64_MAX),
    ("int64 min", "-9223372036854775808", INT64_MIN),
    ("above int64: ParseUint", "9223372036854775808", 2**63),
    ("uint64 max", "18446744073709551615", UINT64_MAX),
    ("uint64 max in hex", "0xFFFFFFFFFFFFFFFF", UINT64_MAX),
    # Floats: the yamlStyleFloat regex, then strconv.ParseFloat.
    ("08 is not octal, so it is the float 8", "08", 8.0),
    ("09.5 float", "09.5", 9.5),
    ("exponent", "1e3", 1000.0),
    ("upper-case exponent", "1E3", 1000.0),
    ("signed exponent", "1e+3", 1000.0),
    ("negative exponent", "1e-3", 0.001),
    ("trailing dot", "1.", 1.0),
    ("decimal float", "1.5", 1.5),
    ("negative float", "-1.5", -1.5),
    ("positive float", "+1.5", 1.5),
    ("leading dot", ".5", 0.5),
    ("signed leading dot", "+.5", 0.5),
    ("negative leading dot", "-.5", -0.5),
    ("leading dot with exponent", ".5e1", 5.0),
    ("underscores in a float", "1_000.5", 1000.5),
    ("beyond uint64 in decimal: float", "18446744073709551616", 18446744073709551616.0),
    ("twenty nines: float 1e20", "99999999999999999999", 1e20),
    ("below int64 min: float", "-9223372036854775809", -9223372036854775809.0),
    ("octal beyond uint64 is read as a decimal float", "0" + "7" * 25, float("7" * 25)),
    ("underflow is zero, not an error", "1e-400", 0.0),
    # Integers beyond uint64 only as big.Int, and only where ParseUint's error is ErrRange.
    ("hex beyond uint64: big.Int", "0xFFFFFFFFFFFFFFFFFFFF", 2**80 - 1),
    ("octal beyond uint64: big.Int", "0o" + "7" * 30, 8**30 - 1),
    ("binary beyond uint64: big.Int", "0b" + "1" * 65, 2**65 - 1),
    ("negative hex beyond int64: ParseUint says syntax, so a string", "-0xFFFFFFFFFFFFFFFFFFFF", TEXT),
    ("signed hex beyond uint64: a string", "+0xFFFFFFFFFFFFFFFFFFFF", TEXT),
    ("negative binary beyond int64: a string", "-0b" + "1" * 65, TEXT),
    # Everything else stays the text it was.
    ("date timestamps stay strings in interface{}", "2001-12-14", TEXT),
    ("lower-case t timestamps stay strings", "2001-12-14t21:59:43.10-05:00", TEXT),
    ("space-separated timestamps stay strings", "2001-12-14 21:59:43.10 -5", TEXT),
    ("sexagesimal (base 60) is not supported", "1:30", TEXT),
    ("sexagesimal with seconds", "190:20:30", TEXT),
    ("float overflow stays a string", "1e999", TEXT),
    ("negative float overflow stays a string", "-1e999", TEXT),
    ("dot float overflow stays a string", ".5e999", TEXT),
    ("underscore in a leading-dot float", ".5_0", TEXT),
    ("a lone dot", ".", TEXT),
    ("dot then exponent without digits", ".e3", TEXT),
    ("base prefix without digits", "0x", TEXT),
    ("binary prefix without digits", "0b", TEXT),
    ("octal prefix without digits", "0o", TEXT),
    ("binary digit out of range", "0b2", TEXT),
    ("octal digit out of range", "0o8", TEXT),
    ("hex digit out of range", "0xG", TEXT),
    ("hex float", "0x1p-2", TEXT),
    ("exponent without digits", "1e", TEXT),
    ("two dots", "1.2.3", TEXT),
    ("a lone plus", "+", TEXT),
    ("a lone minus", "-", TEXT),
    ("signed underscores only", "+_", TEXT),
    ("digits then letters", "12abc", TEXT),
    ("thousands separator", "1,000", TEXT),
    ("signed inf word", "+inf", TEXT),
    ("Go's ParseFloat words are not YAML", "-Infinity", TEXT),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(text, text if expected is TEXT else expected, id=f"{rule}: {text!r}")
        for rule, text, expected in RESOLVE_CASES
    ],
)
def test_resolve_plain(text: str, expected: Any) -> None:
    assert typed(resolve_plain(text)) == typed(expected)


# (rule, decoded key, the string key convertToJSONableObject makes of it)
KEY_CASES: list[tuple[str, Any, str]] = [
    ("strings stay", "on", "on"),
    ("true", True, "true"),
    ("false", False, "false"),
    ("int", 1, "1"),
    ("negative int", -5, "-5"),
    ("int64 max", INT64_MAX, str(INT64_MAX)),
    ("int64 min", INT64_MIN, str(INT64_MIN)),
    ("float, FormatFloat 'g' -1 32", 1.5, "1.5"),
    ("float32 shortest digits", 0.1, "0.1"),
    ("float32 rounding", math.pi, "3.1415927"),
    ("integral float", 1000.0, "1000"),
    ("exponent 5 is still %f", 100000.0, "100000"),
    ("exponent 5 with two digits", 150000.0, "150000"),
    ("exponent 6 is %e", 1e6, "1e+06"),
    ("exponent 6 with seven digits is %e", 1234567.0, "1.234567e+06"),
    ("float32 rounds 16777217", 16777217.0, "1.6777216e+07"),
    ("exponent -4 is %f", 0.0001, "0.0001"),
    ("exponent -5 is %e", 0.00001, "1e-05"),
    ("large exponent", 1e20, "1e+20"),
    ("zero", 0.0, "0"),
    ("negative zero", -0.0, "-0"),
    ("float32 underflow", 1e-50, "0"),
    ("float32 overflow is +Inf", 1e300, ".inf"),
    ("float32 negative overflow is -Inf", -1e300, "-.inf"),
    ("infinity", math.inf, ".inf"),
    ("negative infinity", -math.inf, "-.inf"),
    ("nan", math.nan, ".nan"),
]


@pytest.mark.parametrize(
    ("key", "expected"), [pytest.param(key, expected, id=rule) for rule, key, expected in KEY_CASES]
)
def test_key_to_string(key: Any, expected: str) -> None:
    assert key_to_string(key) == expected


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param(None, "unsupported map key: None", id="null key"),
        pytest.param(2**63, f"unsupported map key: {2**63}", id="uint64 key (not int/int64)"),
        pytest.param(2**80, f"unsupported map key: {2**80}", id="big.Int key"),
    ],
)
def test_key_to_string_rejects(key: Any, message: str) -> None:
    with pytest.raises(YAMLFailure) as raised:
        key_to_string(key)
    assert raised.value.message == message


# --- property: resolve_plain against a reference written from resolve.go ----------------

_WORDS: dict[str, Any] = {
    **dict.fromkeys(TRUE_WORDS, True),
    **dict.fromkeys(FALSE_WORDS, False),
    **dict.fromkeys(NULL_WORDS, None),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], math.nan),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], math.inf),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], -math.inf),
}
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


def _finite(text: str) -> float | None:
    value = float(text)
    return None if math.isinf(value) else value


def reference_resolve(text: str) -> Any:
    """go-yaml v2 ``resolve("", text)`` as read in resolve.go, decoded into interface{}."""
    if text in _WORDS:
        return _WORDS[text]
    if text[:1] == ".":
        # ParseFloat(in): Go accepts no underscores without a base prefix.
        value = _finite(text) if re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", text) else None
        return text if value is None else value
    if text[:1] not in set("+-0123456789"):
        return text
    plain = text.replace("_", "")
    match = _GO_INT.fullmatch(plain)
    if match is not None:
        sign, body = match.groups()
        if len(body) > 1 and body[0] == "0":
            prefix = body[1].lower()
            base, digits = ({"x": 16, "o": 8, "b": 2}[prefix], body[2:]) if prefix in "xob" else (8, body)
        else:
            base, digits = 10, body
        number = int(digits, base) * (-1 if sign == "-" else 1)
        if INT64_MIN <= number <= INT64_MAX or (not sign and number <= UINT64_MAX):
            return number
    if _GO_FLOAT.fullmatch(plain) and _finite(plain) is not None:
        return _finite(plain)
    if match is not None and not match.group(1):  # ParseUint failed with ErrRange: big.Int
        return number
    return text


_TRICKY = st.sampled_from(
    ["0", "00", "0x", "0o", "0b", "1_", "_", "+", "-", ".", "e", "E", "9" * 20, "F" * 17, "7" * 22, "1" * 64]
)
_CHARS = st.sampled_from(list("0123456789abcdefxXoObBeE_+-.yYnN~:"))


@given(st.lists(st.one_of(_CHARS, _TRICKY), max_size=8).map("".join))
@example("0x" + "F" * 17)
@example("-0o" + "7" * 22)
@example("0" + "7" * 22)
@example("+0b" + "1" * 64)
def test_resolve_plain_matches_reference(text: str) -> None:
    assert typed(resolve_plain(text)) == typed(reference_resolve(text))
