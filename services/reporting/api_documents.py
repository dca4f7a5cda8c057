"""The six-month report as one printable document: `GET /v1/reports/six-month?year=&half=1|2`.

The route gathers the tables from the report functions every JSON endpoint uses — processing by field,
service levels, satisfaction by agency, the indicators — for the half-year, and prints them with
`six_month` (HTML by default, PDF by `format=pdf` or `Accept: application/pdf`). The document holds the
same numbers as the endpoints for the same `from` and `to`.
"""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from services.reporting import arithmetic
from services.reporting.api import processing_report, service_levels_report
from services.reporting.exports import media_ranges
from services.reporting.indicators import indicators_report
from services.reporting.readmodels import ReadSession
from services.reporting.satisfaction import satisfaction_report
from services.reporting.six_month import SixMonthView, six_month_html, six_month_pdf, six_month_period
from services.reporting.tables import Table
from shared.auth import Principal, require_roles
from shared.clock import VIETNAM
from shared.deps import ClockDep
from shared.errors import Problem
from shared.inputs import Text

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Readers = Annotated[Principal, Depends(require_roles("leader", "admin", "auditor"))]
HTML_TYPE: Final = "text/html"
PDF_TYPE: Final = "application/pdf"
DOCUMENT_FORMATS: Final = ("html", "pdf")

# (session, from, to, today) -> one report's table, as its JSON endpoint computes it.
Source = Callable[[AsyncSession, date, date, date], Awaitable[Table]]


async def _processing(session: AsyncSession, start: date, end: date, today: date) -> Table:
    return await processing_report(session, period_from=start, period_to=end, by="field")


async def _service_levels(session: AsyncSession, start: date, end: date, today: date) -> Table:
    return await service_levels_report(session, period_from=start, period_to=end)


async def _satisfaction(session: AsyncSession, start: date, end: date, today: date) -> Table:
    return await satisfaction_report(session, period_from=start, period_to=end, today=today)


async def _indicators(session: AsyncSession, start: date, end: date, today: date) -> Table:
    return await indicators_report(session, period_from=start, period_to=end, agency_code=None)


# In the order the document prints them (Biểu số 1, 2, …).
SOURCES: Final[tuple[Source, ...]] = (_processing, _service_levels, _satisfaction, _indicators)


async def six_month_tables(session: AsyncSession, start: date, end: date, today: date) -> list[Table]:
    """The document's tables for [start, end], read in the request's one transaction (one snapshot)."""
    return [await source(session, start, end, today) for source in SOURCES]


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
    _: Readers,
    year: Annotated[int, Query(ge=2000, le=2100)],
    half: Annotated[int, Query(ge=1, le=2, description="1: January–June, 2: July–December")],
    cutoff: Annotated[
        Literal["calendar", "day15"],
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
) -> Response:
    """The six-month report (báo cáo 6 tháng) as one printable document: a covering page (national
    heading, title, period, the totals in words, signature) and, as annexes on landscape pages, the
    processing report by field, the service levels, satisfaction by agency and the Decision 766
    indicators, with the numbers of their JSON, CSV and XLSX for the same period. HTML (self-contained,
    print it from the browser) or PDF (fonts embedded)."""
    chosen = document_format(format, request.headers.get("accept"))
    start, end = six_month_period(year, half, cutoff)
    if start < arithmetic.FIRST_REPORT_DAY or end > arithmetic.LAST_REPORT_DAY:
        raise Problem(
            422,
            "period_out_of_range",
            f"Reports cover {arithmetic.FIRST_REPORT_DAY} to {arithmetic.LAST_REPORT_DAY}; "
            "choose a half-year inside.",
        )
    now = clock.now()
    tables = await six_month_tables(session, start, end, now.astimezone(VIETNAM).date())
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
