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
    """Decision 766/QĐ-TTg indicators per lead agency, over [from, to] (dates in Vietnam, both ends
    included): on-time rate (resolved early or on time ÷ resolved, against the due the law recognises:
    the original due moved by legitimate pauses, never by an apology letter); online rate (received
    online ÷ received), and the full and partial online rates (of the dossiers of procedures offered
    fully, level 4, or partly, level 3, online at receipt: received online ÷ received); digitization
    rate (digitized ÷ received); reuse rate (components reused ÷ components digitized); online payment
    rate (fee payments made online ÷ fee payments, paid in the period: `dossier.fee_paid`); feedback
    answered on time (÷ items answered or open past their due at the end of `to`, of the items received
    in the period, under the agency that must answer); satisfaction rate, on dossiers as the decision
    counts it ((dossiers resolved − those rated "not satisfied" or named in a feedback item) ÷ dossiers
    resolved), full marks at 90 % on the counts. A rate with nothing to divide by is null, never 0; the
    indicators the system has no data for are listed in `unavailable` (code, name, reason) and in the
    notes. `by=unit`: one row per receiving unit (feedback under the unit where its dossier was
    received; an item about no known dossier in the unknown-unit row). `unit`: only the dossiers
    received at that unit and the units under it, and the feedback about them (422 `unknown_unit`); a
    leader whose token carries a unit sees only that subtree (403 `not_your_unit` outside it). Rows are
    named as on `to`; `agencies=successors` folds the agencies (units, by=unit) closed by `to` into the
    ones that took over, and `agency` then names the successor's row, its predecessors' counts
    included. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
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
