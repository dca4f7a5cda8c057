"""A plan's own event stream: the one way a change of a plan's state is written."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events
from services.routing.plans import repository
from shared.events.fields import Payload
from shared.events.registry import PAYLOADS
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject


class PlanEvents:
    """Our events about one dossier: each takes the plan's next version as its `dossierversion`.

    Use through `plan_events`, which, when the block ends, writes the staged events and the version
    back to the plan, together with whatever else of the plan was set in `changes`, the steps' staged
    changes (`update_step`) and the other rows staged (`insert`): one statement however many, in the
    caller's transaction. Nothing staged is in the database before the block ends: a step changed
    here is read from what `update_step` returned, never from the table.
    """

    def __init__(self, outbox: Outbox, plan: Any) -> None:
        self._outbox = outbox
        self.identity = events.identity(plan)
        self.code: str = plan.code
        self.dossier_id = plan.dossier_id
        self.version: int = plan.version
        self.changes: dict[str, Any] = {}
        self.rows: list[dict[str, Any]] = []  # outbox rows, in the order emitted
        self.step_changes: dict[uuid.UUID, dict[str, Any]] = {}  # each step's columns set, merged
        self.inserts: list[tuple[Table, dict[str, Any]]] = []

    def emit(self, name: str, agency_code: str, payload: Payload) -> None:
        """Stage `dossier.<name>` on the subject of `agency_code` (the agency the event concerns), its
        data the payload, which must be of the event's shared type."""
        event = f"dossier.{name}"
        if event not in events.EMITTED:
            raise ValueError(f"{event} is not in routing's event catalogue")
        if type(payload) is not PAYLOADS[event]:
            raise TypeError(f"{event} carries {PAYLOADS[event].__name__}, not {type(payload).__name__}")
        self.version += 1
        _, row = self._outbox.row(
            name=event,
            topic=dossier_subject(agency_code, name),
            data=payload.data(),
            subject=self.code,
            dossier_version=self.version,
        )
        self.rows.append(row)

    def update_step(self, step: Any, **values: Any) -> Row[Any]:
        """Stage a change of ``step`` (a step of this plan, locked with it): the step as it will be,
        read as a row is (attributes, `_mapping`): every reader of a step reads it so."""
        self.step_changes.setdefault(step.id, {}).update(values)
        return cast("Row[Any]", repository.changed_step(step, values))

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """Stage a row of another table written with the plan's changes (its audit row, a form 02)."""
        self.inserts.append((table, row))


@asynccontextmanager
async def plan_events(session: AsyncSession, outbox: Outbox, plan: Any) -> AsyncIterator[PlanEvents]:
    out = PlanEvents(outbox, plan)
    yield out
    plan_values = {"version": out.version, **out.changes} if out.rows else out.changes
    if plan_values or out.step_changes or out.inserts:
        await repository.write_staged(
            session,
            out.dossier_id,
            events=out.rows,
            plan_values=plan_values,
            step_changes=out.step_changes,
            inserts=out.inserts,
        )
