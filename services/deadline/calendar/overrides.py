"""The calendar's admin overrides, as use cases. Flush, never commit.

POST creates a day's override and answers 409 `override_exists` when the day has a different one (an
identical one is a retry: 200, nothing changes); PUT on the day replaces whatever is there. Each
change bumps the calendar's revision (every process rebuilds its calendar on its next use), is
audited, and emits `catalog.calendar.override_set` / `_removed` on stream CATALOG, which intake
applies to appointment dates.

Dues already computed (clocks running, receipts handed out) are not moved by a later override: the
override applies to every computation made after it (a pause's shift, a restart, an extension, warn_at).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.calendar import repository
from services.deadline.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox

_SET = "catalog.calendar.override_set"
_REMOVED = "catalog.calendar.override_removed"


@dataclass(frozen=True)
class CalendarAdmin:
    """Who changes the calendar, and with what."""

    who: Principal
    outbox: Outbox
    clock: Clock


async def create_override(
    session: AsyncSession, admin: CalendarAdmin, *, day: date, working: bool, reason: str
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
    session: AsyncSession, admin: CalendarAdmin, *, day: date, working: bool, reason: str
) -> tuple[Row[Any], bool]:
    """Set the day's override whatever was there; True when the day had none."""
    await repository.bump_calendar_revision(session)
    existing = await repository.override(session, day)
    if existing is not None and (existing.working, existing.reason) == (working, reason):
        return existing, False
    return await _set(session, admin, day=day, working=working, reason=reason), existing is None


async def _set(
    session: AsyncSession, admin: CalendarAdmin, *, day: date, working: bool, reason: str
) -> Row[Any]:
    now = admin.clock.now()
    await repository.put_override(
        session, {"day": day, "working": working, "reason": reason, "set_by": admin.who.sub, "set_at": now}
    )
    await admin.outbox.add(
        session,
        name=_SET,
        topic=_SET,
        data=events.override_set(day=day, working=working, reason=reason, set_at=now).data(),
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


async def remove_override(session: AsyncSession, admin: CalendarAdmin, *, day: date) -> None:
    """The day follows the official calendar again; 404 when it had no override."""
    await repository.bump_calendar_revision(session)
    if not await repository.delete_override(session, day):
        raise Problem(404, "override_not_found", f"{day.isoformat()} has no calendar override.")
    now = admin.clock.now()
    await admin.outbox.add(
        session,
        name=_REMOVED,
        topic=_REMOVED,
        data=events.override_removed(day=day, removed_at=now).data(),
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
