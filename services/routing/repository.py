"""Every query of the routing service."""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Insert,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import (
    OPEN_STEP_STATES,
    calendar_overrides,
    facts,
    messaging,
    plans,
    steps,
    supplement_requests,
)
from shared.calendar_replica import CalendarCache

# -- plans ----------------------------------------------------------------------------------


async def lock_dossier(session: AsyncSession, dossier_id: uuid.UUID) -> None:
    """Serialise everything done to one dossier, even before its plan exists (a withdrawal racing
    the receipt): a transaction-scoped advisory lock on the dossier id."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"routing.{dossier_id}"}
    )


async def insert_plan(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Create the plan unless the dossier has one; False when it already had one. (Another dossier
    under the same code is an error, not a repeat: it fails on the code's unique key.)"""
    created = await session.scalar(
        pg_insert(plans)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[plans.c.dossier_id])
        .returning(plans.c.dossier_id)
    )
    return created is not None


async def plan(session: AsyncSession, dossier_id: uuid.UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(plans).where(plans.c.dossier_id == dossier_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


async def plan_by_code(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(plans).where(plans.c.code == code))).one_or_none()


# The statements of every officer's action, built once: parameters are bound at execution, so the
# statement's compiled form is found in the cache without building its cache key anew each time.
_LOCKED_PLAN = (
    select(plans)
    .where(
        plans.c.dossier_id
        == select(steps.c.dossier_id).where(steps.c.id == bindparam("step_id")).scalar_subquery()
    )
    .with_for_update()
    .cte("locked_plan")
)
_PLAN_LABELS = {f"plan_{column.name}": column.name for column in plans.c}
# The plan first (the CTE), then each of its steps (FOR UPDATE OF steps): a step row locked after
# waiting for the plan is returned as it is now, not as the statement's snapshot saw it, so one
# statement does what a lock and then a fresh read did. The plan's lock must come first, as on every
# other path (handlers, other actions): a join producing a row needs the CTE's row, locked already.
_LOCK_PLAN_OF_STEP: Executable = (
    select(*(_LOCKED_PLAN.c[name].label(label) for label, name in _PLAN_LABELS.items()), steps)
    .join_from(_LOCKED_PLAN, steps, steps.c.dossier_id == _LOCKED_PLAN.c.dossier_id)
    .order_by(steps.c.position)
    .with_for_update(of=steps)
)
_STEP = select(steps).where(steps.c.id == bindparam("step_id"))
_UPDATE_STEP = update(steps).where(steps.c.id == bindparam("the_step_id")).returning(*steps.c)
# The SET clause comes from the parameters' keys (column names).
_UPDATE_PLAN = update(plans).where(plans.c.dossier_id == bindparam("the_dossier_id"))


@dataclass(frozen=True)
class LockedPlan:
    plan: Any  # the plan's columns as attributes, like a row of `plans`
    steps: list[Row[Any]]  # every step of it, in route order (each also carries the plan_* columns)


async def lock_plan_of_step(session: AsyncSession, step_id: uuid.UUID) -> LockedPlan | None:
    """The plan holding a step and all its steps, locked, as they are now: every change to a plan's
    steps happens under the plan's lock. None when there is no such step."""
    rows = (await session.execute(_LOCK_PLAN_OF_STEP, {"step_id": step_id})).all()
    if not rows:
        return None
    first = rows[0]._mapping
    plan = SimpleNamespace(**{name: first[label] for label, name in _PLAN_LABELS.items()})
    return LockedPlan(plan, list(rows))


async def update_plan(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(_UPDATE_PLAN, {"the_dossier_id": dossier_id, **values})


async def write_events(
    session: AsyncSession, dossier_id: uuid.UUID, rows: Sequence[dict[str, Any]], plan_values: dict[str, Any]
) -> None:
    """A plan's staged events (outbox rows from `Outbox.row`) and its new version (with whatever else
    of it changed) in one statement: the rows' ids, hence the publish order, follow ``rows``."""
    params = {f"plan_{key}": value for key, value in plan_values.items()}
    params["the_dossier_id"] = dossier_id
    params.update({column: [row[column] for row in rows] for column in _EVENT_COLUMNS})
    await session.execute(_events_and_plan(tuple(plan_values)), params)


_EVENT_COLUMNS = ("event_id", "event_type", "topic", "payload")
# The events as arrays, one a column, so that one statement fits any number of them (a multi-row
# VALUES would be a statement per count, and SQLAlchemy does not cache those). Inserted in their
# ordinality's order, so the outbox ids, hence the publish order, are the order they were staged.
_EVENTS = (
    func.unnest(
        *(bindparam(column, type_=ARRAY(messaging.outbox.c[column].type)) for column in _EVENT_COLUMNS)
    )
    .table_valued(*_EVENT_COLUMNS, with_ordinality="n")
    .render_derived(name="staged")
)


@functools.cache
def _events_and_plan(plan_columns: tuple[str, ...]) -> Insert:
    # Built once for each set of the plan's columns. The plan's update is a data-modifying CTE, which
    # PostgreSQL runs exactly once with the insert.
    plan = (
        update(plans)
        .where(plans.c.dossier_id == bindparam("the_dossier_id"))
        .values({column: bindparam(f"plan_{column}") for column in plan_columns})
        .cte("plan_update")
    )
    events = select(*(_EVENTS.c[column] for column in _EVENT_COLUMNS)).order_by(_EVENTS.c.n)
    return insert(messaging.outbox).from_select(_EVENT_COLUMNS, events).add_cte(plan)


# -- steps ----------------------------------------------------------------------------------


async def insert_steps(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(steps), list(rows))


async def step(session: AsyncSession, step_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(_STEP, {"step_id": step_id})).one_or_none()


async def steps_of(session: AsyncSession, dossier_id: uuid.UUID) -> list[Row[Any]]:
    query = select(steps).where(steps.c.dossier_id == dossier_id).order_by(steps.c.position)
    return list((await session.execute(query)).all())


async def update_step(session: AsyncSession, step_id: uuid.UUID, **values: Any) -> Row[Any]:
    """Change a step and return it as it now is."""
    return (await session.execute(_UPDATE_STEP, {"the_step_id": step_id, **values})).one()


_CLOSE_OPEN_STEPS = update(steps).where(
    steps.c.dossier_id == bindparam("the_dossier_id"), steps.c.state.in_(("pending", *OPEN_STEP_STATES))
)


async def close_open_steps(session: AsyncSession, dossier_id: uuid.UUID, *, state: str, at: datetime) -> None:
    """Every step not yet finished (waiting or not started) ends in `state`."""
    await session.execute(_CLOSE_OPEN_STEPS, {"the_dossier_id": dossier_id, "state": state, "closed_at": at})


# -- supplements (form 02) ---------------------------------------------------------------------


async def supplements_asked(session: AsyncSession, dossier_id: uuid.UUID, agency_code: str) -> int:
    query = select(func.count()).where(
        supplement_requests.c.dossier_id == dossier_id, supplement_requests.c.agency_code == agency_code
    )
    return int(await session.scalar(query) or 0)


async def insert_supplement_request(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(supplement_requests), values)


async def mark_supplement_answered(session: AsyncSession, step_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(supplement_requests)
        .where(supplement_requests.c.step_id == step_id, supplement_requests.c.resumed_at.is_(None))
        .values(resumed_at=at)
    )


# -- facts that arrived early ------------------------------------------------------------------


async def record_fact(
    session: AsyncSession,
    *,
    dossier_id: uuid.UUID,
    kind: str,
    at: datetime,
    data: dict[str, Any],
    step_id: uuid.UUID | None = None,
    applied_at: datetime | None = None,
) -> None:
    await session.execute(
        insert(facts),
        {
            "dossier_id": dossier_id,
            "kind": kind,
            "step_id": step_id,
            "at": at,
            "data": data,
            "applied_at": applied_at,
        },
    )


async def pending_facts(
    session: AsyncSession, dossier_id: uuid.UUID, kinds: Sequence[str], *, step_id: uuid.UUID | None = None
) -> list[Row[Any]]:
    """Facts of these kinds not applied yet, the earliest first."""
    query = select(facts).where(
        facts.c.dossier_id == dossier_id, facts.c.kind.in_(kinds), facts.c.applied_at.is_(None)
    )
    if step_id is not None:
        query = query.where(facts.c.step_id == step_id)
    return list((await session.execute(query.order_by(facts.c.at, facts.c.id))).all())


async def mark_fact_applied(session: AsyncSession, fact_id: int, at: datetime) -> None:
    await session.execute(update(facts).where(facts.c.id == fact_id).values(applied_at=at))


# -- the agency queue and load -------------------------------------------------------------------


def _state_in(states: Sequence[str]) -> ColumnElement[bool]:
    # The states are written into the SQL as literals: a generic plan with them as parameters could
    # not prove the partial index's predicate and would sort the whole agency instead.
    return steps.c.state.in_(bindparam("states", list(states), expanding=True, literal_execute=True))


_QUEUE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    steps.c.id,
    steps.c.dossier_id,
    plans.c.code,
    steps.c.procedure_code,
    plans.c.procedure_name,
    plans.c.applicant_kind,
    plans.c.applicant_name,
    plans.c.channel,
    steps.c.state,
    steps.c.position,
    steps.c.group_no,
    steps.c.from_agency_code,
    steps.c.transfer,
    steps.c.assigned_at,
    steps.c.accepted_at,
    steps.c.due_at,
    steps.c.sla_due_at,
    steps.c.original_due_at,
    steps.c.pause_reason,
    steps.c.paused_at,
)


async def queue(
    session: AsyncSession,
    *,
    agency_code: str,
    states: Sequence[str],
    procedure_code: str | None,
    due_before: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Steps waiting at an agency in due order, `limit` from after the keyset `after` (due, id)."""
    conditions = [steps.c.agency_code == agency_code, _state_in(states)]
    if procedure_code is not None:
        conditions.append(steps.c.procedure_code == procedure_code)
    if due_before is not None:
        conditions.append(steps.c.due_at < due_before)
    if after is not None:
        conditions.append(tuple_(steps.c.due_at, steps.c.id) > tuple_(literal(after[0]), literal(after[1])))
    query = (
        select(*_QUEUE_COLUMNS)
        .join(plans, plans.c.dossier_id == steps.c.dossier_id)
        .where(and_(*conditions))
        .order_by(steps.c.due_at, steps.c.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def load(session: AsyncSession, *, agency_code: str, now: datetime, until: datetime) -> list[Row[Any]]:
    """Per waiting state: how many, how many overdue now, how many due by `until`. A paused step is
    neither: its clock stands still and its due moves on resumption."""
    running = steps.c.state != "paused"
    query = (
        select(
            steps.c.state,
            func.count().label("steps"),
            func.count().filter(and_(running, steps.c.due_at < now)).label("overdue"),
            func.count()
            .filter(and_(running, steps.c.due_at >= now, steps.c.due_at <= until))
            .label("due_soon"),
        )
        .where(steps.c.agency_code == agency_code, _state_in(OPEN_STEP_STATES))
        .group_by(steps.c.state)
    )
    return list((await session.execute(query)).all())


# -- the working-day calendar's admin overrides ----------------------------------------------------

# One per process: every request and event takes its calendar from `CALENDAR.get(session)`, at most
# `CALENDAR_CHECK_SECONDS` behind the table (`shared.calendar_replica`).
CALENDAR = CalendarCache(calendar_overrides)
