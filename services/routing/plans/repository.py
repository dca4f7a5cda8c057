"""Every query of a plan and its steps: their locks, their changes and their events."""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.inbound.models import facts
from services.routing.models import audit_log, messaging
from services.routing.plans.models import OPEN_STEP_STATES, plans, steps, supplement_requests
from shared.db.raw import Prebuilt

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
# Compiled once, sent on the driver in the session's transaction (issue #17).
_LOCK_PLAN_OF_STEP = Prebuilt(
    select(*(_LOCKED_PLAN.c[name].label(label) for label, name in _PLAN_LABELS.items()), steps)
    .join_from(_LOCKED_PLAN, steps, steps.c.dossier_id == _LOCKED_PLAN.c.dossier_id)
    .order_by(steps.c.position)
    .with_for_update(of=steps),
    on="transaction",
)
_STEP = select(steps).where(steps.c.id == bindparam("step_id"))
_UPDATE_STEP = update(steps).where(steps.c.id == bindparam("the_step_id")).returning(*steps.c)
# The SET clause comes from the parameters' keys (column names).
_UPDATE_PLAN = update(plans).where(plans.c.dossier_id == bindparam("the_dossier_id"))


@dataclass(frozen=True)
class LockedPlan:
    plan: Any  # the plan's columns as attributes, like a row of `plans`
    steps: list[Any]  # every step of it in route order, read as rows are (each with the plan_* columns)


async def lock_plan_of_step(session: AsyncSession, step_id: uuid.UUID) -> LockedPlan | None:
    """The plan holding a step and all its steps, locked, as they are now: every change to a plan's
    steps happens under the plan's lock. None when there is no such step."""
    return locked_plan(await _LOCK_PLAN_OF_STEP.all(session, step_id=step_id))


def locked_plan(rows: list[Any]) -> LockedPlan | None:
    """The plan and its steps from the rows of `_LOCK_PLAN_OF_STEP`."""
    if not rows:
        return None
    first = rows[0]._mapping
    plan = SimpleNamespace(**{name: first[label] for label, name in _PLAN_LABELS.items()})
    return LockedPlan(plan, rows)


async def update_plan(session: AsyncSession, dossier_id: uuid.UUID, **values: Any) -> None:
    await session.execute(_UPDATE_PLAN, {"the_dossier_id": dossier_id, **values})


async def write_staged(
    session: AsyncSession,
    dossier_id: uuid.UUID,
    *,
    events: Sequence[dict[str, Any]],
    plan_values: dict[str, Any],
    step_changes: dict[uuid.UUID, dict[str, Any]],
    inserts: Sequence[tuple[Table, dict[str, Any]]],
) -> None:
    """What an action staged, in one statement: its events (outbox rows from `Outbox.row`), the
    plan's new version with whatever else of it changed, its steps' changes (one set of columns a
    step) and its other rows (the audit row, a form 02). The rows' ids, hence the publish order,
    follow ``events``."""
    statement, params = staged_write(
        dossier_id, events=events, plan_values=plan_values, step_changes=step_changes, inserts=inserts
    )
    await statement.execute(session, **params)


def staged_write(
    dossier_id: uuid.UUID,
    *,
    events: Sequence[dict[str, Any]],
    plan_values: dict[str, Any],
    step_changes: dict[uuid.UUID, dict[str, Any]],
    inserts: Sequence[tuple[Table, dict[str, Any]]],
) -> tuple[Prebuilt, dict[str, Any]]:
    """`write_staged`'s statement and its values."""
    params: dict[str, Any] = {f"plan_{key}": value for key, value in plan_values.items()}
    params["the_dossier_id"] = dossier_id
    if events:
        params.update({column: [row[column] for row in events] for column in _EVENT_COLUMNS})
    for number, (step_id, values) in enumerate(step_changes.items()):
        params[f"s{number}_id"] = step_id
        params.update({f"s{number}_{column}": value for column, value in values.items()})
    for number, (_, row) in enumerate(inserts):
        params.update({f"i{number}_{column}": value for column, value in row.items()})
    shape = _Shape(
        events=bool(events),
        plan=tuple(plan_values),
        steps=tuple(tuple(values) for values in step_changes.values()),
        inserts=tuple((table, tuple(row)) for table, row in inserts),
    )
    return _staged(shape), params


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


