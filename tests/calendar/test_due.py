"""Due times: working days to the minute, calendar days, same-day procedures, and their explanation."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from shared.calendar import (
    CalendarOverride,
    OfficeHours,
    SkippedDay,
    WorkingCalendar,
    WorkingDays,
    add_working_minutes,
    due_at,
    next_working_moment,
    working_minutes_between,
)
from shared.clock import VIETNAM

CAL = WorkingCalendar()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


# -- working days ------------------------------------------------------------------------------


def test_monday_morning_plus_three_working_days_is_thursday_same_time() -> None:
    result = due_at(vn(2025, 3, 3, 9, 0), 3, calendar=CAL)
    assert result.due == vn(2025, 3, 6, 9, 0)
    assert result.clock_start == vn(2025, 3, 3, 9, 0)
    assert result.skipped == []


def test_one_day_from_opening_ends_at_closing_the_same_day() -> None:
    assert due_at(vn(2025, 3, 3, 7, 30), 1, calendar=CAL).due == vn(2025, 3, 3, 17, 0)


def test_dossier_received_after_closing_starts_counting_next_working_morning() -> None:
    result = due_at(vn(2025, 3, 3, 17, 30), 1, calendar=CAL)
    assert result.clock_start == vn(2025, 3, 4, 7, 30)
    assert result.due == vn(2025, 3, 4, 17, 0)


def test_friday_evening_receipt_starts_on_monday_and_skips_the_weekend() -> None:
    result = due_at(vn(2025, 3, 7, 18, 0), 2, calendar=CAL)
    assert result.clock_start == vn(2025, 3, 10, 7, 30)
    assert result.due == vn(2025, 3, 11, 17, 0)
    assert result.skipped == [
        SkippedDay(date(2025, 3, 8), "Thứ Bảy"),
        SkippedDay(date(2025, 3, 9), "Chủ Nhật"),
    ]


def test_lunch_time_receipt_starts_counting_at_the_afternoon_session() -> None:
    result = due_at(vn(2025, 3, 3, 12, 10), 1, calendar=CAL)
    assert result.clock_start == vn(2025, 3, 3, 13, 0)
    # 13:00–17:00 Monday and 07:30–11:30 Tuesday make the day; the time runs out at 11:30, the
    # end of the morning session (the same office instant as 13:00).
    assert result.due == vn(2025, 3, 4, 11, 30)


def test_receipt_on_a_sunday_lists_the_sunday_as_skipped() -> None:
    result = due_at(vn(2025, 3, 9, 10, 0), 1, calendar=CAL)
    assert result.clock_start == vn(2025, 3, 10, 7, 30)
    assert result.skipped == [SkippedDay(date(2025, 3, 9), "Chủ Nhật")]


def test_appointment_crossing_the_2021_tet_break_lands_after_17_february() -> None:
    result = due_at(vn(2021, 2, 8, 9, 0), 5, calendar=CAL)
    # Mon 8 → Tue 9 (1), Wed 17 (2), Thu 18 (3), Fri 19 (4), Mon 22 (5)
    assert result.due == vn(2021, 2, 22, 9, 0)
    skipped = {s.day: s.reason for s in result.skipped}
    assert set(skipped) == {date(2021, 2, d) for d in (10, 11, 12, 13, 14, 15, 16, 20, 21)}
    assert skipped[date(2021, 2, 12)] == "Tết Nguyên Đán"


def test_swapped_saturday_counts_and_the_swapped_friday_does_not() -> None:
    # 2025: Saturday 26/4 worked; 30/4, 1/5 and Friday 2/5 off, then the weekend.
    # Fri 25 09:00 → Sat 26 (1), Mon 28 (2), Tue 29 (3), Mon 5/5 (4).
    result = due_at(vn(2025, 4, 25, 9, 0), 4, calendar=CAL)
    assert result.due == vn(2025, 5, 5, 9, 0)
    assert [s.day for s in result.skipped] == [
        date(2025, 4, 27),
        *(date(2025, 4, 30) + timedelta(d) for d in range(5)),
    ]


# -- half days ---------------------------------------------------------------------------------


@pytest.mark.parametrize("half", [Decimal("0.5"), 0.5, Fraction(1, 2)])
def test_half_a_day_is_four_office_hours(half: Decimal | float | Fraction) -> None:
    assert due_at(vn(2025, 3, 3, 7, 30), half, calendar=CAL).due == vn(2025, 3, 3, 11, 30)
    # 90 minutes until 11:30, the other 150 from 13:00
    assert due_at(vn(2025, 3, 3, 10, 0), half, calendar=CAL).due == vn(2025, 3, 3, 15, 30)


def test_half_day_remainder_runs_over_lunch_into_the_afternoon() -> None:
    # Tue 09:00 + 4 h: 150 min until 11:30, then 90 min from 13:00.
    assert due_at(vn(2025, 3, 3, 9, 0), Decimal("1.5"), calendar=CAL).due == vn(2025, 3, 4, 14, 30)
    # Wed 15:00 + 4 h: 2 h until closing, 2 h the next morning.
    assert due_at(vn(2025, 3, 3, 15, 0), 2.5, calendar=CAL).due == vn(2025, 3, 6, 9, 30)


def test_days_that_do_not_make_whole_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number"):
        due_at(vn(2025, 3, 3, 9, 0), Fraction(1, 7), calendar=CAL)
    with pytest.raises(ValueError, match="negative"):
        due_at(vn(2025, 3, 3, 9, 0), -1, calendar=CAL)


# -- time zones and precision ------------------------------------------------------------------


def test_aware_datetimes_in_any_zone_come_back_in_vietnam_time() -> None:
    result = due_at(datetime(2025, 3, 3, 2, 0, tzinfo=UTC), 1, calendar=CAL)
    assert result.due == vn(2025, 3, 4, 9, 0)
    assert result.due.tzinfo is VIETNAM
    tokyo = timezone(timedelta(hours=9))
    assert next_working_moment(datetime(2025, 3, 3, 11, 0, tzinfo=tokyo), CAL) == vn(2025, 3, 3, 9, 0)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2025, 3, 3, 9, 0), 1, calendar=CAL)


def test_seconds_count_from_the_next_whole_minute() -> None:
    result = due_at(vn(2025, 3, 3, 9, 0, 37), 1, calendar=CAL)
    assert result.clock_start == vn(2025, 3, 3, 9, 1)
    assert result.due == vn(2025, 3, 4, 9, 1)


# -- same-day procedures -----------------------------------------------------------------------


def test_same_day_procedure_received_before_cutoff_is_due_at_closing() -> None:
    assert due_at(vn(2025, 3, 3, 14, 59), 0, calendar=CAL, same_day=True).due == vn(2025, 3, 3, 17, 0)
    assert due_at(vn(2025, 3, 3, 15, 0), 1, calendar=CAL, same_day=True).due == vn(2025, 3, 3, 17, 0)


def test_same_day_procedure_received_after_cutoff_is_due_next_working_day() -> None:
    result = due_at(vn(2025, 3, 3, 15, 0, 30), 0, calendar=CAL, same_day=True)
    assert result.clock_start == vn(2025, 3, 4, 7, 30)
    assert result.due == vn(2025, 3, 4, 17, 0)
    friday = due_at(vn(2025, 3, 7, 16, 0), 0, calendar=CAL, same_day=True)
    assert friday.due == vn(2025, 3, 10, 17, 0)
    assert [s.day for s in friday.skipped] == [date(2025, 3, 8), date(2025, 3, 9)]


def test_same_day_cutoff_is_configurable_per_call() -> None:
    start = vn(2025, 3, 3, 15, 30)
    assert due_at(start, 0, calendar=CAL, same_day=True, cutoff=time(16, 0)).due == vn(2025, 3, 3, 17, 0)
    assert due_at(start, 0, calendar=CAL, same_day=True).due == vn(2025, 3, 4, 17, 0)


def test_same_day_procedure_received_on_a_day_off_is_due_next_working_day_closing() -> None:
    assert due_at(vn(2025, 3, 8, 9, 0), 0, calendar=CAL, same_day=True).due == vn(2025, 3, 10, 17, 0)


def test_same_day_procedure_cannot_take_more_than_a_day() -> None:
    with pytest.raises(ValueError, match="more than one day"):
        due_at(vn(2025, 3, 3, 9, 0), 2, calendar=CAL, same_day=True)


# -- calendar days -----------------------------------------------------------------------------


def test_calendar_day_procedure_counts_weekends() -> None:
    result = due_at(vn(2025, 3, 3, 10, 0), 10, calendar=CAL, kind="calendar")
    assert result.due == vn(2025, 3, 13, 10, 0)
    assert result.skipped == []


def test_calendar_day_due_on_a_weekend_ends_at_closing_of_the_next_working_day() -> None:
    result = due_at(vn(2025, 3, 3, 10, 0), 5, calendar=CAL, kind="calendar")  # Saturday 8/3
    assert result.due == vn(2025, 3, 10, 17, 0)
    assert [s.day for s in result.skipped] == [date(2025, 3, 8), date(2025, 3, 9)]


def test_calendar_day_due_inside_tet_moves_past_the_break() -> None:
    result = due_at(vn(2021, 2, 5, 9, 0), 7, calendar=CAL, kind="calendar")  # Friday 12/2, Tết
    assert result.due == vn(2021, 2, 17, 17, 0)


def test_calendar_days_must_be_whole() -> None:
    with pytest.raises(ValueError, match="whole number of days"):
        due_at(vn(2025, 3, 3, 10, 0), Decimal("1.5"), calendar=CAL, kind="calendar")


# -- overrides ---------------------------------------------------------------------------------


def test_saturday_overridden_to_working_shortens_the_wait() -> None:
    worked = WorkingCalendar(days=WorkingDays([CalendarOverride(date(2025, 3, 8), True, "làm bù")]))
    assert due_at(vn(2025, 3, 7, 9, 0), 1, calendar=worked).due == vn(2025, 3, 8, 9, 0)
    assert due_at(vn(2025, 3, 7, 9, 0), 1, calendar=CAL).due == vn(2025, 3, 10, 9, 0)


def test_weekday_overridden_to_off_is_skipped_with_its_reason() -> None:
    off = WorkingCalendar(days=WorkingDays([CalendarOverride(date(2025, 3, 4), False, "bão số 3")]))
    result = due_at(vn(2025, 3, 3, 9, 0), 1, calendar=off)
    assert result.due == vn(2025, 3, 5, 9, 0)
    assert result.skipped == [SkippedDay(date(2025, 3, 4), "bão số 3")]


# -- office hours ------------------------------------------------------------------------------


def test_office_hours_are_configuration() -> None:
    late_lunch = WorkingCalendar(
        hours=OfficeHours(((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))))
    )
    assert late_lunch.hours.day_minutes == 450
    assert due_at(vn(2025, 3, 3, 12, 0), 1, calendar=late_lunch).clock_start == vn(2025, 3, 3, 13, 30)
    # half of 7.5 h is 225 min: 150 until 11:30, 75 from 13:30
    assert due_at(vn(2025, 3, 3, 9, 0), Decimal("0.5"), calendar=late_lunch).due == vn(2025, 3, 3, 14, 45)


@pytest.mark.parametrize(
    "sessions",
    [
        (),
        ((time(11, 30), time(7, 30)),),
        ((time(7, 30), time(11, 30)), (time(11, 0), time(17, 0))),
        ((time(7, 30, 15), time(11, 30)),),
    ],
)
def test_invalid_office_hours_are_refused(sessions: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError, match="session"):
        OfficeHours(sessions)


# -- the minute arithmetic for pauses ----------------------------------------------------------


def test_pause_over_a_weekend_is_measured_in_office_minutes() -> None:
    paused, resumed = vn(2025, 3, 7, 16, 0), vn(2025, 3, 10, 8, 30)
    assert working_minutes_between(paused, resumed, CAL) == 120
    assert working_minutes_between(resumed, paused, CAL) == -120


def test_due_date_shifted_by_a_pause() -> None:
    due = vn(2025, 3, 11, 16, 0)
    assert add_working_minutes(due, 120, CAL) == vn(2025, 3, 12, 8, 30)
    assert add_working_minutes(due, -420, CAL) == vn(2025, 3, 10, 17, 0)


def test_adding_zero_minutes_gives_the_next_working_moment() -> None:
    assert add_working_minutes(vn(2025, 3, 3, 11, 45), 0, CAL) == vn(2025, 3, 3, 13, 0)
    assert next_working_moment(vn(2025, 3, 3, 11, 30), CAL) == vn(2025, 3, 3, 13, 0)
    assert next_working_moment(vn(2025, 3, 3, 17, 0), CAL) == vn(2025, 3, 4, 7, 30)
    assert next_working_moment(vn(2025, 3, 3, 16, 59), CAL) == vn(2025, 3, 3, 16, 59)
