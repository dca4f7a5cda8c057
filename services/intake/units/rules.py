"""The rules of receiving units as pure functions: a unit's period, and which links would loop."""

from collections.abc import Mapping
from datetime import date


def period_in_order(effective_from: date, effective_to: date | None) -> bool:
    """A unit's last day is not before its first (a one-day unit is a unit)."""
    return effective_to is None or effective_to >= effective_from


def loops_back(code: str, via: str, links: Mapping[str, str | None]) -> bool:
    """Whether linking `code` to `via` (as its parent or its successor) makes a cycle: following the
    same links (`links[x]` is x's parent, or successor) from `via` comes back to `code`."""
    seen: set[str] = set()
    current: str | None = via
    while current is not None and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = links.get(current)
    return False


def opening(effective_from: date, effective_to: date | None, day: date) -> str | None:
    """Why a unit cannot receive on `day`: `unit_not_open` before its first day, `unit_closed` after its
    last; None when it is open (both days included)."""
    if day < effective_from:
        return "unit_not_open"
    if effective_to is not None and day > effective_to:
        return "unit_closed"
    return None


def unit_of_reception(claim: str | None, *, default: str, others_open: bool) -> str | None:
    """Where a reception token receives: its `unit` claim; without one, the deployment's default unit
    while it is the only unit open (a single-centre deployment), else nowhere (None)."""
    if claim is not None:
        return claim
    return None if others_open else default
