"""Delay attribution for a period: the late dossiers and their late steps read, the table built."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.delays.report import delays_table
from services.reporting.delays.repository import count_late_dossiers, read_late_steps
from services.reporting.tables import Table
from services.reporting.units.groups import agency_groups
from services.reporting.units.successors import AS_REGISTERED, Agencies, regroup


async def delays_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    units: Sequence[str] | None = None,
    agencies: Agencies = AS_REGISTERED,
) -> Table:
    """Read the period's late dossiers and their late steps, and build the table, agencies named as
    on `to` (folded into their successors with `agencies=successors`); only the dossiers received at
    `units` when given."""
    period = {"period_from": period_from, "period_to": period_to}
    late_dossiers = await count_late_dossiers(session, **period, units=units)
    late_steps = await read_late_steps(session, **period, units=units)
    groups = await agency_groups(
        session, {s.agency_code for s in late_steps}, on=period_to, agencies=agencies
    )
    return delays_table(
        period_from=period_from,
        period_to=period_to,
        late_dossiers=late_dossiers,
        late_steps=regroup(late_steps, groups.into),
        names=groups.names,
    )
