"""The rules of feedback and complaints (phản ánh, kiến nghị) as pure functions.

No I/O and no clock reads: instants and dates are arguments. Every comparison of a deadline is by
DATE in Vietnam (``shared.clock.VIETNAM``), as the reports compare dossiers: an answer given on the
due date, at any hour, is on time; an item is overdue only from the day after its due date.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from shared.calendar import WorkingCalendar, due_at
from shared.clock import vietnam_date

Kind = Literal["feedback", "petition", "complaint"]  # phản ánh | kiến nghị | khiếu nại
Source = Literal["citizen", "ballot"]
State = Literal["open", "answered"]

KINDS: tuple[Kind, ...] = ("feedback", "petition", "complaint")
DEFAULT_ANSWER_DAYS = 10  # MOTCUA_FEEDBACK_ANSWER_DAYS: working days to answer (verify per province)
BALLOT_TOPIC = "Không hài lòng"  # the topic of an item opened by an unsatisfied ballot


def answer_due(received_at: datetime, days: int, *, calendar: WorkingCalendar) -> datetime:
    """When an item received at ``received_at`` must be answered: ``days`` working days of office
    time (nights, weekends, holidays such as Tết skipped), counted from the next working moment."""
    if days < 1:
        raise ValueError("the answer deadline is at least one working day")
    return due_at(received_at, days, calendar=calendar).due


def answered_on_time(answered_at: datetime, due: datetime) -> bool:
    """On time (đúng hạn) when answered on or before the due DATE in Vietnam, whatever the hour."""
    return vietnam_date(answered_at) <= vietnam_date(due)


def overdue(due: datetime, answered_at: datetime | None, today: date) -> bool:
    """Open past its deadline (quá hạn) on ``today``: still unanswered and the due date has passed."""
    return answered_at is None and vietnam_date(due) < today


def responsible_agency(named: str | None, dossier_agency: str | None) -> str | None:
    """Who must answer: the agency the citizen named, else the lead agency of the dossier named,
    else nobody (the caller refuses: the item cannot be routed)."""
    return named or dossier_agency


# -- the summary (báo cáo tình hình tiếp nhận, trả lời phản ánh kiến nghị) --------------------------


@dataclass
class Counts:
    """One row of the summary. ``received`` = answered on time + answered late + open within +
    open overdue, always."""

    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open_within: int = 0
    open_overdue: int = 0

    def add(self, other: "Counts") -> None:
        self.received += other.received
        self.answered_on_time += other.answered_on_time
        self.answered_late += other.answered_late
        self.open_within += other.open_within
        self.open_overdue += other.open_overdue


@dataclass(frozen=True)
class Group:
    """Items alike for the summary: the same agency, due date and answer date (Vietnam dates)."""

    agency_code: str
    due_date: date
    answered_date: date | None
    items: int


@dataclass
class Summary:
    rows: dict[str, Counts] = field(default_factory=dict)
    totals: Counts = field(default_factory=Counts)


def as_of(to: date, today: date) -> date:
    """The day the open items are judged on: the period's end, or today while the period runs."""
    return min(to, today)


def classify(due_date: date, answered_date: date | None, on: date) -> str:
    """Where one item received in the period stands on day ``on``: answered on time or late (if
    answered by then), else open within its deadline (due date ≥ ``on``) or overdue."""
    if answered_date is not None and answered_date <= on:
        return "answered_on_time" if answered_date <= due_date else "answered_late"
    return "open_within" if due_date >= on else "open_overdue"


def summarise(groups: Iterable[Group], *, on: date) -> Summary:
    """Counts per agency of the items received in a period, judged on day ``on``; the totals row is
    the sum of the rows."""
    summary = Summary()
    for group in groups:
        counts = Counts(received=group.items)
        bucket = classify(group.due_date, group.answered_date, on)
        setattr(counts, bucket, group.items)
        summary.rows.setdefault(group.agency_code, Counts()).add(counts)
        summary.totals.add(counts)
    return summary
