"""The processing read model's reports for a period: the prefix sums read, the table built."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.arithmetic import period_nodes
from services.reporting.processing.reports import By, processing_table, service_levels_table
from services.reporting.processing.repository import Store, driver
from services.reporting.tables import Table


async def processing_report(session: AsyncSession, *, period_from: date, period_to: date, by: By) -> Table:
    """The processing report's table for [from, to] (the six-month document prints it too)."""
    store = Store()
    conn = await driver(session)
    sums = await store.group_sums(conn, by, *period_nodes(period_from, period_to))
    names = await store.group_names(conn, by)
    return processing_table(period_from=period_from, period_to=period_to, by=by, sums=sums, names=names)


async def service_levels_report(session: AsyncSession, *, period_from: date, period_to: date) -> Table:
    """The service-level report's table for [from, to]."""
    conn = await driver(session)
    sums = await Store().group_sums(conn, None, *period_nodes(period_from, period_to))
    pair = sums.get("", ({}, {}))
    return service_levels_table(period_from=period_from, period_to=period_to, sums=pair)
