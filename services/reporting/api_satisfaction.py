"""Thin route of the satisfaction report, and what every report route takes: the period, the readers."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.reporting.arithmetic import FIRST_REPORT_DAY, LAST_REPORT_DAY
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.readmodels import ReadSession
from services.reporting.satisfaction import satisfaction_report
from shared.auth import Principal, require_roles
from shared.clock import VIETNAM, Clock
from shared.deps import ClockDep
from shared.errors import Problem
from shared.inputs import Day

router = APIRouter(prefix="/v1/reports", tags=["reports"])

ReportReaders = Annotated[Principal, Depends(require_roles("leader", "admin", "auditor"))]


@dataclass(frozen=True)
class Period:
    """`from` and `to`: dates in Vietnam, both included."""

    start: date
    end: date


def _period(
    from_: Annotated[Day, Query(alias="from", description="first day (YYYY-MM-DD, Vietnam), included")],
    to: Annotated[Day, Query(description="last day (YYYY-MM-DD, Vietnam), included")],
) -> Period:
    if to < from_:
        raise Problem(422, "invalid_period", f"`to` ({to}) is before `from` ({from_}); swap them.")
    return Period(from_, to)


PeriodDep = Annotated[Period, Depends(_period)]


def _tree_period(period: PeriodDep) -> Period:
    if period.start < FIRST_REPORT_DAY or period.end > LAST_REPORT_DAY:
        raise Problem(
            422,
            "period_out_of_range",
            f"Reports cover {FIRST_REPORT_DAY} to {LAST_REPORT_DAY}; choose dates inside.",
        )
    return period


# A period of the reports counted from model A's tree (processing, service levels, indicators).
TreePeriodDep = Annotated[Period, Depends(_tree_period)]


def today(clock: Clock) -> date:
    """Today's date in Vietnam."""
    return clock.now().astimezone(VIETNAM).date()


@router.get("/satisfaction", response_class=Response, responses=EXPORT_RESPONSES)
async def satisfaction(
    request: Request,
    session: ReadSession,
    clock: ClockDep,
    _: ReportReaders,
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
    table = await satisfaction_report(
        session, period_from=period.start, period_to=period.end, today=today(clock)
    )
    return respond(table, request, format)
