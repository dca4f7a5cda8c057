"""The processing read model's reports for a period: the prefix sums read, the table built."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.arithmetic import period_nodes
from services.reporting.processing.facts import UNKNOWN_UNIT
from services.reporting.processing.reports import (
    LEVEL_NAMES,
    UNKNOWN_UNIT_NAME,
    By,
    processing_table,
    service_levels_table,
)
from services.reporting.processing.repository import Store, driver
from services.reporting.tables import Table
from services.reporting.units import repository as units


async def processing_report(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    by: By,
    units_in: Sequence[str] | None = None,
) -> Table:
    """The processing report's table for [from, to] (the six-month document prints it too); only the
    dossiers received at `units_in` when given."""
    store = Store()
    conn = await driver(session)
    sums = await store.group_sums(conn, by, *period_nodes(period_from, period_to), units=units_in)
    if by == "unit":
        names = {UNKNOWN_UNIT: UNKNOWN_UNIT_NAME, **await units.names(session, list(sums))}
    elif by == "level":
        names = dict(LEVEL_NAMES)
    else:
        names = await store.group_names(conn, by)
    return processing_table(period_from=period_from, period_to=period_to, by=by, sums=sums, names=names)


async def service_levels_report(
    session: AsyncSession, *, period_from: date, period_to: date, units_in: Sequence[str] | None = None
) -> Table:
    """The service-level report's table for [from, to]; only the dossiers received at `units_in` when
    given."""
    conn = await driver(session)
    sums = await Store().group_sums(conn, None, *period_nodes(period_from, period_to), units=units_in)
    pair = sums.get("", ({}, {}))
    return service_levels_table(period_from=period_from, period_to=period_to, sums=pair)
