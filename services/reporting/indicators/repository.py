"""What the indicators read of the processing read model: per lead agency, the period's dossier counts
from the report tree."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.report import DossierCounts, dossier_counts
from services.reporting.processing.arithmetic import period_nodes
from services.reporting.processing.repository import Store, driver


async def read_dossier_counts(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
) -> list[DossierCounts]:
    """Per lead agency (or receiving unit: `by`) with dossiers received or resolved in the period, its
    counts (from the processing read model's tree, summed by agency or unit; only the dossiers received
    at `units` when given)."""
    store = Store()
    conn = await driver(session)
    sums = await store.group_sums(conn, by, *period_nodes(period_from, period_to), units=units)
    return [
        counted
        for code, (at_to, before_from) in sorted(sums.items())
        if agency_code is None or by != "agency" or code == agency_code
        if (counted := dossier_counts(code, at_to, before_from)).received or counted.resolved
    ]
