"""Feedback and complaints (phản ánh, kiến nghị): received, routed, answered, forwarded, reported.

Use cases: keyword-only, flush never commit, each change audited with who and staged as an event in
the caller's transaction. Checks come in this order: the item exists (404 `feedback_not_found`), it
is the caller's agency's (403 `not_your_agency`), its state allows the action (409). A refusal
raises before anything is written.

The citizen's `contact` is personal data: it is stored, shown to the responsible agency's officers
and leaders and to administrators, and never put in an event, an audit row or a log line.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import feedback_repository as repository
from services.survey import feedback_rules as rules
from services.survey.feedback_models import audit_log
from services.survey.feedback_schemas import FeedbackIn
from shared import audit
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM, Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox

# Admin overrides of the calendar (days off, working Saturdays) belong to the deadline service and
# are not replicated to survey yet; until then the official calendar applies.
CALENDAR = WorkingCalendar()

# Who receives from citizens without a login (portal page, kiosk): recorded as such in the audit.
ANONYMOUS = Principal(sub="anonymous", role="portal")


@dataclass(frozen=True)
class Desk:
    """What every feedback use case needs besides the session."""

    outbox: Outbox
    clock: Clock
    answer_days: int = rules.DEFAULT_ANSWER_DAYS
    calendar: WorkingCalendar = field(default=CALENDAR)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def today(clock: Clock) -> date:
    return rules.vietnam_date(clock.now())


def start_of(day: date) -> datetime:
    """00:00 of ``day`` in Vietnam, as an aware instant."""
    return datetime.combine(day, time(0, 0), tzinfo=VIETNAM)


def parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, "feedback_not_found", f"No feedback item {value}.") from None


# -- received (tiếp nhận) --------------------------------------------------------------------------


async def _emit_received(session: AsyncSession, outbox: Outbox, values: dict[str, Any]) -> None:
    """`survey.feedback_received`: never the content or the contact."""
    await outbox.add(
        session,
        name="survey.feedback_received",
        topic="survey.feedback_received",
        subject=values["dossier_code"],
        data={
            "feedback_id": str(values["id"]),
            "kind": values["kind"],
            "topic": values["topic"],
            "agency_code": values["agency_code"],
            "dossier_code": values["dossier_code"],
            "source": values["source"],
            "received_at": _utc(values["received_at"]),
            "answer_due_at": _utc(values["answer_due_at"]),
        },
    )


def _new_item(desk: Desk, **values: Any) -> dict[str, Any]:
    received_at = desk.clock.now()
    due = rules.answer_due(received_at, desk.answer_days, calendar=desk.calendar)
    return {
        "id": uuid.uuid4(),
        "received_agency_code": values["agency_code"],
        "received_at": received_at,
        "answer_due_at": due.astimezone(UTC),
        **values,
    }


async def _route(session: AsyncSession, body: FeedbackIn) -> str:
    named = body.agency_code
    if named is not None and not await repository.agency_exists(session, named):
        raise Problem(422, "unknown_agency", f"There is no agency {named}; check its code.")
    lead = (
        await repository.dossier_agency(session, body.dossier_code)
        if named is None and body.dossier_code
        else None
    )
    agency = rules.responsible_agency(named, lead)
    if agency is None:
        known = "" if body.dossier_code is None else f" (dossier {body.dossier_code} is not known here)"
        raise Problem(422, "agency_required", f"Name the agency it is addressed to (agency_code){known}.")
    return agency


async def receive(
    session: AsyncSession, desk: Desk, body: FeedbackIn, who: Principal | None
) -> dict[str, Any]:
    """A citizen's feedback, petition or complaint, routed to the agency that must answer it;
    returns the stored values."""
    agency = await _route(session, body)
    values = _new_item(
        desk,
        kind=body.kind,
        source="citizen",
        topic=body.topic,
        content=body.content,
        agency_code=agency,
        dossier_code=body.dossier_code,
        contact=body.contact,
        citizen_sub=who.sub if who is not None else None,
    )
    await repository.insert_item(session, values)
    await _emit_received(session, desk.outbox, values)
    await _audit(session, desk, who or ANONYMOUS, values["id"], "received", agency_code=agency)
    return values


async def open_from_ballot(
    session: AsyncSession,
    *,
    outbox: Outbox,
    clock: Clock,
    ballot_id: uuid.UUID,
    agency_code: str,
    dossier_code: str | None,
    reason: str,
    answer_days: int = rules.DEFAULT_ANSWER_DAYS,
) -> uuid.UUID:
    """An unsatisfied ballot opens one feedback item (source `ballot`, topic "Không hài lòng", the
    ballot's reason as content) for the ballot's agency, in the ballot's transaction. The caller has
    checked the agency. Calling it again for the same ballot returns the same item and emits nothing."""
    existing = await repository.item_of_ballot(session, ballot_id)
    if existing is not None:
        return existing
    desk = Desk(outbox=outbox, clock=clock, answer_days=answer_days)
    values = _new_item(
        desk,
        kind="feedback",
        source="ballot",
        ballot_id=ballot_id,
        topic=rules.BALLOT_TOPIC,
        content=reason,
        agency_code=agency_code,
        dossier_code=dossier_code,
    )
    created = await repository.insert_item(session, values)
    if created is None:  # a concurrent transaction opened it first
        again = await repository.item_of_ballot(session, ballot_id)
        assert again is not None
        return again
    await _emit_received(session, outbox, values)
    who = Principal(sub=f"ballot:{ballot_id}", role="portal")
    await _audit(session, desk, who, created, "received", agency_code=agency_code, ballot_id=str(ballot_id))
    return created


# -- the agency's side -----------------------------------------------------------------------------


def _may_see(who: Principal, agency_code: str) -> bool:
    return who.role in ("admin", "auditor") or who.agency == agency_code


def _not_yours(who: Principal, agency_code: str) -> Problem:
    detail = f"This item is for agency {agency_code}; your token is for {who.agency}."
    return Problem(403, "not_your_agency", detail)


def _shows_contact(who: Principal, agency_code: str) -> bool:
    return who.role == "admin" or (who.role in ("officer", "leader") and who.agency == agency_code)


async def _audit(
    session: AsyncSession, desk: Desk, who: Principal, item_id: Any, action: str, **detail: Any
) -> None:
    await audit.record(
        session,
        audit_log,
        who=who,
        at=desk.clock.now(),
        action=f"feedback.{action}",
        entity=f"feedback:{item_id}",
        detail=detail,
    )


async def _locked(session: AsyncSession, who: Principal, item_id: uuid.UUID) -> Row[Any]:
    item = await repository.item(session, item_id, for_update=True)
    if item is None:
        raise Problem(404, "feedback_not_found", f"No feedback item {item_id}.")
    if who.role != "admin" and who.agency != item.agency_code:
        raise _not_yours(who, item.agency_code)
    if item.answered_at is not None:
        raise Problem(409, "already_answered", "This item was answered already; an answer is given once.")
    return item


async def answer(
    session: AsyncSession, desk: Desk, who: Principal, item_id: uuid.UUID, text: str
) -> Row[Any]:
    """The responsible agency answers (trả lời), once; on time if on or before the due date."""
    item = await _locked(session, who, item_id)
    now = desk.clock.now()
    answered = await repository.update_item(
        session, item.id, answer=text, answered_at=now, answered_by=who.sub
    )
    on_time = rules.answered_on_time(now, item.answer_due_at)
    await desk.outbox.add(
        session,
        name="survey.feedback_answered",
        topic="survey.feedback_answered",
        subject=item.dossier_code,
        data={
            "feedback_id": str(item.id),
            "agency_code": item.agency_code,
            "answered_at": _utc(now),
            "answer_due_at": _utc(item.answer_due_at),
            "on_time": on_time,
        },
    )
    await _audit(session, desk, who, item.id, "answered", agency_code=item.agency_code, on_time=on_time)
    return answered


async def forward(
    session: AsyncSession, desk: Desk, who: Principal, item_id: uuid.UUID, to_agency: str, reason: str
) -> Row[Any]:
    """Pass an item on to the agency that should answer it (chuyển); the deadline does not restart."""
    item = await _locked(session, who, item_id)
    if to_agency == item.agency_code:
        raise Problem(422, "same_agency", f"The item is already with {to_agency}.")
    if not await repository.agency_exists(session, to_agency):
        raise Problem(422, "unknown_agency", f"There is no agency {to_agency}; check its code.")
    now = desk.clock.now()
    moved = await repository.update_item(session, item.id, agency_code=to_agency)
    await repository.insert_forward(
        session,
        {
            "feedback_id": item.id,
            "from_agency_code": item.agency_code,
            "to_agency_code": to_agency,
            "reason": reason,
            "at": now,
            "by": who.sub,
        },
    )
    await desk.outbox.add(
        session,
        name="survey.feedback_forwarded",
        topic="survey.feedback_forwarded",
        subject=item.dossier_code,
        data={
            "feedback_id": str(item.id),
            "from_agency_code": item.agency_code,
            "agency_code": to_agency,
            "forwarded_at": _utc(now),
            "answer_due_at": _utc(item.answer_due_at),
        },
    )
    await _audit(
        session, desk, who, item.id, "forwarded", from_agency_code=item.agency_code, agency_code=to_agency
    )
    return moved


# -- reading ---------------------------------------------------------------------------------------


def summary_view(row: Row[Any], on: date) -> dict[str, Any]:
    """An item as a list shows it: no contact, no answer text."""
    answered_at = row.answered_at
    return {
        **row._mapping,
        "state": "open" if answered_at is None else "answered",
        "overdue": rules.overdue(row.answer_due_at, answered_at, on),
        "on_time": None if answered_at is None else rules.answered_on_time(answered_at, row.answer_due_at),
    }


async def view(session: AsyncSession, who: Principal, item: Row[Any], on: date) -> dict[str, Any]:
    """One item with its answer and forwards; the contact only for those who may see it."""
    shown = summary_view(item, on)
    if not _shows_contact(who, item.agency_code):
        shown["contact"] = None
    shown["forwards"] = [dict(f._mapping) for f in await repository.forwards(session, item.id)]
    return shown


async def get(session: AsyncSession, who: Principal, item_id: uuid.UUID, on: date) -> dict[str, Any]:
    """One item, for the responsible agency's staff, administrators and auditors."""
    item = await repository.item(session, item_id)
    if item is None:
        raise Problem(404, "feedback_not_found", f"No feedback item {item_id}.")
    if not _may_see(who, item.agency_code):
        raise Problem(
            403,
            "not_your_agency",
            f"This item is for agency {item.agency_code}; your token is for {who.agency}.",
        )
    return await view(session, who, item, on)


def scope(who: Principal, agency: str | None) -> str | None:
    """The agency a list or summary may cover: officers and leaders see their own agency only."""
    if who.role in ("admin", "auditor"):
        return agency
    if agency is not None and agency != who.agency:
        raise Problem(403, "not_your_agency", f"Your token is for agency {who.agency}, not {agency}.")
    return who.agency


async def summary(
    session: AsyncSession, *, agency: str | None, start: date, end: date, on_day: date
) -> dict[str, Any]:
    """Items received from ``start`` to ``end`` (Vietnam dates, both included), per agency: answered
    on time or late, or open within or past the deadline, as it stands on `as_of`."""
    if end < start:
        raise Problem(422, "invalid_period", "`to` is before `from`.")
    groups = await repository.summary_groups(
        session, starts=start_of(start), ends=start_of(end + timedelta(days=1)), agency_code=agency
    )
    as_of = rules.as_of(end, on_day)
    result = rules.summarise(groups, on=as_of)
    return {
        "from": start,
        "to": end,
        "as_of": as_of,
        "rows": [{"agency_code": code, **vars(c)} for code, c in sorted(result.rows.items())],
        "totals": vars(result.totals),
    }
