"""Which days are working days (ngày làm việc), and why.

Two layers decide a day, the second overriding the first:

1. the official calendar of the day's year:
   * a year of ``OFFICIAL_YEARS`` (``shared/calendar/official.py``: the project's own table of each
     year's holidays, compensatory days and swaps, each with its legal basis) is decided by that table
     alone: Monday–Friday, minus the days off it lists, plus the weekend days worked it lists. The
     ``holidays`` package is not asked, so the year comes out the same whatever version is installed;
   * any other year is provisional (tạm tính): the ``holidays`` package (``holidays.VN``, through
     ``package_holidays``) gives its holidays, compensatory days (nghỉ bù) and the Saturdays it knows
     were swapped into working days (``weekend_workdays``), corrected by ``KNOWN_SWAPS``, the official
     swaps of years before the table;
2. the centre's admin overrides (``CalendarOverride``): a day off announced locally, or a Saturday
   worked, in any year.

Every answer carries its reason, so a due date can explain the days it skipped. Results are cached
per year: building a year costs about a millisecond, answering costs a list index.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

import holidays

from shared.calendar.official import OFFICIAL_YEARS, OfficialYear


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    """One day whose status is decided by hand: a day off, or a working Saturday (ngày làm bù)."""

    day: date
    working: bool
    reason: str


class DayStatus(NamedTuple):
    """Whether a day is a working day, and why; unpacks as ``(working, reason)``."""

    working: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A non-working day that a due-time computation passed over (ngày nghỉ không tính)."""

    day: date
    reason: str


WORKING_DAY: Final = "ngày làm việc"
SATURDAY: Final = "Thứ Bảy"
SUNDAY: Final = "Chủ Nhật"
SWAPPED_SATURDAY: Final = "ngày làm bù"

# Official swaps for the public sector (cán bộ, công chức, viên chức) in years before the official
# table (``OFFICIAL_YEARS`` starts in 2021), one row per day, with the decision that made them. They
# correct the package in those provisional years; where it already agrees the row only names the
# decision. The swaps of 2021 and later are rows of the table. Checked against holidays 0.109.
KNOWN_SWAPS: Final[tuple[CalendarOverride, ...]] = (
    # Công văn 6519/VPCP-KGVX (11/7/2018), announced by Thông báo 3238/TB-LĐTBXH: Tết Dương lịch 2019
    # off Monday 31/12/2018, worked back on Saturday 5/1/2019. The package agrees.
    CalendarOverride(date(2018, 12, 31), False, "nghỉ hoán đổi, làm bù thứ Bảy 05/01/2019"),
    CalendarOverride(date(2019, 1, 5), True, "ngày làm bù cho thứ Hai 31/12/2018 (6519/VPCP-KGVX)"),
    # Same dispatch: 30/4–1/5/2019 off Monday 29/4, worked back on Saturday 4/5/2019. The package agrees.
    CalendarOverride(date(2019, 4, 29), False, "nghỉ hoán đổi, làm bù thứ Bảy 04/05/2019"),
    CalendarOverride(date(2019, 5, 4), True, "ngày làm bù cho thứ Hai 29/04/2019 (6519/VPCP-KGVX)"),
)


def package_holidays(year: int) -> holidays.HolidayBase:
    """The ``holidays`` package's Vietnam for one provisional year, in Vietnamese.

    The one place the package is asked (tests replace it to play another version). ``language="vi"``:
    without it the package picks the process locale and names days in English.
    """
    return holidays.country_holidays("VN", years=year, language="vi")


@dataclass(frozen=True, slots=True)
class _Year:
    """One year, precomputed: every day's status, and the working / non-working days in order."""

    year: int
    first: int  # ordinal of 1 January
    statuses: tuple[DayStatus, ...]  # indexed by ordinal - first
    working: tuple[int, ...]  # ordinals of the working days, ascending
    off: tuple[int, ...]  # ordinals of the non-working days, ascending
    skipped: tuple[SkippedDay, ...]  # parallel to ``off``: built once, shared by every answer


def _by_day(rows: Iterable[CalendarOverride], what: str) -> dict[date, CalendarOverride]:
    table: dict[date, CalendarOverride] = {}
    for row in rows:
        if row.day in table and table[row.day] != row:
            raise ValueError(f"two {what} for {row.day.isoformat()}")
        table[row.day] = row
    return table


