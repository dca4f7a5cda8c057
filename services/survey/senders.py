"""Who sends a ballot or a feedback item, found on the request's head before its body is read
(`shared.head_checks`): a kiosk or page without a login, held to its device and IP limits, or a
signed-in account, held to its own. A refused sender's body is never read or parsed.

What a check found is `request.state.sender`, which the routes take through `Sender`.
"""

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.survey.ballot_limits import BallotLimits
from services.survey.feedback_limits import FeedbackLimits
from shared.auth import Principal, TokenVerifier
from shared.errors import Problem
from shared.head_checks import HeadCheck
from shared.inputs import Text

DEVICE_HEADER = "x-device-id"

_bearer = HTTPBearer(auto_error=False)


async def _signed_in(request: Request) -> Principal | None:
    credentials = await _bearer(request)
    if credentials is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def ballot_sender(request: Request) -> None:
    limits: BallotLimits = request.app.state.ballot_limits
    who = await _signed_in(request)
    if who is None:
        limits.kiosk(_ip(request), request.headers.get(DEVICE_HEADER))
    else:
        limits.account(who)
    request.state.sender = who


async def feedback_sender(request: Request) -> None:
    limits: FeedbackLimits = request.app.state.feedback_limits
    who = await _signed_in(request)
    if who is None:
        limits.anonymous(_ip(request), request.headers.get(DEVICE_HEADER))
    elif who.role != "portal":
        raise Problem(403, "forbidden_role", f"Role '{who.role}' may not send feedback; citizens do.")
    else:
        limits.account(who)
    request.state.sender = who


HEAD_CHECKS: dict[tuple[str, str], HeadCheck] = {
    ("POST", "/v1/ballots"): ballot_sender,
    ("POST", "/v1/feedback"): feedback_sender,
}


async def _sender(
    request: Request,
    # Declared for the API documents (the optional token, the kiosk's id); the head check used them.
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_device_id: Annotated[Text | None, Header(max_length=100, description="the kiosk's own id")] = None,
) -> Principal | None:
    sender: Principal | None = request.state.sender
    return sender


Sender = Annotated[Principal | None, Depends(_sender)]
