"""Delay attribution for a period: the late dossiers and their late steps read, the table built."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.delays.report import delays_table
from services.reporting.delays.repository import count_late_dossiers, read_late_steps
from services.reporting.satisfaction.repository import read_agency_names
from services.reporting.tables import Table


async def delays_report(
    session: AsyncSession, *, period_from: date, period_to: date, units: Sequence[str] | None = None
) -> Table:
    """Read the period's late dossiers and their late steps, and build the table; only the dossiers
    received at `units` when given."""
    period = {"period_from": period_from, "period_to": period_to}
    late_dossiers = await count_late_dossiers(session, **period, units=units)
    late_steps = await read_late_steps(session, **period, units=units)
    return delays_table(
        period_from=period_from,
        period_to=period_to,
        late_dossiers=late_dossiers,
        late_steps=late_steps,
        names=await read_agency_names(session, {s.agency_code for s in late_steps}),
    )
