"""Every query of invitations, each statement built once: building one costs more Python time than
running it."""

from typing import Any, Final

from sqlalchemy import Row, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.invitations.models import invitations

_INSERT_INVITATION: Final = (
    pg_insert(invitations).on_conflict_do_nothing().returning(invitations.c.dossier_code)
)
_INVITATION: Final = select(invitations).where(invitations.c.dossier_code == bindparam("code"))


async def open_invitation(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The first `dossier.returned` of a dossier opens its invitation; True when it did."""
    return (await session.execute(_INSERT_INVITATION, values)).first() is not None


async def invitation(session: AsyncSession, dossier_code: str) -> Row[Any] | None:
    return (await session.execute(_INVITATION, {"code": dossier_code})).first()
