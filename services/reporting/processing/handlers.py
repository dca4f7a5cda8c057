"""The processing read model's consumer: intake's, routing's and deadline's dossier events folded into
`dossier_facts`, and the per-day counters of `report_tree` (and of its sum per receiving unit,
`report_unit_tree`) moved by the difference (arithmetic.py).

The live handler runs in the consumer's unit of work, beside the inbox row, and never commits. It takes
the dossier's advisory lock (replicas may run several consumers), reads the stored facts, folds the
event, and writes the facts and the tree's change. A late or repeated event folds to the same facts
(`facts.fold`), so it changes nothing; imported dossiers' events are folded exactly like live ones.

`FactsBatch` is the same fold for many events at once: one read, one write of facts per batch; the
rebuild uses it with its own tables and keeps the counters in memory until it writes the tree once.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing import arithmetic
from services.reporting.processing.events import MODELS, DossierEvent, events_of
from services.reporting.processing.facts import Cell, CellKey, Facts, fold
from services.reporting.processing.names import SpanKey, cell_names, covers, widen
from services.reporting.processing.repository import Store, Stored, fact_record
from shared.db.raw import driver
from shared.messaging.consumer import BatchHandler, Handler
from shared.messaging.envelope import CloudEvent

# Per-day counter changes by cell id: (cell_id, day, series) -> amount.
DailyChange = Counter[tuple[int, date, str]]


@dataclass
class FactsBatch:
    """Folds events into stored facts and says how the per-day counters change.

    `cell_cache` remembers cell ids (and the receipt their names came from) across batches: a cell is
    written only when it is new or a later receipt renames it. `span_cache` remembers the names' spans
    written (`names.py`): a span is written only when a receipt widens it. `units` maps the id of
    every cell a change was reported for to its receiving unit (the unit tree's key)."""

    store: Store
    cell_cache: dict[CellKey, tuple[int, datetime]] | None = None
    span_cache: dict[SpanKey, tuple[datetime, datetime]] | None = None
    units: dict[int, str] = field(default_factory=dict)

    async def apply(self, conn: Any, events: Sequence[DossierEvent]) -> DailyChange:
        if not events:
            return Counter()
        ids = list(dict.fromkeys(event.dossier_id for event in events))
        stored = await self.store.load(conn, ids)
        after: dict[UUID, Facts] = {}
        for event in events:
            before = after.get(event.dossier_id) or _facts(stored.get(event.dossier_id))
            after[event.dossier_id] = fold(before, event)
        changed = [i for i in ids if after[i] != _facts(stored.get(i))]
        received = [after[i] for i in changed if _newly_received(after[i], stored.get(i))]
        cell_ids = await self._cells(conn, received, stored)
        await self._names(conn, received)
        daily: DailyChange = Counter()
        records = []
        for dossier_id in changed:
            was = stored.get(dossier_id)
            facts = after[dossier_id]
            ids_by_key: dict[CellKey, int] = {}
            if was is not None and was.facts.cell is not None and was.cell_id is not None:
                ids_by_key[was.facts.cell.key] = was.cell_id
            if facts.cell is not None:
                ids_by_key[facts.cell.key] = cell_ids.get(facts.cell.key) or ids_by_key[facts.cell.key]
            for key, cell_id in ids_by_key.items():
                self.units[cell_id] = key[3]  # CellKey: (procedure, field, agency, unit)
            for (key, day, series), amount in arithmetic.delta(_facts(was), facts).items():
                daily[(ids_by_key[key], day, series)] += amount
            records.append(fact_record(facts, ids_by_key.get(facts.cell.key) if facts.cell else None))
        await self.store.save(conn, records)
        return Counter({k: v for k, v in daily.items() if v})

    async def _cells(
        self, conn: Any, received: Sequence[Facts], stored: dict[UUID, Stored]
    ) -> dict[CellKey, int]:
        """Ids of the cells the newly received dossiers are under, written when new or renamed."""
        named: dict[CellKey, tuple[Cell, datetime]] = {}
        known: dict[CellKey, int] = {}
        for facts in received:
            if facts.cell is None or facts.received_at is None:
                continue
            key = facts.cell.key
            cached = None if self.cell_cache is None else self.cell_cache.get(key)
            if cached is not None and cached[1] >= facts.received_at:
                known[key] = cached[0]
                continue
            if key not in named or named[key][1] < facts.received_at:
                named[key] = (facts.cell, facts.received_at)
        written = await self.store.cells(conn, named)
        if self.cell_cache is not None:
            for key, cell_id in written.items():
                self.cell_cache[key] = (cell_id, named[key][1])
        return {**known, **written}

    async def _names(self, conn: Any, received: Sequence[Facts]) -> None:
        """Widen the spans of the names the newly received dossiers were received under."""
        spans: dict[SpanKey, tuple[datetime, datetime]] = {}
        for facts in received:
            if facts.cell is not None and facts.received_at is not None:
                for key in cell_names(facts.cell):
                    widen(spans, key, facts.received_at)
        if self.span_cache is not None:
            cache = self.span_cache
            spans = {k: span for k, span in spans.items() if not covers(cache.get(k), span)}
            for key, span in spans.items():
                widen(cache, key, span[0])
                widen(cache, key, span[1])
        await self.store.widen_names(conn, spans)


def _newly_received(facts: Facts, before: Stored | None) -> bool:
    """Whether the dossier is received under a new cell or at a new time: new cell ids or names."""
    if facts.cell is None or facts.received_at is None:
        return False
    same = before is not None and before.facts.cell == facts.cell and before.cell_id is not None
    return not (same and before is not None and before.facts.received_at == facts.received_at)


def _facts(stored: Stored | None) -> Facts | None:
    return None if stored is None else stored.facts


def tree_rows(daily: DailyChange) -> dict[tuple[int, int], dict[str, int]]:
    return arithmetic.tree_changes(daily)


def dossier_batch(store: Store | None = None) -> BatchHandler:
    """The live handler of a batch of the events the processing read model reads (a fetch from the
    stream): the dossiers' locks, one read and one write of their facts, one write of the tree's
    change."""
    store = store or Store()

    async def handle(events: Sequence[CloudEvent], session: AsyncSession) -> None:
        read = events_of(events)
        if not read:
            return
        conn = await driver(session)
        await store.lock(conn, (event.dossier_id for event in read))
        batch = FactsBatch(store)
        daily = await batch.apply(conn, read)
        await store.add_to_tree(conn, tree_rows(daily), batch.units)

    return handle


def dossier_handlers(store: Store | None = None) -> dict[str, Handler]:
    """The same, one event at a time (the consumer's fallback when a batch fails)."""
    batch = dossier_batch(store)

    async def handle(event: CloudEvent, session: AsyncSession) -> None:
        await batch([event], session)

    return dict.fromkeys(MODELS, handle)
