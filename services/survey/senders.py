"""Who sends a ballot or a feedback item, found on the request's head before its body is read
(`shared.head_checks`): a kiosk or page without a login, known by its device and IP, or a signed-in
account. Each guarded package's head check (`ballots.limits`, `feedback.limits`) holds the sender to its
limits, so a refused sender's body is never read or parsed, and leaves what it found in
`request.state.sender`, which the routes take through `deps.Sender`.
"""

from fastapi import Request
from fastapi.security import HTTPBearer

from shared.auth import Principal, TokenVerifier

DEVICE_HEADER = "x-device-id"

# The optional token of a ballot or a feedback item: a kiosk sends none.
bearer = HTTPBearer(auto_error=False)


async def signed_in(request: Request) -> Principal | None:
    """The account of the request's bearer token, or None without one (401 for a token not valid)."""
    credentials = await bearer(request)
    if credentials is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def device_id(request: Request) -> str | None:
    """The kiosk's own id (`X-Device-Id`), if it sent one."""
    return request.headers.get(DEVICE_HEADER)
