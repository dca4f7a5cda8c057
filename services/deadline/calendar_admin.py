"""The calendar's admin overrides, and due times explained (GET /v1/calendar/due).

Overrides: POST creates a day's override and answers 409 `override_exists` when the day has a
different one (an identical one is a retry: 200, nothing changes); PUT on the day replaces whatever
is there. Each change bumps the calendar's revision (every process rebuilds its calendar on its next
use), is audited, and emits `catalog.calendar.override_set` / `_removed` on stream CATALOG, which
intake applies to appointment dates.

Dues already computed (clocks running, receipts handed out) are not moved by a later override: the
override applies to every computation made after it (a pause's shift, a restart, an extension, warn_at).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events, repository
from services.deadline.calendars import Calendars
from services.deadline.explain import Skipped, explain
from services.deadline.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.calendar import DueResult, Kind, due_at
from shared.calendar.due import working_minutes_for
from shared.clock import VIETNAM, Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox

_SET = "catalog.calendar.override_set"
_REMOVED = "catalog.calendar.override_removed"


@dataclass(frozen=True)
class Admin:
    """Who changes the calendar, and with what."""

    who: Principal
    outbox: Outbox
    clock: Clock


async def create_override(
    session: AsyncSession, admin: Admin, *, day: date, working: bool, reason: str
) -> tuple[Row[Any], bool]:
    """The day's override, and whether it was created now (False: the same one was there already)."""
    await repository.bump_calendar_revision(session)  # first: its row lock serialises admins' changes
    existing = await repository.override(session, day)
    if existing is not None:
        if (existing.working, existing.reason) == (working, reason):
            return existing, False
        raise Problem(
            409,
            "override_exists",
            f"{day.isoformat()} already has an override ({existing.reason!r}); "
            f"replace it with PUT /v1/calendar/overrides/{day.isoformat()} or delete it first.",
        )
    return await _set(session, admin, day=day, working=working, reason=reason), True


async def replace_override(
    session: AsyncSession, admin: Admin, *, day: date, working: bool, reason: str
) -> tuple[Row[Any], bool]:
    """Set the day's override whatever was there; True when the day had none."""
    await repository.bump_calendar_revision(session)
    existing = await repository.override(session, day)
    if existing is not None and (existing.working, existing.reason) == (working, reason):
        return existing, False
    return await _set(session, admin, day=day, working=working, reason=reason), existing is None


async def _set(session: AsyncSession, admin: Admin, *, day: date, working: bool, reason: str) -> Row[Any]:
    now = admin.clock.now()
    await repository.put_override(
        session, {"day": day, "working": working, "reason": reason, "set_by": admin.who.sub, "set_at": now}
    )
    await admin.outbox.add(
        session,
        name=_SET,
        topic=_SET,
        data=events.override_set(day=day, working=working, reason=reason, set_at=now),
        subject=day.isoformat(),
    )
    await audit.record(
        session,
        audit_log,
        who=admin.who,
        at=now,
        action="calendar.override_set",
        entity=f"calendar:{day.isoformat()}",
        detail={"working": working, "reason": reason},
    )
    row = await repository.override(session, day)
    assert row is not None
    return row


async def remove_override(session: AsyncSession, admin: Admin, *, day: date) -> None:
    """The day follows the official calendar again; 404 when it had no override."""
    await repository.bump_calendar_revision(session)
    if not await repository.delete_override(session, day):
        raise Problem(404, "override_not_found", f"{day.isoformat()} has no calendar override.")
    now = admin.clock.now()
    await admin.outbox.add(
        session,
        name=_REMOVED,
        topic=_REMOVED,
        data=events.override_removed(day=day, removed_at=now),
        subject=day.isoformat(),
    )
    await audit.record(
        session,
        audit_log,
        who=admin.who,
        at=now,
        action="calendar.override_removed",
        entity=f"calendar:{day.isoformat()}",
    )


# -- due times, explained ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    days: Decimal
    kind: Kind
    same_day: bool
    cutoff: time
    procedure: Row[Any] | None
    result: DueResult
    skipped: list[Skipped]


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
    return Explained(days, kind, same_day, cutoff, procedure, result, skipped)
