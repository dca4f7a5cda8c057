"""The processing times for a period: the procedures' sums read, the table built."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing_times.report import processing_times_table
from services.reporting.processing_times.repository import read_procedure_times
from services.reporting.tables import Table


async def processing_times_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    units: Sequence[str] | None = None,
) -> Table:
    """Per procedure (of `agency_code` when given), the average time its dossiers resolved in the
    period took against its regulated time; only the dossiers received at `units` when given."""
    procedures, names = await read_procedure_times(
        session, period_from=period_from, period_to=period_to, agency_code=agency_code, units=units
    )
    return processing_times_table(
        period_from=period_from, period_to=period_to, procedures=procedures, names=names
    )
