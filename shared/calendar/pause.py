"""What a pause of an SLA clock (tạm dừng tính thời hạn) does to a due; dues in a procedure's days.

A clock pauses while the citizen owes a supplement (bổ sung hồ sơ) or a financial obligation (nghĩa vụ
tài chính). On resumption the procedure's policy says how the due moves:

* ``shift``: later by exactly the office time the pause lasted (working minutes, to the minute);
* ``restart``: counted afresh from the resumption with the full days (a complete dossier restarts
  the count), in the procedure's kind of days.

An extension already granted keeps its length beyond the new due in both cases.

Pure, like the rest of the package: every instant is an argument. Used by every service that keeps a
due (routing's steps, deadline's dossier and step clocks), so the two always agree on the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from shared.calendar.due import DEFAULT_CUTOFF, Kind, due_at
from shared.calendar.hours import WorkingCalendar, add_working_minutes, working_minutes_between

Policy = Literal["shift", "restart"]


def due_from(
    start: datetime,
    days: Decimal,
    *,
    calendar: WorkingCalendar,
    kind: Kind | str = "working",
    same_day: bool = False,
    cutoff: time = DEFAULT_CUTOFF,
) -> datetime:
    """The due of ``days`` counted from ``start`` in a procedure's kind of days.

    ``same_day`` applies when ``days`` is at most one (a same-day procedure, or its single step).
    A fractional budget of a calendar-day procedure is rounded up to a whole day: the agency never
    gets less than it is given.
    """
    if kind == "calendar":
        return due_at(start, days.to_integral_value(ROUND_CEILING), calendar=calendar, kind="calendar").due
    if same_day and days <= 1:
        return due_at(start, days, calendar=calendar, same_day=True, cutoff=cutoff).due
    return due_at(start, days, calendar=calendar).due


def shifted(at: datetime, minutes: int, calendar: WorkingCalendar) -> datetime:
    """``at`` moved later by ``minutes`` of office time; no minutes leave it exactly where it was."""
    if minutes <= 0:
        return at
    return add_working_minutes(at, minutes, calendar)


def paused_minutes(paused_at: datetime, resumed_at: datetime, calendar: WorkingCalendar) -> int:
    """The office time a pause lasted; nights, lunch and days off in it do not count."""
    return max(0, working_minutes_between(paused_at, resumed_at, calendar))


@dataclass(frozen=True, slots=True)
class Dues:
    sla_due_at: datetime  # the due moved by pauses only: what lateness is judged by
    due_at: datetime  # the effective due: ``sla_due_at`` plus any extension granted
    paused_minutes: int  # the working minutes the pause lasted


def resumed_dues(
    *,
    policy: Policy,
    sla_due_at: datetime,
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    restarted_due: datetime,
    calendar: WorkingCalendar,
) -> Dues:
    """The dues after a pause from ``paused_at`` to ``resumed_at``.

    ``shift``: both dues move later by the working minutes of the pause. ``restart``: the count starts
    afresh at resumption with the full days (``restarted_due``, from ``due_from``); an extension already
    granted (``due_at`` beyond ``sla_due_at``) keeps its length beyond the new due.
    """
    minutes = paused_minutes(paused_at, resumed_at, calendar)
    if policy == "shift":
        return Dues(shifted(sla_due_at, minutes, calendar), shifted(due_at, minutes, calendar), minutes)
    extra = max(0, working_minutes_between(sla_due_at, due_at, calendar))
    return Dues(restarted_due, shifted(restarted_due, extra, calendar), minutes)


def due_after_pause(
    due: datetime,
    *,
    policy: Policy,
    paused_at: datetime,
    resumed_at: datetime,
    days: Decimal | None,
    calendar: WorkingCalendar,
    kind: Kind | str = "working",
    same_day: bool = False,
    cutoff: time = DEFAULT_CUTOFF,
) -> Dues:
    """The dues of a clock without an extension after one pause: ``restart`` counts the procedure's
    full ``days`` afresh from the resumption (``due_from``; without ``days`` it cannot, and the due
    stays), ``shift`` moves the due by the pause. The deadline service's clocks and intake's imported
    pauses both go through it, so an imported dossier is judged as a live one."""
    restarted = due
    if policy == "restart" and days is not None:
        restarted = due_from(resumed_at, days, calendar=calendar, kind=kind, same_day=same_day, cutoff=cutoff)
    return resumed_dues(
        policy=policy,
        sla_due_at=due,
        due_at=due,
        paused_at=paused_at,
        resumed_at=resumed_at,
        restarted_due=restarted,
        calendar=calendar,
    )
