"""Which days are working days, pinned to real Vietnamese dates, and why."""

from datetime import date, timedelta

import pytest

from shared.calendar import KNOWN_SWAPS, CalendarOverride, SkippedDay, WorkingDays

DAYS = WorkingDays()
# The holidays package on its own, without the official table or the older swaps: used to show what
# the (pinned) package already knows and where the table is the correction.
PACKAGE_ONLY = WorkingDays(known_swaps=(), official={})


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_tet_2021_break_runs_10_to_16_february() -> None:
    for day in _span(date(2021, 2, 10), date(2021, 2, 16)):
        assert not DAYS.is_working_day(day), day
    assert DAYS.is_working_day(date(2021, 2, 9))
    assert DAYS.is_working_day(date(2021, 2, 17))
    assert DAYS.explain(date(2021, 2, 12)) == (False, "Tết Nguyên Đán")


@pytest.mark.parametrize("day", [date(2021, 4, 21), date(2025, 4, 7)])
def test_hung_kings_day_is_off(day: date) -> None:
    working, reason = DAYS.explain(day)
    assert not working
    assert "Hùng Vương" in reason


def test_30_april_and_1_may_2021_with_compensatory_monday() -> None:
    assert DAYS.explain(date(2021, 4, 30)) == (False, "Ngày Chiến thắng")
    assert DAYS.explain(date(2021, 5, 1)) == (False, "Ngày Quốc tế Lao động")  # a Saturday
    working, reason = DAYS.explain(date(2021, 5, 3))
    assert not working
    assert "nghỉ bù" in reason
    assert DAYS.is_working_day(date(2021, 5, 4))


@pytest.mark.parametrize(
    ("first", "last", "back_at_work"),
    [
        (date(2021, 9, 2), date(2021, 9, 3), date(2021, 9, 6)),  # Thu–Fri, back on Monday
        (date(2025, 9, 1), date(2025, 9, 2), date(2025, 9, 3)),  # Mon–Tue, back on Wednesday
    ],
)
def test_national_day_with_its_adjacent_day(first: date, last: date, back_at_work: date) -> None:
    for day in (first, last):
        assert DAYS.explain(day) == (False, "Quốc khánh")
    assert DAYS.next_working_day(first) == back_at_work


def test_swapped_saturday_2025_is_worked_and_2_may_is_off() -> None:
    working, reason = DAYS.explain(date(2025, 4, 26))
    assert working
    assert reason.startswith("ngày làm bù")
    working, reason = DAYS.explain(date(2025, 5, 2))
    assert not working
    assert "hoán đổi" in reason


def test_package_alone_already_knows_the_pinned_dates() -> None:
    # Verified, not assumed: holidays 0.109 (the pinned version) gets these dates right without the
    # table. An older one does not (0.60 has no 2025 swap); the table years do not depend on it.
    off = [
        *_span(date(2021, 2, 10), date(2021, 2, 16)),
        date(2021, 4, 21),
        date(2025, 4, 7),
        date(2021, 4, 30),
        date(2021, 5, 3),
        date(2021, 9, 2),
        date(2021, 9, 3),
        date(2025, 9, 1),
        date(2025, 9, 2),
        date(2025, 5, 2),
    ]
    assert [d for d in off if PACKAGE_ONLY.is_working_day(d)] == []
    assert PACKAGE_ONLY.explain(date(2025, 4, 26)) == (True, "ngày làm bù")


def test_table_adds_the_2026_new_year_swap() -> None:
    # Công văn 12729/VPCP-KGVX: off Friday 2/1/2026, worked back on Saturday 10/1/2026.
    assert not DAYS.is_working_day(date(2026, 1, 2))
    assert DAYS.is_working_day(date(2026, 1, 10))
    assert "12729/VPCP-KGVX" in DAYS.explain(date(2026, 1, 10)).reason


