"""Scalars and map keys resolved exactly as go-yaml v2 resolves them for Kubernetes.

``resolve_plain`` follows ``goyaml.v2/resolve.go`` (as vendored by ``sigs.k8s.io/yaml``):
YAML 1.1 booleans including ``y``/``n``, Go's integer syntax (``0644`` is octal), floats
by go-yaml's own pattern, timestamps kept as strings (``interface{}`` decoding), and no
sexagesimal numbers. ``key_to_string`` is ``convertToJSONableObject``'s key rule.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Callable
from typing import Any

__all__ = [
    "KNOWN_COLLECTION_TAGS",
    "KNOWN_SCALAR_TAGS",
    "MERGE_TAG",
    "YAMLFailure",
    "key_to_string",
    "resolve_plain",
    "resolve_tagged",
    "short_tag",
]


class YAMLFailure(Exception):
    """A document cannot be decoded the way Kubernetes would decode it."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# --- scalar resolution (goyaml.v2/resolve.go) ------------------------------------------

_NULL = object()  # "resolved to null" marker distinct from "no entry"
_RESOLVE_MAP: dict[str, Any] = {}
for _value, _words in (
    (True, ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")),
    (False, ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")),
    (_NULL, ("", "~", "null", "Null", "NULL")),
    (math.nan, (".nan", ".NaN", ".NAN")),
    (math.inf, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (-math.inf, ("-.inf", "-.Inf", "-.INF")),
):
    for _word in _words:
        _RESOLVE_MAP[_word] = _value

# First-character hints: S = sign, D = digit, M = in the map, . = float.
_HINTS: dict[str, str] = {"+": "S", "-": "S", ".": "."}
_HINTS.update(dict.fromkeys("0123456789", "D"))
_HINTS.update(dict.fromkeys("yYnNtTfFoO~", "M"))

_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_GO_INT_BODY = {
    16: re.compile(r"[0-9a-fA-F]+"),
    8: re.compile(r"[0-7]+"),
    2: re.compile(r"[01]+"),
    10: re.compile(r"[0-9]+"),
}
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def _go_parse_int(text: str, *, signed: bool) -> tuple[int | None, bool]:
    """``strconv.ParseInt/ParseUint(text, 0, 64)``: (value, out_of_range)."""
    sign = 1
    body = text
    if body[:1] in "+-":
        if not signed:
            return None, False
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    base = 10
    if len(body) > 1 and body[0] == "0":
        prefix = body[1].lower()
        if prefix in "xob":
            base = {"x": 16, "o": 8, "b": 2}[prefix]
            body = body[2:]
        else:
            base = 8
            body = body[1:]
    if not _GO_INT_BODY[base].fullmatch(body):
        return None, False
    value = sign * int(body, base)
    low, high = (_INT64_MIN, _INT64_MAX) if signed else (0, _UINT64_MAX)
    if not low <= value <= high:
        return None, True
    return value, False


def _go_parse_float(text: str) -> float | None:
    """``strconv.ParseFloat`` for the decimal forms the callers pass (no overflow to inf)."""
    value = float(text)
    return None if math.isinf(value) else value


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar exactly as go-yaml v2 ``resolve("", text)`` does.

    Timestamps are not special: decoded into ``interface{}`` they stay strings.
    """
    hint = _HINTS.get(text[:1], "N") if text else "M"
    if hint == "N":
        return text
    found = _RESOLVE_MAP.get(text, _RESOLVE_MAP)
    if found is not _RESOLVE_MAP:
        return None if found is _NULL else found
    if hint == ".":
        if _DOT_FLOAT.fullmatch(text):
            value = _go_parse_float(text)
            if value is not None:
                return value
        return text
    if hint in "DS":
        plain = text.replace("_", "")
        if not plain:
            return text
        number, _ = _go_parse_int(plain, signed=True)
        if number is not None:
            return number
        number, uint_range_error = _go_parse_int(plain, signed=False)
        if number is not None:
            return number
        if _YAML_STYLE_FLOAT.fullmatch(plain):
            value = _go_parse_float(plain)
            if value is not None:
                return value
        if uint_range_error:
            # big.Int.SetString(plain, 0): the literal is a valid integer, only too large. go-yaml
            # looks at ParseUint's error, which is a syntax error for a signed literal.
            return _big_int(plain)
    return text


def _big_int(plain: str) -> int | str:
    sign = -1 if plain[:1] == "-" else 1
    body = plain.lstrip("+-")
    base = 10
    if len(body) > 1 and body[0] == "0":
        prefix = body[1].lower()
        base, body = ({"x": 16, "o": 8, "b": 2}[prefix], body[2:]) if prefix in "xob" else (8, body[1:])
    try:
        return sign * int(body, base)
    except ValueError:
        return plain


_STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
KNOWN_SCALAR_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:binary",
}
KNOWN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def resolve_tagged(tag: str, text: str) -> Any:
    """A scalar with an explicit standard tag (go-yaml ``resolve(tag, in)``)."""
    if tag == _STR_TAG:
        return text
    if tag == "tag:yaml.org,2002:binary":
        try:  # Go's base64.StdEncoding: line breaks are ignored, anything else must be base64
            data = base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
            return data.decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise YAMLFailure("!!binary value contains invalid base64 data") from None
    value = resolve_plain(text)
    expected: dict[str, Callable[[Any], bool]] = {
        "tag:yaml.org,2002:int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        # An int becomes a float only when it fits Go's int64 (not uint64 or big.Int).
        "tag:yaml.org,2002:float": lambda v: (
            isinstance(v, float)
            or (isinstance(v, int) and not isinstance(v, bool) and _INT64_MIN <= v <= _INT64_MAX)
        ),
        "tag:yaml.org,2002:bool": lambda v: isinstance(v, bool),
        "tag:yaml.org,2002:null": lambda v: v is None,
        "tag:yaml.org,2002:timestamp": lambda v: True,
    }
    if tag == "tag:yaml.org,2002:timestamp":
        return text
    if expected[tag](value):
        return float(value) if tag == "tag:yaml.org,2002:float" else value
    found = "!!str" if isinstance(value, str) else short_tag(_tag_of(value))
    # go-yaml quotes the scalar here; kubeward does not, as it could be a Secret's value.
    raise YAMLFailure(f"cannot decode a {found} value as a {short_tag(tag)}")


def _tag_of(value: Any) -> str:
    if value is None:
        return "tag:yaml.org,2002:null"
    if isinstance(value, bool):
        return "tag:yaml.org,2002:bool"
    if isinstance(value, int):
        return "tag:yaml.org,2002:int"
    return "tag:yaml.org,2002:float"


def key_to_string(key: Any) -> str:
    """``convertToJSONableObject``'s map-key rule; raises :class:`YAMLFailure` for others."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int) and _INT64_MIN <= key <= _INT64_MAX:
        return str(key)
    if isinstance(key, float):
        return _format_float32_g(key)
    raise YAMLFailure(f"unsupported map key: {key!r}")


def _format_float32_g(value: float) -> str:
    """Go ``strconv.FormatFloat(v, 'g', -1, 32)`` with go-yaml's inf/nan spellings."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):  # float32 overflow formats as +Inf/-Inf too
        return ".inf" if single > 0 else "-.inf"
    for digits in range(1, 10):  # the shortest digits that read back as the same float32
        text = f"{single:.{digits - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, _, exponent = text.partition("e")
    exp = int(exponent)
    if exp < -4 or exp >= 6:  # shortest 'g' uses %e from exponent 6 on, whatever the digits
        return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return f"{single:.{max(digits - 1 - exp, 0)}f}"
