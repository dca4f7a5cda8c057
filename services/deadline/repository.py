"""Every query of the deadline service. Functions flush at most; the caller's transaction commits."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.models import (
    calendar_overrides,
    calendar_revision,
    clocks,
    dossiers,
    extensions,
    pause_marks,
    procedures,
)


async def lock_dossier(session: AsyncSession, dossier_id: uuid.UUID) -> None:
    """Serialise everything done to one dossier's clocks, even before we know the dossier: a
    transaction-scoped advisory lock on its id (events of one dossier may be handled by two replicas)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"deadline.{dossier_id}"}
    )


# -- dossiers ------------------------------------------------------------------------------------


async def ensure_dossier(
    session: AsyncSession, *, dossier_id: uuid.UUID, code: str | None, portal_id: str | None, lead: str
) -> None:
    """The dossier's row, created by whichever of its events comes first."""
    stmt = pg_insert(dossiers).values(
        dossier_id=dossier_id, code=code, portal_id=portal_id, lead_agency_code=lead
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[dossiers.c.dossier_id],
            set_={
                "code": func.coalesce(dossiers.c.code, stmt.excluded.code),
                "portal_id": func.coalesce(dossiers.c.portal_id, stmt.excluded.portal_id),
            },
            # Only when something is missing: a row lock per event is enough, a write per event is not.
            where=or_(dossiers.c.code.is_(None), dossiers.c.portal_id.is_(None)),
        )
    )


async def dossier(session: AsyncSession, dossier_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(dossiers).where(dossiers.c.dossier_id == dossier_id))).first()


async def dossier_by_code(session: AsyncSession, code: str) -> Row[Any] | None:
    query = select(dossiers).where(dossiers.c.code == code).limit(1)
    return (await session.execute(query)).first()


async def record_received(session: AsyncSession, dossier_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """The receipt's facts, once: a repeated `received` finds them recorded and changes nothing."""
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == dossier_id, dossiers.c.received_at.is_(None))
        .values(**values, updated_at=func.now())
        .returning(dossiers.c.dossier_id)
    )
    return result.first() is not None


async def end_dossier(session: AsyncSession, dossier_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    """The dossier's clock stops at the EARLIEST end heard (resolved before returned, in any order)."""
    await session.execute(
        update(dossiers)
        .where(
            dossiers.c.dossier_id == dossier_id,
            or_(dossiers.c.ended_at.is_(None), dossiers.c.ended_at > at),
        )
        .values(ended_at=at, end_reason=reason, updated_at=func.now())
    )


async def next_sequence(session: AsyncSession, dossier_id: uuid.UUID) -> int:
    """The `sequence` of our next event about the dossier: +1 per event deadline emits about it."""
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == dossier_id)
        .values(version=dossiers.c.version + 1)
        .returning(dossiers.c.version)
    )
    return int(result.scalar_one())


# -- clocks --------------------------------------------------------------------------------------


async def ensure_clock(session: AsyncSession, values: dict[str, Any]) -> None:
    """A dossier's or step's clock row (state 'pending' until its start is known); once."""
    step = values.get("step_id") is not None
    # The partial unique index's predicate, as SQL text: ON CONFLICT infers an index only from a
    # predicate that matches it, and a bound parameter never does.
    where = text("scope = 'step'" if step else "scope = 'dossier'")
    await session.execute(
        pg_insert(clocks)
        .values(scope="step" if step else "dossier", **values)
        .on_conflict_do_nothing(
            index_elements=[clocks.c.step_id if step else clocks.c.dossier_id], index_where=where
        )
    )


async def set_step_start(
    session: AsyncSession, step_id: uuid.UUID, values: dict[str, Any], *, authoritative: bool
) -> None:
    """A step's assignment facts. `step.assigned` is the authority; the step body of a later event
    (`step.completed` heard first) only fills what is still unknown."""
    query = update(clocks).where(clocks.c.scope == "step", clocks.c.step_id == step_id)
    if not authoritative:
        query = query.where(clocks.c.original_due_at.is_(None))
    await session.execute(query.values(**values, updated_at=func.now()))


async def stop_step(session: AsyncSession, step_id: uuid.UUID, *, at: datetime, reason: str) -> None:
    """The step's own end (completed, or the step that rejected / stopped the dossier); the earliest wins."""
    await session.execute(
        update(clocks)
        .where(
            clocks.c.scope == "step",
            clocks.c.step_id == step_id,
            or_(clocks.c.step_ended_at.is_(None), clocks.c.step_ended_at > at),
        )
        .values(step_ended_at=at, step_end_reason=reason, updated_at=func.now())
    )


async def clocks_of(session: AsyncSession, dossier_id: uuid.UUID) -> Sequence[Row[Any]]:
    """The dossier's clock first, then its steps by position."""
    query = (
        select(clocks)
        .where(clocks.c.dossier_id == dossier_id)
        .order_by((clocks.c.scope == "step").asc(), clocks.c.position.asc().nulls_last(), clocks.c.id)
    )
    return (await session.execute(query)).all()


