"""Every query of the dossiers and their clocks. Functions flush at most; the caller's transaction
commits."""

import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean, Integer, Uuid, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.bulk import any_of, execute_each, update_each
from services.deadline.clocks.models import appointments, clocks, dossiers, pause_marks


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


# The keys of `lock_dossiers`, taken without waiting.
_TRY_LOCK_DOSSIERS = text(
    "SELECT k FROM unnest(CAST(:keys AS text[])) AS k WHERE pg_try_advisory_xact_lock(hashtextextended(k, 0))"
)


async def try_lock_dossiers(session: AsyncSession, dossier_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The dossiers among these whose locks (`lock_dossiers`'s) were free, and are now held until the
    transaction ends; the others are left alone rather than waited for."""
    keys = {f"deadline.{dossier_id}": dossier_id for dossier_id in dossier_ids}
    free = (await session.execute(_TRY_LOCK_DOSSIERS, {"keys": sorted(keys)})).scalars()
    return {keys[key] for key in free}


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
    await execute_each(session, upsert, rows)


async def dossier(session: AsyncSession, dossier_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(dossiers).where(dossiers.c.dossier_id == dossier_id))).first()


async def dossiers_in(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    return (await session.execute(select(dossiers).where(any_of(dossiers.c.dossier_id, dossier_ids)))).all()


async def dossier_by_code(session: AsyncSession, code: str) -> Row[Any] | None:
    query = select(dossiers).where(dossiers.c.code == code).limit(1)
    return (await session.execute(query)).first()


async def record_receipts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The receipts' facts (`b_dossier_id`, and `v_received_at` and the others), each dossier's once:
    the first `received` records them and a repeated one finds them and changes nothing."""
    statement = update(dossiers).where(
        dossiers.c.dossier_id == bindparam("b_dossier_id"), dossiers.c.received_at.is_(None)
    )
    await update_each(session, statement, rows)


async def end_dossiers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A dossier's clock stops at the EARLIEST end heard (resolved before returned, in any order);
    `b_dossier_id`, `v_ended_at`, `v_end_reason`."""
    statement = update(dossiers).where(
        dossiers.c.dossier_id == bindparam("b_dossier_id"),
        or_(dossiers.c.ended_at.is_(None), dossiers.c.ended_at > bindparam("v_ended_at")),
    )
    await update_each(session, statement, rows)


async def next_sequence(session: AsyncSession, dossier_id: uuid.UUID) -> int:
    """The `sequence` of our next event about the dossier: +1 per event deadline emits about it."""
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == dossier_id)
        .values(version=dossiers.c.version + 1)
        .returning(dossiers.c.version)
    )
    return int(result.scalar_one())


async def next_sequences(session: AsyncSession, dossier_ids: Sequence[uuid.UUID]) -> list[int | None]:
    """The `sequence` of each of our next events, in order: what `next_sequence` gives one at a time,
    for a batch in one UPDATE. None for a dossier without its row."""
    counts = Counter(dossier_ids)
    bump = (
        func.unnest(
            bindparam("ids", list(counts), type_=ARRAY(Uuid)),
            bindparam("counts", list(counts.values()), type_=ARRAY(Integer)),
        )
        .table_valued("dossier_id", "n")
        .render_derived()
    )
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == bump.c.dossier_id)
        .values(version=dossiers.c.version + bump.c.n)
        .returning(dossiers.c.dossier_id, dossiers.c.version)
    )
    following = {row.dossier_id: row.version - counts[row.dossier_id] + 1 for row in result}
    sequences: list[int | None] = []
    for dossier_id in dossier_ids:
        sequence = following.get(dossier_id)
        if sequence is not None:
            following[dossier_id] = sequence + 1
        sequences.append(sequence)
    return sequences


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
    await execute_each(session, statement, [{**row, "scope": scope} for row in rows])


async def set_step_starts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Steps' assignment facts (`b_step_id`, `b_authoritative`, `v_started_at` and the others), in the
    order heard. `step.assigned` is the authority; the step body of a later event (`step.completed`
    heard first) only fills what is still unknown."""
    statement = update(clocks).where(
        _STEP,
        clocks.c.step_id == bindparam("b_step_id"),
        or_(bindparam("b_authoritative", type_=Boolean), clocks.c.original_due_at.is_(None)),
    )
    await update_each(session, statement, rows)


async def stop_steps(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Steps' own ends (completed, or the step that rejected / stopped the dossier); the earliest
    wins. `b_step_id`, `v_step_ended_at`, `v_step_end_reason`."""
    statement = update(clocks).where(
        _STEP,
        clocks.c.step_id == bindparam("b_step_id"),
        or_(clocks.c.step_ended_at.is_(None), clocks.c.step_ended_at > bindparam("v_step_ended_at")),
    )
    await update_each(session, statement, rows)


async def clocks_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    """The dossiers' clocks by dossier: its own clock first, then its steps by position."""
    query = (
        select(clocks)
        .where(any_of(clocks.c.dossier_id, dossier_ids))
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
    await update_each(session, update(clocks).where(clocks.c.id == bindparam("b_id")), rows)


async def add_marks(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Pauses and resumptions of steps; the same mark heard twice is kept once."""
    await execute_each(session, pg_insert(pause_marks).on_conflict_do_nothing(), rows)


async def marks_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    query = (
        select(pause_marks)
        .where(any_of(pause_marks.c.dossier_id, dossier_ids))
        .order_by(pause_marks.c.at, pause_marks.c.id)
    )
    return (await session.execute(query)).all()


# -- new appointments announced ------------------------------------------------------------------


async def appointments_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    """The resumptions announced of these dossiers, each with the due last announced for it."""
    query = select(appointments).where(any_of(appointments.c.dossier_id, dossier_ids))
    return (await session.execute(query)).all()


async def record_appointments(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The resumptions just announced (every column of `appointments`); one announced again (its due
    changed) keeps its key and takes the new values."""
    if not rows:
        return
    stmt = pg_insert(appointments)
    kept = ("dossier_id", "resumed_at")
    upsert = stmt.on_conflict_do_update(
        index_elements=[appointments.c.dossier_id, appointments.c.resumed_at],
        set_={name: stmt.excluded[name] for name in rows[0] if name not in kept},
    )
    await execute_each(session, upsert, rows)
