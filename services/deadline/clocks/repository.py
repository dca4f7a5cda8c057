"""Every query of the dossiers and their clocks. Functions flush at most; the caller's transaction
commits."""

import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Integer, Table, Uuid, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.bulk import any_of, arrays, sql_types, unnested
from services.deadline.calendar.models import calendar_revision, procedures
from services.deadline.clocks.models import appointments, clocks, dossiers, pause_marks
from services.deadline.extensions.models import extensions
from services.deadline.models import messaging


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


async def dossier_by_code(session: AsyncSession, code: str) -> Row[Any] | None:
    query = select(dossiers).where(dossiers.c.code == code).limit(1)
    return (await session.execute(query)).first()


async def next_dossier_version(session: AsyncSession, dossier_id: uuid.UUID) -> int:
    """The `dossierversion` of our next event about the dossier: +1 per event deadline emits about it."""
    result = await session.execute(
        update(dossiers)
        .where(dossiers.c.dossier_id == dossier_id)
        .values(version=dossiers.c.version + 1)
        .returning(dossiers.c.version)
    )
    return int(result.scalar_one())


_BUMPS = (
    func.unnest(bindparam("ids", type_=ARRAY(Uuid)), bindparam("counts", type_=ARRAY(Integer)))
    .table_valued("dossier_id", "n")
    .render_derived()
)
_NEXT_DOSSIER_VERSIONS = (
    update(dossiers)
    .where(dossiers.c.dossier_id == _BUMPS.c.dossier_id)
    .values(version=dossiers.c.version + _BUMPS.c.n)
    .returning(dossiers.c.dossier_id, dossiers.c.version)
)


async def next_dossier_versions(session: AsyncSession, dossier_ids: Sequence[uuid.UUID]) -> list[int | None]:
    """The `dossierversion` of each of our next events, in order: what `next_dossier_version` gives one
    at a time, for a batch in one UPDATE. None for a dossier without its row."""
    counts = Counter(dossier_ids)
    result = await session.execute(
        _NEXT_DOSSIER_VERSIONS, {"ids": list(counts), "counts": list(counts.values())}
    )
    following = {row.dossier_id: row.version - counts[row.dossier_id] + 1 for row in result}
    versions: list[int | None] = []
    for dossier_id in dossier_ids:
        version = following.get(dossier_id)
        if version is not None:
            following[dossier_id] = version + 1
        versions.append(version)
    return versions


# -- facts heard ---------------------------------------------------------------------------------
# A fetch's facts go in two statements built once, whatever the number of rows (bulk.unnested): the
# rows that must exist first, then the facts each row takes under its condition. The caller holds the
# dossiers' locks and has reduced the facts of one row to the one that decides it (facts.py). The SQL
# texts of this module are made of our own table and column names only, never of input (S608).

DOSSIER_IDENTITY = ("dossier_id", "code", "portal_id", "lead_agency_code")
PROCEDURE = tuple(procedures.c.keys())
CLOCK = (*DOSSIER_IDENTITY, "scope", "step_id", "agency_code", "started_at", "original_due_at", "imported")
MARK = ("dossier_id", "step_id", "kind", "at", "reason", "policy")
RECEIPT = (
    "received_at",
    "clock_started_at",
    "original_due_at",
    "channel",
    "procedure_code",
    "procedure_version",
    "procedure_name",
    "lead_agency_name",
    "applicant_name",
    "full_days",
    "day_kind",
    "same_day",
    "cutoff",
    "supplement_policy",
    "imported",
    "unit_code",
    "return_unit_code",
)
END = ("ended_at", "end_reason")
START = ("position", "days", "started_at", "original_due_at")
STOP = ("step_ended_at", "step_end_reason")
# The relations the facts are sent as, and their columns (flags say which facts a row carries).
_HEARD = {
    "dossier_rows": sql_types(dossiers, *DOSSIER_IDENTITY),
    "procedure_rows": sql_types(procedures, *PROCEDURE),
    "clock_rows": sql_types(clocks, *CLOCK),
    "mark_rows": sql_types(pause_marks, *MARK),
}
_DOSSIER_FACTS = {
    **sql_types(dossiers, "dossier_id", *RECEIPT, *END),
    "received": "BOOLEAN",
    "ended": "BOOLEAN",
}
_STEP_FACTS = {
    **sql_types(clocks, "step_id", *START, *STOP),
    "started": "BOOLEAN",
    "authoritative": "BOOLEAN",
    "stopped": "BOOLEAN",
}


