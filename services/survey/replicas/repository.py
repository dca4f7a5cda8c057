"""Every query of what survey knows of the catalogue (agencies) and of dossiers.

Statements are built once: constructing a statement costs more Python time than running it.
"""

from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.replicas.models import agencies, dossiers

# -- agencies (catalog.agency.registered) ------------------------------------------------------------

_AGENCY_EXISTS: Final = select(agencies.c.code).where(agencies.c.code == bindparam("code"))
_new_agency = pg_insert(agencies)
# A later registration event of the same code (a re-drive of the stream) updates the names; an older
# one arriving late changes nothing.
_UPSERT_AGENCY: Final = _new_agency.on_conflict_do_update(
    index_elements=[agencies.c.code],
    set_={
        "name": _new_agency.excluded.name,
        "sector": _new_agency.excluded.sector,
        "registered_at": _new_agency.excluded.registered_at,
    },
    where=agencies.c.registered_at <= _new_agency.excluded.registered_at,
)


async def agency_exists(db: AsyncSession | AsyncConnection, code: str) -> bool:
    """In a session's transaction, or on a connection of its own (a kiosk ballot's cache miss)."""
    return (await db.scalar(_AGENCY_EXISTS, {"code": code})) is not None


async def upsert_agency(session: AsyncSession, *, code: str, name: str, sector: str, at: datetime) -> None:
    await session.execute(_UPSERT_AGENCY, {"code": code, "name": name, "sector": sector, "registered_at": at})


# -- dossiers (dossier.received) --------------------------------------------------------------------

_INSERT_DOSSIER: Final = pg_insert(dossiers).on_conflict_do_nothing()


async def remember_dossier(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep a received dossier's agency, field and procedure; a repeated event changes nothing."""
    await session.execute(_INSERT_DOSSIER, values)


async def dossier_agency(session: AsyncSession, dossier_code: str) -> str | None:
    """The lead agency of a dossier survey has seen received, or None."""
    agency: str | None = await session.scalar(
        select(dossiers.c.agency_code).where(dossiers.c.code == dossier_code)
    )
    return agency
