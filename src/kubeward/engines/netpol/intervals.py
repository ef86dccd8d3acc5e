"""Immutable sets of integers as canonical lists of closed intervals.

Ports ([1, 65535] per protocol) and IP addresses (IPv4 and IPv6 on one number line, see
:mod:`kubeward.engines.netpol.network`) are both sets of integers; each operation is a
linear merge of two sorted interval lists (np-guard/models ``interval.CanonicalSet``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["IntervalSet"]


class IntervalSet:
    """Sorted, disjoint, non-adjacent closed intervals ``(start, end)`` with ``start <= end``."""

    __slots__ = ("_hash", "intervals")

    intervals: tuple[tuple[int, int], ...]

    def __init__(self, intervals: Iterable[tuple[int, int]] = ()) -> None:
        self.intervals = _canonical(sorted((start, end) for start, end in intervals if start <= end))
        self._hash: int | None = None

    @classmethod
    def _of(cls, canonical: tuple[tuple[int, int], ...]) -> IntervalSet:
        """A set from intervals already canonical (the operations below produce them)."""
        result = cls.__new__(cls)
        result.intervals = canonical
        result._hash = None
        return result

    def __or__(self, other: IntervalSet) -> IntervalSet:
        if not other.intervals:
            return self
        if not self.intervals:
            return other
        return IntervalSet._of(_canonical(sorted(self.intervals + other.intervals)))

    def __and__(self, other: IntervalSet) -> IntervalSet:
        mine, theirs = self.intervals, other.intervals
        result: list[tuple[int, int]] = []
        i = j = 0
        while i < len(mine) and j < len(theirs):
            start = max(mine[i][0], theirs[j][0])
            end = min(mine[i][1], theirs[j][1])
            if start <= end:
                result.append((start, end))
            if mine[i][1] < theirs[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet._of(tuple(result))

    def __sub__(self, other: IntervalSet) -> IntervalSet:
        if not other.intervals or not self.intervals:
            return self
        result: list[tuple[int, int]] = []
        theirs = other.intervals
        j = 0
        for first, end in self.intervals:
            while j < len(theirs) and theirs[j][1] < first:
                j += 1
            start, k = first, j
            while k < len(theirs) and theirs[k][0] <= end and start <= end:
                cut_start, cut_end = theirs[k]
                if cut_start > start:
                    result.append((start, cut_start - 1))
                start = max(start, cut_end + 1)
                k += 1
            if start <= end:
                result.append((start, end))
        return IntervalSet._of(tuple(result))

    def __le__(self, other: IntervalSet) -> bool:
        return not (self - other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self.intervals == other.intervals

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self.intervals)
        return self._hash

    def __contains__(self, value: int) -> bool:
        return any(start <= value <= end for start, end in self.intervals)

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.intervals)

    def __repr__(self) -> str:
        return f"IntervalSet({list(self.intervals)!r})"

    def __str__(self) -> str:
        return ",".join(str(start) if start == end else f"{start}-{end}" for start, end in self.intervals)


def _canonical(ordered: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Merge sorted intervals that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1] + 1:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)
