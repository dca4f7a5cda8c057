"""Thin route of ballots: parse, authorize, call the use case, shape the response."""

from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request

from services.survey.ballots import service
from services.survey.ballots.limits import BallotLimits
from services.survey.ballots.schemas import BallotIn, BallotOut
from services.survey.deps import Sender

router = APIRouter(prefix="/v1", tags=["ballots"])

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


@router.post("/ballots", status_code=201, response_model=BallotOut, responses=_BALLOT_ERRORS)
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
        # Its own commit boundary (a group commit, or its one write statement): committed before the 201.
        return service.submit(
            state.ballot_box, ballot, engine=state.runtime.engine, sessions=state.runtime.sessions
        )

    if who is None:  # a kiosk, within its limits (`limits.ballot_sender`)
        return await cast()
    limits: BallotLimits = state.ballot_limits
    return await limits.settle(who, ballot, cast)
