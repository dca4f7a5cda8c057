"""The regulation on apology letters (form 04), as pure functions: dates in, a refusal, a form or None
out.

Sources: Decree 61/2018/NĐ-CP art. 19 (an overdue dossier: the agency sends the citizen a written
apology with the reason and a new return date; docs/rules.md's "Lateness" says art. 20: verify),
form 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả) of Circular 01/2018/TT-VPCP, and from 1 July 2025
Decree 118/2025/NĐ-CP with form 04 of Circular 03/2025/TT-VPCP (verify: the search tools at hand did
not show either decree's text; docs/rules.md, "Apology letters", says what could not be confirmed).
The team's rules (../shared/domain/RULES.md, "Lateness") read them as:

- a letter is **timely** when issued no later than one working day before the due date
  (`last_timely_day`, `is_timely`); a later one is still recorded, as late;
- a dossier has **one new return date at a time**: a second letter only once that date has passed
  without a result (`check_return_date_pending`);
- the new date never makes the dossier on time: it is kept beside the dues, which it never changes.

Lateness is by DATE in Vietnam; working days come from the working calendar (`shared.calendar`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.calendar import WorkingDays
from shared.clock import vietnam_date
from shared.rule_sets import Form, rule_set_on


@dataclass(frozen=True)
class Refusal:
    """Why a letter may not be issued: a stable `code` and the sentence shown with it."""

    status: int
    code: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


def check_new_return_date(new_return_date: date, *, now: datetime, due_at: datetime | None) -> Refusal | None:
    """The new date must lie after today and, when the current due is known, after its date."""
    today = vietnam_date(now)
    if new_return_date <= today:
        return Refusal(
            422,
            "return_date_not_in_future",
            f"The new return date {new_return_date.isoformat()} must be after today ({today.isoformat()}, "
            "Vietnam date).",
        )
    if due_at is not None and new_return_date <= vietnam_date(due_at):
        return Refusal(
            422,
            "return_date_not_after_due",
            f"The new return date {new_return_date.isoformat()} must be after the current due date "
            f"({vietnam_date(due_at).isoformat()}): a letter moves the return date later.",
        )
    return None


def check_return_date_pending(pending: date | None, *, now: datetime) -> Refusal | None:
    """One new return date at a time, per DOSSIER (every step's letters and the dossier's own count
    together): `pending` is the latest new return date of the dossier's letters, if any. While that
    date has not passed (today, Vietnam, is on or before it) no other letter is issued; from the day
    after it, the date is missed and a second letter may set another (RULES.md: "a second letter only
    when that date is missed too"; verify against Decree 118/2025)."""
    if pending is None or vietnam_date(now) > pending:
        return None
    return Refusal(
        409,
        "return_date_pending",
        f"This dossier's letter already set a new return date, {pending.isoformat()}, which still stands: "
        f"one new date at a time. Another letter may be issued only once that date is missed, from "
        f"{(pending + timedelta(days=1)).isoformat()} (Vietnam date).",
        {"pending_return_date": pending.isoformat()},
    )


def check_open(state: str | None, open_states: frozenset[str]) -> Refusal | None:
    """A letter sets a new date to return a result: a clock already stopped needs none."""
    if state is not None and state not in open_states:
        return Refusal(
            409, "clock_closed", f"The clock is {state}: there is no result left to promise a new date for."
        )
    return None


def issued_before_due(issued_at: datetime, original_due_at: datetime | None) -> bool | None:
    """Issued on or before the original due date, by Vietnam dates; None if the due is unknown. Kept
    for the API's `issued_before_due`; whether the letter was sent in time is `is_timely`."""
    if original_due_at is None:
        return None
    return vietnam_date(issued_at) <= vietnam_date(original_due_at)


def last_timely_day(due_day: date, days: WorkingDays) -> date:
    """The last day a letter for a due on `due_day` is timely: the working day before the due's working
    day ("no later than one working day before the due date"), by the working calendar, never by
    calendar days. A due on a day off counts from the next working day (a due always falls on one).

    Due Monday 10 March 2025 → Friday 7 March; a Saturday worked by a swap (ngày làm bù) between them
    would be that day instead; a due on the Monday after Tết → the last working day before Tết."""
    due_working_day = days.next_working_day(due_day)
    return date.fromordinal(days.advance(due_working_day.toordinal(), -1))


def is_timely(issued_at: datetime, due_day: date | None, days: WorkingDays) -> bool | None:
    """Sent in time: issued on or before `last_timely_day` of the due, by the Vietnam DATE of issue
    (any hour of that day: 16:59 or 20:00 on the Friday before a Monday due is timely; the weekend
    between, a day off, and the due day itself are late). None when the due is unknown."""
    if due_day is None:
        return None
    return vietnam_date(issued_at) <= last_timely_day(due_day, days)


def judged_due_day(clock_due: datetime | None, missed_return_date: date | None) -> date | None:
    """The due a letter is judged timely against. The first letter of a dossier: its clock's due date
    after pauses (the due lateness is judged by; an extension or a letter never moves it). A later
    letter: the new return date it follows, which was missed, so a second letter is always late."""
    if missed_return_date is not None:
        return missed_return_date
    return None if clock_due is None else vietnam_date(clock_due)


def days_late(original_due_at: datetime, *, until: datetime) -> int:
    """Calendar days from the original due date to `until`, by Vietnam dates (0: not late)."""
    return max(0, (vietnam_date(until) - vietnam_date(original_due_at)).days)


def letter_form(received_at: datetime | None, *, issued_at: datetime) -> Form:
    """The letter's form: that of the rule set of the dossier's receipt day, never today's, so a
    reprint says what the first print said. A dossier whose receipt deadline never heard of goes by
    the letter's issue day, the nearest date known."""
    return rule_set_on(received_at or issued_at).forms["apology"]
