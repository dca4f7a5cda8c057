"""Which days count for an answer's due: the working-day calendar as the deadline service's admin
overrides stand (`shared.calendar_replica`). The CATALOG handlers keep survey's copy of the overrides;
one cache per process reads it."""

from services.survey.models import calendar_overrides
from shared.calendar_replica import CalendarCache, override_handlers

# Every use case takes its calendar from `CALENDAR.get(session)`, at most `CALENDAR_CHECK_SECONDS`
# behind the table.
CALENDAR = CalendarCache(calendar_overrides)
CALENDAR_HANDLERS = override_handlers(calendar_overrides)
