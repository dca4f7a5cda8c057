"""Thin routes of the processing and service-level reports (model A), and of the rebuild."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting import arithmetic
from services.reporting.api_satisfaction import ReportReaders, TreePeriodDep
from services.reporting.exports import EXPORT_RESPONSES, FormatQuery, respond
from services.reporting.models import rebuild_runs
from services.reporting.readmodels import ReadSession
from services.reporting.rebuild import RUN_LOCK, RebuildBusy, Runner
from services.reporting.reports import By, processing_table, service_levels_table
from services.reporting.repository import Store, driver
from services.reporting.tables import Table
from shared.auth import Principal, require_roles
from shared.deps import SessionDep
from shared.errors import Problem
from shared.inputs import BigInt

router = APIRouter(prefix="/v1", tags=["reports"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


async def processing_report(session: AsyncSession, *, period_from: date, period_to: date, by: By) -> Table:
    """The processing report's table for [from, to] (the six-month document prints it too)."""
    store = Store()
    conn = await driver(session)
    sums = await store.group_sums(conn, by, *arithmetic.period_nodes(period_from, period_to))
    names = await store.group_names(conn, by)
    return processing_table(period_from=period_from, period_to=period_to, by=by, sums=sums, names=names)


async def service_levels_report(session: AsyncSession, *, period_from: date, period_to: date) -> Table:
    """The service-level report's table for [from, to]."""
    conn = await driver(session)
    sums = await Store().group_sums(conn, None, *arithmetic.period_nodes(period_from, period_to))
    pair = sums.get("", ({}, {}))
    return service_levels_table(period_from=period_from, period_to=period_to, sums=pair)


@router.get("/reports/processing", response_class=Response, responses=EXPORT_RESPONSES)
async def processing(
    request: Request,
    session: ReadSession,
    _: ReportReaders,
    period: TreePeriodDep,
    by: Annotated[By, Query(description="one row per field (lĩnh vực), lead agency or procedure")] = "field",
    format: FormatQuery = None,
) -> Response:
    """The processing report (tình hình, kết quả giải quyết TTHC) for [from, to], dates in Vietnam, both
    included: per field, lead agency or procedure, the dossiers carried over and received (online,
    counter or post), resolved early / on time / late against the original due date, pending at the end
    of `to` within or past the due (waiting for a supplement counts as within), withdrawn, rejected
    (stopped included), and late with or without an apology letter. `totals` is the sum of the rows;
    total = carried over + received = resolved + pending + withdrawn + rejected, in every row.
    JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    table = await processing_report(session, period_from=period.start, period_to=period.end, by=by)
    return respond(table, request, format)


@router.get("/reports/service-levels", response_class=Response, responses=EXPORT_RESPONSES)
async def service_levels(
    request: Request,
    session: ReadSession,
    _: ReportReaders,
    period: TreePeriodDep,
    format: FormatQuery = None,
) -> Response:
    """Dossiers received in [from, to] by online service level 1-4 (count and percentage), and by the
    classes of Decree 42/2022 that replaced them: full online (level 4), partial online (level 3), other
    (levels 1 and 2). JSON, CSV or XLSX (`format`, or the `Accept` header)."""
    table = await service_levels_report(session, period_from=period.start, period_to=period.end)
    return respond(table, request, format)


def _run_json(row: Any) -> dict[str, Any]:
    finished: datetime | None = row.finished_at
    elapsed = ((finished or datetime.now(row.started_at.tzinfo)) - row.started_at).total_seconds()
    return {
        "run": row.id,
        "state": row.state,
        "requested_by": row.requested_by,
        "started_at": row.started_at.isoformat(),
        "finished_at": finished and finished.isoformat(),
        "events": row.events,
        "events_per_second": round(row.events / elapsed) if elapsed > 0 else None,
        "progress": row.progress,
        "error": row.error,
    }


@router.post(
    "/rebuild",
    status_code=202,
    tags=["operations"],
    responses={409: {"description": "`rebuild_running`: a rebuild is already running."}},
)
async def start_rebuild(request: Request, who: Admin) -> JSONResponse:
    """Rebuild every read model from the start of the streams (DOSSIERS, SURVEYS, CATALOG) into fresh
    tables, while the reports keep answering from the current ones; then swap. 202 at once: follow the
    run at GET /v1/rebuild."""
    runner: Runner = request.app.state.rebuilds
    try:
        run_id = await runner.start(requested_by=who.sub)
    except RebuildBusy as exc:
        raise Problem(409, "rebuild_running", "A rebuild is running; follow it at GET /v1/rebuild.") from exc
    return JSONResponse(
        {"run": run_id, "state": "running"}, status_code=202, headers={"Location": "/v1/rebuild"}
    )


@router.get("/rebuild", tags=["operations"], responses={404: {"description": "`no_rebuild`: never rebuilt."}})
async def rebuild_status(
    session: SessionDep,
    _: Admin,
    run: Annotated[BigInt | None, Query(description="a run's id; the latest when absent")] = None,
) -> dict[str, Any]:
    """A rebuild's state (`running`, `swapping`, `done`, `failed`), events applied, events per second,
    and per stream the last sequence applied (`at`) of the sequence to reach (`target`)."""
    query = select(rebuild_runs).order_by(rebuild_runs.c.id.desc()).limit(1)
    if run is not None:
        query = select(rebuild_runs).where(rebuild_runs.c.id == run)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise Problem(404, "no_rebuild", "No rebuild has run yet; POST /v1/rebuild starts one.")
    if row.state in ("running", "swapping") and await _nobody_rebuilds(session):
        await session.execute(
            update(rebuild_runs)
            .where(rebuild_runs.c.id == row.id)
            .values(state="failed", error="interrupted (the process stopped)", finished_at=text("now()"))
        )
        row = (await session.execute(select(rebuild_runs).where(rebuild_runs.c.id == row.id))).one()
    return _run_json(row)


async def _nobody_rebuilds(session: AsyncSession) -> bool:
    """True when no rebuild holds the run lock (taken and given back at once to find out)."""
    free = bool(await session.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}))
    if free:
        await session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
    return free
