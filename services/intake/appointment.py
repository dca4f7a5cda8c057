"""The appointment date on a receipt (ngày hẹn trả kết quả), from the shared working-day calendar."""

from datetime import datetime
from typing import Any

from shared.calendar import DueResult, WorkingCalendar, due_at

# Admin overrides of the calendar (days off, working Saturdays) belong to the deadline service and
# will reach intake by events; until then the official calendar applies.
CALENDAR = WorkingCalendar()


def appointment(received_at: datetime, procedure: Any, *, online: bool) -> DueResult:
    """Counted from the receipt, in the procedure's kind of days; online may have a shorter time."""
    days = procedure.online_processing_days if online and procedure.online_processing_days else None
    return due_at(
        received_at,
        days or procedure.processing_days,
        calendar=CALENDAR,
        kind=procedure.day_kind,
        same_day=procedure.same_day,
        cutoff=procedure.cutoff,
    )
