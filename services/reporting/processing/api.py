"""Thin routes of the processing read model's reports: processing and service levels."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.reporting.deps import ReadSession, TreePeriodDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.processing.reports import By
from services.reporting.processing.service import processing_report, service_levels_report
from services.reporting.units.scope import AgenciesQuery, UnitQuery, unit_scope
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
    agencies: AgenciesQuery = "as_registered",
    format: FormatQuery = None,
) -> Response:
    """The processing report (tình hình, kết quả giải quyết TTHC) for [from, to], dates in Vietnam, both
    included: per field, lead agency or procedure, the dossiers carried over and received (online,
    counter or post), resolved early / on time / late against the due the law recognises (the original
    due moved by legitimate pauses, a supplement or a financial obligation, as the deadline service
    moves it; an apology letter never moves it), pending at the end of `to` within or past that due
    (waiting for a supplement counts as within), withdrawn, rejected (stopped included), and the late
    ones with an apology letter (`late_with_apology`) sent in time (`late_with_timely_apology`: any of
    its letters no later than one working day before the due) or late (`late_with_late_apology`; a
    letter whose timeliness is unknown, issued before letters were judged, counts as late here), or
    without any (`late_without_apology`). `totals` is the sum of the rows;
    total = carried over + received = resolved + pending + withdrawn + rejected, in every row.
    `unit`: only the dossiers received at that unit and the units under it (422 `unknown_unit`); a
    leader whose token carries a unit sees only that unit's subtree (403 `not_your_unit` outside it).
    Every row is named as it was on `to` (the name of its latest receipt by then), so an agency renamed
    or merged later keeps its old name in old periods. `agencies=successors` (by=agency or by=unit)
    rolls the agencies (units) closed by `to` into the ones that took over, following chains of
    mergers: the totals do not change; by field, procedure or level it changes nothing (a level is the
    lead agency's own). JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await processing_report(
        session,
        period_from=period.start,
        period_to=period.end,
        by=by,
        units_in=scope.codes,
        agencies=agencies,
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
    """Dossiers received in [from, to] and their results, by online service level or class.
    Per row: received (`count`), resolved early / on time / late in the period, pending at the end of
    `to` within or past the due, the on-time rate (`on_time_pct`, early + on time over resolved). Every
    count of a dossier is judged by the rule set in force on the day it was RECEIVED (its receipt, its
    result whenever it comes, its pending state at `to`): received to 2025-06-30 (Decree 61/2018), by
    online service level 1-4; received from 2025-07-01 (Decree 118/2025), by the classes of Decree
    42/2022: full online (level 4), partial online (level 3), other (levels 1 and 2). A section per
    scheme, each row naming its `rule_set`, each section's `pct` a share of its own receipts: shown when
    the period meets its receipt days, or when its dossiers have anything to count (a level-4 dossier
    received in June 2025 and resolved in July 2025 is a level-4 result, even in a report of the second
    half of 2025); a section with nothing at all is left out. Percentages: two decimals, half up, from the
    counts; `totals` sums the counts and computes its percentages from those sums. No agency rows, so
    no `agencies=` option. `unit`: only the dossiers received at that unit and the units under it, as
    in the processing report. JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    scope = await unit_scope(session, principal=principal, unit=unit)
    table = await service_levels_report(
        session, period_from=period.start, period_to=period.end, units_in=scope.codes
    )
    return respond(table, request, format)
