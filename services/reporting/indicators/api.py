"""Thin route of the Decision 766 indicators."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from services.reporting.deps import ReadSession, TreePeriodDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.indicators.service import indicators_report
from services.reporting.units.scope import AgenciesQuery, UnitQuery, unit_scope
from shared.deps import Overseers
from shared.inputs import Text

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/indicators", response_class=Response, responses=EXPORT_RESPONSES)
async def indicators(
    request: Request,
    session: ReadSession,
    principal: Overseers,
    period: TreePeriodDep,
    agency: Annotated[Text | None, Query(max_length=60, description="one agency's code")] = None,
    by: Annotated[
        Literal["agency", "unit"],
        Query(description="one row per lead agency, or per receiving unit (đơn vị tiếp nhận)"),
    ] = "agency",
    unit: UnitQuery = None,
    agencies: AgenciesQuery = "as_registered",
    format: FormatQuery = None,
) -> Response:
    """Service-quality indicators per agency (Decision 766/QĐ-TTg style): on-time rate (resolved early
    or on time / resolved in the period, against the due the law recognises: the original due moved by
    legitimate pauses, never by an apology letter), online rate (received online
    / received), digitization rate (digitized / received), reuse rate (components reused / components
    digitized), satisfaction rate ((very satisfied + satisfied) / ballots) with full marks at 90 %.
    Dossiers count under their lead agency, ballots under the agency rated; dates in Vietnam, both
    ends included. `by=unit`: one row per receiving unit, ballots under the unit where their dossier
    was received (a ballot of no known dossier, as at a kiosk, in the unknown-unit row). `unit`: only
    the dossiers received at that unit and the units under it, and their ballots (422 `unknown_unit`);
    a leader whose token carries a unit sees only that subtree (403 `not_your_unit` outside it).
    Rows are named as on `to`; `agencies=successors` folds the agencies (units, by=unit) closed by `to`
    into the ones that took over, and `agency` then names the successor's row, its predecessors'
    counts included. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await indicators_report(
        session,
        period_from=period.start,
        period_to=period.end,
        agency_code=agency,
        by=by,
        units=scope.codes,
        agencies=agencies,
    )
    return respond(table, request, format)
