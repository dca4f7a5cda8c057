"""What every routing use case needs besides the session."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.working_calendar import CALENDAR
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.messaging.outbox import Outbox


@dataclass(frozen=True)
class Context:
    """Where events go, what time it is, and which days count: made for each request or event, with
    the calendar as the deadline service's overrides stand."""

    outbox: Outbox
    clock: Clock
    calendar: WorkingCalendar


async def context_for(session: AsyncSession, outbox: Outbox, clock: Clock) -> Context:
    """The context of one request or event."""
    return Context(outbox=outbox, clock=clock, calendar=await CALENDAR.get(session))
