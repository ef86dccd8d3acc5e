"""Text from the input is hostile until shown otherwise: object names, messages and paths
may carry terminal escapes or characters XML cannot hold. Renderers pass them through
:func:`printable` first."""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 and C1 control characters (tab and newline excepted), and what XML 1.0 forbids.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