def test_known_swaps_before_the_table_pair_a_weekday_off_with_a_weekend_day_worked() -> None:
    off = [row.day for row in KNOWN_SWAPS if not row.working]
    worked = [row.day for row in KNOWN_SWAPS if row.working]
    assert len(off) == len(worked)
    assert all(day.weekday() < 5 for day in off)
    assert all(day.weekday() >= 5 for day in worked)
    for row in KNOWN_SWAPS:
        assert DAYS.explain(row.day) == (row.working, row.reason)


def test_plain_days_explain_themselves() -> None:
    assert DAYS.explain(date(2025, 3, 4)) == (True, "ngày làm việc")
    assert DAYS.explain(date(2025, 3, 8)) == (False, "Thứ Bảy")
    assert DAYS.explain(date(2025, 3, 9)) == (False, "Chủ Nhật")


def test_admin_override_makes_a_saturday_working_and_a_weekday_off() -> None:
    days = WorkingDays(
        [
            CalendarOverride(date(2025, 3, 8), True, "làm bù theo Quyết định của UBND tỉnh"),
            CalendarOverride(date(2025, 3, 10), False, "nghỉ theo Quyết định của UBND tỉnh"),
        ]
    )
    assert days.explain(date(2025, 3, 8)) == (True, "làm bù theo Quyết định của UBND tỉnh")
    assert days.explain(date(2025, 3, 10)) == (False, "nghỉ theo Quyết định của UBND tỉnh")
    assert DAYS.explain(date(2025, 3, 10)).working  # other calendars are not touched


def test_admin_override_wins_over_the_package_and_the_table() -> None:
    days = WorkingDays(
        [
            CalendarOverride(date(2025, 4, 26), False, "không làm bù tại trung tâm"),
            CalendarOverride(date(2025, 4, 7), True, "trực Giỗ Tổ"),
        ]
    )
    assert days.explain(date(2025, 4, 26)) == (False, "không làm bù tại trung tâm")
    assert days.explain(date(2025, 4, 7)) == (True, "trực Giỗ Tổ")


def test_conflicting_overrides_for_one_day_are_refused() -> None:
    with pytest.raises(ValueError, match="2025-03-08"):
        WorkingDays(
            [
                CalendarOverride(date(2025, 3, 8), True, "a"),
                CalendarOverride(date(2025, 3, 8), False, "b"),
            ]
        )


def test_next_working_day_jumps_the_tet_break() -> None:
    assert DAYS.next_working_day(date(2021, 2, 10)) == date(2021, 2, 17)
    assert DAYS.next_working_day(date(2021, 2, 9)) == date(2021, 2, 9)


def test_skipped_days_across_a_new_year_are_listed_with_reasons() -> None:
    assert DAYS.skipped_between(date(2020, 12, 31), date(2021, 1, 4)) == [
        SkippedDay(date(2021, 1, 1), "Tết Dương lịch"),
        SkippedDay(date(2021, 1, 2), "Thứ Bảy"),
        SkippedDay(date(2021, 1, 3), "Chủ Nhật"),
    ]


def test_working_day_arithmetic_crosses_years() -> None:
    start = date(2024, 12, 31).toordinal()
    later = DAYS.advance(start, 3)
    assert date.fromordinal(later) == date(2025, 1, 6)  # 1/1 off, then Thu, Fri, Mon
    assert DAYS.working_days_between(start, later) == 3
    assert DAYS.working_days_between(later, start) == -3
    assert DAYS.advance(later, -3) == start


def test_vietnam_culture_day_is_off_from_2026() -> None:
    """24/11, Ngày Văn hóa Việt Nam, a day off from 2026 (Nghị quyết 28/2026/QH16, Điều 2): a row of the
    official table, so it holds whatever `holidays` version is installed (0.60 does not know it)."""
    working, reason = DAYS.explain(date(2026, 11, 24))
    assert not working
    assert "Văn hóa" in reason
    assert DAYS.is_working_day(date(2025, 11, 24))  # a Monday: not yet a holiday
