"""Office hours (giờ hành chính) and the arithmetic of working minutes.

The clock only runs during office sessions on working days. An instant is mapped to a *position*:
``(working day ordinal, office minutes elapsed that day)``; positions add and subtract like numbers,
so a due time is found by jumping whole days through the cached working-day list, never by walking
minute by minute.

Minute precision: the rules count in minutes, so an instant inside a minute (09:00:37) counts from
the next whole minute (09:01) — the citizen never loses the seconds. Every result is a whole minute,
an aware datetime in Vietnam time.

Boundaries: 11:30 and 13:00 (or 17:00 and the next 07:30) are the same position. A *start*
(``next_working_moment``, ``clock_start``) is shown as the later one, when work can begin; a *due
time* as the earlier one, the end of the session in which the time runs out (07:30 + 1 day is
17:00 the same day, not 07:30 the next morning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from shared.calendar.days import WorkingDays
from shared.clock import VIETNAM

_ONE_MINUTE = timedelta(minutes=1)


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class OfficeHours:
    """The office sessions of a working day (buổi làm việc), earliest first.

    Default: 07:30–11:30 and 13:00–17:00, so that a working day is the 8 working hours the rules
    count. 07:30–11:30 / 13:30–17:00 is also common (a 7.5-hour day); pass the centre's own sessions.
    Session times are whole minutes, without time zone; they are read in Vietnam time.
    """

    sessions: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    day_minutes: int = field(init=False, repr=False, compare=False)
    # elapsed[m]: office minutes elapsed at minute-of-day m (0..1440)
    _elapsed: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # Minute of day where a day position is shown: as a start, or as an end (see module doc).
    _start_at: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _end_at: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Settings may hand over lists (JSON); keep a hashable, immutable copy.
        sessions = tuple((a, b) for a, b in self.sessions)
        object.__setattr__(self, "sessions", sessions)
        if not sessions:
            raise ValueError("office hours need at least one session")
        for a, b in sessions:
            if any(t.tzinfo is not None or t.second or t.microsecond for t in (a, b)):
                raise ValueError("session times are whole minutes without a time zone")
        bounds = [(_minute_of_day(a), _minute_of_day(b)) for a, b in sessions]
        previous_end = -1
        for start, end in bounds:
            if not previous_end <= start < end:
                raise ValueError("sessions must be ordered, non-empty and not overlap")
            previous_end = end
        elapsed = [0] * 1441
        for minute in range(1441):
            elapsed[minute] = sum(min(max(minute - start, 0), end - start) for start, end in bounds)
        total = elapsed[1440]
        start_at = [0] * total
        end_at = [0] * (total + 1)
        for minute in range(1440, -1, -1):  # downwards: the earliest minute per position wins
            end_at[elapsed[minute]] = minute
        for minute in range(1441):  # upwards: the latest minute per position wins
            if elapsed[minute] < total:
                start_at[elapsed[minute]] = minute
        end_at[0] = bounds[0][0]  # "0 elapsed" as a result is the opening, not midnight
        object.__setattr__(self, "day_minutes", total)
        object.__setattr__(self, "_elapsed", tuple(elapsed))
        object.__setattr__(self, "_start_at", tuple(start_at))
        object.__setattr__(self, "_end_at", tuple(end_at))

    def contains(self, t: time) -> bool:
        """Inside a session, both ends included (17:00 is still office hours)."""
        minute = _minute_of_day(t)
        if t.second or t.microsecond:
            return any(_minute_of_day(a) <= minute < _minute_of_day(b) for a, b in self.sessions)
        return any(_minute_of_day(a) <= minute <= _minute_of_day(b) for a, b in self.sessions)

    def elapsed(self, minute_of_day: int) -> int:
        """Office minutes of the day already gone at ``minute_of_day`` (0..1440)."""
        return self._elapsed[minute_of_day]

    def start_minute(self, elapsed: int) -> int:
        """Minute of day at which ``elapsed`` office minutes are reached, read as a start."""
        return self._start_at[elapsed]

    def end_minute(self, elapsed: int) -> int:
        """Minute of day at which ``elapsed`` office minutes are reached, read as an end."""
        return self._end_at[elapsed]


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and office hours together: everything the SLA clock needs (lịch làm việc)."""

    days: WorkingDays = field(default_factory=WorkingDays)
    hours: OfficeHours = field(default_factory=OfficeHours)