def _insert(table: Table, relation: str, columns: Sequence[str], conflict: str) -> str:
    names = ", ".join(columns)
    rows = unnested(relation, _HEARD[relation])
    return f"INSERT INTO {table.fullname} ({names}) SELECT {names} FROM {rows} ORDER BY n {conflict}"  # noqa: S608


def _set_when(condition: str, relation: str, target: str, columns: Sequence[str]) -> str:
    return ", ".join(
        f"{c} = CASE WHEN {condition} THEN {relation}.{c} ELSE {target}.{c} END" for c in columns
    )


# Each row once, in the order heard (hence the ids). A dossier's row fills a missing code or portal id
# only when one is missing: a row lock per dossier is enough, a write per event is not. The clocks'
# conflicts are their partial unique indexes' (a dossier's clock, a step's): rows made 'pending' until
# their start is known. The same mark heard twice is kept once.
_WRITE_HEARD = text(
    f"""WITH dossiers_heard AS ({
        _insert(
            dossiers,
            "dossier_rows",
            DOSSIER_IDENTITY,
            "ON CONFLICT (dossier_id) DO UPDATE SET code = coalesce(dossiers.code, excluded.code), "
            "portal_id = coalesce(dossiers.portal_id, excluded.portal_id) "
            "WHERE dossiers.code IS NULL OR dossiers.portal_id IS NULL",
        )
    }), procedures_heard AS ({_insert(procedures, "procedure_rows", PROCEDURE, "ON CONFLICT DO NOTHING")}),
    clocks_heard AS ({_insert(clocks, "clock_rows", CLOCK, "ON CONFLICT DO NOTHING")})
    {_insert(pause_marks, "mark_rows", MARK, "ON CONFLICT DO NOTHING")}"""
)

# A receipt once (the first); the EARLIEST end heard (resolved before returned, in any order);
# `step.assigned` the authority on a step's start, the latest assignment winning whatever order two
# workers apply them in, a step body of another event only filling what is still unknown; a step's
# earliest own end. Each fact writes its own columns under its own condition.
_RECEIVES = "(f.received AND d.received_at IS NULL)"
_ENDS = "(f.ended AND (d.ended_at IS NULL OR d.ended_at > f.ended_at))"
_STARTS = "(s.started AND (c.original_due_at IS NULL OR (s.authoritative AND s.started_at >= c.started_at)))"
_STOPS = "(s.stopped AND (c.step_ended_at IS NULL OR c.step_ended_at > s.step_ended_at))"
_WRITE_FACTS = text(
    f"""WITH dossiers_written AS (
        UPDATE {dossiers.fullname} AS d
        SET {_set_when(_RECEIVES, "f", "d", RECEIPT)}, {_set_when(_ENDS, "f", "d", END)}, updated_at = now()
        FROM {unnested("f", _DOSSIER_FACTS)}
        WHERE d.dossier_id = f.dossier_id AND ({_RECEIVES} OR {_ENDS})
    )
    UPDATE {clocks.fullname} AS c
    SET {_set_when(_STARTS, "s", "c", START)}, {_set_when(_STOPS, "s", "c", STOP)}, updated_at = now()
    FROM {unnested("s", _STEP_FACTS)}
    WHERE c.scope = 'step' AND c.step_id = s.step_id AND ({_STARTS} OR {_STOPS})"""  # noqa: S608
)


async def write_heard(
    session: AsyncSession,
    *,
    dossier_rows: Sequence[Mapping[str, Any]],
    procedure_rows: Sequence[Mapping[str, Any]],
    clock_rows: Sequence[Mapping[str, Any]],
    mark_rows: Sequence[Mapping[str, Any]],
) -> None:
    """The rows the facts need, each once: dossiers, procedures, clocks (dossiers' first) and marks."""
    relations = {
        "dossier_rows": dossier_rows,
        "procedure_rows": procedure_rows,
        "clock_rows": clock_rows,
        "mark_rows": mark_rows,
    }
    params: dict[str, Any] = {}
    for relation, rows in relations.items():
        params.update(arrays(relation, rows, _HEARD[relation]))
    await session.execute(_WRITE_HEARD, params)


async def write_facts(
    session: AsyncSession,
    *,
    dossier_facts: Sequence[Mapping[str, Any]],
    step_facts: Sequence[Mapping[str, Any]],
) -> None:
    """Dossiers' receipts and ends, steps' starts and own ends: one row a dossier or step with every
    column of `_DOSSIER_FACTS` or `_STEP_FACTS`."""
    if dossier_facts or step_facts:
        params = {**arrays("f", dossier_facts, _DOSSIER_FACTS), **arrays("s", step_facts, _STEP_FACTS)}
        await session.execute(_WRITE_FACTS, params)


