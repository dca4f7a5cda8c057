"""What the handlers, the watcher and the routes share in a running deadline service."""

from dataclasses import dataclass

from services.deadline.calendar.calendars import Calendars
from shared.clock import Clock
from shared.messaging.outbox import Outbox


@dataclass(frozen=True)
class Context:
    """Where events go, what time it is, which days count, and when to warn."""

    outbox: Outbox
    clock: Clock
    calendars: Calendars
    due_soon_hours: int

    @property
    def warn_minutes(self) -> int:
        return self.due_soon_hours * 60
