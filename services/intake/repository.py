"""Every query of the intake service."""

import contextlib
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Row, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import (
    agencies,
    applicants,
    calendar_overrides,
    dossier_counters,
    dossiers,
    fields,
    idempotency_keys,
    procedures,
    reception_decisions,
    timeline,
)
from shared.calendar import CalendarOverride, OfficeHours, WorkingCalendar, WorkingDays


async def agency(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(agencies).where(agencies.c.code == code))).first()


async def existing_agency_codes(session: AsyncSession, codes: set[str]) -> set[str]:
    rows = await session.scalars(select(agencies.c.code).where(agencies.c.code.in_(codes)))
    return set(rows)


async def list_agencies(session: AsyncSession) -> list[Row[Any]]:
    return list((await session.execute(select(agencies).order_by(agencies.c.code))).all())


async def field(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(fields).where(fields.c.code == code))).first()


async def has_catalogue(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(agencies))) != 0


# Built once: constructing these selects costs more Python time than running them.
_PROCEDURE_VIEW = (
    select(
        procedures,
        fields.c.name.label("field_name"),
        agencies.c.name.label("agency_name"),
        agencies.c.unit_code.label("agency_unit_code"),
    )
    .join(fields, fields.c.code == procedures.c.field_code)
    .join(agencies, agencies.c.code == procedures.c.agency_code)
)


