"""The satisfaction read model in a rebuild (`readmodels.Rebuilder`): ballots and step outcomes,
nearly all of its events, inserted many rows a statement."""

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.satisfaction.handlers import HANDLERS, ballot_row, step_row
from services.reporting.satisfaction.models import ballots, step_outcomes
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent, event_type

log = logging.getLogger("motcua.reporting.survey")

_ROWS: Mapping[str, tuple[Table, Callable[[CloudEvent], dict[str, Any]]]] = {
    event_type("survey.submitted"): (ballots, ballot_row),
    event_type("dossier.step.completed"): (step_outcomes, step_row),
}
_ROWS_PER_STATEMENT = 1000  # PostgreSQL takes at most 32,767 parameters a statement: 12 columns a row


class BatchRebuilder:
    """Ballots and step outcomes are inserted many rows a statement; feedback and agency names (few,
    and upserts whose order matters) go through the live handlers one by one. A malformed event is
    skipped, as the rebuild skips it for any handler."""

    async def apply(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        rows: dict[str, list[dict[str, Any]]] = {}
        one_by_one = {t: h for by_type in HANDLERS.values() for t, h in by_type.items()}
        for event in events:
            try:
                if event.type in _ROWS:
                    rows.setdefault(event.type, []).append(_ROWS[event.type][1](event))
                elif event.type in one_by_one:
                    await one_by_one[event.type](event, session)
            except PoisonEvent:
                log.warning("rebuild skips a malformed event", extra={"event_id": str(event.id)})
        for type_, batch in rows.items():
            table = _ROWS[type_][0]
            for start in range(0, len(batch), _ROWS_PER_STATEMENT):
                chunk = batch[start : start + _ROWS_PER_STATEMENT]
                await session.execute(insert(table).values(chunk).on_conflict_do_nothing())

    async def settle(self, session: AsyncSession) -> None:
        """Nothing is held back: every batch is written when applied."""
