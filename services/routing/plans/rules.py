"""The plan's rules in code: pure functions, no I/O, no clock reads (every instant is an argument).

* the plan: ordered steps from the procedure's route, optionally in parallel groups, each with its
  day budget;
* (a step's due, counted from its assignment, and how a pause moves it on resumption, ``shift`` or
  ``restart``, are the shared calendar's: ``shared.calendar.due_from`` and ``resumed_dues``, which
  the deadline service's clocks use too);
* a step's outcome, early / on time / late, by DATE in Vietnam (reports compare dates, never
  datetimes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Literal

from shared.clock import VIETNAM
from shared.routes import group_numbers

Outcome = Literal["early", "on_time", "late"]

_HALF = Decimal("0.5")
_TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class PlannedStep:
    position: int  # 1-based, the route's order
    group: int  # 1-based; the steps of a group run at the same time
    agency_code: str
    days: Decimal


def _days(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{where}: days must be a number")
    try:
        days = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{where}: days must be a number") from exc
    if not days.is_finite() or days < 0 or days % _TENTH != 0:
        raise ValueError(f"{where}: days must be a non-negative multiple of 0.1")
    return days


def build_plan(
    route: Sequence[Mapping[str, Any]], *, lead_agency_code: str, processing_days: Decimal
) -> list[PlannedStep]:
    """The steps of a dossier's plan (see the module doc).

    An empty route is one step at the lead agency with the whole ``processing_days``. Route items may
    carry ``"group": <int>``: items sharing a group run at the same time, and the next group starts
    when all of them are done; an item without one is a group of its own. Groups run in the order
    they first appear. An item without ``days`` gets an equal share (in half days) of what the
    groups with known days leave of ``processing_days``; a group lasts as long as its longest item.
    """
    if not route:
        return [PlannedStep(1, 1, lead_agency_code, processing_days)]
    labels: list[int | None] = []
    for index, item in enumerate(route):
        label = item.get("group")
        if label is not None and (isinstance(label, bool) or not isinstance(label, int)):
            raise ValueError(f"route[{index}]: group must be an integer")
        labels.append(label)
    groups = group_numbers(labels)
    items: list[tuple[int, str, Decimal | None]] = []
    for index, (group, item) in enumerate(zip(groups, route, strict=True)):
        where = f"route[{index}]"
        agency = item.get("agency_code")
        if not isinstance(agency, str) or not agency.strip():
            raise ValueError(f"{where}: agency_code is required")
        items.append((group, agency.strip(), _days(item.get("days"), where)))
    budget = _group_budgets(items, max(groups), processing_days)
    return [
        PlannedStep(position, group, agency, days if days is not None else budget[group])
        for position, (group, agency, days) in enumerate(items, start=1)
    ]


def _group_budgets(
    items: Sequence[tuple[int, str, Decimal | None]], groups: int, processing_days: Decimal
) -> dict[int, Decimal]:
    known: dict[int, Decimal] = {}
    for group, _, days in items:
        if days is not None:
            known[group] = max(days, known.get(group, Decimal(0)))
    unknown = [g for g in range(1, groups + 1) if g not in known]
    if not unknown:
        return known
    left = max(Decimal(0), processing_days - sum(known.values(), Decimal(0)))
    share = (left / len(unknown) / _HALF).to_integral_value(ROUND_FLOOR) * _HALF
    budgets = dict(known)
    for group in unknown[:-1]:
        budgets[group] = share
    budgets[unknown[-1]] = left - share * (len(unknown) - 1)
    return budgets


def plan_days(processing_days: Decimal, online_processing_days: Decimal | None, channel: str) -> Decimal:
    """The days of a single-step plan: the online time for an online dossier where the procedure has one."""
    if channel == "online" and online_processing_days:
        return online_processing_days
    return processing_days


def outcome(finished_at: datetime, due: datetime) -> Outcome:
    """Early, on time or late, comparing the DATES in Vietnam: a result at 16:00 on the due day is on time."""
    finished = finished_at.astimezone(VIETNAM).date()
    last_day = due.astimezone(VIETNAM).date()
    if finished < last_day:
        return "early"
    return "on_time" if finished == last_day else "late"
