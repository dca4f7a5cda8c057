"""The indicators for a period: the processing read model's dossiers, the satisfaction read model's
ballots and feedback items read, the table built."""

from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.indicators.report import indicators_table
from services.reporting.indicators.repository import read_dissatisfied, read_dossier_counts
from services.reporting.processing.reports import GROUP_HEADINGS
from services.reporting.satisfaction.repository import read_feedback_counts
from services.reporting.tables import Table
from services.reporting.units.groups import agency_groups, unit_groups
from services.reporting.units.successors import AS_REGISTERED, Agencies, regroup


async def indicators_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    by: Literal["agency", "unit"] = "agency",
    units: Sequence[str] | None = None,
    agencies: Agencies = AS_REGISTERED,
) -> Table:
    """Read the period's counts (dossiers, the unsatisfied or complained-about ones among them, feedback
    items) and build the table: per agency, or per receiving unit (`by`), named as on `to`; only the
    dossiers received at `units`, and the feedback about them, when given. `agencies=successors` folds
    closed agencies (units) into their successors; then `agency_code` is the row's agency, its
    predecessors' counts included."""
    # Rolled up, a successor's row holds its predecessors' counts: read them all, keep the row after.
    read_only = agency_code if agencies == AS_REGISTERED else None
    period = {"period_from": period_from, "period_to": period_to}
    dossier_counts = await read_dossier_counts(session, **period, agency_code=read_only, by=by, units=units)
    dissatisfied = await read_dissatisfied(session, **period, agency_code=read_only, by=by, units=units)
    feedback_counts = await read_feedback_counts(
        session, **period, agency_code=read_only, by_unit=by == "unit", units=units
    )
    codes = {d.agency_code for d in dossier_counts} | {d.agency_code for d in dissatisfied}
    codes |= {f.agency_code for f in feedback_counts}
    grouping = agency_groups if by == "agency" else unit_groups
    groups = await grouping(session, codes, on=period_to, agencies=agencies)
    dossier_counts = regroup(dossier_counts, groups.into)
    dissatisfied = regroup(dissatisfied, groups.into)
    feedback_counts = regroup(feedback_counts, groups.into)
    if agency_code is not None and by == "agency":
        dossier_counts = [d for d in dossier_counts if d.agency_code == agency_code]
        dissatisfied = [d for d in dissatisfied if d.agency_code == agency_code]
        feedback_counts = [f for f in feedback_counts if f.agency_code == agency_code]
    return indicators_table(
        period_from=period_from,
        period_to=period_to,
        dossier_counts=dossier_counts,
        dissatisfied=dissatisfied,
        feedback_counts=feedback_counts,
        names=groups.names,
        headings=GROUP_HEADINGS["unit"] if by == "unit" else None,
    )
