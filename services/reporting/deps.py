"""The reporting service's request dependencies: the read session, the report period, today in
Vietnam and the rebuilds. Who may call is in `shared.deps` (`Overseers` read the reports, `Admin`
rebuilds): the service has no role combination of its own."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.processing.arithmetic import FIRST_REPORT_DAY, LAST_REPORT_DAY
from services.reporting.readmodels import REBUILD_LOCK
from services.reporting.rebuild.runner import Runner
from shared.clock import today
from shared.deps import ClockDep, SessionDep
from shared.errors import Problem
from shared.inputs import Day


async def _read_session(session: SessionDep) -> AsyncSession:
    # Reports hold the rebuild lock shared, like the handlers: a rebuild's swap waits for the reports
    # in flight, and new ones wait the moment it takes, instead of deadlocking with its table locks.
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": REBUILD_LOCK})
    return session


ReadSession = Annotated[AsyncSession, Depends(_read_session)]


@dataclass(frozen=True)
class Period:
    """`from` and `to`: dates in Vietnam, both included."""

    start: date
    end: date


async def _period(
    from_: Annotated[Day, Query(alias="from", description="first day (YYYY-MM-DD, Vietnam), included")],
    to: Annotated[Day, Query(description="last day (YYYY-MM-DD, Vietnam), included")],
) -> Period:
    if to < from_:
        raise Problem(422, "invalid_period", f"`to` ({to}) is before `from` ({from_}); swap them.")
    return Period(from_, to)


PeriodDep = Annotated[Period, Depends(_period)]


async def _tree_period(period: PeriodDep) -> Period:
    if period.start < FIRST_REPORT_DAY or period.end > LAST_REPORT_DAY:
        raise Problem(
            422,
            "period_out_of_range",
            f"Reports cover {FIRST_REPORT_DAY} to {LAST_REPORT_DAY}; choose dates inside.",
        )
    return period


# A period of the reports counted from the processing read model's tree (processing, service levels,
# indicators).
TreePeriodDep = Annotated[Period, Depends(_tree_period)]


async def _today(clock: ClockDep) -> date:
    return today(clock)


# Today's date in Vietnam, from the injected clock.
TodayDep = Annotated[date, Depends(_today)]


async def _rebuilds(request: Request) -> Runner:
    runner: Runner = request.app.state.rebuilds
    return runner


RebuildsDep = Annotated[Runner, Depends(_rebuilds)]
