"""Thin routes of the Decision 766 indicators and of delay attribution."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.reporting.api_satisfaction import PeriodDep, ReportReaders, TreePeriodDep
from services.reporting.delays import delays_report
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.indicators import indicators_report
from services.reporting.readmodels import ReadSession
from shared.inputs import Text

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/indicators", response_class=Response, responses=EXPORT_RESPONSES)
async def indicators(
    request: Request,
    session: ReadSession,
    _: ReportReaders,
    period: TreePeriodDep,
    agency: Annotated[Text | None, Query(max_length=60, description="one agency's code")] = None,
    format: FormatQuery = None,
) -> Response:
    """Service-quality indicators per agency (Decision 766/QĐ-TTg style): on-time rate (resolved early
    or on time / resolved in the period, against the original due date), online rate (received online
    / received), digitization rate (digitized / received), reuse rate (components reused / components
    digitized), satisfaction rate ((very satisfied + satisfied) / ballots) with full marks at 90 %.
    Dossiers count under their lead agency, ballots under the agency rated; dates in Vietnam, both
    ends included. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    table = await indicators_report(
        session, period_from=period.start, period_to=period.end, agency_code=agency
    )
    return respond(table, request, format)


@router.get("/delays", response_class=Response, responses=EXPORT_RESPONSES)
async def delays(
    request: Request, session: ReadSession, _: ReportReaders, period: PeriodDep, format: FormatQuery = None
) -> Response:
    """Delay attribution: for dossiers resolved late in the period (result date after the original due
    date, in Vietnam), which agency's step made them late: late steps per agency (each step judged by
    routing against its own due), the late dossiers each agency was late in, and the agency of each
    dossier's first late step, which adds up to the number of late dossiers (a row "không xác định
    bước trễ" holds those with no late step). JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    table = await delays_report(session, period_from=period.start, period_to=period.end)
    return respond(table, request, format)
