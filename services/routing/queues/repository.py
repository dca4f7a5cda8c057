"""Every query of an agency's queue and load: steps waiting at the agency, read with their plans."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal, select, tuple_
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.plans.models import OPEN_STEP_STATES, plans, steps


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
