"""The processing read model in a rebuild (`readmodels.Rebuilder`): facts folded a batch at a time
(`FactsBatch`: one read and one write of facts per batch), the per-day counters kept in memory and
spilled to an unlogged table, and the Fenwick tree written once, in SQL, when caught up (`settle`),
then summed per receiving unit into the unit tree (`unit_tree_from_tree_sql`).
"""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing import arithmetic
from services.reporting.processing.events import DossierEvent, events_of
from services.reporting.processing.handlers import DailyChange, FactsBatch, tree_rows
from services.reporting.processing.models import TREE_SERIES
from services.reporting.processing.repository import Store, unit_tree_from_tree_sql
from services.reporting.readmodels import REBUILD_SCHEMA
from shared.db.raw import driver
from shared.messaging.consumer import PoisonEvent
from shared.messaging.envelope import CloudEvent

log = logging.getLogger("motcua.reporting.rebuild")

SPILL_AT = 200_000  # (cell, day) rows of counters held in memory before they go to the staging table


class FactsRebuilder:
    """Facts folded a batch at a time, counters per (cell, day) in memory until `settle` writes the
    Fenwick tree in one statement; after it, batches write through."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store(REBUILD_SCHEMA)
        self.batch = FactsBatch(self.store, cell_cache={}, span_cache={})
        self.days: dict[tuple[int, int], list[int]] = {}
        self.settled = False
        self.staging = f"{self.store.schema}.tree_days"

    async def apply(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        read = _read_skipping_poison(events)
        conn = await driver(session)
        daily = await self.batch.apply(conn, read)
        if self.settled:
            await self.store.add_to_tree(conn, tree_rows(daily), self.batch.units)
            return
        self._hold(daily)
        if len(self.days) >= SPILL_AT:
            await self._spill(conn)

    def _hold(self, daily: DailyChange) -> None:
        index = {s: i for i, s in enumerate(TREE_SERIES)}
        for (cell_id, day, series), amount in daily.items():
            position = arithmetic.day_index(day)
            if position is None:
                continue
            row = self.days.get((cell_id, position))
            if row is None:
                row = self.days[(cell_id, position)] = [0] * len(TREE_SERIES)
            row[index[series]] += amount

    async def _spill(self, conn: Any) -> None:
        if not self.days:
            return
        records = [(cell_id, position, *row) for (cell_id, position), row in self.days.items()]
        await conn.execute(
            f"CREATE UNLOGGED TABLE IF NOT EXISTS {self.staging} (cell_id int, day_index int, "
            + ", ".join(f"{s} int" for s in TREE_SERIES)
            + ")"
        )
        await conn.copy_records_to_table(
            "tree_days",
            schema_name=self.store.schema,
            columns=["cell_id", "day_index", *TREE_SERIES],
            records=records,
        )
        self.days.clear()

    async def settle(self, session: AsyncSession) -> None:
        """Every per-day counter into the tree: each day adds to the (at most 15) nodes covering it;
        then the tree summed per receiving unit into the unit tree."""
        conn = await driver(session)
        await self._spill(conn)
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", self.staging)
        if exists:
            await conn.execute(tree_from_days_sql(self.staging, self.store.tree_table))
            await conn.execute(f"DROP TABLE {self.staging}")
            store = self.store
            await conn.execute(
                unit_tree_from_tree_sql(store.tree_table, store.cells_table, store.unit_tree_table)
            )
        self.settled = True


def tree_from_days_sql(days_table: str, tree_table: str) -> str:
    """Fill an empty tree from per-day counters (`days_table`: cell_id, day_index, the series; several
    rows of one day add up): day d adds to the node q << k of each level k where q = ((d - 1) >> k) + 1
    is odd, exactly the nodes `arithmetic.update_nodes` walks (i += i & -i)."""
    q = "(((d.day_index - 1) >> k) + 1)"
    sums = ", ".join(f"sum({s})" for s in TREE_SERIES)
    return (
        f"INSERT INTO {tree_table} (node, cell_id, {', '.join(TREE_SERIES)}) "  # noqa: S608
        f"SELECT {q} << k, d.cell_id, {sums} FROM {days_table} d "
        f"CROSS JOIN generate_series(0, {arithmetic.SIZE.bit_length() - 1}) AS k "
        f"WHERE {q} % 2 = 1 AND ({q} << k) <= {arithmetic.SIZE} GROUP BY 1, 2"
    )


def _read_skipping_poison(events: Sequence[CloudEvent]) -> list[DossierEvent]:
    read: list[DossierEvent] = []
    for event in events:
        try:
            read.extend(events_of([event]))
        except PoisonEvent:
            log.warning("rebuild skips a malformed event", extra={"event_id": str(event.id)})
    return read
