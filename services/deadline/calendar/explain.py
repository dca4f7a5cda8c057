"""Why a due is where it is: each day that did not count, with its cause (pure, for GET /v1/calendar/due).

Causes, stable for programs, with the calendar's own Vietnamese reason beside them for people:

* ``after_closing``: the receipt day itself, received after the last session closed (nhận sau giờ làm việc);
* ``after_cutoff``: the receipt day of a same-day procedure received after the cut-off;
* ``weekend``: a Saturday or Sunday not worked;
* ``holiday``: a public holiday, Tết or a compensatory day off, named as the official table names it
  (``shared.calendar.OFFICIAL_YEARS``), or the holidays package in a provisional year;
* ``swap``: a day off of an official swap (hoán đổi ngày làm việc);
* ``override``: a day off set by the centre's admin, with the admin's reason.

And the years the computation crossed that the official table does not decide: provisional (tạm
tính), their days off the ``holidays`` package's guess, with a sentence saying so.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final, Literal

from shared.calendar import (
    KNOWN_SWAPS,
    OFFICIAL_YEARS,
    CalendarOverride,
    DayKind,
    DueResult,
    WorkingCalendar,
)
from shared.calendar.days import SATURDAY, SUNDAY
from shared.clock import VIETNAM

Cause = Literal["after_closing", "after_cutoff", "weekend", "holiday", "swap", "override"]

_SWAP_DAYS_OFF: Final = frozenset(row.day for row in KNOWN_SWAPS if not row.working) | frozenset(
    row.day for year in OFFICIAL_YEARS.values() for row in year.days if row.kind is DayKind.SWAP_OFF
)


@dataclass(frozen=True, slots=True)
class Skipped:
    day: date
    cause: Cause
    reason: str


def _cause(day: date, reason: str, overrides: Mapping[date, CalendarOverride]) -> Cause:
    if day in overrides:
        return "override"
    if reason in (SATURDAY, SUNDAY):
        return "weekend"
    if day in _SWAP_DAYS_OFF:
        return "swap"
    return "holiday"


def explain(
    start: datetime,
    result: DueResult,
    *,
    calendar: WorkingCalendar,
    overrides: Mapping[date, CalendarOverride],
    same_day: bool,
    cutoff: time,
) -> list[Skipped]:
    """Every day between the receipt and the due that did not count, in order, with its cause."""
    local = start.astimezone(VIETNAM)
    entries: list[Skipped] = []
    receipt_day = local.date()
    if result.clock_start.date() > receipt_day and calendar.days.is_working_day(receipt_day):
        closing = calendar.hours.sessions[-1][1]
        if local.time() >= closing or not same_day:
            reason = f"nhận sau giờ làm việc ({closing:%H:%M}), tính từ sáng ngày làm việc tiếp theo"
            entries.append(Skipped(receipt_day, "after_closing", reason))
        else:
            reason = f"nhận sau giờ tiếp nhận cuối ngày ({cutoff:%H:%M}), hẹn trả ngày làm việc tiếp theo"
            entries.append(Skipped(receipt_day, "after_cutoff", reason))
    for skipped in result.skipped:
        entries.append(Skipped(skipped.day, _cause(skipped.day, skipped.reason, overrides), skipped.reason))
    return entries


def provisional_years(start: datetime, result: DueResult, *, calendar: WorkingCalendar) -> list[int]:
    """The years from the receipt to the due that have no official decision in the table, ascending."""
    return calendar.days.provisional_years(start.astimezone(VIETNAM).date(), result.due.date())


def provisional_note(years: list[int]) -> str | None:
    """The sentence that says a due rests on a provisional year, in Vietnamese; None when none does."""
    if not years:
        return None
    which = f"Năm {years[0]}" if len(years) == 1 else "Các năm " + ", ".join(str(y) for y in years)
    return (
        f"{which} chưa có quyết định chính thức về ngày nghỉ lễ, Tết và hoán đổi ngày làm việc trong lịch "
        "của hệ thống: ngày nghỉ là tạm tính và hạn giải quyết có thể thay đổi khi có thông báo chính thức."
    )