class WorkingDays:
    """The working-day calendar (lịch ngày làm việc): the official table or, in a provisional year, the
    package and ``KNOWN_SWAPS``; then the admin's overrides.

    Immutable once built: when the admin table changes, build a new one (its caches start empty).
    """

    __slots__ = ("_cache", "_official", "_overrides", "_swaps")

    def __init__(
        self,
        overrides: Iterable[CalendarOverride] = (),
        *,
        known_swaps: Iterable[CalendarOverride] = KNOWN_SWAPS,
        official: Mapping[int, OfficialYear] = OFFICIAL_YEARS,
    ) -> None:
        self._swaps = _by_day(known_swaps, "known swaps")
        self._overrides = _by_day(overrides, "calendar overrides")
        self._official = official
        self._cache: dict[int, _Year] = {}

    # -- which years are decided -----------------------------------------------------------

    def is_provisional(self, year: int) -> bool:
        """True when no official decision for ``year`` is in the table: the package's guess decides it."""
        return year not in self._official

    def provisional_years(self, first: date, last: date) -> list[int]:
        """The provisional years among those of ``[first, last]``, ascending."""
        return [y for y in range(first.year, last.year + 1) if self.is_provisional(y)]

    # -- answers by date -------------------------------------------------------------------

    def explain(self, day: date) -> DayStatus:
        """``(working, reason)`` for one day, e.g. ``(False, "Tết Nguyên Đán")``."""
        table = self._year(day.year)
        return table.statuses[day.toordinal() - table.first]

    def is_working_day(self, day: date) -> bool:
        return self.explain(day).working

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        return date.fromordinal(self.first_working_on_or_after(day.toordinal()))

    def skipped_between(self, first: date, last: date) -> list[SkippedDay]:
        """Every non-working day in ``[first, last]``, in order, with its reason."""
        return self.skipped_ordinals(first.toordinal(), last.toordinal())

    # -- ordinal arithmetic, for the minute clock ------------------------------------------

    def is_working_ordinal(self, ordinal: int) -> bool:
        table = self._year(date.fromordinal(ordinal).year)
        return table.statuses[ordinal - table.first].working

    def first_working_on_or_after(self, ordinal: int) -> int:
        table = self._year(date.fromordinal(ordinal).year)
        index = bisect_left(table.working, ordinal)
        # A year with no working day left only happens with absurd overrides; bounded anyway.
        for _ in range(10):
            if index < len(table.working):
                return table.working[index]
            table, index = self._year(table.year + 1), 0
        raise ValueError(f"no working day within ten years after {date.fromordinal(ordinal)}")

    def advance(self, ordinal: int, count: int) -> int:
        """The working day ``count`` working days after (or before, if negative) working day ``ordinal``."""
        table = self._year(date.fromordinal(ordinal).year)
        index = bisect_left(table.working, ordinal) + count
        # Whole years are jumped at once: a due date three years away costs three steps, not 750.
        while index >= len(table.working):
            index -= len(table.working)
            table = self._year(table.year + 1)
        while index < 0:
            table = self._year(table.year - 1)
            index += len(table.working)
        return table.working[index]

    def working_days_between(self, a: int, b: int) -> int:
        """How many working days separate working days ``a`` and ``b`` (negative if ``b`` is before)."""
        if b < a:
            return -self.working_days_between(b, a)
        table = self._year(date.fromordinal(a).year)
        end_year = date.fromordinal(b).year
        count = -bisect_left(table.working, a)
        while table.year < end_year:
            count += len(table.working)
            table = self._year(table.year + 1)
        return count + bisect_left(table.working, b)

    def skipped_ordinals(self, first: int, last: int) -> list[SkippedDay]:
        """The non-working days with ordinals in ``[first, last]``."""
        result: list[SkippedDay] = []
        year = date.fromordinal(first).year
        while first <= last:
            table = self._year(year)
            lo = bisect_left(table.off, first)
            hi = bisect_left(table.off, last + 1)
            result.extend(table.skipped[lo:hi])
            year += 1
            first = table.first + len(table.statuses)
        return result

    # -- building a year -------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        table = self._cache.get(year)
        if table is None:
            table = self._cache[year] = self._build(year)
        return table

    def _build(self, year: int) -> _Year:
        official = self._official.get(year)
        decide = _official_decider(official) if official is not None else self._package_decider(year)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        statuses: list[DayStatus] = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            row = self._overrides.get(day)
            statuses.append(DayStatus(row.working, row.reason) if row else decide(day))
        working = tuple(first + i for i, s in enumerate(statuses) if s.working)
        off = tuple(first + i for i, s in enumerate(statuses) if not s.working)
        skipped = tuple(SkippedDay(date.fromordinal(o), statuses[o - first].reason) for o in off)
        return _Year(year, first, tuple(statuses), working, off, skipped)

    def _package_decider(self, year: int) -> Callable[[date], DayStatus]:
        """How a day of a provisional year is decided: ``KNOWN_SWAPS``, then the package."""
        package = package_holidays(year)
        swapped_saturdays = package.weekend_workdays

        def decide(day: date) -> DayStatus:
            row = self._swaps.get(day)
            if row is not None:
                return DayStatus(row.working, row.reason)
            holiday = package.get(day)
            if holiday is not None:
                return DayStatus(False, holiday)
            if day.weekday() >= 5 and day in swapped_saturdays:
                return DayStatus(True, SWAPPED_SATURDAY)
            return _plain(day)

        return decide


def _official_decider(official: OfficialYear) -> Callable[[date], DayStatus]:
    """How a day of an official year is decided: the table's row, else Monday–Friday worked."""
    rows = {row.day: DayStatus(row.working, row.name) for row in official.days}

    def decide(day: date) -> DayStatus:
        return rows.get(day) or _plain(day)

    return decide


def _plain(day: date) -> DayStatus:
    weekday = day.weekday()
    if weekday < 5:
        return _WEEKDAY
    return _SATURDAY if weekday == 5 else _SUNDAY


_WEEKDAY: Final = DayStatus(True, WORKING_DAY)
_SATURDAY: Final = DayStatus(False, SATURDAY)
_SUNDAY: Final = DayStatus(False, SUNDAY)
