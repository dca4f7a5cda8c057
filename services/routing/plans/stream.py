"""A plan's own event stream: the one way a change of a plan's state is written."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events
from services.routing.plans import repository
from shared.events.fields import Payload
from shared.events.registry import PAYLOADS
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject


class PlanEvents:
    """Our events about one dossier: each takes the plan's next version as its `sequence`.

    Use through `plan_events`, which, when the block ends, writes the staged events and the version
    back to the plan, together with whatever else of the plan was set in `changes`: one statement
    however many events, in the caller's transaction.
    """

    def __init__(self, outbox: Outbox, plan: Any) -> None:
        self._outbox = outbox
        self.identity = events.identity(plan)
        self.code: str = plan.code
        self.dossier_id = plan.dossier_id
        self.version: int = plan.version
        self.changes: dict[str, Any] = {}
        self.rows: list[dict[str, Any]] = []  # outbox rows, in the order emitted

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
            sequence=self.version,
        )
        self.rows.append(row)


@asynccontextmanager
async def plan_events(session: AsyncSession, outbox: Outbox, plan: Any) -> AsyncIterator[PlanEvents]:
    out = PlanEvents(outbox, plan)
    yield out
    if out.rows:
        plan_values = {"version": out.version, **out.changes}
        await repository.write_events(session, out.dossier_id, out.rows, plan_values)
    elif out.changes:
        await repository.update_plan(session, out.dossier_id, **out.changes)
