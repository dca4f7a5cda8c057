"""Every query of the units read model: a unit's subtree, the names of units, whether one is known, and
the agencies' and units' successors."""

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import Select, Table, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.units.models import agency_levels, units
from services.reporting.units.successors import Link, link_of

# The unit and every unit under it by the parent hierarchy (a cycle stops: UNION drops repeats).
_SUBTREE = text(
    """
    WITH RECURSIVE tree(code) AS (
      SELECT CAST(:code AS text)
      UNION
      SELECT u.code FROM reporting.units u JOIN tree ON u.parent_code = tree.code
    )
    SELECT code FROM tree
    """
)


async def is_known(session: AsyncSession, code: str) -> bool:
    """Whether a registration (or a closing) of the unit has been heard."""
    found = await session.scalar(select(units.c.code).where(units.c.code == code))
    return found is not None


async def subtree(session: AsyncSession, code: str) -> list[str]:
    """The unit's code and the codes of every unit under it."""
    return list((await session.scalars(_SUBTREE, {"code": code})).all())


async def names(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """The registered names of these units (a unit not yet registered has none)."""
    rows = await session.execute(
        select(units.c.code, units.c.name).where(units.c.code.in_(list(codes)), units.c.name.is_not(None))
    )
    return {code: name for code, name in rows.all()}


def _links(table: Table) -> Select[Any]:
    c = table.c
    return select(c.code, c.effective_to, c.successor_code, c.closed_to, c.closed_successor_code).where(
        or_(c.effective_to.is_not(None), c.closed_to.is_not(None))
    )


async def links(session: AsyncSession, *, of: Literal["agency", "unit"]) -> dict[str, Link]:
    """Every agency (or receiving unit) with a last day in force: that day and who took over."""
    rows = await session.execute(_links(agency_levels if of == "agency" else units))
    return {code: link_of(*dates) for code, *dates in rows.all()}
