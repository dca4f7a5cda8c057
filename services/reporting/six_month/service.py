"""The six-month report's tables, from the report functions every JSON endpoint uses — processing by
field, service levels, satisfaction by agency, the indicators — so the document holds the same numbers
as the endpoints for the same `from` and `to`."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.service import indicators_report
from services.reporting.processing.service import processing_report, service_levels_report
from services.reporting.satisfaction.service import satisfaction_report
from services.reporting.tables import Table
from services.reporting.units.successors import AS_REGISTERED, Agencies

# The receiving units a document covers: None, the whole province; else a unit and those under it.
Units = Sequence[str] | None
# (session, from, to, today, units, agencies) -> one report's table, as its JSON endpoint computes it.
Source = Callable[[AsyncSession, date, date, date, Units, Agencies], Awaitable[Table]]


async def _processing(
    session: AsyncSession, start: date, end: date, today: date, units: Units, agencies: Agencies
) -> Table:
    return await processing_report(session, period_from=start, period_to=end, by="field", units_in=units)


async def _service_levels(
    session: AsyncSession, start: date, end: date, today: date, units: Units, agencies: Agencies
) -> Table:
    return await service_levels_report(session, period_from=start, period_to=end, units_in=units)


async def _satisfaction(
    session: AsyncSession, start: date, end: date, today: date, units: Units, agencies: Agencies
) -> Table:
    return await satisfaction_report(
        session, period_from=start, period_to=end, today=today, units=units, agencies=agencies
    )


async def _indicators(
    session: AsyncSession, start: date, end: date, today: date, units: Units, agencies: Agencies
) -> Table:
    return await indicators_report(
        session, period_from=start, period_to=end, agency_code=None, units=units, agencies=agencies
    )


# In the order the document prints them (Biểu số 1, 2, …).
SOURCES: Final[tuple[Source, ...]] = (_processing, _service_levels, _satisfaction, _indicators)


async def six_month_tables(
    session: AsyncSession,
    start: date,
    end: date,
    today: date,
    units: Units = None,
    agencies: Agencies = AS_REGISTERED,
) -> list[Table]:
    """The document's tables for [start, end], read in the request's one transaction (one snapshot);
    only the dossiers received at `units` (and their ballots and feedback) when given; the agencies'
    rows folded into their successors with `agencies=successors`."""
    return [await source(session, start, end, today, units, agencies) for source in SOURCES]
