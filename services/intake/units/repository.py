"""Every query of the receiving units."""

from datetime import date
from typing import Any

from sqlalchemy import Column, Row, bindparam, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.units.models import units
from shared.db.raw import Prebuilt

# Built once: every reception reads a unit (issue #17), as is (`Prebuilt`).
_UNIT = Prebuilt(select(units).where(units.c.code == bindparam("code")))


async def unit(session: AsyncSession, code: str) -> Any | None:
    return await _UNIT.first(session, code=code)


async def list_units(session: AsyncSession, *, on: date | None) -> list[Row[Any]]:
    """Every unit, or those open on day `on` (from their first day to their last, both included)."""
    query = select(units).order_by(units.c.code)
    if on is not None:
        query = query.where(
            units.c.effective_from <= on, or_(units.c.effective_to.is_(None), units.c.effective_to >= on)
        )
    return list((await session.execute(query)).all())


def _chain_query(link: Column[Any]) -> Any:
    """The units reached from `start` by following `link` (parent or successor), with their link;
    UNION, not UNION ALL, so even a loop already stored ends."""
    chain = (
        select(units.c.code, link.label("next"))
        .where(units.c.code == bindparam("start"))
        .cte("chain", recursive=True)
    )
    chain = chain.union(select(units.c.code, link).join(chain, units.c.code == chain.c.next))
    return select(chain.c.code, chain.c.next)


# Built once: constructing these selects costs more Python time than running them.
_PARENTS = _chain_query(units.c.parent_code)
_SUCCESSORS = _chain_query(units.c.successor_code)


async def parent_links(session: AsyncSession, start: str) -> dict[str, str | None]:
    """Each unit's parent, from `start` up."""
    return {r.code: r.next for r in await session.execute(_PARENTS, {"start": start})}


async def successor_links(session: AsyncSession, start: str) -> dict[str, str | None]:
    """Each unit's successor, from `start` on."""
    return {r.code: r.next for r in await session.execute(_SUCCESSORS, {"start": start})}


async def add_unit(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a unit; False when its code exists already (a concurrent request registered it first)."""
    added = await session.execute(
        insert(units)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[units.c.code])
        .returning(units.c.code)
    )
    return added.first() is not None


async def close_unit(
    session: AsyncSession, code: str, *, effective_to: date, successor_code: str | None
) -> None:
    await session.execute(
        update(units)
        .where(units.c.code == code)
        .values(effective_to=effective_to, successor_code=successor_code)
    )


async def lock_units(session: AsyncSession) -> None:
    """Until commit: one change of units' links (or the default unit's start-up insert) at a time, so
    two closings each checked alone cannot make a cycle together."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('intake.units'))"))


_ANOTHER_OPEN = (
    select(units.c.code)
    .where(
        units.c.code != bindparam("code"),
        units.c.effective_from <= bindparam("on"),
        or_(units.c.effective_to.is_(None), units.c.effective_to >= bindparam("on")),
    )
    .limit(1)
)


async def another_open(session: AsyncSession, code: str, on: date) -> bool:
    """Whether a unit other than `code` is open on day `on`."""
    return (await session.execute(_ANOTHER_OPEN, {"code": code, "on": on})).first() is not None