Position = tuple[int, int]  # (working-day ordinal, office minutes elapsed that day)


def to_vietnam(t: datetime) -> datetime:
    """``t`` in Vietnam time, rounded up to the whole minute; a naive datetime is refused."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required (naive times are ambiguous)")
    local = t.astimezone(VIETNAM)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + _ONE_MINUTE
    return local


def position(local: datetime, calendar: WorkingCalendar) -> Position:
    """The office-time position of a Vietnam-time instant (already whole-minute)."""
    ordinal = local.toordinal()
    days = calendar.days
    if days.is_working_ordinal(ordinal):
        return ordinal, calendar.hours.elapsed(local.hour * 60 + local.minute)
    # On a day off the clock waits for the next working morning.
    return days.first_working_on_or_after(ordinal), 0


def _at(ordinal: int, minute: int) -> datetime:
    day = date.fromordinal(ordinal)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=VIETNAM)


def as_start(pos: Position, calendar: WorkingCalendar) -> datetime:
    """The instant at ``pos`` when work can begin: 13:00 rather than 11:30, next 07:30 rather than 17:00."""
    ordinal, elapsed = pos
    hours = calendar.hours
    if elapsed >= hours.day_minutes:
        ordinal, elapsed = calendar.days.advance(ordinal, 1), 0
    return _at(ordinal, hours.start_minute(elapsed))


def as_end(pos: Position, calendar: WorkingCalendar) -> datetime:
    """The instant at ``pos`` when time runs out: 11:30 rather than 13:00."""
    ordinal, elapsed = pos
    return _at(ordinal, calendar.hours.end_minute(elapsed))


def shift(pos: Position, minutes: int, calendar: WorkingCalendar) -> Position:
    """``pos`` moved by ``minutes`` of office time; landing on a day boundary gives the earlier day's end."""
    ordinal, elapsed = pos
    day_minutes = calendar.hours.day_minutes
    whole_days, rest = divmod(elapsed + minutes, day_minutes)
    if rest == 0 and minutes != 0:
        whole_days, rest = whole_days - 1, day_minutes
    if whole_days == 0:
        return ordinal, rest
    return calendar.days.advance(ordinal, whole_days), rest


def distance(a: Position, b: Position, calendar: WorkingCalendar) -> int:
    """Office minutes from ``a`` to ``b`` (negative if ``b`` is earlier)."""
    days = calendar.days.working_days_between(a[0], b[0]) if a[0] != b[0] else 0
    return days * calendar.hours.day_minutes + b[1] - a[1]


# -- the public minute arithmetic ------------------------------------------------------------


def next_working_moment(t: datetime, calendar: WorkingCalendar) -> datetime:
    """The first instant at or after ``t`` when the office clock runs (thời điểm bắt đầu tính).

    Inside a session: ``t`` itself (rounded up to the minute). At lunch: the afternoon session start.
    After closing, or on a day off: the next working morning.
    """
    return as_start(position(to_vietnam(t), calendar), calendar)


def is_working_moment(t: datetime, calendar: WorkingCalendar) -> bool:
    """``t`` is on a working day and inside office hours (session ends included)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required (naive times are ambiguous)")
    local = t.astimezone(VIETNAM)
    return calendar.days.is_working_day(local.date()) and calendar.hours.contains(local.time())


def add_working_minutes(start: datetime, minutes: int, calendar: WorkingCalendar) -> datetime:
    """``start`` plus ``minutes`` of office time; negative ``minutes`` go back.

    Nights, the lunch gap and non-working days do not count. With ``minutes == 0`` the answer is
    ``next_working_moment(start)``. Used to shift a due date by a pause (tạm dừng) of the SLA clock.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError("minutes must be an int")
    pos = position(to_vietnam(start), calendar)
    if minutes == 0:
        return as_start(pos, calendar)
    return as_end(shift(pos, minutes, calendar), calendar)


def working_minutes_between(a: datetime, b: datetime, calendar: WorkingCalendar) -> int:
    """Office minutes from ``a`` to ``b``; negative when ``b`` is before ``a``.

    How long an SLA clock ran between a start and a pause, or how long a pause lasted in office time.
    """
    return distance(position(to_vietnam(a), calendar), position(to_vietnam(b), calendar), calendar)
