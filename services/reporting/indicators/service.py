"""The indicators for a period: the processing read model's dossiers and the satisfaction read model's
ballots read, the table built."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.report import indicators_table
from services.reporting.indicators.repository import read_dossier_counts
from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.reports import GROUP_HEADINGS, UNKNOWN_UNIT_NAME
from services.reporting.satisfaction.repository import read_agency_names, read_ballot_counts
from services.reporting.tables import Table
from services.reporting.units import repository as units_repository


async def indicators_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
) -> Table:
    """Read the period's counts (dossiers and ballots) and build the table: per agency, or per
    receiving unit (`by`); only the dossiers received at `units`, and their ballots, when given."""
    dossier_counts, names = await read_dossier_counts(
        session, period_from=period_from, period_to=period_to, agency_code=agency_code, by=by, units=units
    )
    ballot_counts = await read_ballot_counts(
        session,
        period_from=period_from,
        period_to=period_to,
        agency_code=agency_code,
        by_unit=by == "unit",
        units=units,
    )
    codes = {d.agency_code for d in dossier_counts} | {b.agency_code for b in ballot_counts}
    if by == "unit":
        names = {UNKNOWN_UNIT: UNKNOWN_UNIT_NAME, **await units_repository.names(session, list(codes))}
    else:
        names |= await read_agency_names(session, codes)
    return indicators_table(
        period_from=period_from,
        period_to=period_to,
        dossier_counts=dossier_counts,
        ballot_counts=ballot_counts,
        names=names,
        headings=GROUP_HEADINGS["unit"] if by == "unit" else None,
    )
