"""Writing events: an outbox row in the caller's transaction, never a direct publish."""

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.messaging.envelope import CloudEvent, event_type


class Outbox:
    """Bound to one service's outbox table; `add` joins whatever transaction the session is in."""

    def __init__(self, table: Table, service: str, clock: Clock) -> None:
        self._table = table
        self._source = f"/motcua/{service}"
        self._clock = clock

    async def add(
        self,
        session: AsyncSession,
        *,
        name: str,
        topic: str,
        data: dict[str, Any],
        subject: str | None = None,
        dossier_version: int | None = None,
        version: int = 1,
    ) -> CloudEvent:
        """Stage event `name` (`dossier.received`) for NATS subject `topic`; it publishes after commit.
        `dossier_version` is the dossier's version at this service after the change (the envelope's
        `dossierversion`); `version` is the event type's (`.v1`)."""
        event, row = self.row(
            name=name,
            topic=topic,
            data=data,
            subject=subject,
            dossier_version=dossier_version,
            version=version,
        )
        await session.execute(insert(self._table), row)
        return event

    def row(
        self,
        *,
        name: str,
        topic: str,
        data: dict[str, Any],
        subject: str | None = None,
        dossier_version: int | None = None,
        version: int = 1,
    ) -> tuple[CloudEvent, dict[str, Any]]:
        """The event and the outbox row `add` inserts, for a caller that writes the row in the same SQL
        statement as its state change (one round trip, atomic without a transaction of its own)."""
        event = CloudEvent(
            source=self._source,
            type=event_type(name, version),
            subject=subject,
            time=self._clock.now(),
            data=data,
            dossierversion=dossier_version,
        )
        return event, {
            "event_id": event.id,
            "event_type": event.type,
            "topic": topic,
            "payload": event.to_json(),
        }
