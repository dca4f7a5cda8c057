"""A dossier as a request names it (code, portal id or id): found, or a 404; and seen only by those the
one rule of who sees a dossier admits (`shared.visibility`): reception by its unit, the dossier's
receiving and return units against the token's `unit`."""

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import route_agencies
from services.intake.dossiers import repository
from services.intake.dossiers.change import Desk
from services.intake.units import service as units
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.visibility import ensure_may_see


async def existing(session: AsyncSession, key: str, *, for_update: bool = False) -> Row[Any]:
    """The dossier by code, portal id or id, or a 404 problem."""
    row = await repository.dossier(session, key, for_update=for_update)
    if row is None:
        raise Problem(404, "dossier_not_found", f"No dossier {key}.")
    return row


async def visible(session: AsyncSession, key: str, who: Principal, *, for_update: bool = False) -> Row[Any]:
    """The dossier `who` asks for, if the one rule of who sees a dossier lets them."""
    row = await existing(session, key, for_update=for_update)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    ensure_may_see(
        who,
        key,
        agencies=route_agencies(procedure),
        submitted_by=events.portal_account_of(row),
        receiving_unit=row.unit_code,
        return_unit=row.return_unit_code,
    )
    return row


async def at_desk(session: AsyncSession, desk: Desk, key: str) -> Row[Any]:
    """The dossier a change at the desk is about, locked until commit, if `desk.who` may see it. A
    reception token without `unit` acts only while the default unit is the only one open (403
    `unit_claim_missing` otherwise)."""
    if desk.who.role == "reception" and desk.who.unit is None:
        today = desk.clock.now().astimezone(VIETNAM).date()
        await units.reception_unit(session, desk.who, default=desk.default_unit, day=today)
    return await visible(session, key, desk.who, for_update=True)
