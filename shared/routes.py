"""How a procedure's route runs: its items in order, and items sharing a `group` at the same time.

Intake checks a route against the procedure's processing days with `route_days`; routing builds the
plan's groups with `group_numbers`. One rule, so the days intake promised are the days routing plans.
"""

from collections.abc import Hashable, Sequence
from decimal import Decimal


def group_numbers(labels: Sequence[int | None]) -> list[int]:
    """The 1-based group of each route item: items with the same label share one, an item without a
    label is a group of its own, and groups are numbered in the order they first appear."""
    number: dict[Hashable, int] = {}
    return [
        number.setdefault(("group", label) if label is not None else ("own", index), len(number) + 1)
        for index, label in enumerate(labels)
    ]


def route_days(items: Sequence[tuple[int | None, Decimal]]) -> Decimal:
    """The days a route of (group label, days) items takes: groups one after another, each as long as
    its longest item."""
    longest: dict[int, Decimal] = {}
    for group, (_, days) in zip(group_numbers([label for label, _ in items]), items, strict=True):
        longest[group] = max(days, longest.get(group, Decimal(0)))
    return sum(longest.values(), Decimal(0))
