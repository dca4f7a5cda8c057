"""The clocks' rules in code: pure functions, no I/O, no clock reads (every instant is an argument).

* a clock's state and dues DERIVED from the facts heard (start, original due, pauses, stop, extension),
  so the same facts in any order of delivery give the same clock;
* the dossier's clock pauses while any of its steps is paused (the union of the steps' pauses);
* a resumption moves the due by the procedure's policy (``shared.calendar.resumed_dues``); a pause for
  a financial obligation always shifts, since only a supplement makes a dossier "complete" afresh;
* ``warn_at``: the moment ``due_soon_hours`` working hours before the due;
* the dossier's new appointment (``to_announce``): each resumption of its clock that moved its due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from shared.calendar import (
    DEFAULT_CUTOFF,
    Policy,
    WorkingCalendar,
    add_working_minutes,
    due_after_pause,
    paused_minutes,
    shifted,
)

ClockState = Literal["pending", "running", "paused", "stopped"]


@dataclass(frozen=True, slots=True)
class Terms:
    """How a dossier's procedure counts time: from the `dossier.received` snapshot, or defaults."""

    policy: Policy | None = None  # None until `received` arrives: the resumption's own policy is used
    kind: str = "working"
    same_day: bool = False
    cutoff: time = DEFAULT_CUTOFF


@dataclass(frozen=True, slots=True)
class Mark:
    """A pause or a resumption of a step's clock, as heard."""

    kind: Literal["pause", "resume"]
    at: datetime
    reason: str | None = None
    policy: str | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused
    reason: str | None = None
    policy: str | None = None  # the policy the resumption applied, when routing said


def pauses_of(marks: Iterable[Mark]) -> list[Pause]:
    """Pair a step's marks in time order: each resumption closes the pause open before it.

    A second pause while one is open is the same pause heard twice (routing sends `supplement_requested`
    and `step.paused` together); a resumption with no open pause waits for its pause to be heard (it is
    still a mark, so pairing again once the pause arrives closes it).
    """
    result: list[Pause] = []
    open_mark: Mark | None = None
    for mark in sorted(marks, key=lambda m: (m.at, m.kind != "pause")):
        if mark.kind == "pause":
            open_mark = open_mark or mark
        elif open_mark is not None:
            result.append(Pause(open_mark.at, mark.at, open_mark.reason or mark.reason, mark.policy))
            open_mark = None
    if open_mark is not None:
        result.append(Pause(open_mark.at, None, open_mark.reason))
    return result


def policy_of(pause: Pause, terms: Terms) -> Policy:
    """Restart only for a supplement under a restart procedure; a financial obligation always shifts."""
    if pause.reason == "financial_obligation":
        return "shift"
    if terms.policy is not None:
        return terms.policy
    return "restart" if pause.policy == "restart" else "shift"


def merged(pauses: Iterable[Pause], terms: Terms) -> list[Pause]:
    """The union of several steps' pauses: the dossier's clock is paused while ANY step is.

    Overlapping pauses of parallel steps count once; a merged pause restarts the count if any of its
    parts would (the dossier was incomplete).
    """
    result: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        policy = policy_of(pause, terms)
        if result and (result[-1].end is None or pause.start <= result[-1].end):
            last = result[-1]
            end = None if last.end is None or pause.end is None else max(last.end, pause.end)
            combined = "restart" if "restart" in (last.policy, policy) else "shift"
            result[-1] = Pause(last.start, end, last.reason, combined)
        else:
            result.append(Pause(pause.start, pause.end, pause.reason, policy))
    return result


@dataclass(frozen=True, slots=True)
class ClockFacts:
    """What is known of one clock. ``original_due`` is None until its start is heard."""

    original_due: datetime | None
    days: Decimal | None  # the full days, counted afresh on a restart
    pauses: Sequence[Pause] = ()
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    extension_minutes: int = 0
    closed: bool = False  # imported: recorded as given, never running, never warned


@dataclass(frozen=True, slots=True)
class Resumption:
    """A pause that ended while the clock ran, and the due it left: ``due_before`` → ``due_after``."""

    paused_at: datetime
    resumed_at: datetime
    reason: str | None
    due_before: datetime
    due_after: datetime

    @property
    def moved(self) -> bool:
        return self.due_after != self.due_before


