"""What receiving units and agencies share as things with a history: a period in force, and links to
another of their kind (a unit's parent; a unit's or an agency's successor after a merger) that must not
loop. The checks raise the 422 that says what is wrong, named for the kind (`unit_cycle`,
`unknown_agency`, ...)."""

from collections.abc import Mapping
from datetime import date
from typing import Literal

from shared.errors import Problem

Kind = Literal["unit", "agency"]


def period_in_order(effective_from: date, effective_to: date | None) -> bool:
    """The last day is not before the first (one day in force is a period)."""
    return effective_to is None or effective_to >= effective_from


def loops_back(code: str, via: str, links: Mapping[str, str | None]) -> bool:
    """Whether linking `code` to `via` makes a cycle: following the same links (`links[x]` is x's
    parent, or successor) from `via` comes back to `code`."""
    seen: set[str] = set()
    current: str | None = via
    while current is not None and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = links.get(current)
    return False


def check_period(kind: Kind, effective_from: date, effective_to: date | None) -> None:
    if not period_in_order(effective_from, effective_to):
        raise Problem(
            422,
            "invalid_period",
            f"effective_to ({effective_to}) is before effective_from ({effective_from}); "
            f"effective_to is the {kind}'s last day in force.",
        )


def check_link(kind: Kind, code: str, to: str, role: str, chain: Mapping[str, str | None]) -> None:
    """`to` exists (it is in `chain`, the links read from `to` on) and linking `code` to it as its
    `role` makes no cycle."""
    if to == code:
        raise Problem(422, f"{kind}_cycle", f"{kind.title()} {code} cannot be its own {role}.")
    if to not in chain:
        raise Problem(422, f"unknown_{kind}", f"Unknown {kind} {to} as {role}; register it first.")
    if loops_back(code, to, chain):
        raise Problem(
            422,
            f"{kind}_cycle",
            f"{kind.title()} {to} as the {role} of {code} makes a cycle: {to} leads back to {code}.",
        )
