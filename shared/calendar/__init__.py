"""The working-day calendar (lịch làm việc): working days, office hours and due times.

Pure: no I/O and no clock reads; every instant is an argument. Rules run in Vietnam time
(``shared.clock.VIETNAM``); inputs may be aware datetimes in any zone, naive ones are refused.

    calendar = WorkingCalendar(days=WorkingDays(overrides), hours=OfficeHours())
    result = due_at(received_at, 3, calendar=calendar)
    result.due, result.clock_start, result.skipped
    calendar.days.provisional_years(received_at.date(), result.due.date())  # e.g. [2027]

The official days of 2021–2026 come from the project's own table (``OFFICIAL_YEARS``), whatever version
of the ``holidays`` package is installed; other years are provisional and follow the package.

A pause of an SLA clock moves a due by the procedure's policy (``resumed_dues``: shift or restart).
"""

from shared.calendar.days import (
    KNOWN_SWAPS,
    CalendarOverride,
    DayStatus,
    SkippedDay,
    WorkingDays,
)
from shared.calendar.due import DEFAULT_CUTOFF, Days, DueResult, Kind, due_at
from shared.calendar.hours import (
    OfficeHours,
    WorkingCalendar,
    add_working_minutes,
    is_working_moment,
    next_working_moment,
    working_minutes_between,
)
from shared.calendar.official import OFFICIAL_YEARS, DayKind, OfficialDay, OfficialYear
from shared.calendar.pause import (
    Dues,
    Policy,
    due_after_pause,
    due_from,
    paused_minutes,
    resumed_dues,
    shifted,
)

__all__ = [
    "DEFAULT_CUTOFF",
    "KNOWN_SWAPS",
    "OFFICIAL_YEARS",
    "CalendarOverride",
    "DayKind",
    "DayStatus",
    "Days",
    "DueResult",
    "Dues",
    "Kind",
    "OfficeHours",
    "OfficialDay",
    "OfficialYear",
    "Policy",
    "SkippedDay",
    "WorkingCalendar",
    "WorkingDays",
    "add_working_minutes",
    "due_after_pause",
    "due_at",
    "due_from",
    "is_working_moment",
    "next_working_moment",
    "paused_minutes",
    "resumed_dues",
    "shifted",
    "working_minutes_between",
]
