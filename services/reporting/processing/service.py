"""The processing read model's reports for a period: the prefix sums read, the table built."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.arithmetic import BUCKET_SERIES, period_nodes
from services.reporting.processing.reports import (
    LEVEL_NAMES,
    By,
    Sums,
    processing_table,
    service_levels_table,
)
from services.reporting.processing.repository import Store
from services.reporting.tables import Table
from services.reporting.units.groups import agency_groups, unit_groups
from services.reporting.units.successors import AS_REGISTERED, Agencies, fold_sums
from shared.db.raw import driver


async def processing_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    by: By,
    units_in: Sequence[str] | None = None,
    agencies: Agencies = AS_REGISTERED,
) -> Table:
    """The processing report's table for [from, to] (the six-month document prints it too); only the
    dossiers received at `units_in` when given. Groups are named as they were on `to`; by agency or
    unit, `agencies=successors` folds the closed ones into their successors."""
    store = Store()
    conn = await driver(session)
    sums: Sums = await store.group_sums(conn, by, *period_nodes(period_from, period_to), units=units_in)
    if by in ("agency", "unit"):
        grouping = agency_groups if by == "agency" else unit_groups
        groups = await grouping(session, sums, on=period_to, agencies=agencies)
        sums = fold_sums(sums, groups.into)
        names = groups.names
    elif by == "level":
        names = dict(LEVEL_NAMES)
    else:
        names = await store.group_names(conn, by, period_to)
    return processing_table(period_from=period_from, period_to=period_to, by=by, sums=sums, names=names)


async def service_levels_report(
    session: AsyncSession, *, period_from: date, period_to: date, units_in: Sequence[str] | None = None
) -> Table:
    """The service-level report's table for [from, to]: every dossier's counts in the scheme of its
    receipt day's rule set (levels or classes; its service bucket), read from the same two prefix sums
    as the processing report; only the dossiers received at `units_in` when given."""
    conn = await driver(session)
    sums = await Store().group_sums(
        conn, None, *period_nodes(period_from, period_to), units=units_in, series=BUCKET_SERIES
    )
    return service_levels_table(period_from=period_from, period_to=period_to, sums=sums.get("", ({}, {})))
