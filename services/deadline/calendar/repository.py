"""Every query of the working calendar: the admin's overrides, their revision, and the procedures'
versions. Functions flush at most; the caller's transaction commits."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.bulk import execute_each
from services.deadline.calendar.models import calendar_overrides, calendar_revision, procedures
from shared.events.catalog import ProcedureSnapshot

# -- procedures ----------------------------------------------------------------------------------


async def save_procedures(session: AsyncSession, heard: Sequence[ProcedureSnapshot]) -> None:
    """Published versions of procedures; versions are immutable, so the first copy heard stays. Its
    supplement policy is the copy's: the version's own, null when left to the rule set, from
    `catalog.procedure.published`; one dossier's resolved policy from `dossier.received`. No due here
    depends on it: a dossier's policy is on its own row."""
    rows = [procedure_row(procedure) for procedure in heard]
    await execute_each(session, pg_insert(procedures).on_conflict_do_nothing(), rows)


def procedure_row(procedure: ProcedureSnapshot) -> dict[str, Any]:
    """A version's row of `procedures`, as heard."""
    return {
        "code": procedure.code,
        "version": procedure.version,
        "effective_from": procedure.effective_from,
        "name": procedure.name,
        "agency_code": procedure.agency_code,
        "processing_days": procedure.processing_days,
        "online_processing_days": procedure.online_processing_days,
        "day_kind": procedure.day_kind,
        "same_day": procedure.same_day,
        "cutoff": procedure.cutoff,
        "supplement_policy": procedure.supplement_policy,
    }


async def procedure_in_force(session: AsyncSession, code: str, on: date) -> Row[Any] | None:
    """The version in force on ``on`` (latest `effective_from` not after it); before the first one,
    the earliest version. None for a code never published."""
    in_force = (
        select(procedures)
        .where(
            procedures.c.code == code,
            or_(procedures.c.effective_from.is_(None), procedures.c.effective_from <= on),
        )
        .order_by(procedures.c.effective_from.desc().nulls_last(), procedures.c.version.desc())
        .limit(1)
    )
    row = (await session.execute(in_force)).first()
    if row is not None:
        return row
    earliest = select(procedures).where(procedures.c.code == code).order_by(procedures.c.version).limit(1)
    return (await session.execute(earliest)).first()


# -- calendar overrides ---------------------------------------------------------------------------


async def current_calendar_revision(session: AsyncSession) -> int:
    value = await session.scalar(select(calendar_revision.c.revision).where(calendar_revision.c.id == 1))
    return int(value or 0)


async def bump_calendar_revision(session: AsyncSession) -> None:
    """In the transaction of every override change; the row lock also serialises two admins' changes."""
    stmt = pg_insert(calendar_revision).values(id=1, revision=1)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[calendar_revision.c.id], set_={"revision": calendar_revision.c.revision + 1}
        )
    )


async def overrides(session: AsyncSession, year: int | None = None) -> Sequence[Row[Any]]:
    query = select(calendar_overrides).order_by(calendar_overrides.c.day)
    if year is not None:
        query = query.where(
            calendar_overrides.c.day >= date(year, 1, 1), calendar_overrides.c.day <= date(year, 12, 31)
        )
    return (await session.execute(query)).all()


async def override(session: AsyncSession, day: date) -> Row[Any] | None:
    query = select(calendar_overrides).where(calendar_overrides.c.day == day)
    return (await session.execute(query)).first()


async def put_override(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(calendar_overrides).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[calendar_overrides.c.day],
            set_={k: stmt.excluded[k] for k in ("working", "reason", "set_by", "set_at")},
        )
    )


async def delete_override(session: AsyncSession, day: date) -> bool:
    result = await session.execute(
        delete(calendar_overrides).where(calendar_overrides.c.day == day).returning(calendar_overrides.c.day)
    )
    return result.first() is not None
