"""IntervalSet against Python sets of integers (small universes), plus canonical form."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubeward.engines.netpol.intervals import IntervalSet

UNIVERSE = 40
intervals = st.lists(
    st.tuples(st.integers(0, UNIVERSE), st.integers(0, UNIVERSE)).map(lambda pair: (min(pair), max(pair))),
    max_size=6,
)


def members(interval_set: IntervalSet) -> set[int]:
    return {value for start, end in interval_set.intervals for value in range(start, end + 1)}


def of(pairs: list[tuple[int, int]]) -> set[int]:
    return {value for start, end in pairs for value in range(start, end + 1)}


@pytest.mark.parametrize(
    ("given_intervals", "canonical"),
    [
        ([], ()),
        ([(5, 3)], ()),
        ([(1, 2), (3, 4)], ((1, 4),)),
        ([(3, 4), (1, 2), (8, 9)], ((1, 4), (8, 9))),
        ([(1, 10), (2, 3)], ((1, 10),)),
        ([(1, 1), (3, 3)], ((1, 1), (3, 3))),
    ],
)
def test_canonical_form(
    given_intervals: list[tuple[int, int]], canonical: tuple[tuple[int, int], ...]
) -> None:
    assert IntervalSet(given_intervals).intervals == canonical


@given(intervals, intervals)
def test_operations_match_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = IntervalSet(a), IntervalSet(b)
    assert members(x) == of(a)
    assert members(x | y) == of(a) | of(b)
    assert members(x & y) == of(a) & of(b)
    assert members(x - y) == of(a) - of(b)
    assert (x <= y) == (of(a) <= of(b))
    assert (x == y) == (of(a) == of(b))
    assert bool(x) == bool(of(a))
    for value in range(-1, UNIVERSE + 2):
        assert (value in x) == (value in of(a))


@given(intervals, intervals)
def test_results_are_canonical_and_hash_like_equal_sets(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    x, y = IntervalSet(a), IntervalSet(b)
    for result in (x | y, x & y, x - y):
        pairs = result.intervals
        assert all(start <= end for start, end in pairs)
        assert all(left[1] + 1 < right[0] for left, right in itertools.pairwise(pairs))
        assert result == IntervalSet(pairs) and hash(result) == hash(IntervalSet(pairs))


def test_str() -> None:
    assert str(IntervalSet([(80, 80), (443, 443), (8000, 8080)])) == "80,443,8000-8080"
