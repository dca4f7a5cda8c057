"""An officer's actions on a step of their agency: parse, call the action, shape the step."""

from typing import Any

from fastapi import APIRouter

from services.routing.deps import OfficerDep, StepId
from services.routing.plans.schemas import StepOut
from services.routing.steps import actions
from services.routing.steps.schemas import (
    CompleteIn,
    ExtensionIn,
    NoteIn,
    OptionalNoteIn,
    ReasonIn,
    SupplementIn,
)
from shared.deps import SessionDep

router = APIRouter(prefix="/v1", tags=["steps"])

_STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such step (`step_not_found`)."},
    403: {"description": "The step is at another agency (`not_your_agency`); nothing changed."},
    409: {"description": "The step's state does not allow this; `code` says why. Nothing changed."},
    422: {"description": "The body is not valid."},
}


@router.post("/steps/{step_id}/accept", response_model=StepOut, responses=_STEP_ERRORS)
async def accept_step(step_id: StepId, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Take up a dossier handed to your agency (tiếp nhận): assigned → in progress."""
    return StepOut.from_row(await actions.accept(session, officer, actions.parse_step_id(step_id)))


@router.post("/steps/{step_id}/complete", response_model=StepOut, responses=_STEP_ERRORS)
async def complete_step(
    step_id: StepId, body: CompleteIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """Finish your agency's part with its result note. The next group of the route starts at once;
    after the last step the dossier is resolved (`dossier.resolved`)."""
    return StepOut.from_row(
        await actions.complete(session, officer, actions.parse_step_id(step_id), body.note)
    )


@router.post("/steps/{step_id}/supplement", response_model=StepOut, responses=_STEP_ERRORS)
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
    return StepOut.from_row(step)


@router.post("/steps/{step_id}/obligation", response_model=StepOut, responses=_STEP_ERRORS)
async def request_obligation(
    step_id: StepId, body: NoteIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """A financial obligation is asked of the citizen (thông báo nghĩa vụ tài chính): the step pauses."""
    return StepOut.from_row(
        await actions.request_obligation(session, officer, actions.parse_step_id(step_id), body.note)
    )


@router.post("/steps/{step_id}/obligation/fulfilled", response_model=StepOut, responses=_STEP_ERRORS)
async def obligation_fulfilled(
    step_id: StepId, session: SessionDep, officer: OfficerDep, body: OptionalNoteIn | None = None
) -> StepOut:
    """The financial obligation is met: the step resumes, its due moved by the paused working time."""
    note = body.note if body else None
    return StepOut.from_row(
        await actions.obligation_fulfilled(session, officer, actions.parse_step_id(step_id), note)
    )


@router.post("/steps/{step_id}/reject", response_model=StepOut, responses=_STEP_ERRORS)
async def reject_step(step_id: StepId, body: ReasonIn, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Refuse the dossier with the reason (`dossier.rejected`); the plan ends."""
    return StepOut.from_row(
        await actions.reject(session, officer, actions.parse_step_id(step_id), body.reason)
    )


@router.post("/steps/{step_id}/stop", response_model=StepOut, responses=_STEP_ERRORS)
async def stop_step(step_id: StepId, body: ReasonIn, session: SessionDep, officer: OfficerDep) -> StepOut:
    """Stop processing with the reason (`dossier.stopped`); the plan ends."""
    return StepOut.from_row(await actions.stop(session, officer, actions.parse_step_id(step_id), body.reason))


@router.post("/steps/{step_id}/extension", response_model=StepOut, responses=_STEP_ERRORS)
async def request_extension(
    step_id: StepId, body: ExtensionIn, session: SessionDep, officer: OfficerDep
) -> StepOut:
    """Ask for more time, before the step's due and once per step (`dossier.extension_requested`).
    The deadline service decides; a grant moves `due_at`, never `original_due_at` or `sla_due_at`."""
    step = await actions.request_extension(
        session, officer, actions.parse_step_id(step_id), body.reason, body.days
    )
    return StepOut.from_row(step)
