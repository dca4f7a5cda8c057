"""Settings of the deadline service, beyond what every service has (README, "Deadline")."""

import re
from datetime import time

from pydantic import Field, field_validator

from shared.calendar import DEFAULT_CUTOFF, OfficeHours
from shared.settings import ServiceSettings

_SESSION = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_office_hours(value: str) -> OfficeHours:
    """``"07:30-11:30,13:00-17:00"`` as office sessions; ValueError when it is not that shape."""
    sessions: list[tuple[time, time]] = []
    for part in value.split(","):
        match = _SESSION.match(part)
        if match is None:
            raise ValueError(f"office hours are sessions like 07:30-11:30,13:00-17:00, not {value!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        sessions.append((time(h1, m1), time(h2, m2)))
    return OfficeHours(tuple(sessions))


class DeadlineSettings(ServiceSettings):
    due_soon_hours: int = Field(
        default=8,
        ge=1,
        le=400,
        description="working hours before a due when `dossier.due_soon` is sent (the clock's warn_at)",
    )
    watch_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="seconds between the watcher's cycles (due_soon / overdue), on the one leading process",
    )
    # A string rather than a list: one env value an operator can read (MOTCUA_OFFICE_HOURS=07:30-11:30,...).
    office_hours: str = Field(
        default="07:30-11:30,13:00-17:00",
        description="the office sessions of a working day, Vietnam time (giờ hành chính)",
    )
    cutoff: time = Field(
        default=DEFAULT_CUTOFF,
        description="the centre's cut-off (giờ tiếp nhận cuối ngày) for same-day dues without a procedure",
    )

    @field_validator("office_hours")
    @classmethod
    def _valid_office_hours(cls, value: str) -> str:
        parse_office_hours(value)  # refuse a bad value at start-up, not at the first due computed
        return value

    @field_validator("cutoff")
    @classmethod
    def _whole_minute_cutoff(cls, value: time) -> time:
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError("the cut-off is a whole minute without a time zone, e.g. 15:00")
        return value

    @property
    def hours(self) -> OfficeHours:
        return parse_office_hours(self.office_hours)
