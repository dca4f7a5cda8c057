"""Every query of the catalogue: agencies, fields and procedure versions."""

from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue.models import agencies, fields, procedures
from shared.db.raw import Prebuilt


async def agency(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(agencies).where(agencies.c.code == code))).first()


async def agencies_by_code(session: AsyncSession, codes: set[str]) -> dict[str, Row[Any]]:
    rows = await session.execute(select(agencies).where(agencies.c.code.in_(codes)))
    return {row.code: row for row in rows}


async def list_agencies(session: AsyncSession, *, on: date | None = None) -> list[Row[Any]]:
    """Every agency, or those in force on day `on` (from their first day to their last, both included)."""
    query = select(agencies).order_by(agencies.c.code)
    if on is not None:
        query = query.where(
            agencies.c.effective_from <= on,
            or_(agencies.c.effective_to.is_(None), agencies.c.effective_to >= on),
        )
    return list((await session.execute(query)).all())


async def successor_of(session: AsyncSession, code: str) -> tuple[bool, str | None]:
    """Whether agency `code` exists, and its successor."""
    row = (await session.execute(select(agencies.c.successor_code).where(agencies.c.code == code))).first()
    return (row is not None, row.successor_code if row is not None else None)


async def close_agency(
    session: AsyncSession, code: str, *, effective_to: date, successor_code: str | None
) -> None:
    await session.execute(
        update(agencies)
        .where(agencies.c.code == code)
        .values(effective_to=effective_to, successor_code=successor_code)
    )


async def lock_agencies(session: AsyncSession) -> None:
    """Until commit: one change of agencies' successor links at a time, so two closings each checked
    alone cannot make a cycle together."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('intake.agencies'))"))


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


# The version of procedure `code` in force on day `on`. Built once: every reception reads it (issue
# #17), before any write, as is (`Prebuilt`); reception at its own unit reads it with the unit.
IN_FORCE = (
    _PROCEDURE_VIEW.where(
        procedures.c.code == bindparam("code"), procedures.c.effective_from <= bindparam("on")
    )
    .order_by(procedures.c.effective_from.desc(), procedures.c.version.desc())
    .limit(1)
)
_IN_FORCE = Prebuilt(IN_FORCE)


async def procedure_in_force(session: AsyncSession, code: str, on: date) -> Any | None:
    """The version of `code` in force on day `on` (the latest effective on or before it)."""
    return await _IN_FORCE.first(session, code=code, on=on)


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


async def add_agency(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(agencies).values(**values))


async def add_field(session: AsyncSession, *, code: str, name: str) -> None:
    await session.execute(insert(fields).values(code=code, name=name))


async def add_procedure(session: AsyncSession, values: dict[str, Any]) -> int:
    """Insert a procedure version; its id."""
    return int(
        (await session.execute(insert(procedures).values(**values).returning(procedures.c.id))).scalar_one()
    )


async def lock_default_catalogue(session: AsyncSession) -> None:
    """Until commit: workers and replicas start together, one loads the default catalogue and the
    others wait here, then find it loaded."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('intake.default_catalogue'))"))
