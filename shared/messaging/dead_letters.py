"""Dead letters after a fix: list them, re-drive them through the inbox, or discard them.

A re-drive applies the stored event exactly as the consumer would (`Consumer.apply`: inbox row and
effect in one transaction), then marks the letter resolved in a second one. A crash between the
two leaves the letter open; re-driving it again finds the event in the inbox and only resolves it,
so an event is applied once however often it is re-driven.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db.engine import Sessions, unit_of_work
from shared.db.transient import is_transient
from shared.errors import Problem
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CloudEvent

log = logging.getLogger("motcua.dead_letters")

State = Literal["open", "resolved", "all"]
Outcome = Literal["applied", "already_applied"]


@dataclass(frozen=True)
class DeadLetters:
    """One service's dead-letter table and the consumers that can apply its events again."""

    table: Table
    consumers: Sequence[Consumer]
    sessions: Sessions

    async def page(self, *, state: State, after: int | None, limit: int) -> list[Row[Any]]:
        t = self.table
        query = select(t).order_by(t.c.id).limit(limit)
        if state == "open":
            query = query.where(t.c.resolved_at.is_(None))
        elif state == "resolved":
            query = query.where(t.c.resolved_at.is_not(None))
        if after is not None:
            query = query.where(t.c.id > after)
        async with self.sessions() as session:
            return list((await session.execute(query)).all())

    async def one(self, letter_id: int) -> Row[Any]:
        async with self.sessions() as session:
            return await _letter(session, self.table, letter_id)

    async def redrive(self, letter_id: int, *, by: str, at: datetime) -> Outcome:
        """Apply the letter's event through the inbox, then resolve the letter."""
        letter = await self.one(letter_id)
        _still_open(letter)
        event = _event_of(letter)
        consumer = next((c for c in self.consumers if c.handles(event.type)), None)
        if consumer is None:
            raise Problem(
                409,
                "not_redrivable",
                f"Dead letter {letter_id} holds a {event.type} event, which this service no longer "
                "consumes; discard it.",
            )
        try:
            applied = await consumer.apply(event)
        except Exception as exc:
            if is_transient(exc):
                raise  # the database is away: 503, and the letter is as it was
            log.warning("re-drive failed", extra={"dead_letter": letter_id, "error": repr(exc)})
            raise Problem(
                409,
                "redrive_failed",
                f"Dead letter {letter_id} failed again ({type(exc).__name__}); it stays open. "
                "Read the service's log for the cause, fix it, and re-drive again.",
            ) from exc
        await self._resolve(letter_id, "redriven", by=by, at=at)
        return "applied" if applied else "already_applied"

    async def discard(self, letter_id: int, *, by: str, at: datetime) -> None:
        """Give up on a letter (an event no fix can apply); it stays listed as resolved."""
        _still_open(await self.one(letter_id))
        await self._resolve(letter_id, "discarded", by=by, at=at)

    async def open_ids(self, limit: int) -> list[int]:
        t = self.table
        async with self.sessions() as session:
            query = select(t.c.id).where(t.c.resolved_at.is_(None)).order_by(t.c.id).limit(limit)
            return list(await session.scalars(query))

    async def count_open(self) -> int:
        t = self.table
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).where(t.c.resolved_at.is_(None))) or 0)

    async def _resolve(self, letter_id: int, resolution: str, *, by: str, at: datetime) -> None:
        t = self.table
        async with unit_of_work(self.sessions) as session:
            await session.execute(
                update(t)
                .where(t.c.id == letter_id, t.c.resolved_at.is_(None))
                .values(resolved_at=at, resolution=resolution, resolved_by=by)
            )


async def _letter(session: AsyncSession, table: Table, letter_id: int) -> Row[Any]:
    row = (await session.execute(select(table).where(table.c.id == letter_id))).first()
    if row is None:
        raise Problem(404, "dead_letter_not_found", f"There is no dead letter {letter_id} in this service.")
    return row


def _still_open(letter: Row[Any]) -> None:
    if letter.resolved_at is not None:
        raise Problem(
            409,
            "dead_letter_resolved",
            f"Dead letter {letter.id} was {letter.resolution} at {letter.resolved_at.isoformat()} "
            f"by {letter.resolved_by}; nothing was changed.",
        )


def _event_of(letter: Row[Any]) -> CloudEvent:
    try:
        return CloudEvent.model_validate_json(letter.payload)
    except ValidationError as exc:
        raise Problem(
            409,
            "not_redrivable",
            f"Dead letter {letter.id} is not a CloudEvent, so no handler can apply it; discard it.",
        ) from exc
