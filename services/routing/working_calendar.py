"""Which days count: the working-day calendar as the deadline service's admin overrides stand
(`shared.calendar_replica`). The CATALOG handlers keep routing's copy of the overrides; one cache per
process reads it."""

from services.routing.models import calendar_overrides
from shared.calendar_replica import CalendarCache, override_handlers

# Every request and event takes its calendar from `CALENDAR.get(session)`, at most
# `CALENDAR_CHECK_SECONDS` behind the table.
CALENDAR = CalendarCache(calendar_overrides)
CALENDAR_HANDLERS = override_handlers(calendar_overrides)
