"""Shares of a whole in percentage points that add up to exactly 100 (the largest-remainder method),
as every report that prints a distribution shows them."""

from collections.abc import Sequence
from fractions import Fraction


def shares(counts: Sequence[int], whole: int, *, places: int = 1) -> list[float | None]:
    """Each count's share of ``whole`` in percentage points to ``places`` decimals, by largest remainder.

    What ``counts`` leave of ``whole`` (ballots that did not answer) takes part as a hidden bucket, so
    the shown shares plus it make exactly 100; ties go to the larger count, then to the earlier one.
    """
    if whole == 0:
        return [None] * len(counts)
    if any(c < 0 for c in counts) or sum(counts) > whole:
        raise ValueError("the counts must be parts of the whole")
    units = 100 * 10**places
    buckets = [*counts, whole - sum(counts)]
    exact = [Fraction(c * units, whole) for c in buckets]
    floors = [int(e) for e in exact]
    order = sorted(range(len(buckets)), key=lambda i: (-(exact[i] - floors[i]), -buckets[i], i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    return [f / 10**places for f in floors[: len(counts)]]
