"""The satisfaction report for a period: the counts read, the table built."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.reports import GROUP_HEADINGS, UNKNOWN_UNIT_NAME
from services.reporting.satisfaction.report import satisfaction_table
from services.reporting.satisfaction.repository import (
    read_agency_names,
    read_ballot_counts,
    read_feedback_counts,
)
from services.reporting.tables import Table
from services.reporting.units import repository as units_repository


async def satisfaction_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    today: date,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
) -> Table:
    """Read the counts of the period and build the table; open feedback is judged on min(`to`, today).
    Per agency, or per the unit where the dossier rated (or complained about) was received (`by`);
    only the ballots and feedback about dossiers received at `units` when given."""
    by_unit = by == "unit"
    ballot_counts = await read_ballot_counts(
        session, period_from=period_from, period_to=period_to, by_unit=by_unit, units=units
    )
    feedback_counts = await read_feedback_counts(
        session, period_from=period_from, period_to=period_to, by_unit=by_unit, units=units
    )
    codes = {b.agency_code for b in ballot_counts} | {f.agency_code for f in feedback_counts}
    if by == "unit":
        names = {UNKNOWN_UNIT: UNKNOWN_UNIT_NAME, **await units_repository.names(session, list(codes))}
    else:
        names = await read_agency_names(session, codes)
    return satisfaction_table(
        period_from=period_from,
        period_to=period_to,
        as_of=min(period_to, today),
        ballot_counts=ballot_counts,
        feedback_counts=feedback_counts,
        names=names,
        headings=GROUP_HEADINGS["unit"] if by == "unit" else None,
    )
