"""What every routing use case needs besides the session, and the plan's own event stream."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import events, repository
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject

# Admin overrides of the calendar (days off, working Saturdays) belong to the deadline service and
# will reach routing by events; until then the official calendar applies.
CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class Context:
    """Where events go, what time it is, and which days count."""

    outbox: Outbox
    clock: Clock
    calendar: WorkingCalendar = field(default=CALENDAR)


class PlanEvents:
    """Our events about one dossier: each takes the plan's next version as its `sequence`.

    Use through `plan_events`, which writes the version back to the plan in the same transaction,
    together with whatever else of the plan was set in `changes` (one statement instead of two).
    """

    def __init__(self, session: AsyncSession, outbox: Outbox, plan: Any) -> None:
        self._session = session
        self._outbox = outbox
        self.identity = events.identity(plan)
        self.code: str = plan.code
        self.dossier_id = plan.dossier_id
        self.version: int = plan.version
        self.started_at_version = plan.version
        self.changes: dict[str, Any] = {}

    async def emit(self, name: str, agency_code: str, data: dict[str, Any]) -> None:
        """Stage `dossier.<name>` on the subject of `agency_code` (the agency the event concerns)."""
        if f"dossier.{name}" not in events.EMITTED:
            raise ValueError(f"dossier.{name} is not in routing's event catalogue")
        self.version += 1
        await self._outbox.add(
            self._session,
            name=f"dossier.{name}",
            topic=dossier_subject(agency_code, name),
            data=data,
            subject=self.code,
            sequence=self.version,
        )


@asynccontextmanager
async def plan_events(session: AsyncSession, outbox: Outbox, plan: Any) -> AsyncIterator[PlanEvents]:
    out = PlanEvents(session, outbox, plan)
    yield out
    if out.version != out.started_at_version or out.changes:
        await repository.update_plan(session, out.dossier_id, version=out.version, **out.changes)
