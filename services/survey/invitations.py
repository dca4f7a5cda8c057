"""Survey invitations (lời mời đánh giá): one per returned dossier, its token single use and expiring.

The token is never stored. It is HMAC-SHA256 under `MOTCUA_SURVEY_TOKEN_SECRET` of the dossier's id,
with a context string of its own, cut to 10 base32 characters (50 bits; guesses are rate-limited per
device and per account): survey can show it again to reception or the submitting portal account, and
check it, from the dossier id alone. The row keeps `used_at` (single use), `expires_at`, and the one
portal account that may read it besides reception (`portal_account`).
"""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import repository
from shared.auth import Principal
from shared.errors import Problem

TOKEN_LENGTH = 10
_CONTEXT = b"motcua/survey/invitation-token/v1:"
# What a citizen may type for what base32 spells: no 0, 1 or 8 in its alphabet.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "-": None, " ": None})


def invitation_token(secret: str, dossier_id: UUID) -> str:
    digest = hmac.new(secret.encode(), _CONTEXT + str(dossier_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:TOKEN_LENGTH]


def normalize_token(given: str) -> str:
    """As typed from paper: case, spaces, hyphens and look-alike digits do not matter."""
    return given.strip().upper().translate(_LOOKALIKES)


def token_matches(secret: str, dossier_id: UUID, given: str) -> bool:
    expected = invitation_token(secret, dossier_id).encode()
    return hmac.compare_digest(expected, normalize_token(given).encode("utf-8"))


def refusal(invitation: Any | None, token: str, *, secret: str, now: datetime) -> Problem | None:
    """Why `token` may not vote for the invitation's dossier, or None when it may. A dossier without an
    invitation answers like a wrong token, so the API tells nobody which dossiers exist."""
    if invitation is None or not token_matches(secret, invitation.dossier_id, token):
        return Problem(
            403,
            "invalid_token",
            "This token does not open a survey for this dossier; check the code on the receipt.",
        )
    if invitation.used_at is not None:
        return Problem(409, "token_used", "This invitation has been used: the dossier is rated already.")
    if now >= invitation.expires_at:
        return Problem(
            410, "token_expired", f"This invitation expired at {invitation.expires_at.isoformat()}."
        )
    return None


async def open_for_returned(
    session: AsyncSession,
    *,
    dossier_id: UUID,
    dossier_code: str,
    agency_code: str,
    returned_at: datetime,
    valid_days: int,
    portal_account: str | None,
) -> bool:
    """The result was handed over: invite the citizen to rate it until `valid_days` later. A repeated or
    second `dossier.returned` keeps the first invitation (its expiry never moves)."""
    return await repository.open_invitation(
        session,
        {
            "dossier_code": dossier_code,
            "dossier_id": dossier_id,
            "agency_code": agency_code,
            "returned_at": returned_at,
            "expires_at": returned_at + timedelta(days=valid_days),
            "portal_account": portal_account,
        },
    )


def may_read(invitation: Any, who: Principal) -> bool:
    """Reception prints any dossier's token; a portal account sees only the dossiers it submitted, since
    whoever holds the token votes in the citizen's place."""
    return who.role == "reception" or (
        invitation.portal_account is not None and invitation.portal_account == who.sub
    )


async def show(session: AsyncSession, dossier_code: str, *, secret: str, who: Principal) -> dict[str, Any]:
    """The invitation with its token, for reception to print or the submitting portal account to show.
    Another account's dossier answers as one without an invitation: codes are sequential, and a 403 would
    tell a prober which ones exist."""
    row = await repository.invitation(session, dossier_code)
    if row is None or not may_read(row, who):
        raise Problem(
            404,
            "no_invitation",
            f"No survey invitation for {dossier_code}: it opens when the result is returned.",
        )
    return {
        "dossier_code": row.dossier_code,
        "token": invitation_token(secret, row.dossier_id),
        "agency_code": row.agency_code,
        "returned_at": row.returned_at,
        "expires_at": row.expires_at,
        "used": row.used_at is not None,
        "used_at": row.used_at,
    }
