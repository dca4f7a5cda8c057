"""Thin routes of survey forms: parse, authorize, call the use case, shape the response."""

from typing import Any

from fastapi import APIRouter

from services.survey.deps import BoxDep
from services.survey.forms import service
from services.survey.forms.schemas import FormIn, FormOut
from shared.clock import today
from shared.deps import Admin, ClockDep, SessionDep

router = APIRouter(prefix="/v1", tags=["forms"])


@router.get("/forms/current", response_model=FormOut)
async def current_form(session: SessionDep, clock: ClockDep, box: BoxDep) -> dict[str, Any]:
    """The survey form in force today (phiếu khảo sát), for kiosks and the portal to render: each
    question with its options and their Vietnamese labels. Public: no token needed."""
    return service.form_out(await box.forms.in_force(session, today(clock)))


@router.post(
    "/forms",
    status_code=201,
    response_model=FormOut,
    responses={422: {"description": "`effective_from_past`, `no_questions`, `too_few_options`, ..."}},
)
async def publish_form(
    form_in: FormIn, session: SessionDep, clock: ClockDep, box: BoxDep, who: Admin
) -> dict[str, Any]:
    """A new version of the survey form, in force from `effective_from` (today or later). Ballots keep
    the version they answered. An option with `requires_reason` makes the citizen say why, and opens a
    feedback item."""
    return await service.publish(session, clock=clock, who=who, form_in=form_in, cache=box.forms)
