"""A dossier as a request names it (code, portal id or id): found, or a 404; and seen only by those the
one rule of who sees a dossier admits (`shared.visibility`)."""

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import route_agencies
from services.intake.dossiers import repository
from shared.auth import Principal
from shared.errors import Problem
from shared.visibility import ensure_may_see


async def existing(session: AsyncSession, key: str, *, for_update: bool = False) -> Row[Any]:
    """The dossier by code, portal id or id, or a 404 problem."""
    row = await repository.dossier(session, key, for_update=for_update)
    if row is None:
        raise Problem(404, "dossier_not_found", f"No dossier {key}.")
    return row


async def visible(session: AsyncSession, key: str, who: Principal) -> Row[Any]:
    """The dossier `who` asks for, if the one rule of who sees a dossier lets them."""
    row = await existing(session, key)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    ensure_may_see(who, key, agencies=route_agencies(procedure), submitted_by=events.portal_account_of(row))
    return row
