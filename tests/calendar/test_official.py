"""The official calendar of 2021–2026 is the project's own table: the same days whatever `holidays` says."""

from datetime import date, datetime, timedelta
from importlib.metadata import version

import holidays
import pytest

from shared.calendar import (
    OFFICIAL_YEARS,
    DayKind,
    OfficialYear,
    WorkingCalendar,
    WorkingDays,
    due_at,
)
from shared.calendar import days as days_module
from shared.clock import VIETNAM

DAYS = WorkingDays()


def vn(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def _weekdays_off_and_weekends_worked(days: WorkingDays, year: int) -> tuple[list[str], list[str]]:
    off: list[str] = []
    worked: list[str] = []
    day = date(year, 1, 1)
    while day.year == year:
        working, weekend = days.is_working_day(day), day.weekday() >= 5
        if weekend and working:
            worked.append(f"{day:%d/%m}")
        elif not weekend and not working:
            off.append(f"{day:%d/%m}")
        day += timedelta(days=1)
    return off, worked


def test_2026_as_decided() -> None:
    """12729/VPCP-KGVX: 2/1 off for Saturday 10/1; 9441/TB-BNV: Tết 16–20/2, Quốc khánh 1–2/9 with 31/8
    off for Saturday 22/8; Giỗ Tổ on Sunday 26/4 made up on 27/4; Nghị quyết 28/2026/QH16: 24/11."""
    off, worked = _weekdays_off_and_weekends_worked(DAYS, 2026)
    assert off == [
        "01/01", "02/01",
        "16/02", "17/02", "18/02", "19/02", "20/02",
        "27/04", "30/04", "01/05",
        "31/08", "01/09", "02/09",
        "24/11",
    ]  # fmt: skip
    assert worked == ["10/01", "22/08"]
    assert DAYS.explain(date(2026, 8, 31)) == (False, "nghỉ hoán đổi, làm bù thứ Bảy 22/08/2026")
    assert DAYS.explain(date(2026, 8, 22)) == (True, "ngày làm bù cho thứ Hai 31/08/2026 (9441/TB-BNV)")
    assert DAYS.explain(date(2026, 4, 27)) == (False, "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)")


def test_2025_as_decided() -> None:
    """6150/TB-BLĐTBXH: Tết 27–31/1; 2/5 off for Saturday 26/4; Quốc khánh 1–2/9."""
    off, worked = _weekdays_off_and_weekends_worked(DAYS, 2025)
    assert off == [
        "01/01",
        "27/01", "28/01", "29/01", "30/01", "31/01",
        "07/04", "30/04", "01/05", "02/05",
        "01/09", "02/09",
    ]  # fmt: skip
    assert worked == ["26/04"]


def test_the_due_from_31_august_2026_is_4_september_at_closing() -> None:
    """Received Monday 31/8/2026 at 09:00, two working days (a 2-day procedure).

    Under the official calendar 31/8 is off (swapped for Saturday 22/8, 9441/TB-BNV) and 1–2/9 are
    Quốc khánh, so the clock starts Thursday 3/9 at 07:30 and two full days end Friday 4/9 at 17:00.
    With `holidays` 0.60, which does not know the swap, 31/8 was a working day: the clock started at
    09:00 that Monday and the due came out Friday 4/9 at 09:00, eight office hours too early."""
    result = due_at(vn(2026, 8, 31, 9, 0), 2, calendar=WorkingCalendar())
    assert result.clock_start == vn(2026, 9, 3, 7, 30)
    assert result.due == vn(2026, 9, 4, 17, 0)
    assert [s.day.day for s in result.skipped] == [31, 1, 2]


def _package_as_0_60(year: int) -> holidays.HolidayBase:
    """The package as 0.60 answered: 2026 without 31/8 off, 22/8 worked or 24/11; 2027 without 3/9."""
    real = holidays.country_holidays("VN", years=year, language="vi")
    fake = holidays.HolidayBase()
    for day, name in real.items():
        if day not in (date(2026, 8, 31), date(2026, 11, 24), date(2027, 9, 3)):
            fake[day] = name
    return fake


def test_the_tables_years_ignore_the_installed_package_and_other_years_follow_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(days_module, "package_holidays", _package_as_0_60)
    days = WorkingDays()
    # 2026 is in the table: the package is not even asked.
    assert not days.is_working_day(date(2026, 8, 31))
    assert days.is_working_day(date(2026, 8, 22))
    assert not days.is_working_day(date(2026, 11, 24))
    assert due_at(vn(2026, 8, 31, 9, 0), 2, calendar=WorkingCalendar(days=days)).due == vn(2026, 9, 4, 17, 0)
    # 2027 is not: it follows whatever the package says (here a working 3/9, which the real package
    # has off as Quốc khánh's adjacent day), and it is provisional.
    assert date(2027, 9, 3) in holidays.country_holidays("VN", years=2027)
    assert days.is_working_day(date(2027, 9, 3))
    assert days.is_provisional(2027)
    assert not days.is_provisional(2026)


def test_a_year_in_the_table_never_asks_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(year: int) -> holidays.HolidayBase:
        raise AssertionError(f"the package was asked about {year}")

    monkeypatch.setattr(days_module, "package_holidays", refuse)
    days = WorkingDays()
    for year in OFFICIAL_YEARS:
        assert days.next_working_day(date(year, 1, 1)) >= date(year, 1, 2)
    with pytest.raises(AssertionError, match="2027"):
        days.is_working_day(date(2027, 1, 4))


def test_provisional_years_are_those_without_a_decision_in_the_table() -> None:
    assert sorted(OFFICIAL_YEARS) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert DAYS.provisional_years(date(2020, 12, 30), date(2021, 1, 5)) == [2020]
    assert DAYS.provisional_years(date(2026, 12, 30), date(2027, 1, 5)) == [2027]
    assert DAYS.provisional_years(date(2025, 6, 1), date(2026, 6, 1)) == []
    assert WorkingDays(official={}).provisional_years(date(2026, 1, 1), date(2026, 1, 1)) == [2026]


def test_every_official_day_names_its_legal_basis() -> None:
    for entry in OFFICIAL_YEARS.values():
        assert entry.decisions, entry.year
        for row in entry.days:
            assert row.basis.strip(), row
            assert row.name.strip(), row
            beyond_the_code = row.kind in (DayKind.SWAP_OFF, DayKind.SWAP_WORKED) or row.day.month == 11
            if beyond_the_code:  # swaps and 24/11 are not in the Labour Code
                assert "Bộ luật Lao động" not in row.basis, row
                assert any(mark in row.basis for mark in ("/VPCP-", "/TB-", "/QH")), row


def test_each_years_swaps_pair_a_weekday_off_with_a_saturday_worked() -> None:
    for entry in OFFICIAL_YEARS.values():
        off = [r.day for r in entry.days if r.kind is DayKind.SWAP_OFF]
        worked = [r.day for r in entry.days if r.kind is DayKind.SWAP_WORKED]
        assert len(off) == len(worked), entry.year
        assert all(d.weekday() < 5 for d in off)
        assert all(d.weekday() == 5 for d in worked)


def test_the_pinned_package_agrees_with_the_table_but_for_the_2026_new_year_swap() -> None:
    """The check to run when the `holidays` pin moves: where the package and the table part.

    With 0.109 (the pinned version) they part only on 2/1 and 10/1/2026 (12729/VPCP-KGVX, which the
    package does not know). Another version may list more days here: the table stays right, but a
    provisional year's answers may move, which is worth a look before upgrading."""
    package_only = WorkingDays(known_swaps=(), official={})
    parted = [
        day
        for year in OFFICIAL_YEARS
        for day in (date(year, 1, 1) + timedelta(days=i) for i in range(365))
        if day.year == year and package_only.is_working_day(day) != DAYS.is_working_day(day)
    ]
    assert parted == [date(2026, 1, 2), date(2026, 1, 10)], f"holidays {version('holidays')}"


def test_a_table_year_can_be_replaced_by_another_table() -> None:
    empty_2026 = {2026: OfficialYear(2026, ("test",), ())}
    days = WorkingDays(official=empty_2026)
    assert days.is_working_day(date(2026, 8, 31))
    assert days.is_working_day(date(2026, 9, 2))
    assert not days.is_provisional(2026)
    assert days.is_provisional(2025)
