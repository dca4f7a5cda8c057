"""Due times explained (GET /v1/calendar/due): when a dossier received at a moment is due, counted as
its procedure says, and every day that did not count."""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.calendar import repository
from services.deadline.calendar.calendars import Calendars
from services.deadline.calendar.explain import Skipped, explain, provisional_note, provisional_years
from shared.calendar import DueResult, Kind, due_at
from shared.calendar.due import working_minutes_for
from shared.clock import VIETNAM
from shared.errors import Problem


@dataclass(frozen=True)
class Explained:
    days: Decimal
    kind: Kind
    same_day: bool
    cutoff: time
    procedure: Row[Any] | None
    result: DueResult
    skipped: list[Skipped]
    provisional_years: list[int]  # crossed by the computation, without an official decision
    notes: list[str]  # sentences for people, in Vietnamese


async def due(
    session: AsyncSession,
    calendars: Calendars,
    *,
    start: datetime,
    days: Decimal | None,
    procedure_code: str | None,
    default_cutoff: time,
) -> Explained:
    """The due of ``days`` from ``start``, counted as the procedure says (working days by default)."""
    procedure = None
    if procedure_code is not None:
        on = start.astimezone(VIETNAM).date()
        procedure = await repository.procedure_in_force(session, procedure_code, on)
        if procedure is None:
            raise Problem(404, "unknown_procedure", f"No procedure {procedure_code!r} was published.")
    if days is None:
        if procedure is None:
            raise Problem(422, "days_required", "Give `days`, or a `procedure` whose processing days count.")
        days = Decimal(procedure.processing_days)
    kind: Kind = "calendar" if procedure is not None and procedure.day_kind == "calendar" else "working"
    cutoff = procedure.cutoff if procedure is not None else default_cutoff
    snapshot = await calendars.current(session)
    calendar = snapshot.calendar
    try:
        working_minutes_for(days, calendar.hours.day_minutes)
    except ValueError as exc:
        raise Problem(422, "days_not_whole_minutes", str(exc)) from exc
    # A same-day procedure asked for more than a day counts working days, as routing's steps do.
    same_day = bool(procedure is not None and procedure.same_day and days <= 1)
    try:
        result = due_at(start, days, calendar=calendar, kind=kind, same_day=same_day, cutoff=cutoff)
    except ValueError as exc:
        raise Problem(422, "invalid_days", str(exc)) from exc
    skipped = explain(
        start, result, calendar=calendar, overrides=snapshot.overrides, same_day=same_day, cutoff=cutoff
    )
    provisional = provisional_years(start, result, calendar=calendar)
    note = provisional_note(provisional)
    notes = [note] if note else []
    return Explained(days, kind, same_day, cutoff, procedure, result, skipped, provisional, notes)
