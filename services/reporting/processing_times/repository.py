"""What the processing times read of the processing read model: per procedure, the period's sums of
`arithmetic.TIME_SERIES` from the report tree, and the lead agency of each procedure."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.arithmetic import TIME_SERIES, period_nodes
from services.reporting.processing.models import report_cells
from services.reporting.processing.repository import Store
from services.reporting.processing_times.report import ProcedureTimes
from shared.db.raw import driver


async def read_procedure_times(
    session: AsyncSession,
    *,
    period_from: date,
    period_to: date,
    agency_code: str | None = None,
    units: Sequence[str] | None = None,
) -> tuple[list[ProcedureTimes], dict[str, str]]:
    """Per procedure (of `agency_code` when given) with a dossier resolved in the period whose
    regulated time is known, its sums; only the dossiers received at `units` when given. With the
    procedures' names as they were on `to`."""
    store = Store()
    conn = await driver(session)
    nodes = period_nodes(period_from, period_to)
    sums = await store.group_sums(conn, "procedure", *nodes, units=units, series=TIME_SERIES)
    lead = await _lead_agencies(session, sorted(sums))
    times = []
    for code, (at_to, before_from) in sums.items():
        summed = {s: int(at_to.get(s, 0)) - int(before_from.get(s, 0)) for s in TIME_SERIES}
        agency = lead.get(code, "")
        if agency_code is None or agency == agency_code:
            times.append(
                ProcedureTimes(
                    procedure_code=code,
                    agency_code=agency,
                    resolved=summed["resolved_timed"],
                    regulated_tenths=summed["regulated_tenths"],
                    elapsed_tenths=summed["elapsed_tenths"],
                )
            )
    return times, await store.group_names(conn, "procedure", period_to)


async def _lead_agencies(session: AsyncSession, procedures: Sequence[str]) -> dict[str, str]:
    """Each procedure's lead agency, as its report cells name it (one procedure, one agency: a second
    one only if the catalogue moved the procedure, then the first by code)."""
    if not procedures:
        return {}
    c = report_cells.c
    query = select(c.procedure_code, c.agency_code).where(c.procedure_code.in_(list(procedures)))
    lead: dict[str, str] = {}
    for procedure, agency in sorted((await session.execute(query)).all(), reverse=True):
        lead[procedure] = agency
    return lead
