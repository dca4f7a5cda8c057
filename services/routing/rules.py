"""The routing rules in code: pure functions, no I/O, no clock reads (every instant is an argument).

* the plan: ordered steps from the procedure's route, optionally in parallel groups, each with its
  day budget;
* (a step's due, counted from its assignment, and how a pause moves it on resumption, ``shift`` or
  ``restart``, are the shared calendar's: ``shared.calendar.due_from`` and ``resumed_dues``, which
  the deadline service's clocks use too);
* early / on time / late, by DATE in Vietnam (reports compare dates, never datetimes);
* the rows of the control slip (form 05), so lateness is attributed to the agency that held the dossier.
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

CENTRE = "Trung tâm"  # the one-stop centre (Bộ phận tiếp nhận và trả kết quả) as a party of a hand-off
OUTCOME_LABELS: dict[str, str] = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
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


# -- the control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05) --------------------------


@dataclass(frozen=True, slots=True)
class SlipStep:
    """What the control slip needs of one step."""

    position: int
    group: int
    agency_code: str
    state: str
    from_agency_code: str | None
    assigned_at: datetime | None
    closed_at: datetime | None
    original_due_at: datetime | None
    sla_due_at: datetime | None
    due_at: datetime | None
    extension_granted: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class SlipRow:
    """One hand-off: the giving party, the receiving one, and how the receiving one did."""

    position: int | None  # the step received; None for the result handed back to the centre
    group: int | None
    giving: str
    receiving: str
    time_in: datetime | None  # handed over (giao, nhận hồ sơ)
    time_out: datetime | None  # the receiving party finished with it
    due_at: datetime | None  # the due the outcome is judged by
    original_due_at: datetime | None
    extended_due_at: datetime | None  # granted by the deadline service; never makes a late step on time
    outcome: Outcome | None  # None while open, for a cancelled step, and for the hand-back
    overdue_now: bool  # still open and already past its due date
    state: str
    note: str | None


def _finished(step: SlipStep) -> bool:
    return step.state in ("completed", "rejected", "stopped") and step.closed_at is not None


def control_slip_rows(
    plan_steps: Sequence[SlipStep], *, resolved_at: datetime | None, now: datetime
) -> list[SlipRow]:
    """One row per hand-off, in the order they happened (steps never assigned are left out).

    The outcome in a row is the RECEIVING agency's, by date against its due, so a late row names the
    agency that caused the delay. When the dossier is resolved, a last row hands the result back from
    the agency that finished last to the centre.
    """
    handed = [s for s in plan_steps if s.assigned_at is not None]
    handed.sort(key=lambda s: (s.assigned_at, s.position))
    rows: list[SlipRow] = []
    for step in handed:
        finished = _finished(step)
        judged = step.sla_due_at
        rows.append(
            SlipRow(
                position=step.position,
                group=step.group,
                giving=step.from_agency_code or CENTRE,
                receiving=step.agency_code,
                time_in=step.assigned_at,
                time_out=step.closed_at if finished else None,
                due_at=judged,
                original_due_at=step.original_due_at,
                extended_due_at=step.due_at if step.extension_granted else None,
                outcome=outcome(step.closed_at, judged) if finished and step.closed_at and judged else None,
                overdue_now=not finished
                and step.state != "cancelled"
                and judged is not None
                and outcome(now, judged) == "late",
                state=step.state,
                note=step.note,
            )
        )
    if resolved_at is not None and handed:
        last = max(
            (s for s in handed if s.state == "completed" and s.closed_at),
            key=lambda s: (s.closed_at, s.position),
            default=None,
        )
        rows.append(
            SlipRow(
                position=None,
                group=None,
                giving=last.agency_code if last else handed[-1].agency_code,
                receiving=CENTRE,
                time_in=resolved_at,
                time_out=None,
                due_at=None,
                original_due_at=None,
                extended_due_at=None,
                outcome=None,
                overdue_now=False,
                state="returned_to_centre",
                note=None,
            )
        )
    return rows
