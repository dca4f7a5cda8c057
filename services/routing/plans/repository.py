"""Every query of a plan and its steps: their locks, their changes and their events."""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Executable, Insert, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import messaging
from services.routing.plans.models import OPEN_STEP_STATES, plans, steps, supplement_requests

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
