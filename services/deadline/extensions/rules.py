"""The rules on extensions (gia hạn) as pure functions: before the due, with a reason, by a leader,
once. No I/O, no clock reads: the request's time is an argument."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from shared.calendar import WorkingCalendar, shifted

DENIALS: Final[dict[str, str]] = {
    "already_extended": "Thời hạn của bước này đã được gia hạn một lần; không gia hạn lần thứ hai.",
    "not_a_leader": "Chỉ lãnh đạo cơ quan được xin gia hạn thời hạn giải quyết.",
    "no_reason": "Yêu cầu gia hạn phải nêu rõ lý do.",
    "after_due": "Yêu cầu gia hạn phải gửi trước thời hạn giải quyết của bước.",
}


@dataclass(frozen=True, slots=True)
class Decision:
    granted: bool
    denial_code: str | None = None
    new_due_at: datetime | None = None
    minutes: int = 0

    @property
    def denial_text(self) -> str | None:
        return None if self.denial_code is None else DENIALS[self.denial_code]


def decide_extension(
    *,
    requested_at: datetime,
    reason: str,
    role: str | None,
    days: int,
    current_due: datetime,
    already_extended: bool,
    calendar: WorkingCalendar,
) -> Decision:
    """Grant or deny, checking in this order: once per step, by a leader, with a reason, before the due.

    The request is judged at ``requested_at`` (when it was asked), never at when we heard of it. The
    new due is the current due plus ``days`` working days of office time, on the calendar.
    """
    if already_extended:
        return Decision(False, "already_extended")
    if role != "leader":
        return Decision(False, "not_a_leader")
    if not reason.strip():
        return Decision(False, "no_reason")
    if requested_at >= current_due:
        return Decision(False, "after_due")
    minutes = days * calendar.hours.day_minutes
    return Decision(True, None, shifted(current_due, minutes, calendar), minutes)
