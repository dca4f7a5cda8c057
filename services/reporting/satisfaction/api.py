"""Thin route of the satisfaction report."""

from fastapi import APIRouter, Request, Response

from services.reporting.deps import PeriodDep, ReadSession, TodayDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.satisfaction.service import satisfaction_report
from shared.deps import Overseers

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/satisfaction", response_class=Response, responses=EXPORT_RESPONSES)
async def satisfaction(
    request: Request,
    session: ReadSession,
    today: TodayDep,
    _: Overseers,
    period: PeriodDep,
    format: FormatQuery = None,
) -> Response:
    """Satisfaction by agency (kết quả đánh giá sự hài lòng): ballots submitted in the period, with
    the count and percentage of each option of the two questions (procedure simple / needs fewer papers
    / complex; very satisfied / satisfied / not satisfied), and the feedback and complaints received
    in the period, answered on time or late, or still open within or past their due date (judged on
    `to`, or today while the period runs). Percentages are shares of the row's ballots to 0.1, by the
    largest-remainder method so each question's options add up to 100; `totals` is the sum of the
    rows. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    table = await satisfaction_report(session, period_from=period.start, period_to=period.end, today=today)
    return respond(table, request, format)
