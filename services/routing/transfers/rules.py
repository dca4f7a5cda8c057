"""When a paper dossier travels to the next agency (chuyển hồ sơ giấy): the cut-off rule.

Pure: no I/O and no clock reads; every instant is an argument. Electronic dossiers move at once and
never come here. A paper dossier handed over at ``handed_at`` travels in Vietnam time:

* outside office hours (before opening, after closing, on a day off) → at the start of the next
  working morning (the opening departure, e.g. 07:30);
* at lunch → as if handed over at the start of the afternoon session: the lunch gap is a pause
  of the same working day, and a same-day dossier must not lose its day to it;
* after the cut-off (15:00 by regulation; seconds count, 15:00:30 is after, 15:00:00 is not, as in
  ``shared.calendar.due``) → at the start of the next working morning;
* before it, a multi-day dossier (``days > 1`` and not ``same_day``) → at the end of the current
  session (11:30 / 17:00 with the default office hours), in the session batch;
* before it, a same-day or one-day dossier → at once, in a batch of its own (``kind="immediate"``).
  Chosen over "the session batch marked urgent" because that batch leaves at 11:30 or 17:00, which
  is not "at once", and a sign-off must close exactly the papers that arrived together.

A batch goes to one destination: an agency (papers to process) or a receiving unit (a paper result
to hand over there, `result_destination`). A paper result travels by the same rule, as a multi-day
dossier (``RESULT_DAYS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from shared.calendar import WorkingCalendar, is_working_moment, next_working_moment
from shared.clock import VIETNAM

Session = Literal["morning", "afternoon"]
BatchKind = Literal["session", "immediate"]
DestinationKind = Literal["agency", "unit"]
Reason = Literal["outside_hours", "after_cutoff", "end_of_session", "same_day"]

_NOON = time(12, 0)
_ONE_MINUTE = timedelta(minutes=1)
# A result has no day budget of its own. Counted as multi-day, it goes with the session's batch
# (at 11:30 or 17:00) rather than alone at once: nobody waits at the counter for it that minute,
# and the reception of the return unit signs one batch per session, not one per result. A
# same-day procedure's result still leaves at once, as its papers did.
RESULT_DAYS = Decimal(2)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a batch goes: an agency (the papers of a step to process) or a receiving unit (a result
    to hand over at its counter)."""

    kind: DestinationKind
    code: str


@dataclass(frozen=True, slots=True)
class Departure:
    """Where a paper dossier goes: the batch key (agency aside) and why."""

    transfer_at: datetime  # aware, Vietnam time, whole minute
    session: Session
    session_date: date
    kind: BatchKind
    reason: Reason


def session_name(start: time) -> Session:
    """A session that opens before noon is the morning one (buổi sáng), any later one the afternoon."""
    return "morning" if start < _NOON else "afternoon"


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=VIETNAM)


def _ceil_minute(local: datetime) -> datetime:
    if local.second or local.microsecond:
        return local.replace(second=0, microsecond=0) + _ONE_MINUTE
    return local


def _session_of(moment: datetime, calendar: WorkingCalendar) -> tuple[time, time]:
    """The office session holding ``moment`` (ends included: 11:30 still belongs to the morning)."""
    t = moment.time()
    for start, end in calendar.hours.sessions:
        if start <= t <= end:
            return start, end
    raise ValueError(f"{moment.isoformat()} is not inside an office session")


def _next_morning(after: datetime, calendar: WorkingCalendar) -> Departure:
    """The opening departure of the first working day after ``after``'s date."""
    day = calendar.days.next_working_day(after.date() + timedelta(days=1))
    return _opening(day, "after_cutoff", calendar)


def _opening(day: date, reason: Reason, calendar: WorkingCalendar) -> Departure:
    first_start = calendar.hours.sessions[0][0]
    return Departure(_at(day, first_start), session_name(first_start), day, "session", reason)


def departure(
    handed_at: datetime, *, days: Decimal, same_day: bool, cutoff: time, calendar: WorkingCalendar
) -> Departure:
    """The departure of a paper dossier handed over at ``handed_at`` (see the module doc)."""
    if handed_at.tzinfo is None or handed_at.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required (naive times are ambiguous)")
    if days < 0:
        raise ValueError("days cannot be negative")
    local = handed_at.astimezone(VIETNAM)
    if is_working_moment(local, calendar):
        moment = _ceil_minute(local)
        # The handover's own time decides, seconds included, as for same-day due times.
        after_cutoff = local.time() > cutoff
    else:
        start = next_working_moment(local, calendar)
        if start.date() != local.date() or start.time() == calendar.hours.sessions[0][0]:
            return _opening(start.date(), "outside_hours", calendar)
        moment = start  # lunch: carried to the afternoon session's start of the same day
        after_cutoff = moment.time() > cutoff
    if after_cutoff:
        return _next_morning(moment, calendar)
    session_start, session_end = _session_of(moment, calendar)
    name = session_name(session_start)
    if same_day or days <= 1:
        return Departure(moment, name, moment.date(), "immediate", "same_day")
    return Departure(_at(moment.date(), session_end), name, moment.date(), "session", "end_of_session")


def departure_after(
    closed: Departure | datetime,
    *,
    days: Decimal,
    same_day: bool,
    cutoff: time,
    calendar: WorkingCalendar,
) -> Departure:
    """The next departure once a batch is closed or gone: as if handed over a minute after it left.

    07:30 → the same morning's end; 11:30 → the afternoon; 17:00 → the next working morning.
    """
    left = closed.transfer_at if isinstance(closed, Departure) else closed
    return departure(left + _ONE_MINUTE, days=days, same_day=same_day, cutoff=cutoff, calendar=calendar)


def sending_unit(
    *, received_across_boundary: bool, unit_code: str | None, from_agency_code: str | None
) -> str | None:
    """The unit the papers leave from: the receiving unit, for a dossier received across the boundary
    handed to its first agency (``from_agency_code`` None). Otherwise None: from the previous agency,
    or from the one-stop centre of the agency's own side, as before units."""
    if received_across_boundary and from_agency_code is None:
        return unit_code
    return None


def result_destination(
    *, paper: bool, received_across_boundary: bool, unit_code: str | None, return_unit_code: str | None
) -> str | None:
    """The unit a paper result travels to, or None when it is handed over where it was decided.

    It travels when the dossier was received across the boundary (the deciding agency is another
    unit's), or when the citizen takes it at a unit other than the receiving one. An online dossier,
    and one whose units are not known (received before units), travel nowhere.
    """
    if not paper or unit_code is None:
        return None
    return_unit = return_unit_code or unit_code
    if received_across_boundary or return_unit != unit_code:
        return return_unit
    return None
