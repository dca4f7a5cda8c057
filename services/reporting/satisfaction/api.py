"""Thin route of the satisfaction report."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from services.reporting.deps import PeriodDep, ReadSession, TodayDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.satisfaction.service import satisfaction_report
from services.reporting.units.scope import AgenciesQuery, UnitQuery, unit_scope
from shared.deps import Overseers

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/satisfaction", response_class=Response, responses=EXPORT_RESPONSES)
async def satisfaction(
    request: Request,
    session: ReadSession,
    today: TodayDep,
    principal: Overseers,
    period: PeriodDep,
    by: Annotated[
        Literal["agency", "unit"],
        Query(description="one row per agency rated, or per receiving unit of the dossier rated"),
    ] = "agency",
    unit: UnitQuery = None,
    agencies: AgenciesQuery = "as_registered",
    format: FormatQuery = None,
) -> Response:
    """Satisfaction by agency (kết quả đánh giá sự hài lòng): ballots submitted in the period, with
    the count and percentage of each option of the two questions (procedure simple / needs fewer papers
    / complex; very satisfied / satisfied / not satisfied), and the feedback and complaints received
    in the period, answered on time or late, or still open within or past their due date (judged on
    `to`, or today while the period runs). Percentages are shares of the row's ballots to two decimals,
    each rounded half up from its counts (a question's options may add up to 99.99 or 100.01);
    `totals` is the sum of the rows, its percentages from its counts. `by=unit`: per receiving unit
    of the dossier rated or complained about (a kiosk ballot, or feedback about no known dossier, in
    the unknown-unit row); `unit`: only the ballots and feedback
    about dossiers received at that unit and the units under it (422 `unknown_unit`); a leader whose
    token carries a unit sees only that subtree (403 `not_your_unit` outside it). Rows are named as on
    `to`; `agencies=successors` folds the agencies (units, by=unit) closed by `to` into the ones that
    took over (totals unchanged). JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await satisfaction_report(
        session,
        period_from=period.start,
        period_to=period.end,
        today=today,
        by=by,
        units=scope.codes,
        agencies=agencies,
    )
    return respond(table, request, format)
