"""Every query of a dossier's own tables: the dossier with its applicant and its public timeline. The
counter behind its code is taken by the statements that write a receipt (`numbering`)."""

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue.models import procedures
from services.intake.dossiers.models import applicants, dossiers, timeline

_DOSSIER_VIEW = (
    select(
        dossiers,
        procedures.c.code.label("procedure_code"),
        procedures.c.version.label("procedure_version"),
        procedures.c.name.label("procedure_name"),
        procedures.c.agency_code.label("agency_code"),
        applicants.c.name.label("applicant_name"),
        applicants.c.kind.label("applicant_kind"),
    )
    .join(procedures, procedures.c.id == dossiers.c.procedure_id)
    .join(applicants, applicants.c.id == dossiers.c.applicant_id)
)


async def dossier(session: AsyncSession, key: str, *, for_update: bool = False) -> Row[Any] | None:
    """By dossier code, by the portal's id, or by the dossier's own id; a code wins over a portal id
    that happens to spell it (the portal chooses its ids, the centre its codes)."""
    condition = or_(dossiers.c.code == key, dossiers.c.portal_id == key)
    with contextlib.suppress(ValueError):
        condition = or_(condition, dossiers.c.id == UUID(key))
    query = _DOSSIER_VIEW.where(condition).order_by((dossiers.c.code == key).is_(True).desc()).limit(1)
    if for_update:
        query = query.with_for_update(of=dossiers)
    return (await session.execute(query)).first()


async def dossier_by_id(session: AsyncSession, dossier_id: UUID) -> Row[Any]:
    return (await session.execute(_DOSSIER_VIEW.where(dossiers.c.id == dossier_id))).one()


async def applicant(session: AsyncSession, applicant_id: UUID) -> Row[Any]:
    return (await session.execute(select(applicants).where(applicants.c.id == applicant_id))).one()


async def public_timeline(session: AsyncSession, dossier_id: UUID) -> list[Row[Any]]:
    query = select(timeline).where(timeline.c.dossier_id == dossier_id).order_by(timeline.c.at, timeline.c.id)
    return list((await session.execute(query)).all())


# The SET clause comes from the parameters' keys (column names): compiled once per set of keys, then cached.
_UPDATE_DOSSIER = update(dossiers).where(dossiers.c.id == bindparam("dossier_id"))


async def update_dossier(session: AsyncSession, dossier_id: UUID, values: dict[str, Any]) -> None:
    await session.execute(_UPDATE_DOSSIER, {"dossier_id": dossier_id, **values})


async def add_timeline(session: AsyncSession, dossier_id: UUID, at: datetime, status: str, note: str) -> None:
    await session.execute(
        insert(timeline), {"dossier_id": dossier_id, "at": at, "status": status, "public_note": note}
    )


async def move_status(
    session: AsyncSession, code: str, status: str, *, only_from: Sequence[str], values: dict[str, Any]
) -> UUID | None:
    """Set the dossier `code` to `status` (and `values`) if it is in one of `only_from`; its id when it
    moved, else None."""
    moved = await session.execute(
        update(dossiers)
        .where(dossiers.c.code == code, dossiers.c.status.in_(only_from))
        .values(status=status, **values)
        .returning(dossiers.c.id)
    )
    dossier_id: UUID | None = moved.scalar_one_or_none()
    return dossier_id
