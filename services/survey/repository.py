"""Every query of ballots, invitations, forms and what survey knows of agencies and dossiers.

Statements are built once: constructing a statement costs more Python time than running it, and a
bare insert()/update() executed with a parameters dict compiles once and is cached.
"""

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Row, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.models import agencies, ballots, dossiers, forms, invitations

# Reads run in a session's transaction, or on a connection of their own (a kiosk ballot's cache miss).
Executor = AsyncSession | AsyncConnection

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


async def agency_exists(session: Executor, code: str) -> bool:
    return (await session.scalar(_AGENCY_EXISTS, {"code": code})) is not None


async def upsert_agency(session: AsyncSession, *, code: str, name: str, sector: str, at: datetime) -> None:
    await session.execute(_UPSERT_AGENCY, {"code": code, "name": name, "sector": sector, "registered_at": at})


# -- dossiers (dossier.received) --------------------------------------------------------------------

_INSERT_DOSSIER: Final = pg_insert(dossiers).on_conflict_do_nothing()


async def remember_dossier(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep a received dossier's agency, field and procedure; a repeated event changes nothing."""
    await session.execute(_INSERT_DOSSIER, values)


# -- invitations (dossier.returned) -----------------------------------------------------------------

_INSERT_INVITATION: Final = (
    pg_insert(invitations).on_conflict_do_nothing().returning(invitations.c.dossier_code)
)
_INVITATION: Final = select(invitations).where(invitations.c.dossier_code == bindparam("code"))
_USE_INVITATION: Final = (
    update(invitations)
    .where(invitations.c.dossier_code == bindparam("code"), invitations.c.used_at.is_(None))
    .values(used_at=bindparam("at"))
)


async def open_invitation(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The first `dossier.returned` of a dossier opens its invitation; True when it did."""
    return (await session.execute(_INSERT_INVITATION, values)).first() is not None


async def invitation(session: AsyncSession, dossier_code: str) -> Row[Any] | None:
    return (await session.execute(_INVITATION, {"code": dossier_code})).first()


async def use_invitation(session: AsyncSession, dossier_code: str, at: datetime) -> None:
    await session.execute(_USE_INVITATION, {"code": dossier_code, "at": at})


# -- forms ------------------------------------------------------------------------------------------

_FORM_IN_FORCE: Final = (
    select(forms)
    .where(forms.c.code == bindparam("code"), forms.c.effective_from <= bindparam("day"))
    .order_by(forms.c.effective_from.desc(), forms.c.version.desc())
    .limit(1)
)


# Held by whoever writes a form version (the admin API, the default form at first start) until commit.
_LOCK_FORMS: Final = text("SELECT pg_advisory_xact_lock(hashtext('survey.forms'))")


async def lock_forms(session: AsyncSession) -> None:
    await session.execute(_LOCK_FORMS)


async def form_in_force(session: Executor, code: str, day: date) -> Row[Any] | None:
    """The version of form `code` in force on `day`: the latest effective on or before it."""
    return (await session.execute(_FORM_IN_FORCE, {"code": code, "day": day})).first()


async def has_forms(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(forms))) != 0


async def latest_form_version(session: AsyncSession, code: str) -> int:
    latest = await session.scalar(
        select(func.coalesce(func.max(forms.c.version), 0)).where(forms.c.code == code)
    )
    return int(latest or 0)


async def insert_form(session: AsyncSession, values: dict[str, Any]) -> int:
    return int((await session.execute(insert(forms).returning(forms.c.id), values)).scalar_one())


# -- ballots ----------------------------------------------------------------------------------------

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
