"""Old agencies (and receiving units) rolled up into their successors: the reports' `agencies=successors`.

From 1 July 2025 agencies and units merged: the old ones closed (their last day in force) and named
the one that took over. By default a report counts each dossier under the agency that received it, as
it was then; with `agencies=successors` a closed agency's rows fold into the agency that answers for
it at the period's end, following chains (A closed into B, B later into C: A's rows go to C), so a
leader sees today's map. Folding only moves counts between rows: the totals never change.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Final, Literal, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Agencies = Literal["as_registered", "successors"]
AS_REGISTERED: Final = "as_registered"
SUCCESSORS: Final = "successors"


@dataclass(frozen=True)
class Link:
    """An agency's or unit's last day in force and who took over after it (None: still in force, or
    closed with no successor)."""

    last_day: date | None
    successor: str | None


def link_of(
    effective_to: date | None,
    successor_code: str | None,
    closed_to: date | None,
    closed_successor_code: str | None,
) -> Link:
    """The link as the catalogue said it: a closing (catalog.*.closed) over the registration's dates."""
    if closed_to is not None:
        return Link(closed_to, closed_successor_code or successor_code)
    return Link(effective_to, successor_code)


def successor_on(code: str, day: date, links: Mapping[str, Link]) -> str:
    """The agency that answers for `code` on `day`: `code` itself while in force, else its successor,
    followed along the chain. A closing with no successor, or a chain that comes back on itself (bad
    data), stops at the last agency reached."""
    current, seen = code, {code}
    while True:
        link = links.get(current)
        if link is None or link.successor is None or link.last_day is None or link.last_day >= day:
            return current
        if link.successor in seen:
            return current
        current = link.successor
        seen.add(current)


def successors_on(codes: Iterable[str], day: date, links: Mapping[str, Link]) -> dict[str, str]:
    """Each code's successor on `day` (itself when in force)."""
    return {code: successor_on(code, day, links) for code in codes}


PrefixSums = tuple[Mapping[str, int], Mapping[str, int]]  # a group's P(to) and P(from - 1)


def fold_sums(sums: Mapping[str, PrefixSums], into: Mapping[str, str]) -> dict[str, PrefixSums]:
    """The groups' prefix sums with each group added into `into[group]` (itself when absent): the
    report's counts are linear in them, so the folded rows add up to the same totals."""
    folded: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for key, (at_to, before_from) in sums.items():
        target = folded.setdefault(into.get(key, key), ({}, {}))
        for side, values in zip(target, (at_to, before_from), strict=True):
            for series, value in values.items():
                side[series] = side.get(series, 0) + int(value)
    return dict(folded)


R = TypeVar("R", bound="DataclassInstance")


def regroup(records: Iterable[R], into: Mapping[str, str]) -> list[R]:
    """The counts read per agency (`agency_code`), each moved to the agency in `into`."""
    return [
        replace(r, agency_code=into.get(r.agency_code, r.agency_code))  # type: ignore[attr-defined]
        for r in records
    ]