# -- clocks --------------------------------------------------------------------------------------

# Written into the SQL, never bound: only a literal predicate lets PostgreSQL use the partial unique
# indexes (to find a step's clock) in a generic plan.
_STEP = text("scope = 'step'")


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


# Everything a dossier's clocks are derived from, in one read: its row, its clocks (its own first, then
# its steps by position, as `clocks_of`), its pause marks in time order, its granted extensions and
# the resumptions announced of it; with the calendar's revision. Whole rows come as records.
_FACTS_OF = text(
    f"""SELECT d.*,
      (SELECT revision FROM {calendar_revision.fullname} WHERE id = 1) AS calendar_revision,
      ARRAY(SELECT c FROM {clocks.fullname} AS c WHERE c.dossier_id = d.dossier_id
            ORDER BY c.scope = 'step', c.position NULLS LAST, c.id) AS clock_rows,
      ARRAY(SELECT m FROM {pause_marks.fullname} AS m WHERE m.dossier_id = d.dossier_id
            ORDER BY m.at, m.id) AS mark_rows,
      ARRAY(SELECT e FROM {extensions.fullname} AS e
            WHERE e.dossier_id = d.dossier_id AND e.state = 'granted') AS granted_rows,
      ARRAY(SELECT a FROM {appointments.fullname} AS a WHERE a.dossier_id = d.dossier_id) AS announced_rows
    FROM {dossiers.fullname} AS d WHERE d.dossier_id = ANY(CAST(:ids AS uuid[]))"""  # noqa: S608
)


async def facts_of(session: AsyncSession, dossier_ids: Collection[uuid.UUID]) -> Sequence[Row[Any]]:
    """The dossiers' rows (every dossier named has one: its first event made it), each with
    `calendar_revision`, `clock_rows`, `mark_rows`, `granted_rows` and `announced_rows`."""
    return (await session.execute(_FACTS_OF, {"ids": list(dossier_ids)})).all()


DERIVED = (
    "state",
    "due_at",
    "extended_due_at",
    "warn_at",
    "paused_at",
    "paused_minutes",
    "stopped_at",
    "stop_reason",
)
_DERIVED = sql_types(clocks, "id", *DERIVED)
_UPDATE_CLOCKS = text(
    f"""UPDATE {clocks.fullname} AS c
    SET {", ".join(f"{name} = d.{name}" for name in DERIVED)}, updated_at = now()
    FROM {unnested("d", _DERIVED)} WHERE c.id = d.id"""  # noqa: S608
)


async def update_clocks(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Clocks' derived values: `id` and every column of `DERIVED` for each."""
    if rows:
        await session.execute(_UPDATE_CLOCKS, arrays("d", rows, _DERIVED))


# -- new appointments announced ------------------------------------------------------------------

EVENT = ("event_id", "event_type", "topic", "payload")
APPOINTMENT = tuple(appointments.c.keys())
_STAGED = {"events": sql_types(messaging.outbox, *EVENT), "announced": sql_types(appointments, *APPOINTMENT)}
# The events in the order staged (the outbox ids are the publish order); a resumption announced again
# (its due changed) keeps its key and takes the new values.
_RECORD_APPOINTMENTS = text(
    f"""WITH staged AS (
        INSERT INTO {messaging.outbox.fullname} ({", ".join(EVENT)})
        SELECT {", ".join(EVENT)} FROM {unnested("events", _STAGED["events"])} ORDER BY n
    )
    INSERT INTO {appointments.fullname} ({", ".join(APPOINTMENT)})
    SELECT {", ".join(APPOINTMENT)} FROM {unnested("announced", _STAGED["announced"])} ORDER BY n
    ON CONFLICT (dossier_id, resumed_at) DO UPDATE SET {
        ", ".join(f"{c} = excluded.{c}" for c in APPOINTMENT if c not in ("dossier_id", "resumed_at"))
    }"""  # noqa: S608
)


async def record_appointments(
    session: AsyncSession, events: Sequence[Mapping[str, Any]], announced: Sequence[Mapping[str, Any]]
) -> None:
    """`dossier.appointment_changed` outbox rows (`Outbox.row`'s) and the resumptions they announce
    (every column of `appointments`), in one statement."""
    params = {**arrays("events", events, EVENT), **arrays("announced", announced, APPOINTMENT)}
    await session.execute(_RECORD_APPOINTMENTS, params)