@dataclass(frozen=True)
class _Shape:
    """Which parts a staged write has: what its statement depends on, the values aside."""

    events: bool
    plan: tuple[str, ...]  # the plan's columns set
    steps: tuple[tuple[str, ...], ...]  # the columns set of each step changed
    inserts: tuple[tuple[Table, tuple[str, ...]], ...]  # each other row's table and columns


@functools.cache
def _staged(shape: _Shape) -> Prebuilt:
    # Built and compiled once for each shape (a handful: an action changes one to a few steps), sent on
    # the driver in the session's transaction. Every part but the first is a data-modifying CTE, which
    # PostgreSQL runs exactly once with the statement; no two parts change one row (a step's changes
    # are merged before), so their order does not matter.
    parts: list[Any] = []
    if shape.events:
        staged = select(*(_EVENTS.c[column] for column in _EVENT_COLUMNS)).order_by(_EVENTS.c.n)
        parts.append(insert(messaging.outbox).from_select(_EVENT_COLUMNS, staged))
    if shape.plan:
        parts.append(
            update(plans)
            .where(plans.c.dossier_id == bindparam("the_dossier_id"))
            .values(
                {column: bindparam(f"plan_{column}", type_=plans.c[column].type) for column in shape.plan}
            )
        )
    for number, columns in enumerate(shape.steps):
        parts.append(
            update(steps)
            .where(steps.c.id == bindparam(f"s{number}_id"))
            .values(
                {column: bindparam(f"s{number}_{column}", type_=steps.c[column].type) for column in columns}
            )
        )
    for number, (table, columns) in enumerate(shape.inserts):
        parts.append(
            insert(table).values(
                {column: bindparam(f"i{number}_{column}", type_=table.c[column].type) for column in columns}
            )
        )
    first, *others = parts
    for number, part in enumerate(others):
        first = first.add_cte(part.cte(f"staged_{number}"))
    return Prebuilt(first, on="transaction")


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


class StepRow(SimpleNamespace):
    """A step as a staged change leaves it: what `UPDATE ... RETURNING` would have given, read
    like a row (attributes, and `_mapping`)."""

    @property
    def _mapping(self) -> dict[str, Any]:
        return self.__dict__


_STEP_COLUMNS = tuple(column.name for column in steps.c)


def changed_step(step: Any, values: dict[str, Any]) -> StepRow:
    """``step`` with ``values`` set, each as PostgreSQL returns it (a moment in UTC, as asyncpg reads
    a timestamptz), so that events and responses built from it are those built from the row."""
    row = {name: getattr(step, name) for name in _STEP_COLUMNS}
    row.update({name: _as_stored(value) for name, value in values.items()})
    return StepRow(**row)


