"""The service's working calendar: the package calendar and official swaps, plus the admin's overrides.

Every use reads one number, the override table's revision (bumped in the transaction of each change),
and rebuilds the calendar only when it differs from the one held. So a change is seen at once by
every worker and replica, without a cache to expire or an event that reaches one consumer only, for
the cost of a one-row primary-key read. Building costs a millisecond per year used.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline.calendar import repository
from shared.calendar import CalendarOverride, OfficeHours, WorkingCalendar, WorkingDays


@dataclass(frozen=True)
class Snapshot:
    revision: int
    calendar: WorkingCalendar
    overrides: dict[date, CalendarOverride] = field(default_factory=dict)


class Calendars:
    """Hands out the current calendar; one per process, shared by routes and handlers."""

    def __init__(self, hours: OfficeHours) -> None:
        self._hours = hours
        self._held: Snapshot | None = None

    @property
    def hours(self) -> OfficeHours:
        return self._hours

    async def current(self, session: AsyncSession) -> Snapshot:
        """The calendar as of the override table's current revision."""
        return await self.as_of(session, await repository.current_calendar_revision(session))

    async def as_of(self, session: AsyncSession, revision: int) -> Snapshot:
        """The calendar as of `revision`, which the caller read in a statement of its own."""
        held = self._held
        if held is not None and held.revision == revision:
            return held
        rows = await repository.overrides(session)
        overrides = {r.day: CalendarOverride(r.day, r.working, r.reason) for r in rows}
        calendar = WorkingCalendar(days=WorkingDays(overrides.values()), hours=self._hours)
        # Two coroutines may both rebuild after a change; they build the same thing, the last one stays.
        self._held = Snapshot(revision, calendar, overrides)
        return self._held
