"""Thin route of delay attribution."""

from fastapi import APIRouter, Request, Response

from services.reporting.delays.service import delays_report
from services.reporting.deps import PeriodDep, ReadSession
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.units.scope import AgenciesQuery, UnitQuery, unit_scope
from shared.deps import Overseers

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/delays", response_class=Response, responses=EXPORT_RESPONSES)
async def delays(
    request: Request,
    session: ReadSession,
    principal: Overseers,
    period: PeriodDep,
    unit: UnitQuery = None,
    agencies: AgenciesQuery = "as_registered",
    format: FormatQuery = None,
) -> Response:
    """Delay attribution: for dossiers resolved late in the period (result date after the due the law
    recognises, in Vietnam: the original due moved by legitimate pauses), which agency's step made them
    late: late steps per agency (each step judged by routing against its own due), the late dossiers each
    agency was late in, and the agency of each dossier's first late step, which adds up to the number of
    late dossiers (a row "không xác định bước trễ" holds those with no late step). `unit`: only the
    dossiers received at that unit and the units under it (422 `unknown_unit`); a leader whose token
    carries a unit sees only that subtree (403 `not_your_unit` outside it). Agencies are named as on `to`;
    `agencies=successors` folds the agencies closed by `to` into the ones that took over (a dossier late
    at both counts once in the successor's "late dossiers"; the totals of late steps and first late steps
    do not change). JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await delays_report(
        session, period_from=period.start, period_to=period.end, units=scope.codes, agencies=agencies
    )
    return respond(table, request, format)
