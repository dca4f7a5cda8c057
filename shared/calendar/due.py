"""Due times (thời hạn giải quyết, ngày hẹn trả kết quả) with the explanation an API can show.

Three ways a procedure counts its time:

* ``kind="working"`` (ngày làm việc, the default): ``days`` full working days of office time from
  ``clock_start``, to the minute; nights, the lunch gap and non-working days are skipped. Monday
  09:00 + 3 days is Thursday 09:00; Monday 07:30 + 1 day is Monday 17:00. ``days`` may be a
  fraction that comes to whole minutes: 0.5 is half a day (4 hours with the default office hours).
* ``kind="calendar"`` (ngày, counted on the calendar): ``clock_start`` plus ``days`` calendar days
  at the same time of day. If that falls on a non-working day, the time ends at the end of the next
  working day — the rule of the Civil Code 2015, art. 148(5) for a term whose last day is a day off.
  Never earlier: the citizen never gets less time than the procedure promises.
* ``same_day=True`` (trong ngày): received at or before the cut-off (15:00 by regulation, 16:00 in
  some provinces) → due at the end of that working day; after it → the end of the next working day.

In every case the clock starts at ``clock_start = next_working_moment(start)``: a receipt after
closing or on a day off starts counting at the next working morning, one at lunch at the afternoon
session start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Final, Literal

from shared.calendar.days import SkippedDay
from shared.calendar.hours import WorkingCalendar, as_end, as_start, position, shift, to_vietnam
from shared.clock import VIETNAM

Days = int | float | Decimal | Fraction
Kind = Literal["working", "calendar"]

DEFAULT_CUTOFF: Final = time(15, 0)  # giờ tiếp nhận cuối ngày by regulation; provinces may say 16:00


@dataclass(frozen=True, slots=True)
class DueResult:
    """A due time and how it was reached.

    ``skipped`` lists, in order and with their reasons, the non-working days that did not count:
    for working days and same-day procedures every non-working day from the receipt date to the due
    date; for calendar days (where weekends inside the period do count) the days off before the
    clock started and those the due time was carried over.
    """

    due: datetime  # hạn giải quyết, aware, Vietnam time, inside office hours on a working day
    clock_start: datetime  # when counting actually started (thời điểm bắt đầu tính)
    skipped: list[SkippedDay]


def exact_days(days: Days) -> Fraction:
    """``days`` as an exact non-negative fraction (0.1 means one tenth, not the float next to it)."""
    if isinstance(days, bool) or not isinstance(days, int | float | Decimal | Fraction):
        raise TypeError(f"days must be a number, not {type(days).__name__}")
    if (isinstance(days, float) and not math.isfinite(days)) or (
        isinstance(days, Decimal) and not days.is_finite()
    ):
        raise ValueError("days must be finite")
    exact = Fraction(repr(days)) if isinstance(days, float) else Fraction(days)
    if exact < 0:
        raise ValueError("days cannot be negative")
    return exact


def working_minutes_for(days: Days, day_minutes: int) -> int:
    """``days`` of office time in minutes; refuses what is negative or not a whole number of minutes."""
    if type(days) is int and days >= 0:  # the common case, kept cheap
        return days * day_minutes
    return _working_minutes(days, day_minutes)


@lru_cache(maxsize=4096, typed=True)
def _working_minutes(days: Days, day_minutes: int) -> int:
    # Cached: exact Decimal arithmetic costs microseconds and a centre has few distinct counts.
    minutes = exact_days(days) * day_minutes
    if minutes.denominator != 1:
        raise ValueError(f"{days} days is not a whole number of office minutes (half-days are)")
    return int(minutes)


def due_at(
    start: datetime,
    days: Days,
    *,
    calendar: WorkingCalendar,
    kind: Kind = "working",
    same_day: bool = False,
    cutoff: time | None = None,
) -> DueResult:
    """When a dossier received at ``start`` is due (see the module doc for the three ways of counting).

    ``start`` must be timezone-aware (any zone); the result is in Vietnam time, to the minute.
    ``days == 0`` gives ``due == clock_start``. ``cutoff`` is only read for same-day procedures
    (default 15:00); for those ``days`` must be at most 1, since the answer is this working day or
    the next.
    """
    local = to_vietnam(start)
    if same_day:
        if kind != "working":
            raise ValueError("a same-day procedure counts working days")
        if working_minutes_for(days, calendar.hours.day_minutes) > calendar.hours.day_minutes:
            raise ValueError("a same-day procedure cannot take more than one day")
        return _same_day(start, local, calendar, DEFAULT_CUTOFF if cutoff is None else cutoff)
    if kind == "working":
        return _working(local, working_minutes_for(days, calendar.hours.day_minutes), calendar)
    if kind == "calendar":
        return _calendar(local, days, calendar)
    raise ValueError(f"unknown kind of days: {kind!r}")


def _skipped(first: datetime, last: datetime, calendar: WorkingCalendar) -> list[SkippedDay]:
    return calendar.days.skipped_ordinals(first.toordinal(), last.toordinal())


def _working(local: datetime, minutes: int, calendar: WorkingCalendar) -> DueResult:
    pos = position(local, calendar)
    clock_start = as_start(pos, calendar)
    due = as_end(shift(pos, minutes, calendar), calendar) if minutes else clock_start
    return DueResult(due, clock_start, _skipped(local, due, calendar))


def _calendar(local: datetime, days: Days, calendar: WorkingCalendar) -> DueResult:
    if type(days) is int and days >= 0:
        whole = days
    else:
        exact = exact_days(days)
        if exact.denominator != 1:
            raise ValueError("a calendar-day count must be a whole number of days")
        whole = int(exact)
    clock_start = as_start(position(local, calendar), calendar)
    # Vietnam keeps no daylight saving time, so adding days keeps the time of day.
    candidate = clock_start + timedelta(days=whole)
    pre_start = _skipped(local, clock_start, calendar)
    if calendar.days.is_working_ordinal(candidate.toordinal()):
        # clock_start is inside a session and the time of day is kept, so this is office time.
        return DueResult(candidate, clock_start, pre_start)
    ordinal = calendar.days.first_working_on_or_after(candidate.toordinal())
    due = as_end((ordinal, calendar.hours.day_minutes), calendar)
    moved_over = calendar.days.skipped_ordinals(candidate.toordinal(), ordinal - 1)
    return DueResult(due, clock_start, pre_start + moved_over)


def _same_day(start: datetime, local: datetime, calendar: WorkingCalendar, cutoff: time) -> DueResult:
    day_minutes = calendar.hours.day_minutes
    pos = position(local, calendar)
    clock_start = as_start(pos, calendar)
    # Compare the receipt's own time (seconds included: 15:00:30 is after 15:00) when the clock
    # starts the day it was received; a receipt carried to a later morning is an early one there.
    if clock_start.date() == local.date():
        received_at = start.astimezone(VIETNAM).time()
        in_time = received_at <= cutoff
    else:
        in_time = clock_start.time() <= cutoff
    ordinal = clock_start.toordinal()
    if not in_time:
        ordinal = calendar.days.advance(ordinal, 1)
        clock_start = as_start((ordinal, 0), calendar)
    due = as_end((ordinal, day_minutes), calendar)
    return DueResult(due, clock_start, _skipped(local, due, calendar))
