"""Thin routes of the routing service: parse, authorize, call the use case, shape the response."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy.engine import Row

from services.routing import actions, control_slip, queues, repository
from services.routing.context import Context
from services.routing.schemas import (
    CompleteIn,
    ControlSlipOut,
    ExtensionIn,
    LoadOut,
    NoteIn,
    OptionalNoteIn,
    PlanOut,
    QueuePage,
    ReasonIn,
    StepOut,
    SupplementIn,
    WaitingState,
)
from shared.auth import Principal, require_roles
from shared.deps import ClockDep, OutboxDep, SessionDep
from shared.errors import Problem
from shared.inputs import Moment, Text
from shared.visibility import ensure_may_see

router = APIRouter(prefix="/v1")

AgencyStaff = Annotated[Principal, Depends(require_roles("officer", "leader"))]
Leader = Annotated[Principal, Depends(require_roles("leader"))]
Staff = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor"))]

_STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such step (`step_not_found`)."},
    403: {"description": "The step is at another agency (`not_your_agency`); nothing changed."},
    409: {"description": "The step's state does not allow this; `code` says why. Nothing changed."},
    422: {"description": "The body is not valid."},
}


async def _officer(
    session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: AgencyStaff
) -> actions.Officer:
    calendar = await repository.CALENDAR.get(session)
    return actions.Officer(Context(outbox=outbox, clock=clock, calendar=calendar), who)


OfficerDep = Annotated[actions.Officer, Depends(_officer)]
# Path keys reach the database: no control character may (PostgreSQL refuses U+0000).
StepId = Annotated[Text, Path(description="the step's id")]
DossierCode = Annotated[Text, Path(description="the dossier code")]
AgencyCode = Annotated[Text, Path(description="the agency's code")]


def _step_out(row: Row[Any]) -> StepOut:
    return StepOut.model_validate({**row._mapping, "group": row.group_no})


# -- queues --------------------------------------------------------------------------------------


@router.get("/queue", response_model=QueuePage, tags=["queues"])
async def agency_queue(
    session: SessionDep,
    clock: ClockDep,
    who: AgencyStaff,
    state: Annotated[list[WaitingState] | None, Query(description="repeat for several; default all")] = None,
    procedure: Annotated[Text | None, Query(max_length=40, description="procedure code")] = None,
    due_before: Annotated[Moment | None, Query(description="only steps due before this instant")] = None,
    cursor: Annotated[Text | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The steps waiting at the caller's agency (the token's `agency`): assigned, in progress or
    paused, earliest due first. Pages by keyset: pass `next_cursor` back as `cursor`."""
    assert who.agency is not None
    return await queues.page(
        session,
        agency_code=who.agency,
        states=list(state) if state else None,
        procedure_code=procedure,
        due_before=due_before,
        cursor=cursor,
        limit=limit,
        now=clock.now(),
    )


@router.get("/agencies/{code}/load", response_model=LoadOut, tags=["queues"])
async def agency_load(
    code: AgencyCode,
    session: SessionDep,
    clock: ClockDep,
    who: Leader,
    within_hours: Annotated[int, Query(ge=0, le=240, description="working hours ahead")] = 8,
) -> dict[str, Any]:
    """An agency's load for its leader: waiting steps by state, overdue now, and due within
    `within_hours` working hours (default one working day)."""
    if who.agency != code:
        raise Problem(403, "not_your_agency", f"Your token is for agency {who.agency}, not {code}.")
    return await queues.load(
        session,
        agency_code=code,
        now=clock.now(),
        hours=within_hours,
        calendar=await repository.CALENDAR.get(session),
    )


# -- officers' actions -----------------------------------------------------------------------------


