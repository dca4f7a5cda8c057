"""How much feedback one sender may send (POST /v1/feedback), checked before the body is read.

One bucket per portal account, else per device (the kiosk's `X-Device-Id`), else per IP; anonymous
senders also share a wider per-IP ceiling, so a script inventing device ids is still held back.
Per worker process, like every bucket of `shared.ratelimit`: N workers allow N times the rate.
"""

from dataclasses import dataclass

from fastapi import Request

from services.survey.senders import client_ip, device_id, signed_in
from services.survey.settings import SurveySettings
from shared.auth import Principal
from shared.errors import Problem
from shared.ratelimit import RateLimiter


@dataclass(frozen=True)
class FeedbackLimits:
    per_sender: RateLimiter
    per_ip: RateLimiter

    @classmethod
    def from_settings(cls, settings: SurveySettings) -> "FeedbackLimits":
        per_minute, ip_per_minute = settings.feedback_per_minute, settings.feedback_ip_per_minute
        return cls(
            per_sender=RateLimiter(per_minute=per_minute, burst=max(1, int(per_minute))),
            per_ip=RateLimiter(per_minute=ip_per_minute, burst=max(1, int(ip_per_minute))),
        )

    def account(self, who: Principal) -> None:
        self.per_sender.check(f"sub:{who.sub}")

    def anonymous(self, ip: str, device_id: str | None) -> None:
        self.per_ip.check(ip)
        self.per_sender.check(f"device:{device_id[:100]}" if device_id else f"ip:{ip}")


async def feedback_sender(request: Request) -> None:
    """The head check of POST /v1/feedback: an anonymous sender or a citizen's account within its
    limits; staff send none."""
    limits: FeedbackLimits = request.app.state.feedback_limits
    who = await signed_in(request)
    if who is None:
        limits.anonymous(client_ip(request), device_id(request))
    elif who.role != "portal":
        raise Problem(403, "forbidden_role", f"Role '{who.role}' may not send feedback; citizens do.")
    else:
        limits.account(who)
    request.state.sender = who
