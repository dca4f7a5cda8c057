"""Thin routes of the rebuild: start one, follow it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.reporting.deps import RebuildsDep
from services.reporting.rebuild.repository import UNFINISHED, read_run, someone_rebuilds
from services.reporting.rebuild.run import RebuildBusy
from services.reporting.rebuild.status import run_status
from shared.deps import Admin, ClockDep, SessionDep
from shared.errors import Problem
from shared.inputs import BigInt

router = APIRouter(prefix="/v1", tags=["reports"])


@router.post(
    "/rebuild",
    status_code=202,
    tags=["operations"],
    responses={409: {"description": "`rebuild_running`: a rebuild is already running."}},
)
async def start_rebuild(runner: RebuildsDep, who: Admin) -> JSONResponse:
    """Rebuild every read model from the start of the streams (DOSSIERS, SURVEYS, CATALOG) into fresh
    tables, while the reports keep answering from the current ones; then swap. 202 at once: follow the
    run at GET /v1/rebuild."""
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
    clock: ClockDep,
    _: Admin,
    run: Annotated[BigInt | None, Query(description="a run's id; the latest when absent")] = None,
) -> dict[str, Any]:
    """A rebuild's state (`running`, `swapping`, `done`, `failed`), events applied, events per second,
    and per stream the last sequence applied (`at`) of the sequence to reach (`target`)."""
    row = await read_run(session, run)
    if row is None:
        raise Problem(404, "no_rebuild", "No rebuild has run yet; POST /v1/rebuild starts one.")
    interrupted = row.state in UNFINISHED and not await someone_rebuilds(session)
    return run_status(row, interrupted=interrupted, now=clock.now())
