"""Thin routes of forms, ballots and invitations: parse, authorize, call the use case, shape the response."""

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from services.survey import ballots, forms, invitations
from services.survey.ballot_limits import BallotLimits
from services.survey.schemas import DOSSIER_CODE_PATTERN, BallotIn, BallotOut, FormIn, FormOut, InvitationOut
from services.survey.senders import Sender
from services.survey.settings import SurveySettings
from shared.auth import Principal, require_roles
from shared.deps import ClockDep, SessionDep

router = APIRouter(prefix="/v1")

Admin = Annotated[Principal, Depends(require_roles("admin"))]
CounterOrPortal = Annotated[Principal, Depends(require_roles("reception", "portal"))]

_BALLOT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "`invalid_token`: the token does not open a survey for this dossier; "
        "`forbidden_role`: the role casts no ballot, or (reception) no anonymous one."
    },
    409: {"description": "`token_used` or `already_rated`: the dossier has its ballot."},
    410: {"description": "`token_expired`: the invitation expired."},
    422: {
        "description": "Nothing stored: `unknown_agency`, `unknown_question`, `unknown_option`, "
        "`answer_missing`, `reason_required`, `comment_too_long`, `reason_too_long`, `token_required`, "
        "`dossier_required`, `agency_required`, `agency_mismatch`, or `validation_error` (e.g. a field "
        "the ballot does not have)."
    },
    429: {
        "description": "`rate_limited` (with `Retry-After`): too many ballots from this device or its IP "
        "address; or from this account, besides those its dossiers' invitations counted."
    },
}


async def _box(request: Request) -> ballots.BallotBox:
    box: ballots.BallotBox = request.app.state.ballot_box
    return box


BoxDep = Annotated[ballots.BallotBox, Depends(_box)]


@router.get("/forms/current", response_model=FormOut, tags=["forms"])
async def current_form(session: SessionDep, clock: ClockDep, box: BoxDep) -> dict[str, Any]:
    """The survey form in force today (phiếu khảo sát), for kiosks and the portal to render: each
    question with its options and their Vietnamese labels. Public: no token needed."""
    return forms.form_out(await box.forms.in_force(session, forms.today(clock)))


@router.post(
    "/forms",
    status_code=201,
    response_model=FormOut,
    tags=["forms"],
    responses={422: {"description": "`effective_from_past`, `no_questions`, `too_few_options`, ..."}},
)
async def publish_form(
    form_in: FormIn, session: SessionDep, clock: ClockDep, box: BoxDep, who: Admin
) -> dict[str, Any]:
    """A new version of the survey form, in force from `effective_from` (today or later). Ballots keep
    the version they answered. An option with `requires_reason` makes the citizen say why, and opens a
    feedback item."""
    return await forms.publish(session, clock=clock, who=who, form_in=form_in, cache=box.forms)


@router.post(
    "/ballots", status_code=201, response_model=BallotOut, tags=["ballots"], responses=_BALLOT_ERRORS
)
async def submit_ballot(ballot: BallotIn, request: Request, who: Sender) -> dict[str, Any]:
    """Cast a ballot (phiếu đánh giá) on the form in force today.

    About a returned dossier: `dossier_code` and the invitation's `token` (single use, expiring), from
    the portal (with or without its token), a counter tablet or a kiosk; one ballot per dossier,
    attributed to its lead agency. Anonymous: `agency_code` only, from a kiosk (no login, limited per
    device, `X-Device-Id` else the IP, and per IP) or a portal account (limited per account, as is a
    refused dossier ballot of any account); nothing identifying the device or the citizen is stored.
    An answer that asks for a reason ("unsatisfied") needs `reason`, which opens a feedback item
    (`feedback_id`). Emits `survey.submitted`, without the comment."""
    state = request.app.state  # no more dependencies than needed: this is the kiosks' hot path

    def cast() -> Awaitable[dict[str, Any]]:
        # Its own commit boundary (a group commit, or a unit of work): committed before the 201.
        return ballots.submit(
            state.ballot_box, ballot, engine=state.runtime.engine, sessions=state.runtime.sessions
        )

    if who is None:  # a kiosk, within its limits (`senders`)
        return await cast()
    limits: BallotLimits = state.ballot_limits
    return await limits.settle(who, ballot, cast)


@router.get("/invitations/{dossier_code}", response_model=InvitationOut, tags=["invitations"])
async def get_invitation(
    dossier_code: Annotated[str, Path(pattern=DOSSIER_CODE_PATTERN)],
    request: Request,
    session: SessionDep,
    who: CounterOrPortal,
) -> dict[str, Any]:
    """A returned dossier's survey invitation: the token to print on the hand-over slip (reception) or
    show on the portal (the account that submitted the dossier online), when it expires
    (`MOTCUA_SURVEY_INVITATION_DAYS` after the return) and whether it was used. 404 `no_invitation`
    until `dossier.returned` has arrived, and for a portal account on a dossier it did not submit."""
    settings: SurveySettings = request.app.state.settings
    return await invitations.show(session, dossier_code, secret=settings.survey_token_secret, who=who)
