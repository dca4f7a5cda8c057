"""Time comes from an injected clock so rules and tests never read the wall clock themselves."""

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# Rules run in Vietnam's time zone; storage and events stay in UTC.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until told to move."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


def vietnam_date(at: datetime) -> date:
    """The calendar date of an aware instant in Vietnam: rules compare dates there, never instants."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no date in Vietnam; pass an aware one")
    return at.astimezone(VIETNAM).date()


def today(clock: Clock) -> date:
    """The date in Vietnam now: what every rule counts days from."""
    return vietnam_date(clock.now())
