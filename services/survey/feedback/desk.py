"""What every feedback use case needs besides the session, and the audit row each change leaves.

Use cases are keyword-only or take the desk, flush never commit, audit each change with who did it and
stage its event in the caller's transaction. The citizen's `contact` is personal data: it is stored,
shown to the responsible agency's officers and leaders and to administrators, and never put in an
event, an audit row or a log line.
"""

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.feedback.rules import DEFAULT_ANSWER_DAYS
from services.survey.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox

# Parameters beside a bare insert() compile once and are cached.
_INSERT_AUDIT: Final = insert(audit_log)


@dataclass(frozen=True)
class Desk:
    """What every feedback use case needs besides the session."""

    outbox: Outbox
    clock: Clock
    # With the centre's overrides (`services.survey.working_calendar`), as every due in the system.
    calendar: WorkingCalendar
    answer_days: int = DEFAULT_ANSWER_DAYS


async def record(
    session: AsyncSession, desk: Desk, who: Principal, item_id: Any, action: str, **detail: Any
) -> None:
    """Append the audit row of a change to an item (`audit_row`)."""
    await session.execute(_INSERT_AUDIT, audit_row(desk, who, item_id, action, **detail))


def audit_row(desk: Desk, who: Principal, item_id: Any, action: str, **detail: Any) -> dict[str, Any]:
    """The audit row of a change to an item: who, when, what; never the contact."""
    return audit.audit_row(
        who=who, at=desk.clock.now(), action=f"feedback.{action}", entity=f"feedback:{item_id}", detail=detail
    )


def not_yours(who: Principal, agency_code: str) -> Problem:
    """403 `not_your_agency`: the item is another agency's."""
    detail = f"This item is for agency {agency_code}; your token is for {who.agency}."
    return Problem(403, "not_your_agency", detail)
