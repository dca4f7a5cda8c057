"""What deadline's routes take from a request beyond `shared.deps`: the service's context and settings,
the calendar's administrator, and the role set and filter of its own."""

from typing import Annotated

from fastapi import Depends, Query, Request

from services.deadline.calendar.overrides import CalendarAdmin
from services.deadline.context import Context
from services.deadline.settings import DeadlineSettings
from shared.deps import Admin, ClockDep, OutboxDep

# The agency a list is about; officers and leaders get their own when they give none.
AgencyCode = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]


async def _context(request: Request) -> Context:
    context: Context = request.app.state.deadline
    return context


async def _settings(request: Request) -> DeadlineSettings:
    settings: DeadlineSettings = request.app.state.settings
    return settings


async def _calendar_admin(who: Admin, outbox: OutboxDep, clock: ClockDep) -> CalendarAdmin:
    return CalendarAdmin(who=who, outbox=outbox, clock=clock)


ContextDep = Annotated[Context, Depends(_context)]
DeadlineSettingsDep = Annotated[DeadlineSettings, Depends(_settings)]
CalendarAdminDep = Annotated[CalendarAdmin, Depends(_calendar_admin)]
