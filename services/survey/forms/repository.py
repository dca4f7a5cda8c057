"""Every query of survey forms."""

from datetime import date
from typing import Any, Final

from sqlalchemy import Row, bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.forms.models import forms

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


async def form_in_force(db: AsyncSession | AsyncConnection, code: str, day: date) -> Row[Any] | None:
    """The version of form `code` in force on `day`: the latest effective on or before it. In a session's
    transaction, or on a connection of its own (a kiosk ballot's cache miss)."""
    return (await db.execute(_FORM_IN_FORCE, {"code": code, "day": day})).first()


async def has_forms(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(forms))) != 0


async def latest_form_version(session: AsyncSession, code: str) -> int:
    latest = await session.scalar(
        select(func.coalesce(func.max(forms.c.version), 0)).where(forms.c.code == code)
    )
    return int(latest or 0)


async def insert_form(session: AsyncSession, values: dict[str, Any]) -> int:
    return int((await session.execute(insert(forms).returning(forms.c.id), values)).scalar_one())
