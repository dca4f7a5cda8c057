"""The working-day calendar's admin overrides, replicated from the deadline service that owns them.

The deadline service emits `catalog.calendar.override_set` / `override_removed` (stream CATALOG); a
service that counts working days itself (intake for appointments, routing for step dues) keeps them in
its own `calendar_overrides` table and reads its calendar through a `CalendarCache`:

- each event is stored with its own time (`set_at`, `removed_at`): an event older than what the table
  holds for its day changes nothing, so late and repeated events are harmless in any order; a removal
  keeps the row as a tombstone (working and reason null) so an older `override_set` arriving late
  cannot bring the day back;
- writers lock the table against each other and number their changes, so `max(version)` only grows
  and a worker that sees version n has seen every change below it;
- only the worker that consumes an event sees it, so every worker reads the table instead, at most
  once per `CALENDAR_CHECK_SECONDS` (one index read), and rebuilds its calendar only when the version
  moved.
"""

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.calendar import CalendarOverride, OfficeHours, WorkingCalendar, WorkingDays
from shared.events.catalog import CalendarOverrideRemoved, CalendarOverrideSet
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.payloads import parse_data

# How long a worker answers from its cached calendar before it asks the table again: a stored override
# is used by every worker of every replica at most this long afterwards (plus the event's travel time).
CALENDAR_CHECK_SECONDS: Final = 5.0

SUBJECTS: Final = ("catalog.calendar.override_set", "catalog.calendar.override_removed")
_DEFAULT_REASON: Final = {
    True: "ngày làm việc theo lịch điều chỉnh",
    False: "ngày nghỉ theo lịch điều chỉnh",
}


def overrides_table(metadata: MetaData) -> Table:
    return Table(
        "calendar_overrides",
        metadata,
        Column("day", Date, primary_key=True),
        Column("working", Boolean, comment="true: a working day (e.g. a Saturday worked); null: removed"),
        Column("reason", Text, comment="why, as a due date explains the day; null when removed"),
        Column(
            "event_at",
            DateTime(timezone=True),
            nullable=False,
            comment="set_at or removed_at of the event applied: an older event for the day changes nothing",
        ),
        Column(
            "version",
            BigInteger,
            nullable=False,
            comment="the table's change counter when the row was last written (writers hold a table lock)",
        ),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        UniqueConstraint("version", name="uq_calendar_overrides_version"),
        CheckConstraint("(working IS NULL) = (reason IS NULL)", name="tombstone"),
    )


async def apply_override(
    session: AsyncSession, table: Table, *, day: date, working: bool | None, reason: str | None, at: datetime
) -> bool:
    """Store the override of `day` (its removal when `working` is None) as of `at`, unless the row
    holds a newer one; True when the row changed. At equal times a removal beats a set (whatever the
    order they arrive in); of two sets at one instant, the first stored stays."""
    # SHARE ROW EXCLUSIVE blocks other writers, never readers: versions are handed out in commit order.
    await session.execute(text(f"LOCK TABLE {table.fullname} IN SHARE ROW EXCLUSIVE MODE"))
    next_version = select(func.coalesce(func.max(table.c.version), 0) + 1).scalar_subquery()
    new = pg_insert(table).values(
        day=day, working=working, reason=reason, event_at=at, version=next_version, updated_at=func.now()
    )
    newer = or_(
        table.c.event_at < new.excluded.event_at,
        and_(
            table.c.event_at == new.excluded.event_at,
            new.excluded.working.is_(None),
            table.c.working.is_not(None),
        ),
    )
    statement = new.on_conflict_do_update(
        index_elements=[table.c.day],
        set_={
            name: new.excluded[name] for name in ("working", "reason", "event_at", "version", "updated_at")
        },
        where=newer,
    ).returning(table.c.day)
    return (await session.execute(statement)).first() is not None


def override_handlers(table: Table) -> dict[str, Handler]:
    """The consumer's handlers for `SUBJECTS`, storing into `table`."""

    async def override_set(event: CloudEvent, session: AsyncSession) -> None:
        data = parse_data(CalendarOverrideSet, event)
        reason = data.reason.strip() or _DEFAULT_REASON[data.working]
        await apply_override(
            session, table, day=data.day, working=data.working, reason=reason, at=data.set_at
        )

    async def override_removed(event: CloudEvent, session: AsyncSession) -> None:
        data = parse_data(CalendarOverrideRemoved, event)
        await apply_override(session, table, day=data.day, working=None, reason=None, at=data.removed_at)

    return {
        event_type("catalog.calendar.override_set"): override_set,
        event_type("catalog.calendar.override_removed"): override_removed,
    }


class CalendarCache:
    """The working-day calendar with the admin overrides in `table`, cached per worker process.

    At most once per `check_every` seconds `get` asks the table for its version; only when it moved
    are the rows read again and the calendar rebuilt. Between checks it answers without touching the
    database.
    """

    def __init__(
        self,
        table: Table,
        *,
        check_every: float = CALENDAR_CHECK_SECONDS,
        hours: OfficeHours | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.check_every = check_every
        self._hours = hours or OfficeHours()
        self._monotonic = monotonic
        self._calendar = WorkingCalendar(hours=self._hours)  # version 0: the table is empty
        self._version = 0
        self._checked_at: float | None = None
        self._version_query = select(func.coalesce(func.max(table.c.version), 0))
        self._rows_query = select(table.c.day, table.c.working, table.c.reason, table.c.version)

    async def get(self, session: AsyncSession) -> WorkingCalendar:
        now = self._monotonic()
        if self._checked_at is not None and now - self._checked_at < self.check_every:
            return self._calendar
        if int(await session.scalar(self._version_query) or 0) != self._version:
            await self._load(session)
        self._checked_at = now
        return self._calendar

    async def _load(self, session: AsyncSession) -> None:
        rows = (await session.execute(self._rows_query)).all()
        # The version of what was read, from the same snapshot as the rows themselves.
        version = max((row.version for row in rows), default=0)
        if version <= self._version:
            return  # a concurrent request of this process already loaded this or a newer state
        overrides = [
            CalendarOverride(row.day, row.working, row.reason) for row in rows if row.working is not None
        ]
        self._calendar = WorkingCalendar(days=WorkingDays(overrides), hours=self._hours)
        self._version = version
