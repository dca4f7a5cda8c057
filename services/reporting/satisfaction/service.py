"""The satisfaction report for a period: the counts read, the table built."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.reports import GROUP_HEADINGS
from services.reporting.satisfaction.report import satisfaction_table
from services.reporting.satisfaction.repository import read_ballot_counts, read_feedback_counts
from services.reporting.tables import Table
from services.reporting.units.groups import agency_groups, unit_groups
from services.reporting.units.successors import AS_REGISTERED, Agencies, regroup


async def satisfaction_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    today: date,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
    agencies: Agencies = AS_REGISTERED,
) -> Table:
    """Read the counts of the period and build the table; open feedback is judged on min(`to`, today).
    Per agency, or per the unit where the dossier rated (or complained about) was received (`by`),
    named as on `to`, the closed ones folded into their successors with `agencies=successors`; only
    the ballots and feedback about dossiers received at `units` when given."""
    by_unit = by == "unit"
    ballot_counts = await read_ballot_counts(
        session, period_from=period_from, period_to=period_to, by_unit=by_unit, units=units
    )
    feedback_counts = await read_feedback_counts(
        session, period_from=period_from, period_to=period_to, by_unit=by_unit, units=units
    )
    codes = {b.agency_code for b in ballot_counts} | {f.agency_code for f in feedback_counts}
    grouping = unit_groups if by_unit else agency_groups
    groups = await grouping(session, codes, on=period_to, agencies=agencies)
    return satisfaction_table(
        period_from=period_from,
        period_to=period_to,
        as_of=min(period_to, today),
        ballot_counts=regroup(ballot_counts, groups.into),
        feedback_counts=regroup(feedback_counts, groups.into),
        names=groups.names,
        headings=GROUP_HEADINGS["unit"] if by == "unit" else None,
    )
