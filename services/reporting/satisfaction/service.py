"""The satisfaction report for a period: the counts read, the table built."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.satisfaction.report import satisfaction_table
from services.reporting.satisfaction.repository import (
    read_agency_names,
    read_ballot_counts,
    read_feedback_counts,
)
from services.reporting.tables import Table


async def satisfaction_report(
    session: AsyncSession, *, period_from: date, period_to: date, today: date
) -> Table:
    """Read the counts of the period and build the table; open feedback is judged on min(`to`, today)."""
    ballot_counts = await read_ballot_counts(session, period_from=period_from, period_to=period_to)
    feedback_counts = await read_feedback_counts(session, period_from=period_from, period_to=period_to)
    codes = {b.agency_code for b in ballot_counts} | {f.agency_code for f in feedback_counts}
    return satisfaction_table(
        period_from=period_from,
        period_to=period_to,
        as_of=min(period_to, today),
        ballot_counts=ballot_counts,
        feedback_counts=feedback_counts,
        names=await read_agency_names(session, codes),
    )
