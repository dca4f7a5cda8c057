"""Every query of ballots but the kiosks' group commit (`writer`). Statements are built once: a bare
insert() executed with a parameters dict compiles once and is cached."""

from typing import Any, Final

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.ballots.models import ballots

_INSERT_BALLOT: Final = insert(ballots)
# One ballot per dossier: of two racing for one dossier, the second waits on the unique index until
# the first commits, then inserts nothing.
_INSERT_DOSSIER_BALLOT: Final = (
    pg_insert(ballots).on_conflict_do_nothing(index_elements=[ballots.c.dossier_code]).returning(ballots.c.id)
)


async def insert_ballot(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(_INSERT_BALLOT, values)


async def insert_dossier_ballot(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a dossier's ballot; False when the dossier has one already (nothing written)."""
    return (await session.execute(_INSERT_DOSSIER_BALLOT, values)).first() is not None
