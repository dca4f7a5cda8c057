"""Every query of the intake service."""

import contextlib
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, or_, select
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
from shared.calendar import WorkingCalendar
from shared.calendar_replica import CalendarCache


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
    """By dossier code, by the portal's id, or by the dossier's own id; a code wins over a portal id
    that happens to spell it (the portal chooses its ids, the centre its codes)."""
    condition = or_(dossiers.c.code == key, dossiers.c.portal_id == key)
    with contextlib.suppress(ValueError):
        condition = or_(condition, dossiers.c.id == UUID(key))
    query = _DOSSIER_VIEW.where(condition).order_by((dossiers.c.code == key).is_(True).desc()).limit(1)
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

# One per process: reception and the import take their calendar from it.
CALENDAR = CalendarCache(calendar_overrides)


async def working_calendar(session: AsyncSession) -> WorkingCalendar:
    """The calendar with the admin overrides, at most `CALENDAR_CHECK_SECONDS` behind the table
    (`shared.calendar_replica`)."""
    return await CALENDAR.get(session)
