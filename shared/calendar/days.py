"""Which days are working days (ngày làm việc), and why.

Three layers decide a day, each overriding the one before:

1. the ``holidays`` package (``holidays.VN``): Monday–Friday minus public holidays (ngày lễ, Tết) and
   compensatory days off (nghỉ bù), plus the Saturdays it knows were swapped into working days
   (``weekend_workdays``, ngày làm bù);
2. ``KNOWN_SWAPS``: the official swaps (hoán đổi ngày làm việc) decided by the government for the
   public sector, kept here so that the answer does not depend on the package version and so that
   a swap the package does not know yet is still right;
3. the centre's admin overrides (``CalendarOverride``): a day off announced locally, or a Saturday
   worked.

Every answer carries its reason, so a due date can explain the days it skipped. Results are cached
per year: building a year costs about a millisecond, answering costs a list index.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

import holidays


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

# Official swaps for the public sector (cán bộ, công chức, viên chức), one row per day, with the
# decision that made them. Where the holidays package already agrees the row changes nothing but
# names the decision; where it does not, the row is the correction. Checked against holidays 0.109.
KNOWN_SWAPS: Final[tuple[CalendarOverride, ...]] = (
    # Công văn 6519/VPCP-KGVX (11/7/2018), announced by Thông báo 3238/TB-LĐTBXH: Tết Dương lịch 2019
    # off Monday 31/12/2018, worked back on Saturday 5/1/2019. The package agrees.
    CalendarOverride(date(2018, 12, 31), False, "nghỉ hoán đổi, làm bù thứ Bảy 05/01/2019"),
    CalendarOverride(date(2019, 1, 5), True, "ngày làm bù cho thứ Hai 31/12/2018 (6519/VPCP-KGVX)"),
    # Same dispatch: 30/4–1/5/2019 off Monday 29/4, worked back on Saturday 4/5/2019. The package agrees.
    CalendarOverride(date(2019, 4, 29), False, "nghỉ hoán đổi, làm bù thứ Bảy 04/05/2019"),
    CalendarOverride(date(2019, 5, 4), True, "ngày làm bù cho thứ Hai 29/04/2019 (6519/VPCP-KGVX)"),
    # Công văn 2450/VPCP-KGVX (12/4/2024): off Monday 29/4/2024, worked back on Saturday 4/5/2024.
    # The package agrees.
    CalendarOverride(date(2024, 4, 29), False, "nghỉ hoán đổi, làm bù thứ Bảy 04/05/2024"),
    CalendarOverride(date(2024, 5, 4), True, "ngày làm bù cho thứ Hai 29/04/2024 (2450/VPCP-KGVX)"),
    # Công văn 8726/VPCP-KGVX (26/11/2024), announced by Thông báo 6150/TB-BLĐTBXH (3/12/2024): off
    # Friday 2/5/2025, worked back on Saturday 26/4/2025. The package agrees.
    CalendarOverride(date(2025, 5, 2), False, "nghỉ hoán đổi, làm bù thứ Bảy 26/04/2025"),
    CalendarOverride(date(2025, 4, 26), True, "ngày làm bù cho thứ Sáu 02/05/2025 (6150/TB-BLĐTBXH)"),
    # Công văn 12729/VPCP-KGVX (25/12/2025): Tết Dương lịch 2026 off Friday 2/1/2026, worked back on
    # Saturday 10/1/2026. The package (0.109) does NOT know this swap: it has 2/1/2026 as a working
    # day and 10/1/2026 as a plain Saturday. These two rows correct it.
    CalendarOverride(date(2026, 1, 2), False, "nghỉ hoán đổi, làm bù thứ Bảy 10/01/2026"),
    CalendarOverride(date(2026, 1, 10), True, "ngày làm bù cho thứ Sáu 02/01/2026 (12729/VPCP-KGVX)"),
)


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
    """The working-day calendar (lịch ngày làm việc): package, then ``KNOWN_SWAPS``, then overrides.

    Immutable once built: when the admin table changes, build a new one (its caches start empty).
    """

    __slots__ = ("_cache", "_overrides", "_swaps")

    def __init__(
        self,
        overrides: Iterable[CalendarOverride] = (),
        *,
        known_swaps: Iterable[CalendarOverride] = KNOWN_SWAPS,
    ) -> None:
        self._swaps = _by_day(known_swaps, "known swaps")
        self._overrides = _by_day(overrides, "calendar overrides")
        self._cache: dict[int, _Year] = {}

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
        # language="vi": without it the package picks the process locale and names days in English.
        package = holidays.country_holidays("VN", years=year, language="vi")
        swapped_saturdays = package.weekend_workdays
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        statuses: list[DayStatus] = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            status = self._decide(day, package.get(day), day in swapped_saturdays)
            statuses.append(status)
        working = tuple(first + i for i, s in enumerate(statuses) if s.working)
        off = tuple(first + i for i, s in enumerate(statuses) if not s.working)
        skipped = tuple(SkippedDay(date.fromordinal(o), statuses[o - first].reason) for o in off)
        return _Year(year, first, tuple(statuses), working, off, skipped)

    def _decide(self, day: date, holiday: str | None, swapped_saturday: bool) -> DayStatus:
        row = self._overrides.get(day) or self._swaps.get(day)
        if row is not None:
            return DayStatus(row.working, row.reason)
        if holiday is not None:
            return DayStatus(False, holiday)
        weekday = day.weekday()
        if weekday < 5:
            return _WEEKDAY
        if swapped_saturday:
            return DayStatus(True, SWAPPED_SATURDAY)
        return _SATURDAY if weekday == 5 else _SUNDAY


_WEEKDAY: Final = DayStatus(True, WORKING_DAY)
_SATURDAY: Final = DayStatus(False, SATURDAY)
_SUNDAY: Final = DayStatus(False, SUNDAY)
