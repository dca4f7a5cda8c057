"""The six-month report as one printable document: `GET /v1/reports/six-month?year=&half=1|2`.

The route gathers the half-year's tables (`service.six_month_tables`) and prints them (HTML by default,
PDF by `format=pdf` or `Accept: application/pdf`).
"""

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from services.reporting.deps import ReadSession
from services.reporting.exports import media_ranges
from services.reporting.processing.arithmetic import FIRST_REPORT_DAY, LAST_REPORT_DAY
from services.reporting.six_month.content import SixMonthView
from services.reporting.six_month.html import six_month_html
from services.reporting.six_month.pdf import six_month_pdf
from services.reporting.six_month.periods import Cutoff, six_month_period
from services.reporting.six_month.service import six_month_tables
from services.reporting.units import repository as units_repository
from services.reporting.units.scope import AgenciesQuery, UnitQuery, unit_scope
from shared.clock import vietnam_date
from shared.deps import ClockDep, Overseers
from shared.errors import Problem
from shared.inputs import Text
from shared.rule_sets import rule_set_on

router = APIRouter(prefix="/v1/reports", tags=["reports"])

HTML_TYPE: Final = "text/html"
PDF_TYPE: Final = "application/pdf"
DOCUMENT_FORMATS: Final = ("html", "pdf")


def document_format(format: str | None, accept: str | None) -> str:
    """`html` or `pdf`: the `format` query if given, else the `Accept` header; HTML by default."""
    if format is not None and format.strip():
        chosen = format.strip().lower().lstrip(".")
        if chosen not in DOCUMENT_FORMATS:
            raise Problem(
                422,
                "unsupported_format",
                f"Unknown document format {format!r}; use html or pdf.",
                extra={"formats": list(DOCUMENT_FORMATS)},
            )
        return chosen
    if not accept or not accept.strip():
        return "html"
    for _, _, media in sorted(media_ranges(accept), reverse=True):
        if media == PDF_TYPE:
            return "pdf"
        if media in (HTML_TYPE, "text/*", "*/*"):
            return "html"
    raise Problem(
        406,
        "unsupported_format",
        f"The six-month report is available as {HTML_TYPE} or {PDF_TYPE} (or format=html|pdf).",
        extra={"formats": list(DOCUMENT_FORMATS)},
    )


# Printed on the document: a control character would print blank, or break the PDF.
Line = Annotated[Text | None, Query(max_length=200)]


@router.get(
    "/six-month",
    response_class=Response,
    responses={
        200: {"description": "The document.", "content": {HTML_TYPE: {}, PDF_TYPE: {}}},
        406: {"description": "`unsupported_format`: the `Accept` header names neither HTML nor PDF."},
        422: {"description": "`unsupported_format` (unknown `format`) or `validation_error`."},
    },
)
async def six_month_report(
    request: Request,
    session: ReadSession,
    clock: ClockDep,
    principal: Overseers,
    year: Annotated[int, Query(ge=2000, le=2100)],
    half: Annotated[int, Query(ge=1, le=2, description="1: January–June, 2: July–December")],
    cutoff: Annotated[
        Cutoff,
        Query(description="`calendar` (default) or `day15`: 15/12–14/06 and 15/06–14/12 (Decree 09/2019)"),
    ] = "calendar",
    format: Annotated[
        Text | None, Query(description="`html` (default) or `pdf`; else `Accept` decides")
    ] = None,
    agency: Annotated[Text, Query(max_length=200, description="the issuing body, printed top left")] = (
        "Trung tâm Phục vụ hành chính công"
    ),
    place: Line = None,
    recipient: Line = None,
    signer: Line = None,
    signer_title: Annotated[Text, Query(max_length=100)] = "Giám đốc",
    unit: UnitQuery = None,
    agencies: AgenciesQuery = "as_registered",
) -> Response:
    """The six-month report (báo cáo 6 tháng) as one printable document: a covering page (national
    heading, title, period, the totals in words, signature) and, as annexes on landscape pages, the
    processing report by field, the service levels, satisfaction by agency and the Decision 766
    indicators, with the numbers of their JSON, CSV and XLSX for the same period. HTML (self-contained,
    print it from the browser) or PDF (fonts embedded). `unit`: the document of one receiving unit and
    the units under it (the unit's name is the issuing body unless `agency` is given), else the whole
    province; a leader whose token carries a unit gets that unit's (403 `not_your_unit` outside it).
    The covering page cites the rule set in force on the period's last day (Decree 61/2018 and
    107/2021 to 30/06/2025, Decree 118/2025 after); the service-level annex counts each receipt by the
    rule set of its receipt day, each result by the rule set of its result day. Agencies are named as
    on the last day; `agencies=successors` folds the agencies closed by then into their successors in
    the satisfaction and indicator annexes (the processing annex is by field: the option does not
    change it)."""
    chosen = document_format(format, request.headers.get("accept"))
    start, end = six_month_period(year, half, cutoff)
    if start < FIRST_REPORT_DAY or end > LAST_REPORT_DAY:
        raise Problem(
            422,
            "period_out_of_range",
            f"Reports cover {FIRST_REPORT_DAY} to {LAST_REPORT_DAY}; choose a half-year inside.",
        )
    scope = await unit_scope(session, principal=principal, unit=unit)
    if scope.unit is not None and "agency" not in request.query_params:
        agency = (await units_repository.names(session, [scope.unit])).get(scope.unit, agency)
    now = clock.now()
    tables = await six_month_tables(session, start, end, vietnam_date(now), scope.codes, agencies)
    view = SixMonthView(
        year=year,
        half=half,
        period_from=start,
        period_to=end,
        issued_at=now,
        agency_name=agency,
        place=place,
        recipient=recipient,
        signer_title=signer_title,
        signer_name=signer,
        rule_set=rule_set_on(end),
    )
    name = f"six_month_{start.isoformat()}_{end.isoformat()}"
    headers = {"Cache-Control": "no-store", "Vary": "Accept"}
    if chosen == "pdf":
        pdf = await run_in_threadpool(six_month_pdf, tables, view)  # CPU-bound: keep the event loop free
        return Response(
            pdf,
            media_type=PDF_TYPE,
            headers={**headers, "Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return Response(six_month_html(tables, view), media_type=f"{HTML_TYPE}; charset=utf-8", headers=headers)