async def procedure_in_force(session: AsyncSession, code: str, on: date) -> Row[Any] | None:
    """The version of `code` in force on day `on` (the latest effective on or before it)."""
    query = (
        _PROCEDURE_VIEW.where(procedures.c.code == code, procedures.c.effective_from <= on)
        .order_by(procedures.c.effective_from.desc(), procedures.c.version.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def procedure_by_id(session: AsyncSession, procedure_id: int) -> Row[Any]:
    return (await session.execute(_PROCEDURE_VIEW.where(procedures.c.id == procedure_id))).one()


async def latest_procedure_version(session: AsyncSession, code: str) -> int:
    return int(
        await session.scalar(
            select(func.coalesce(func.max(procedures.c.version), 0)).where(procedures.c.code == code)
        )
        or 0
    )


async def list_procedures(
    session: AsyncSession,
    *,
    on: date,
    field_code: str | None,
    agency_code: str | None,
    query: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """The version in force of each procedure, filtered; Vietnamese search ignores diacritics."""
    in_force = (
        select(procedures.c.id)
        .where(procedures.c.effective_from <= on)
        .ext(distinct_on(procedures.c.code))
        .order_by(procedures.c.code, procedures.c.effective_from.desc(), procedures.c.version.desc())
    ).subquery()
    view = _PROCEDURE_VIEW.where(procedures.c.id.in_(select(in_force.c.id)))
    if field_code:
        view = view.where(procedures.c.field_code == field_code)
    if agency_code:
        view = view.where(procedures.c.agency_code == agency_code)
    if query:
        words = query.split()
        view = view.where(
            *(or_(procedures.c.search_key.contains(w), procedures.c.code.ilike(f"%{w}%")) for w in words)
        )
    total = int(await session.scalar(select(func.count()).select_from(view.subquery())) or 0)
    rows = (await session.execute(view.order_by(procedures.c.code).limit(limit).offset(offset))).all()
    return list(rows), total


async def next_dossier_number(session: AsyncSession, unit_code: str, day: date) -> int:
    """Gapless per unit and day: the upsert's row lock queues concurrent receptions, and a rolled-back
    reception rolls its number back with it."""
    statement = (
        pg_insert(dossier_counters)
        .values(unit_code=unit_code, day=day, last=1)
        .on_conflict_do_update(
            index_elements=[dossier_counters.c.unit_code, dossier_counters.c.day],
            set_={"last": dossier_counters.c.last + 1},
        )
        .returning(dossier_counters.c.last)
    )
    return int((await session.execute(statement)).scalar_one())


_DOSSIER_VIEW = (
    select(
        dossiers,
        procedures.c.code.label("procedure_code"),
        procedures.c.version.label("procedure_version"),
        procedures.c.name.label("procedure_name"),
        procedures.c.agency_code.label("agency_code"),
        applicants.c.name.label("applicant_name"),
        applicants.c.kind.label("applicant_kind"),
    )
    .join(procedures, procedures.c.id == dossiers.c.procedure_id)
    .join(applicants, applicants.c.id == dossiers.c.applicant_id)
)


async def dossier(session: AsyncSession, key: str, *, for_update: bool = False) -> Row[Any] | None:
    """By dossier code, by the portal's id, or by the dossier's own id."""
    condition = or_(dossiers.c.code == key, dossiers.c.portal_id == key)
    with contextlib.suppress(ValueError):
        condition = or_(condition, dossiers.c.id == UUID(key))
    query = _DOSSIER_VIEW.where(condition)
    if for_update:
        query = query.with_for_update(of=dossiers)
    return (await session.execute(query)).first()


async def dossier_by_id(session: AsyncSession, dossier_id: UUID) -> Row[Any]:
    return (await session.execute(_DOSSIER_VIEW.where(dossiers.c.id == dossier_id))).one()


async def applicant(session: AsyncSession, applicant_id: UUID) -> Row[Any]:
    return (await session.execute(select(applicants).where(applicants.c.id == applicant_id))).one()


async def latest_decision(session: AsyncSession, dossier_id: UUID) -> Row[Any] | None:
    query = (
        select(reception_decisions)
        .where(reception_decisions.c.dossier_id == dossier_id)
        .order_by(reception_decisions.c.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def idempotent_request(session: AsyncSession, key: str, caller: str) -> Row[Any] | None:
    query = select(idempotency_keys).where(idempotency_keys.c.key == key, idempotency_keys.c.caller == caller)
    return (await session.execute(query)).first()


async def public_timeline(session: AsyncSession, dossier_id: UUID) -> list[Row[Any]]:
    query = select(timeline).where(timeline.c.dossier_id == dossier_id).order_by(timeline.c.at, timeline.c.id)
    return list((await session.execute(query)).all())


# -- the working-day calendar's admin overrides ----------------------------------------------------

# How long a worker process answers from its cached calendar before it asks the table again: an
# override stored in `calendar_overrides` is used by every worker of every replica at most this long
# afterwards (plus the time the event took from the deadline service to intake's consumer).
CALENDAR_CHECK_SECONDS: Final = 5.0

_OVERRIDES = calendar_overrides
# Writers take this lock (it blocks other writers, never readers) so that versions are handed out in
# commit order: a reader that sees version n has seen every change numbered below n.
_LOCK_OVERRIDES: Final = text(f"LOCK TABLE {_OVERRIDES.fullname} IN SHARE ROW EXCLUSIVE MODE")
_NEXT_VERSION: Final = select(func.coalesce(func.max(_OVERRIDES.c.version), 0) + 1).scalar_subquery()
_OVERRIDES_VERSION: Final = select(func.coalesce(func.max(_OVERRIDES.c.version), 0))
_ALL_OVERRIDES: Final = select(
    _OVERRIDES.c.day, _OVERRIDES.c.working, _OVERRIDES.c.reason, _OVERRIDES.c.version
)


async def apply_calendar_override(
    session: AsyncSession, *, day: date, working: bool | None, reason: str | None, at: datetime
) -> bool:
    """Store the override of `day` (its removal when `working` is None) as of `at`, unless the row
    holds a newer one; True when the row changed. At equal times a removal beats a set (whatever the
    order they arrive in); of two sets at one instant, the first stored stays."""
    await session.execute(_LOCK_OVERRIDES)
    new = pg_insert(_OVERRIDES).values(
        day=day, working=working, reason=reason, event_at=at, version=_NEXT_VERSION, updated_at=func.now()
    )
    newer = or_(
        _OVERRIDES.c.event_at < new.excluded.event_at,
        and_(
            _OVERRIDES.c.event_at == new.excluded.event_at,
            new.excluded.working.is_(None),
            _OVERRIDES.c.working.is_not(None),
        ),
    )
    statement = new.on_conflict_do_update(
        index_elements=[_OVERRIDES.c.day],
        set_={
            name: new.excluded[name] for name in ("working", "reason", "event_at", "version", "updated_at")
        },
        where=newer,
    ).returning(_OVERRIDES.c.day)
    return (await session.execute(statement)).first() is not None


class CalendarCache:
    """The working-day calendar with the admin overrides, cached per worker process.

    Every worker (and every replica) reads the table itself: the consumer that stores an override
    runs in one worker only, so an event cannot tell the others. At most once per `check_every`
    seconds `get` asks the table for its version (one index read); only when it moved are the rows
    read again and the calendar rebuilt. Between checks it answers without touching the database.
    """

    def __init__(
        self,
        *,
        check_every: float = CALENDAR_CHECK_SECONDS,
        hours: OfficeHours | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_every = check_every
        self._hours = hours or OfficeHours()
        self._monotonic = monotonic
        self._calendar = WorkingCalendar(hours=self._hours)  # version 0: the table is empty
        self._version = 0
        self._checked_at: float | None = None

    async def get(self, session: AsyncSession) -> WorkingCalendar:
        now = self._monotonic()
        if self._checked_at is not None and now - self._checked_at < self.check_every:
            return self._calendar
        if int(await session.scalar(_OVERRIDES_VERSION) or 0) != self._version:
            await self._load(session)
        self._checked_at = now
        return self._calendar

    async def _load(self, session: AsyncSession) -> None:
        rows = (await session.execute(_ALL_OVERRIDES)).all()
        # The version of what was read, from the same snapshot as the rows themselves.
        version = max((row.version for row in rows), default=0)
        if version <= self._version:
            return  # a concurrent request of this process already loaded this or a newer state
        overrides = [
            CalendarOverride(row.day, row.working, row.reason) for row in rows if row.working is not None
        ]
        self._calendar = WorkingCalendar(days=WorkingDays(overrides), hours=self._hours)
        self._version = version


# One per process: reception and the import take their calendar from it.
CALENDAR = CalendarCache()


async def working_calendar(session: AsyncSession) -> WorkingCalendar:
    """The calendar with the admin overrides, at most `CALENDAR_CHECK_SECONDS` behind the table."""
    return await CALENDAR.get(session)
