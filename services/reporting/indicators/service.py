"""The indicators for a period: the processing read model's dossiers and the satisfaction read model's
ballots read, the table built."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.report import indicators_table
from services.reporting.indicators.repository import read_dossier_counts
from services.reporting.satisfaction.repository import read_agency_names, read_ballot_counts
from services.reporting.tables import Table


async def indicators_report(
    session: AsyncSession, *, period_from: date, period_to: date, agency_code: str | None = None
) -> Table:
    """Read the period's counts (dossiers and ballots) and build the table."""
    dossier_counts, names = await read_dossier_counts(
        session, period_from=period_from, period_to=period_to, agency_code=agency_code
    )
    ballot_counts = await read_ballot_counts(
        session, period_from=period_from, period_to=period_to, agency_code=agency_code
    )
    codes = {d.agency_code for d in dossier_counts} | {b.agency_code for b in ballot_counts}
    names |= await read_agency_names(session, codes)
    return indicators_table(
        period_from=period_from,
        period_to=period_to,
        dossier_counts=dossier_counts,
        ballot_counts=ballot_counts,
        names=names,
    )
