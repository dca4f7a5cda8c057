"""Apology letters (form 04) as use cases: issue one, read them back. Flush, never commit.

The agency that will be or is late issues the letter (docs/rules.md, "Apology letters"): for a step the
step's agency, for the whole dossier the lead agency. Its new return date is kept on the letter, beside
the clock's dues, which it never changes: lateness stays judged by the due. One new return date at a
time per dossier; a letter after its deadline is still recorded, marked `timely: false` (rules.py).
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadline import events
from services.deadline.apology import repository, rules
from services.deadline.apology.schemas import ApologyIn
from services.deadline.clocks import repository as dossier_repository
from services.deadline.models import audit_log
from shared import audit
from shared.auth import Principal
from shared.calendar import WorkingDays
from shared.errors import Problem
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject

OPEN_STATES = frozenset({"pending", "running", "paused"})


def _refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise Problem(refusal.status, refusal.code, refusal.detail, extra=refusal.extra or None)


async def issue(
    session: AsyncSession,
    outbox: Outbox,
    *,
    code: str,
    body: ApologyIn,
    who: Principal,
    now: datetime,
    days: WorkingDays,
) -> dict[str, Any]:
    """Record the letter, judged timely or late by the working days `days`, audit it and stage
    `dossier.apology_issued`, all in the caller's transaction; returns the letter as recorded."""
    assert who.agency is not None  # officers and leaders carry one (require_roles)
    dossier = await repository.dossier_for_update(session, code)
    if dossier is None:
        raise Problem(404, "dossier_not_found", f"Deadline has no dossier {code}.")
    clock = await repository.clock(session, dossier.dossier_id, body.step_id)
    if body.step_id is not None and clock is None:
        raise Problem(404, "step_not_found", f"Dossier {code} has no step {body.step_id}.")
    responsible = clock.agency_code if clock is not None else dossier.lead_agency_code
    if responsible != who.agency:
        scope = "step" if body.step_id else "dossier"
        raise Problem(
            403,
            "not_your_agency",
            f"This {scope} is {responsible}'s: only that agency may apologise for it, not {who.agency}.",
        )
    current_due = _current_due(clock, dossier)
    _refuse(rules.check_new_return_date(body.new_return_date, now=now, due_at=current_due))
    _refuse(rules.check_open(_state(clock, dossier), OPEN_STATES))
    # Per dossier, whatever the scope: a step's letter and the dossier's share the citizen's one date.
    latest = await repository.latest_return_date(session, dossier.dossier_id)
    _refuse(rules.check_return_date_pending(latest, now=now))
    judged = rules.judged_due_day(_judged_due(clock, dossier), latest)

    letter = {
        "id": uuid.uuid4(),
        "dossier_code": code,
        "dossier_id": dossier.dossier_id,
        "step_id": body.step_id,
        "agency_code": who.agency,
        # The lead agency's name is known from the procedure snapshot; another agency's must be given.
        "agency_name": body.agency_name
        or (dossier.lead_agency_name if who.agency == dossier.lead_agency_code else None),
        "reason": body.reason,
        "apology": body.apology,
        "new_return_date": body.new_return_date,
        "due_at": current_due,
        "original_due_at": clock.original_due_at if clock is not None else dossier.original_due_at,
        "received_at": dossier.received_at,
        "appointment_at": dossier.original_due_at,
        "procedure_name": dossier.procedure_name,
        "applicant_name": dossier.applicant_name,
        "signed_by_name": body.signed_by_name,
        "signed_by_title": body.signed_by_title,
        "issued_at": now,
        "timely": rules.is_timely(now, judged, days),
        "timely_until": None if judged is None else rules.last_timely_day(judged, days),
        "issued_by": who.sub,
        "issued_by_role": who.role,
    }
    await repository.add_letter(session, letter)
    await audit.record(
        session,
        audit_log,
        who=who,
        at=now,
        action="apology.issue",
        entity=f"dossier:{code}",
        detail={
            "letter_id": str(letter["id"]),
            "step_id": str(body.step_id) if body.step_id else None,
            "new_return_date": body.new_return_date.isoformat(),
            "timely": letter["timely"],
        },
    )
    await outbox.add(
        session,
        name="dossier.apology_issued",
        topic=dossier_subject(who.agency, "apology_issued"),
        subject=code,
        dossier_version=await dossier_repository.next_dossier_version(session, dossier.dossier_id),
        data=events.apology_issued(dossier=dossier, letter=letter).data(),
    )
    return letter


def _current_due(clock: Row[Any] | None, dossier: Row[Any]) -> datetime | None:
    """The due the result is now expected by: a granted extension's, else the (pause-moved) due."""
    if clock is None:
        return dossier.original_due_at  # type: ignore[no-any-return]
    return clock.extended_due_at or clock.due_at or clock.original_due_at  # type: ignore[no-any-return]


def _judged_due(clock: Row[Any] | None, dossier: Row[Any]) -> datetime | None:
    """The due lateness is judged by: moved by pauses, never by an extension nor a letter."""
    if clock is None:
        return dossier.original_due_at  # type: ignore[no-any-return]
    return clock.due_at or clock.original_due_at  # type: ignore[no-any-return]


def _state(clock: Row[Any] | None, dossier: Row[Any]) -> str | None:
    if dossier.ended_at is not None or dossier.imported:
        return "stopped"
    return None if clock is None else str(clock.state)


async def visible_letter(session: AsyncSession, letter_id: uuid.UUID, who: Principal) -> Row[Any]:
    """The letter, if `who` may read it: the centre's roles all letters, an agency its own."""
    row = await repository.letter(session, letter_id)
    if row is None:
        raise Problem(404, "letter_not_found", f"No apology letter {letter_id}.")
    check_agency(who, row.agency_code)
    return row


def check_agency(who: Principal, agency: str | None) -> None:
    """Officers and leaders see their own agency's letters and lateness only."""
    if who.role in ("officer", "leader") and agency != who.agency:
        raise Problem(
            403,
            "not_your_agency",
            f"Agency {who.agency} may see its own letters and late dossiers only, not "
            f"{agency or 'all agencies'}'s.",
        )
