"""A dossier's new appointment (hẹn lại ngày trả kết quả) after legitimate pauses of its clock, as pure
functions: no I/O, no clock reads; the calendar and the procedure's terms are arguments.

A pause for a supplement (bổ sung hồ sơ) or a financial obligation (nghĩa vụ tài chính) stops the clock;
when it ends the due the law recognises moves by the procedure's policy (`shared.calendar.resumed_dues`):
`shift` by the office time the pause lasted, `restart` counted afresh from the resumption with the full
days. A financial obligation always shifts: only a supplement makes the dossier complete afresh. Each
pause goes through `shared.calendar.due_after_pause`, as in the deadline service's clocks, pause after
pause in time order from the receipt's appointment, so an imported dossier is judged as a live one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from shared.calendar import Policy, WorkingCalendar, due_after_pause
from shared.clock import VIETNAM

PauseKind = Literal["supplement", "obligation"]

# What the citizen's look-up shows when a pause moved the appointment (the public timeline's note).
_NOTES: dict[str, str] = {
    "supplement": "Đã nhận hồ sơ bổ sung, hẹn lại ngày trả kết quả",
    "obligation": "Đã hoàn thành nghĩa vụ tài chính, hẹn lại ngày trả kết quả",
}
TIMELINE_STATUS = "appointment_changed"


@dataclass(frozen=True, slots=True)
class Pause:
    kind: PauseKind
    paused_at: datetime
    resumed_at: datetime


@dataclass(frozen=True, slots=True)
class Terms:
    """How the dossier's procedure counts a restart: the full days (the online ones for an online
    dossier, when it has them), their kind, and the same-day cut-off."""

    policy: Policy  # the supplement policy resolved for the dossier's rule set
    days: Decimal
    kind: str = "working"
    same_day: bool = False
    cutoff: time = time(15, 0)


@dataclass(frozen=True, slots=True)
class Moved:
    """A pause that moved the due, and the due after it."""

    due_at: datetime
    pause: Pause


def moved_by(
    original_due: datetime, pauses: Iterable[Pause], *, terms: Terms, calendar: WorkingCalendar
) -> list[Moved]:
    """Each pause, in time order, that moved the due, with the due after it; a pause that leaves the
    due where it was (a restart that lands on it) is not listed."""
    due = original_due
    moved: list[Moved] = []
    for pause in sorted(pauses, key=lambda p: p.paused_at):
        policy: Policy = terms.policy if pause.kind == "supplement" else "shift"
        dues = due_after_pause(
            due,
            policy=policy,
            paused_at=pause.paused_at,
            resumed_at=pause.resumed_at,
            days=terms.days,
            calendar=calendar,
            kind=terms.kind,
            same_day=terms.same_day,
            cutoff=terms.cutoff,
        )
        if dues.sla_due_at != due:
            due = dues.sla_due_at
            moved.append(Moved(due, pause))
    return moved


def timeline_note(reason: str, appointment_at: datetime) -> str:
    """The look-up's line for a new appointment: why, and the new date in Vietnam time."""
    at = appointment_at.astimezone(VIETNAM)
    return f"{_NOTES.get(reason, 'Hẹn lại ngày trả kết quả')}: {at:%H:%M %d/%m/%Y}"


def has_new_appointment(due_at: datetime | None, appointment_at: datetime | None) -> bool:
    """Whether a pause ever moved the dossier's appointment away from the receipt's."""
    return appointment_at is not None and appointment_at != due_at
