"""The regulation on apology letters (form 04), as pure functions: dates in, a refusal, a form or None
out.

Lateness is by DATE in Vietnam, compared to the ORIGINAL due date; an apology's new return date is
kept beside the due dates and never makes a dossier on time (docs/rules.md, "Lateness").
"""

from dataclasses import dataclass
from datetime import date, datetime

from shared.clock import vietnam_date
from shared.rule_sets import Form, rule_set_on


@dataclass(frozen=True)
class Refusal:
    """Why a letter may not be issued: a stable `code` and the sentence shown with it."""

    status: int
    code: str
    detail: str


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


def check_once(already_issued: bool, *, scope: str) -> Refusal | None:
    """The return date may be moved only once (docs/rules.md): one letter per dossier, and per step."""
    if already_issued:
        return Refusal(
            409,
            "already_apologised",
            f"An apology letter was already issued for this {scope}; the return date may be moved only once.",
        )
    return None


def check_open(state: str | None, open_states: frozenset[str]) -> Refusal | None:
    """A letter sets a new date to return a result: a clock already stopped needs none."""
    if state is not None and state not in open_states:
        return Refusal(
            409, "clock_closed", f"The clock is {state}: there is no result left to promise a new date for."
        )
    return None


def issued_before_due(issued_at: datetime, original_due_at: datetime | None) -> bool | None:
    """Sent in time (docs/rules.md: before the due date), judged by Vietnam dates; None if the due is
    unknown."""
    if original_due_at is None:
        return None
    return vietnam_date(issued_at) <= vietnam_date(original_due_at)


def days_late(original_due_at: datetime, *, until: datetime) -> int:
    """Calendar days from the original due date to `until`, by Vietnam dates (0: not late)."""
    return max(0, (vietnam_date(until) - vietnam_date(original_due_at)).days)


def letter_form(received_at: datetime | None, *, issued_at: datetime) -> Form:
    """The letter's form: that of the rule set of the dossier's receipt day, never today's, so a
    reprint says what the first print said. A dossier whose receipt deadline never heard of goes by
    the letter's issue day, the nearest date known."""
    return rule_set_on(received_at or issued_at).forms["apology"]
