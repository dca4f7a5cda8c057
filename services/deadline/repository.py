"""Every query of the deadline service. Functions flush at most; the caller's transaction commits."""

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Uuid,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
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


async def lock_dossiers(session: AsyncSession, dossier_ids: Iterable[uuid.UUID]) -> None:
    """Serialise everything done to a dossier's clocks, even before we know the dossier: a
    transaction-scoped advisory lock on each id (two workers may handle events of one dossier).
    Taken in the order of the lock keys, so two batches sharing dossiers never wait in a circle."""
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY("
            "SELECT DISTINCT hashtextextended('deadline.' || d, 0) FROM unnest(CAST(:ids AS uuid[])) AS d "
            "ORDER BY 1)) AS k"
        ),
        {"ids": list(set(dossier_ids))},
    )


def _any(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY(:ids)`: one statement (and one prepared plan) whatever the number of ids."""
    return column == any_(literal(list(ids), ARRAY(Uuid)))


async def _executemany(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """The statement once per row, in the rows' order (asyncpg sends them all in one round trip), so
    a condition sees what the rows before it wrote (the first receipt, the earliest end)."""
    if rows:
        await session.execute(statement, list(rows))


async def _update_each(session: AsyncSession, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """`_executemany` of an UPDATE setting `updated_at` and each column the rows give as `v_<column>`
    (a bound name may not be a column's own); the rows find theirs by `b_` parameters."""
    if rows:
        columns = [key.removeprefix("v_") for key in rows[0] if key.startswith("v_")]
        values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in columns}
        await _executemany(session, statement.values({**values, "updated_at": func.now()}), rows)


# -- dossiers ------------------------------------------------------------------------------------


async def ensure_dossiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Each dossier's row, created by whichever of its events comes first (`dossier_id`, `code`,
    `portal_id`, `lead_agency_code`; one row per dossier)."""
    stmt = pg_insert(dossiers)
    upsert = stmt.on_conflict_do_update(
        index_elements=[dossiers.c.dossier_id],
        set_={
            "code": func.coalesce(dossiers.c.code, stmt.excluded.code),
            "portal_id": func.coalesce(dossiers.c.portal_id, stmt.excluded.portal_id),
        },
        # Only when something is missing: a row lock per event is enough, a write per event is not.
        where=or_(dossiers.c.code.is_(None), dossiers.c.portal_id.is_(None)),
    )
    await _executemany(session, upsert, rows)


async def dossier(session: AsyncSession, dossier_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(dossiers).where(dossiers.c.dossier_id == dossier_id))).first()


async def dossiers_in(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    return (await session.execute(select(dossiers).where(_any(dossiers.c.dossier_id, dossier_ids)))).all()


async def dossier_by_code(session: AsyncSession, code: str) -> Row[Any] | None:
    query = select(dossiers).where(dossiers.c.code == code).limit(1)
    return (await session.execute(query)).first()


async def record_receipts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The receipts' facts (`b_dossier_id`, and `v_received_at` and the others), each dossier's once:
    the first `received` records them and a repeated one finds them and changes nothing."""
    statement = update(dossiers).where(
        dossiers.c.dossier_id == bindparam("b_dossier_id"), dossiers.c.received_at.is_(None)
    )
    await _update_each(session, statement, rows)


async def end_dossiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A dossier's clock stops at the EARLIEST end heard (resolved before returned, in any order);
    `b_dossier_id`, `v_ended_at`, `v_end_reason`."""
    statement = update(dossiers).where(
        dossiers.c.dossier_id == bindparam("b_dossier_id"),
        or_(dossiers.c.ended_at.is_(None), dossiers.c.ended_at > bindparam("v_ended_at")),
    )
    await _update_each(session, statement, rows)


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

# Written into the SQL, never bound: only a literal predicate lets PostgreSQL use the partial unique
# indexes (to find a step's clock, or to infer the ON CONFLICT target) in a generic plan.
_STEP = text("scope = 'step'")
_DOSSIER = text("scope = 'dossier'")


async def ensure_clocks(session: AsyncSession, rows: Sequence[dict[str, Any]], *, step: bool) -> None:
    """Dossiers' or steps' clock rows (state 'pending' until their start is known); each once."""
    statement = pg_insert(clocks).on_conflict_do_nothing(
        index_elements=[clocks.c.step_id if step else clocks.c.dossier_id],
        index_where=_STEP if step else _DOSSIER,
    )
    scope = "step" if step else "dossier"
    await _executemany(session, statement, [{**row, "scope": scope} for row in rows])


async def set_step_starts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Steps' assignment facts (`b_step_id`, `b_authoritative`, `v_started_at` and the others), in the
    order heard. `step.assigned` is the authority; the step body of a later event (`step.completed`
    heard first) only fills what is still unknown."""
    statement = update(clocks).where(
        _STEP,
        clocks.c.step_id == bindparam("b_step_id"),
        or_(bindparam("b_authoritative", type_=Boolean), clocks.c.original_due_at.is_(None)),
    )
    await _update_each(session, statement, rows)


async def stop_steps(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Steps' own ends (completed, or the step that rejected / stopped the dossier); the earliest
    wins. `b_step_id`, `v_step_ended_at`, `v_step_end_reason`."""
    statement = update(clocks).where(
        _STEP,
        clocks.c.step_id == bindparam("b_step_id"),
        or_(clocks.c.step_ended_at.is_(None), clocks.c.step_ended_at > bindparam("v_step_ended_at")),
    )
    await _update_each(session, statement, rows)


async def clocks_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    """The dossiers' clocks by dossier: its own clock first, then its steps by position."""
    query = (
        select(clocks)
        .where(_any(clocks.c.dossier_id, dossier_ids))
        .order_by(
            clocks.c.dossier_id,
            (clocks.c.scope == "step").asc(),
            clocks.c.position.asc().nulls_last(),
            clocks.c.id,
        )
    )
    return (await session.execute(query)).all()


async def step_clock(session: AsyncSession, step_id: uuid.UUID) -> Row[Any] | None:
    query = select(clocks).where(_STEP, clocks.c.step_id == step_id)
    return (await session.execute(query)).first()


async def update_clocks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Clocks' derived values: `b_id` and `v_<column>` for each (the same columns in every row)."""
    await _update_each(session, update(clocks).where(clocks.c.id == bindparam("b_id")), rows)


async def add_marks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Pauses and resumptions of steps; the same mark heard twice is kept once."""
    await _executemany(session, pg_insert(pause_marks).on_conflict_do_nothing(), rows)


async def marks_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    query = (
        select(pause_marks)
        .where(_any(pause_marks.c.dossier_id, dossier_ids))
        .order_by(pause_marks.c.at, pause_marks.c.id)
    )
    return (await session.execute(query)).all()


# -- extensions ----------------------------------------------------------------------------------


async def extension_for(session: AsyncSession, step_id: uuid.UUID, requested_at: datetime) -> Row[Any] | None:
    query = select(extensions).where(
        extensions.c.step_id == step_id, extensions.c.requested_at == requested_at
    )
    return (await session.execute(query)).first()


async def granted_extensions(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    query = select(extensions).where(
        _any(extensions.c.dossier_id, dossier_ids), extensions.c.state == "granted"
    )
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


async def save_procedures(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Published versions of procedures; versions are immutable, so the first copy heard stays."""
    await _executemany(session, pg_insert(procedures).on_conflict_do_nothing(), rows)


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
