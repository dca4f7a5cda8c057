"""The rules of receiving units as pure functions (their periods and links: `services.intake.history`)."""

from datetime import date


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
