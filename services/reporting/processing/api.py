"""Thin routes of the processing read model's reports: processing and service levels."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.reporting.deps import ReadSession, TreePeriodDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.processing.reports import By
from services.reporting.processing.service import processing_report, service_levels_report
from services.reporting.units.scope import UnitQuery, unit_scope
from shared.deps import Overseers

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get("/reports/processing", response_class=Response, responses=EXPORT_RESPONSES)
async def processing(
    request: Request,
    session: ReadSession,
    principal: Overseers,
    period: TreePeriodDep,
    by: Annotated[
        By,
        Query(
            description="one row per field (lĩnh vực), lead agency, procedure, receiving unit (đơn vị tiếp "
            "nhận) or the lead agency's level (central, province, district, commune)"
        ),
    ] = "field",
    unit: UnitQuery = None,
    format: FormatQuery = None,
) -> Response:
    """The processing report (tình hình, kết quả giải quyết TTHC) for [from, to], dates in Vietnam, both
    included: per field, lead agency or procedure, the dossiers carried over and received (online,
    counter or post), resolved early / on time / late against the original due date, pending at the end
    of `to` within or past the due (waiting for a supplement counts as within), withdrawn, rejected
    (stopped included), and late with or without an apology letter. `totals` is the sum of the rows;
    total = carried over + received = resolved + pending + withdrawn + rejected, in every row.
    `unit`: only the dossiers received at that unit and the units under it (422 `unknown_unit`); a
    leader whose token carries a unit sees only that unit's subtree (403 `not_your_unit` outside it).
    JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await processing_report(
        session, period_from=period.start, period_to=period.end, by=by, units_in=scope.codes
    )
    return respond(table, request, format)


@router.get("/reports/service-levels", response_class=Response, responses=EXPORT_RESPONSES)
async def service_levels(
    request: Request,
    session: ReadSession,
    principal: Overseers,
    period: TreePeriodDep,
    unit: UnitQuery = None,
    format: FormatQuery = None,
) -> Response:
    """Dossiers received in [from, to] by online service level 1-4 (count and percentage), and by the
    classes of Decree 42/2022 that replaced them: full online (level 4), partial online (level 3), other
    (levels 1 and 2). `unit`: only the dossiers received at that unit and the units under it, as in
    the processing report. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await service_levels_report(
        session, period_from=period.start, period_to=period.end, units_in=scope.codes
    )
    return respond(table, request, format)
