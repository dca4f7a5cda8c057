"""The historical import's rules as pure functions: what a line's timeline may not say, and what it
makes of the dossier. No clock reads: `now` is an argument."""

from datetime import date, datetime
from itertools import pairwise

from services.intake.importing.lines import LineProblem
from services.intake.importing.schemas import ImportLine
from shared.clock import VIETNAM


def timeline_problem(line: ImportLine, now: datetime) -> LineProblem | None:
    """What is impossible in the line's timeline, or None.

    received ≤ resolved ≤ returned; received ≤ withdrawn; received ≤ due; a result is returned only
    once resolved, and a withdrawn dossier has no result. Nothing but the due date is in the future.
    Then the pauses (`pauses_problem`).
    """
    received = line.received_at
    for name, at in (
        ("received_at", received),
        ("resolved_at", line.resolved_at),
        ("returned_at", line.returned_at),
        ("withdrawn_at", line.withdrawn_at),
    ):
        if at is not None and at > now:
            return LineProblem("in_the_future", f"{name} is later than now; only due_at may be ahead.")
    if line.resolved_at is not None and line.withdrawn_at is not None:
        return LineProblem(
            "inconsistent_timeline", "A dossier is either resolved or withdrawn: give one of the two."
        )
    if line.returned_at is not None and line.resolved_at is None:
        return LineProblem(
            "inconsistent_timeline", "returned_at needs resolved_at: a result is returned once ready."
        )
    for earlier, later, name_earlier, name_later in (
        (received, line.due_at, "received_at", "due_at"),
        (received, line.resolved_at, "received_at", "resolved_at"),
        (line.resolved_at, line.returned_at, "resolved_at", "returned_at"),
        (received, line.withdrawn_at, "received_at", "withdrawn_at"),
    ):
        if earlier is not None and later is not None and later < earlier:
            return LineProblem("dates_out_of_order", f"{name_later} is before {name_earlier}.")
    return pauses_problem(line, now) if line.pauses else None


def pauses_problem(line: ImportLine, now: datetime) -> LineProblem | None:
    """What is impossible in the line's pauses, or None: each ends after it starts
    (`pause_out_of_order`), lies within the dossier's clock, from received_at to resolved_at (or
    withdrawn_at) (`pause_outside_timeline`; a later end than now is `in_the_future`), and no two
    overlap (`pauses_overlap`; one may start when the other ends). Details name the pause by its place
    in `pauses`, counted from 0."""
    end, end_name = (
        (line.resolved_at, "resolved_at")
        if line.resolved_at is not None
        else (line.withdrawn_at, "withdrawn_at")
    )
    for n, pause in enumerate(line.pauses):
        if pause.resumed_at <= pause.paused_at:
            return LineProblem("pause_out_of_order", f"pauses.{n}: 'to' is not after 'from'.")
        if pause.resumed_at > now:
            return LineProblem("in_the_future", f"pauses.{n}: 'to' is later than now.")
        if pause.paused_at < line.received_at:
            return LineProblem("pause_outside_timeline", f"pauses.{n}: 'from' is before received_at.")
        if end is not None and pause.resumed_at > end:
            return LineProblem("pause_outside_timeline", f"pauses.{n}: 'to' is after {end_name}.")
    ordered = sorted(enumerate(line.pauses), key=lambda numbered: numbered[1].paused_at)
    for (a, earlier), (b, later) in pairwise(ordered):
        if later.paused_at < earlier.resumed_at:
            first, second = sorted((a, b))
            return LineProblem("pauses_overlap", f"pauses.{first} and pauses.{second} overlap.")
    return None


def receipt_day(line: ImportLine) -> date:
    """The receipt date in Vietnam: it picks the procedure version and the dossier code's counter."""
    return line.received_at.astimezone(VIETNAM).date()


def final_status(line: ImportLine) -> str:
    """The dossier's status after the last step of its timeline."""
    if line.withdrawn_at is not None:
        return "withdrawn"
    if line.returned_at is not None:
        return "returned"
    if line.resolved_at is not None:
        return "resolved"
    return "received"


def later_steps(line: ImportLine) -> list[tuple[str, datetime]]:
    """The timeline after the receipt, in order (`timeline_problem` has checked that order)."""
    steps = [("resolved", line.resolved_at), ("returned", line.returned_at), ("withdrawn", line.withdrawn_at)]
    return [(status, at) for status, at in steps if at is not None]
