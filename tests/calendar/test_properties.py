"""Invariants of the SLA clock, checked on generated receipts from 2019 to 2027."""

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    CalendarOverride,
    OfficeHours,
    WorkingCalendar,
    WorkingDays,
    add_working_minutes,
    due_at,
    is_working_moment,
    next_working_moment,
    working_minutes_between,
)
from shared.clock import VIETNAM

# One calendar for every example: its per-year cache is what makes a few hundred examples cheap.
CAL = WorkingCalendar()
# Another centre: a 7.5-hour day and an admin table, so nothing depends on the defaults.
OTHER = WorkingCalendar(
    days=WorkingDays(
        [
            CalendarOverride(date(2024, 3, 9), True, "làm bù"),
            CalendarOverride(date(2024, 3, 12), False, "nghỉ"),
        ]
    ),
    hours=OfficeHours(((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))),
)
calendars = st.sampled_from([CAL, OTHER])
FAST = settings(max_examples=150, deadline=None)

instants = st.datetimes(
    min_value=datetime(2019, 1, 1),  # hypothesis bounds are naive by contract
    max_value=datetime(2027, 6, 30),
    timezones=st.sampled_from([VIETNAM, UTC]),
)
whole_days = st.integers(min_value=1, max_value=40)
half_days = st.integers(min_value=1, max_value=80).map(lambda halves: Fraction(halves, 2))


@FAST
@given(
    cal=calendars,
    start=instants,
    a=st.one_of(whole_days, half_days),
    b=st.one_of(whole_days, half_days),
)
def test_counting_in_two_steps_equals_counting_at_once(
    cal: WorkingCalendar, start: datetime, a: int | Fraction, b: int | Fraction
) -> None:
    at_once = due_at(start, a + b, calendar=cal).due
    first = due_at(start, a, calendar=cal).due
    assert due_at(first, b, calendar=cal).due == at_once


@FAST
@given(
    cal=calendars,
    start=instants,
    days=st.one_of(whole_days, half_days),
    kind=st.sampled_from(["working", "calendar", "same_day"]),
)
def test_a_due_time_is_inside_office_hours_on_a_working_day(
    cal: WorkingCalendar, start: datetime, days: int | Fraction, kind: str
) -> None:
    if kind == "same_day":
        result = due_at(start, 0, calendar=cal, same_day=True, cutoff=time(15, 0))
    elif kind == "calendar":
        result = due_at(start, int(days), calendar=cal, kind="calendar")
    else:
        result = due_at(start, days, calendar=cal)
    assert is_working_moment(result.due, cal)
    assert result.due.tzinfo is VIETNAM
    # never before the clock started, and the clock never starts before the receipt
    assert start - timedelta(minutes=1) < result.clock_start <= result.due
    assert all(not cal.days.is_working_day(s.day) for s in result.skipped)


@FAST
@given(cal=calendars, start=instants, minutes=st.integers(min_value=-20_000, max_value=60_000))
def test_minutes_added_are_the_minutes_between(cal: WorkingCalendar, start: datetime, minutes: int) -> None:
    begin = next_working_moment(start, cal)
    end = add_working_minutes(begin, minutes, cal)
    assert working_minutes_between(begin, end, cal) == minutes
    assert is_working_moment(end, cal)


@FAST
@given(start=instants, days=whole_days)
def test_working_days_use_exactly_their_office_minutes(start: datetime, days: int) -> None:
    result = due_at(start, days, calendar=CAL)
    assert working_minutes_between(result.clock_start, result.due, CAL) == days * CAL.hours.day_minutes
