"""Who may cast which ballot, and how many (POST /v1/ballots): abuse limits that need no extra server.

- No bearer token: a kiosk. One bucket per device (`X-Device-Id`, else its IP), and all kiosks behind
  one IP together under a wider ceiling (a device id costs nothing to invent).
- A portal or reception token: a dossier ballot that is stored costs nothing, as its invitation counts
  one per dossier already. Anything else costs the account (its token's `sub`) one of
  `MOTCUA_SURVEY_ACCOUNT_BALLOTS_PER_MINUTE`: a portal account's anonymous ballot, and a dossier ballot
  refused (a wrong token is a guess at the invitation's 50 bits). The charge is taken before the ballot
  is read (`ballot_sender`, on the request's head) and given back once it is stored: ballots in flight
  together cannot all pass a check made before any of them was charged.
- Reception casts dossier ballots only (a citizen's paper slip, with the token printed on the hand-over
  slip): anonymous ballots come from kiosks, and staff rating agencies anonymously, unseen, is the
  stuffing these limits are against. Officers, leaders, admins and auditors cast none.

Per worker process, like every bucket of `shared.ratelimit`: N workers allow N times the rate.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from services.survey.ballots.schemas import BallotIn
from services.survey.senders import client_ip, device_id, signed_in
from services.survey.settings import SurveySettings
from shared.auth import Principal
from shared.errors import Problem
from shared.ratelimit import RateLimiter


@dataclass(frozen=True)
class BallotLimits:
    per_device: RateLimiter
    per_ip: RateLimiter
    per_account: RateLimiter

    @classmethod
    def from_settings(cls, settings: SurveySettings) -> "BallotLimits":
        ip_rate = settings.survey_ip_ballots_per_minute
        return cls(
            per_device=RateLimiter(
                per_minute=settings.survey_device_ballots_per_minute, burst=settings.survey_device_burst
            ),
            per_ip=RateLimiter(per_minute=ip_rate, burst=max(1, int(ip_rate))),
            per_account=RateLimiter(
                per_minute=settings.survey_account_ballots_per_minute, burst=settings.survey_account_burst
            ),
        )

    def kiosk(self, ip: str, device_id: str | None) -> None:
        """Raises 429 `rate_limited` when this kiosk, or all kiosks behind its IP, sent too many."""
        self.per_ip.check(ip)
        self.per_device.check(f"device:{device_id[:100]}" if device_id else f"ip:{ip}")

    def account(self, who: Principal) -> None:
        """Charges a portal or reception account one ballot (429 `rate_limited` when it has none
        left), before its ballot is read; `settle` gives it back if the ballot was free."""
        if who.role not in ("portal", "reception"):
            raise Problem(403, "forbidden_role", f"Role '{who.role}' does not take ballots; citizens vote.")
        self.per_account.check(f"sub:{who.sub}")

    async def settle(
        self, who: Principal, ballot: BallotIn, cast: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """`cast` the ballot of an account charged by `account` (see the module)."""
        if ballot.dossier_code is None and who.role != "portal":
            raise Problem(
                403,
                "forbidden_role",
                f"Role '{who.role}' enters a dossier's ballot with its invitation token; anonymous "
                "ballots come from kiosks.",
            )
        stored = await cast()
        if ballot.dossier_code is not None:
            self.per_account.refund(f"sub:{who.sub}")  # its invitation counted it: one per dossier
        return stored


async def ballot_sender(request: Request) -> None:
    """The head check of POST /v1/ballots: a kiosk within its limits, or an account charged one ballot."""
    limits: BallotLimits = request.app.state.ballot_limits
    who = await signed_in(request)
    if who is None:
        limits.kiosk(client_ip(request), device_id(request))
    else:
        limits.account(who)
    request.state.sender = who