@router.post("/steps/{step_id}/accept", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def accept_step(step_id: StepId, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Take up a dossier handed to your agency (tiếp nhận): assigned → in progress."""
    return _step_out(await actions.accept(session, officer, actions.parse_step_id(step_id)))


@router.post("/steps/{step_id}/complete", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def complete_step(
    step_id: StepId, body: CompleteIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """Finish your agency's part with its result note. The next group of the route starts at once;
    after the last step the dossier is resolved (`dossier.resolved`)."""
    return _step_out(await actions.complete(session, officer, actions.parse_step_id(step_id), body.note))


@router.post("/steps/{step_id}/supplement", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def request_supplement(
    step_id: StepId, body: SupplementIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """Ask for a supplement through the centre (form 02: each item with its reason); the step pauses
    until the citizen hands the papers in. Once per agency and dossier: asking again needs a leader
    and `override_reason` (409 `supplement_limit_reached`, 403 `override_needs_leader`)."""
    items = [item.model_dump() for item in body.items]
    step = await actions.request_supplement(
        session, officer, actions.parse_step_id(step_id), items, body.override_reason
    )
    return _step_out(step)


@router.post("/steps/{step_id}/obligation", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def request_obligation(
    step_id: StepId, body: NoteIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """A financial obligation is asked of the citizen (thông báo nghĩa vụ tài chính): the step pauses."""
    return _step_out(
        await actions.request_obligation(session, officer, actions.parse_step_id(step_id), body.note)
    )


@router.post(
    "/steps/{step_id}/obligation/fulfilled", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS
)
async def obligation_fulfilled(
    step_id: StepId, session: SessionDep, officer: OfficerDep, body: OptionalNoteIn | None = None
) -> StepOut:
    """The financial obligation is met: the step resumes, its due moved by the paused working time."""
    note = body.note if body else None
    return _step_out(
        await actions.obligation_fulfilled(session, officer, actions.parse_step_id(step_id), note)
    )


@router.post("/steps/{step_id}/reject", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def reject_step(step_id: StepId, body: ReasonIn, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Refuse the dossier with the reason (`dossier.rejected`); the plan ends."""
    return _step_out(await actions.reject(session, officer, actions.parse_step_id(step_id), body.reason))


@router.post("/steps/{step_id}/stop", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def stop_step(step_id: StepId, body: ReasonIn, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Stop processing with the reason (`dossier.stopped`); the plan ends."""
    return _step_out(await actions.stop(session, officer, actions.parse_step_id(step_id), body.reason))


@router.post("/steps/{step_id}/extension", response_model=StepOut, tags=["steps"], responses=_STEP_ERRORS)
async def request_extension(
    step_id: StepId, body: ExtensionIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """Ask for more time, before the step's due and once per step (`dossier.extension_requested`).
    The deadline service decides; a grant moves `due_at`, never `original_due_at` or `sla_due_at`."""
    step = await actions.request_extension(
        session, officer, actions.parse_step_id(step_id), body.reason, body.days
    )
    return _step_out(step)


# -- dossiers --------------------------------------------------------------------------------------


@router.get("/dossiers/{code}/plan", response_model=PlanOut, tags=["dossiers"])
async def dossier_plan(code: DossierCode, session: SessionDep, who: Staff) -> PlanOut:
    """A dossier's route plan with every step and its dues."""
    plan = await repository.plan_by_code(session, code)
    if plan is None:
        raise Problem(404, "dossier_not_found", f"Routing has no dossier {code}.")
    rows = await repository.steps_of(session, plan.dossier_id)
    ensure_may_see(who, code, agencies=[plan.lead_agency_code, *(s.agency_code for s in rows)])
    return PlanOut.model_validate({**plan._mapping, "steps": [_step_out(s) for s in rows]})


@router.get("/dossiers/{code}/control-slip", response_model=ControlSlipOut, tags=["dossiers"])
async def dossier_control_slip(
    code: DossierCode, session: SessionDep, clock: ClockDep, who: Staff
) -> dict[str, Any]:
    """The control slip (form 05): one row per hand-off, giving and receiving agency, times, due and
    the receiving agency's outcome by date (early / on time / late), so lateness is attributed."""
    return await control_slip.control_slip(session, code, now=clock.now(), who=who)


@router.get(
    "/dossiers/{code}/control-slip.html",
    response_class=Response,
    tags=["dossiers"],
    responses={200: {"content": {"text/html": {}}, "description": "form 05, printable"}},
)
async def dossier_control_slip_html(
    code: DossierCode, session: SessionDep, clock: ClockDep, who: Staff
) -> Response:
    """The control slip (form 05) as printable HTML, in Vietnamese."""
    slip = await control_slip.control_slip(session, code, now=clock.now(), who=who)
    return Response(control_slip.render_html(slip), media_type="text/html; charset=utf-8")
