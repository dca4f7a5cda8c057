"""Every query of the units read model: a unit's subtree, the names of units and whether one is known."""

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.units.models import units

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