def _as_stored(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


# Accepting in one statement: the plan then the step locked (as `_LOCK_PLAN_OF_STEP` does: the step
# as it is now, even after waiting for the plan), the step changed and the audit row written only if
# it is the caller's agency's and assigned; the step is returned either way, with whether it changed,
# so the refusal (404, 403, 409) is decided from what the statement saw under the lock.
_LOCKED_STEP = (
    select(steps)
    .join_from(
        _LOCKED_PLAN,
        steps,
        and_(steps.c.dossier_id == _LOCKED_PLAN.c.dossier_id, steps.c.id == bindparam("step_id")),
    )
    .with_for_update(of=steps)
    .cte("locked_step")
)
_ACCEPTED = (
    update(steps)
    .where(
        steps.c.id == _LOCKED_STEP.c.id,
        _LOCKED_STEP.c.state == "assigned",
        _LOCKED_STEP.c.agency_code == bindparam("the_agency_code"),
    )
    .values(state="in_progress", accepted_at=bindparam("accepted_at"), accepted_by=bindparam("accepted_by"))
    .returning(*steps.c)
    .cte("accepted")
)
_AUDIT_COLUMNS = ("at", "actor", "role", "agency", "action", "entity", "detail")
_ACCEPT_AUDITED = (
    insert(audit_log)
    .from_select(
        _AUDIT_COLUMNS,
        select(
            *(
                literal("dossier:", Text) + _LOCKED_PLAN.c.code
                if column == "entity"
                else bindparam(f"audit_{column}", type_=audit_log.c[column].type)
                for column in _AUDIT_COLUMNS
            )
        ).select_from(_ACCEPTED.join(_LOCKED_PLAN, true())),
    )
    .cte("audited")
)
# Compiled once and sent `alone` (`Prebuilt`): one statement, atomic by itself, so no BEGIN and no
# COMMIT unless the request's calendar check has begun a transaction (issue #17).
_ACCEPT = Prebuilt(
    select(*_ACCEPTED.c, literal(True).label("acted"))
    .union_all(select(*_LOCKED_STEP.c, literal(False)).where(~exists(select(_ACCEPTED.c.id))))
    .add_cte(_ACCEPT_AUDITED),
    on="alone",
)


async def accept_step(
    session: AsyncSession,
    step_id: uuid.UUID,
    *,
    agency_code: str,
    at: datetime,
    by: str,
    audit: dict[str, Any],
) -> tuple[Any | None, bool]:
    """The step accepted by its agency's ``by`` with the audit row (``audit``, its `entity` the
    plan's), if it is ``agency_code``'s and assigned: the step as it now is, and whether it was
    accepted; (None, False) when there is no such step."""
    params = {"step_id": step_id, "the_agency_code": agency_code, "accepted_at": at, "accepted_by": by}
    params.update({f"audit_{column}": value for column, value in audit.items() if column != "entity"})
    row = await _ACCEPT.first(session, **params)
    return row, bool(row is not None and row.acted)


_CLOSE_OPEN_STEPS = update(steps).where(
    steps.c.dossier_id == bindparam("the_dossier_id"), steps.c.state.in_(("pending", *OPEN_STEP_STATES))
)


async def close_open_steps(session: AsyncSession, dossier_id: uuid.UUID, *, state: str, at: datetime) -> None:
    """Every step not yet finished (waiting or not started) ends in `state`."""
    await session.execute(_CLOSE_OPEN_STEPS, {"the_dossier_id": dossier_id, "state": state, "closed_at": at})


# -- supplements (form 02) ---------------------------------------------------------------------


_SUPPLEMENT_STATE = select(
    select(func.count())
    .where(
        supplement_requests.c.dossier_id == bindparam("dossier_id"),
        supplement_requests.c.agency_code == bindparam("agency_code"),
    )
    .scalar_subquery()
    .label("asked"),
    exists()
    .where(
        facts.c.dossier_id == bindparam("dossier_id"),
        facts.c.kind == "supplement_received",
        facts.c.applied_at.is_(None),
    )
    .label("handed_in"),
)


@dataclass(frozen=True)
class SupplementState:
    asked: int  # the supplements this agency asked of the dossier already
    handed_in: bool  # a supplement the citizen handed in waits to be applied (`inbound.followups`)


async def supplement_state(session: AsyncSession, dossier_id: uuid.UUID, agency_code: str) -> SupplementState:
    """Both in one read; under the plan's lock, since both are written under it."""
    row = (
        await session.execute(_SUPPLEMENT_STATE, {"dossier_id": dossier_id, "agency_code": agency_code})
    ).one()
    return SupplementState(asked=int(row.asked), handed_in=bool(row.handed_in))


async def insert_supplement_request(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(supplement_requests), values)


async def mark_supplement_answered(session: AsyncSession, step_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(supplement_requests)
        .where(supplement_requests.c.step_id == step_id, supplement_requests.c.resumed_at.is_(None))
        .values(resumed_at=at)
    )