async def step_clock(session: AsyncSession, step_id: uuid.UUID) -> Row[Any] | None:
    query = select(clocks).where(clocks.c.scope == "step", clocks.c.step_id == step_id)
    return (await session.execute(query)).first()


async def update_clock(session: AsyncSession, clock_id: int, values: dict[str, Any]) -> None:
    await session.execute(
        update(clocks).where(clocks.c.id == clock_id).values(**values, updated_at=func.now())
    )


async def add_mark(session: AsyncSession, values: dict[str, Any]) -> None:
    """A pause or resumption of a step; the same mark heard twice is kept once."""
    await session.execute(pg_insert(pause_marks).values(**values).on_conflict_do_nothing())


async def marks_of(session: AsyncSession, dossier_id: uuid.UUID) -> Sequence[Row[Any]]:
    query = select(pause_marks).where(pause_marks.c.dossier_id == dossier_id).order_by(pause_marks.c.at)
    return (await session.execute(query)).all()


# -- extensions ----------------------------------------------------------------------------------


async def extension_for(session: AsyncSession, step_id: uuid.UUID, requested_at: datetime) -> Row[Any] | None:
    query = select(extensions).where(
        extensions.c.step_id == step_id, extensions.c.requested_at == requested_at
    )
    return (await session.execute(query)).first()


async def granted_extensions(session: AsyncSession, dossier_id: uuid.UUID) -> Sequence[Row[Any]]:
    query = select(extensions).where(extensions.c.dossier_id == dossier_id, extensions.c.state == "granted")
    return (await session.execute(query)).all()


async def insert_extension(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(extensions), values)


async def list_extensions(
    session: AsyncSession, *, agency: str | None, state: str | None, limit: int, offset: int
) -> tuple[Sequence[Row[Any]], int]:
    """Most recent requests first."""
    conditions = []
    if agency is not None:
        conditions.append(extensions.c.step_agency_code == agency)
    if state is not None:
        conditions.append(extensions.c.state == state)
    where = and_(True, *conditions)
    rows = (
        await session.execute(
            select(extensions)
            .where(where)
            .order_by(extensions.c.requested_at.desc(), extensions.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    total = await session.scalar(select(func.count()).select_from(extensions).where(where))
    return rows, int(total or 0)


# -- procedures ----------------------------------------------------------------------------------


async def save_procedure(session: AsyncSession, values: dict[str, Any]) -> None:
    """A published version of a procedure; versions are immutable, so the first copy heard stays."""
    await session.execute(pg_insert(procedures).values(**values).on_conflict_do_nothing())


async def procedure_in_force(session: AsyncSession, code: str, on: date) -> Row[Any] | None:
    """The version in force on ``on`` (latest `effective_from` not after it); before the first one,
    the earliest version. None for a code never published."""
    in_force = (
        select(procedures)
        .where(
            procedures.c.code == code,
            or_(procedures.c.effective_from.is_(None), procedures.c.effective_from <= on),
        )
        .order_by(procedures.c.effective_from.desc().nulls_last(), procedures.c.version.desc())
        .limit(1)
    )
    row = (await session.execute(in_force)).first()
    if row is not None:
        return row
    earliest = select(procedures).where(procedures.c.code == code).order_by(procedures.c.version).limit(1)
    return (await session.execute(earliest)).first()


# -- calendar overrides ---------------------------------------------------------------------------


async def current_calendar_revision(session: AsyncSession) -> int:
    value = await session.scalar(select(calendar_revision.c.revision).where(calendar_revision.c.id == 1))
    return int(value or 0)


async def bump_calendar_revision(session: AsyncSession) -> None:
    """In the transaction of every override change; the row lock also serialises two admins' changes."""
    stmt = pg_insert(calendar_revision).values(id=1, revision=1)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[calendar_revision.c.id], set_={"revision": calendar_revision.c.revision + 1}
        )
    )


async def overrides(session: AsyncSession, year: int | None = None) -> Sequence[Row[Any]]:
    query = select(calendar_overrides).order_by(calendar_overrides.c.day)
    if year is not None:
        query = query.where(
            calendar_overrides.c.day >= date(year, 1, 1), calendar_overrides.c.day <= date(year, 12, 31)
        )
    return (await session.execute(query)).all()


async def override(session: AsyncSession, day: date, *, for_update: bool = False) -> Row[Any] | None:
    query = select(calendar_overrides).where(calendar_overrides.c.day == day)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def put_override(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(calendar_overrides).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[calendar_overrides.c.day],
            set_={k: stmt.excluded[k] for k in ("working", "reason", "set_by", "set_at")},
        )
    )


async def delete_override(session: AsyncSession, day: date) -> bool:
    result = await session.execute(
        delete(calendar_overrides).where(calendar_overrides.c.day == day).returning(calendar_overrides.c.day)
    )
    return result.first() is not None
