"""Who may use an invitation, as pure functions: a token votes once, before it expires, and only the
invited may read it. No I/O, no clock reads: now is an argument."""

from datetime import datetime
from typing import Any

from services.survey.invitations.tokens import token_matches
from shared.auth import Principal
from shared.errors import Problem


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


def may_read(invitation: Any, who: Principal) -> bool:
    """Reception prints any dossier's token; a portal account sees only the dossiers it submitted, since
    whoever holds the token votes in the citizen's place."""
    return who.role == "reception" or (
        invitation.portal_account is not None and invitation.portal_account == who.sub
    )
