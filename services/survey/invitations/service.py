"""Survey invitations (lời mời đánh giá): one per returned dossier, its token single use and expiring.

The row keeps `used_at` (single use), `expires_at`, and the one portal account that may read it besides
reception (`portal_account`); the token itself is derived, never stored (`tokens`).
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.invitations import repository
from services.survey.invitations.rules import may_read
from services.survey.invitations.tokens import invitation_token
from shared.auth import Principal
from shared.errors import Problem


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
