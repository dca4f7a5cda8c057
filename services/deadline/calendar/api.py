"""Thin routes of the working-day calendar: due times explained, and the admin's overrides."""

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.deadline.calendar import due as due_times
from services.deadline.calendar import overrides, repository
from services.deadline.calendar.schemas import (
    FIRST_DAY,
    LAST_DAY,
    DueOut,
    OverrideChange,
    OverrideIn,
    OverrideOut,
    ProcedureRef,
    SkippedOut,
)
from services.deadline.deps import CalendarAdminDep, ContextDep, DeadlineSettingsDep
from shared.clock import VIETNAM
from shared.deps import SessionDep, SignedIn
from shared.errors import Problem
from shared.inputs import Day, Instant, Text

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])

_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an admin"},
    422: {"description": "a day outside 1990-2099, an empty reason, an unknown field"},
}


@router.get("/due", response_model=DueOut, responses={404: {"description": "unknown_procedure"}})
async def due(
    session: SessionDep,
    context: ContextDep,
    settings: DeadlineSettingsDep,
    who: SignedIn,
    start: Annotated[Instant, Query(description="the receipt time, with its offset")],
    days: Annotated[
        Decimal | None,
        Query(ge=0, le=1000, description="working days (0.5 is half a day); default: the procedure's"),
    ] = None,
    procedure: Annotated[Text | None, Query(min_length=1, max_length=100)] = None,
) -> DueOut:
    """When a dossier received at `start` is due, and why: every day that did not count with its cause
    (`weekend`, `holiday` with its name, `swap`, `override` with the admin's reason, and the receipt day
    itself when received `after_closing` or, for a same-day procedure, `after_cutoff`).

    With `procedure`, its version in force on the start date says how to count (working or calendar
    days, same-day, cut-off) and `days` defaults to its processing days. A naive `start`, negative
    days or days that are not whole office minutes are refused (422).

    The days off of 2021–2026 are the official decisions kept in motcua's own table (Labour Code 2019,
    art. 112, and each year's notice), whatever version of the `holidays` package is installed. A year
    crossed from `start` to the due that has no official decision in the table yet is **provisional**:
    its days off are the package's guess, and may move when the year's notice is issued.
    `provisional_years` lists those years (e.g. `[2027]`) and `notes` says so in a sentence; both are
    empty when every year crossed is official."""
    if not FIRST_DAY <= start.astimezone(VIETNAM).date() <= LAST_DAY:
        raise Problem(422, "start_out_of_range", f"start must be between {FIRST_DAY} and {LAST_DAY}.")
    explained = await due_times.due(
        session,
        context.calendars,
        start=start,
        days=days,
        procedure_code=procedure,
        default_cutoff=settings.cutoff,
    )
    row = explained.procedure
    return DueOut(
        start=start,
        days=str(explained.days.normalize()) if explained.days else "0",
        kind=explained.kind,
        same_day=explained.same_day,
        cutoff=explained.cutoff if explained.same_day else None,
        procedure=None if row is None else ProcedureRef(code=row.code, version=row.version, name=row.name),
        clock_start=explained.result.clock_start,
        due=explained.result.due,
        skipped=[SkippedOut(day=s.day, cause=s.cause, reason=s.reason) for s in explained.skipped],
        provisional_years=explained.provisional_years,
        notes=explained.notes,
    )


@router.get("/overrides", response_model=list[OverrideOut])
async def list_overrides(
    session: SessionDep, who: SignedIn, year: Annotated[int | None, Query(ge=1990, le=2099)] = None
) -> list[OverrideOut]:
    """The centre's overrides of the official calendar (of `year`, or all), by day."""
    return [OverrideOut.model_validate(r._mapping) for r in await repository.overrides(session, year)]


@router.post(
    "/overrides",
    status_code=201,
    response_model=OverrideOut,
    responses=_CHANGE_ERRORS
    | {
        200: {"description": "the same override was there already: nothing changed"},
        409: {"description": "override_exists: the day has a different override; PUT replaces it"},
    },
)
async def create_override(
    body: OverrideIn, session: SessionDep, admin: CalendarAdminDep, response: Response
) -> OverrideOut:
    """Make `day` a day off (`working: false`) or a working day (`working: true`), with the reason
    (e.g. a provincial day off, a swapped Saturday). Emits `catalog.calendar.override_set`; every due
    computed afterwards follows it."""
    row, created = await overrides.create_override(
        session, admin, day=body.day, working=body.working, reason=body.reason
    )
    if not created:
        response.status_code = 200
    return OverrideOut.model_validate(row._mapping)


@router.put(
    "/overrides/{day}",
    response_model=OverrideOut,
    responses=_CHANGE_ERRORS
    | {
        201: {"description": "the day had no override"},
    },
)
async def replace_override(
    day: Day, body: OverrideChange, session: SessionDep, admin: CalendarAdminDep, response: Response
) -> OverrideOut:
    """Set the day's override, replacing the one there (`catalog.calendar.override_set`)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Problem(422, "day_out_of_range", f"day must be between {FIRST_DAY} and {LAST_DAY}.")
    row, created = await overrides.replace_override(
        session, admin, day=day, working=body.working, reason=body.reason
    )
    if created:
        response.status_code = 201
    return OverrideOut.model_validate(row._mapping)


@router.delete(
    "/overrides/{day}",
    status_code=204,
    responses=_CHANGE_ERRORS
    | {
        404: {"description": "override_not_found"},
    },
)
async def remove_override(day: Day, session: SessionDep, admin: CalendarAdminDep) -> Response:
    """Remove the day's override: the official calendar decides it again
    (`catalog.calendar.override_removed`)."""
    await overrides.remove_override(session, admin, day=day)
    return Response(status_code=204)
