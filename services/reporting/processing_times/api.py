"""Thin route of the processing times per procedure (Decision 766)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.reporting.deps import ReadSession, TreePeriodDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.processing_times.service import processing_times_report
from services.reporting.units.scope import UnitQuery, unit_scope
from shared.deps import Overseers
from shared.inputs import Text

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get("/processing-times", response_class=Response, responses=EXPORT_RESPONSES)
async def processing_times(
    request: Request,
    session: ReadSession,
    principal: Overseers,
    period: TreePeriodDep,
    agency: Annotated[
        Text | None, Query(max_length=60, description="only this lead agency's procedures")
    ] = None,
    unit: UnitQuery = None,
    format: FormatQuery = None,
) -> Response:
    """Average processing time per procedure against its regulated time (Decision 766/QĐ-TTg), over
    the dossiers resolved in [from, to] (dates in Vietnam, both included) whose regulated time is known:
    `regulated_days` (the mean processing time the procedure gave them: its online time for one
    received online, when it has one), `elapsed_days` (the mean time they took: the regulated time less
    the days a dossier was resolved before the due the law recognises, or plus the days after it; a
    legitimate pause is not counted, an apology letter's new date is), `elapsed_pct` (elapsed ÷
    regulated: above 100, the procedure takes longer than the law allows on average). Days are the
    procedure's kind (working, in the official calendar, or calendar days), to two decimals; the totals
    from the sums of all rows. Dossiers received before reporting kept the regulated time count only
    after a rebuild. `unit`: only the dossiers received at that unit and the units under it (422
    `unknown_unit`; a leader whose token carries a unit sees only that subtree, 403 `not_your_unit`).
    Procedures are named as on `to`. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await processing_times_report(
        session, period_from=period.start, period_to=period.end, agency_code=agency, units=scope.codes
    )
    return respond(table, request, format)
