"""The working-day calendar that appointment dates are counted with: the official one, with the admin
overrides (days off, working Saturdays) that the deadline service owns and replicates to intake by
events (`shared.calendar_replica`; the table is in `models.py`, its handlers in `handlers.py`)."""

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import calendar_overrides
from shared.calendar import WorkingCalendar
from shared.calendar_replica import CalendarCache

# One per process: reception and the import take their calendar from it.
CALENDAR = CalendarCache(calendar_overrides)


async def working_calendar(session: AsyncSession) -> WorkingCalendar:
    """The calendar with the admin overrides, at most `CALENDAR_CHECK_SECONDS` behind the table
    (`shared.calendar_replica`)."""
    return await CALENDAR.get(session)
