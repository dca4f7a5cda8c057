"""The appointment date on a receipt (ngày hẹn trả kết quả), from the shared working-day calendar.

Pure: the calendar comes in as an argument. The use cases take it from `repository.working_calendar`,
which adds the admin overrides (days off, working Saturdays) that the deadline service owns and
replicates to intake by events (`shared.calendar_replica`), a few seconds behind the table at most.
"""

from datetime import datetime
from typing import Any

from shared.calendar import DueResult, WorkingCalendar, due_at


def appointment(
    received_at: datetime, procedure: Any, *, online: bool, calendar: WorkingCalendar
) -> DueResult:
    """Counted from the receipt, in the procedure's kind of days; online may have a shorter time."""
    days = procedure.online_processing_days if online and procedure.online_processing_days else None
    return due_at(
        received_at,
        days or procedure.processing_days,
        calendar=calendar,
        kind=procedure.day_kind,
        same_day=procedure.same_day,
        cutoff=procedure.cutoff,
    )