@dataclass(frozen=True, slots=True)
class Derived:
    state: ClockState
    due_at: datetime | None
    extended_due_at: datetime | None
    warn_at: datetime | None
    paused_at: datetime | None
    paused_minutes: int
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    resumptions: tuple[Resumption, ...] = ()  # in time order; not a column

    def values(self) -> dict[str, object]:
        return {
            "state": self.state,
            "due_at": self.due_at,
            "extended_due_at": self.extended_due_at,
            "warn_at": self.warn_at,
            "paused_at": self.paused_at,
            "paused_minutes": self.paused_minutes,
            "stopped_at": self.stopped_at,
            "stop_reason": self.stop_reason,
        }


def warn_at(due: datetime, warn_minutes: int, calendar: WorkingCalendar) -> datetime:
    """``warn_minutes`` of office time before ``due`` (nights, lunch and days off skipped)."""
    return add_working_minutes(due, -warn_minutes, calendar)


def derive(
    facts: ClockFacts, *, terms: Terms, calendar: WorkingCalendar, warn_minutes: int, uses_policy: bool = True
) -> Derived:
    """A clock's state and dues from its facts.

    Pauses are applied in time order from the original due. A pause that starts after the clock
    stopped is ignored (a late event); one under way when it stopped counts up to the stop and moves
    nothing. ``uses_policy=False`` treats every pause as already resolved (``Pause.policy`` set), as
    for the merged pauses of a dossier.
    """
    stopped = facts.stopped_at is not None or facts.closed
    stop_reason = facts.stop_reason or ("imported" if facts.closed else None)
    if facts.original_due is None:
        return Derived(
            "stopped" if stopped else "pending", None, None, None, None, 0, facts.stopped_at, stop_reason
        )
    due = facts.original_due
    total = 0
    open_since: datetime | None = None
    resumptions: list[Resumption] = []
    for pause in sorted(facts.pauses, key=lambda p: p.start):
        if facts.stopped_at is not None and pause.start >= facts.stopped_at:
            continue
        end = pause.end
        if facts.stopped_at is not None and (end is None or end > facts.stopped_at):
            total += paused_minutes(pause.start, facts.stopped_at, calendar)  # the due no longer matters
            continue
        if end is None:
            open_since = pause.start
            break
        policy: Policy = policy_of(pause, terms) if uses_policy else _as_policy(pause.policy)
        dues = due_after_pause(
            due,
            policy=policy,
            paused_at=pause.start,
            resumed_at=end,
            days=facts.days,
            calendar=calendar,
            kind=terms.kind,
            same_day=terms.same_day,
            cutoff=terms.cutoff,
        )
        resumptions.append(Resumption(pause.start, end, pause.reason, due, dues.sla_due_at))
        due, total = dues.sla_due_at, total + dues.paused_minutes
    extended = shifted(due, facts.extension_minutes, calendar) if facts.extension_minutes > 0 else None
    state: ClockState = "stopped" if stopped else "paused" if open_since is not None else "running"
    return Derived(
        state,
        due,
        extended,
        warn_at(due, warn_minutes, calendar),
        open_since if state == "paused" else None,
        total,
        facts.stopped_at,
        stop_reason if stopped else None,
        tuple(resumptions),
    )


def _as_policy(value: str | None) -> Policy:
    return "restart" if value == "restart" else "shift"


AppointmentReason = Literal["supplement", "obligation"]


def appointment_reason(pause_reason: str | None) -> AppointmentReason:
    """What a new appointment says of its pause: a financial obligation (nghĩa vụ tài chính), or a
    supplement."""
    return "obligation" if pause_reason == "financial_obligation" else "supplement"


def to_announce(
    resumptions: Iterable[Resumption], announced: Mapping[datetime, datetime]
) -> list[Resumption]:
    """The resumptions of a dossier's clock to announce as its new appointment, given the due already
    announced for each `resumed_at`: one that moved the due and was never announced, and one announced
    whose due is now another (a fact heard late, a day off set since). The same facts never announce
    anything twice."""
    result: list[Resumption] = []
    for resumption in resumptions:
        sent = announced.get(resumption.resumed_at)
        if (sent is None and resumption.moved) or (sent is not None and sent != resumption.due_after):
            result.append(resumption)
    return result
