"""Ballots (phiếu đánh giá): about a returned dossier with its invitation's token, or anonymous at a
kiosk naming only an agency.

A ballot is checked whole before anything is written, and stored with its event atomically:
- an anonymous kiosk ballot that opens nothing (the bulk of them) goes to the worker's group commit
  (`writer`): one statement stores it with the ballots arriving at the same moment, and their
  events, without BEGIN and COMMIT round trips;
- any other (a dossier's, with its invitation; one whose answer asks for a reason, which opens a
  feedback item) reads what it needs without a lock (the invitation, on a cache miss the agency and
  the calendar), then one statement writes it all (`repository.write`) and commits as it ends.
Either way the 201 is sent after the commit. Nothing about who voted is stored: no IP, no device id,
no caller.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypedDict

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.survey import events
from services.survey.ballots import repository, rules
from services.survey.ballots.agencies import KnownAgencies
from services.survey.ballots.schemas import BallotIn
from services.survey.ballots.writer import BallotWriter
from services.survey.feedback.desk import Desk
from services.survey.feedback.receiving import from_ballot
from services.survey.forms.cache import FormCache
from services.survey.forms.rules import Form
from services.survey.invitations import repository as invitations
from services.survey.invitations.rules import refusal
from services.survey.settings import SurveySettings
from services.survey.violations import unprocessable
from services.survey.working_calendar import CALENDAR
from shared.clock import Clock, today
from shared.db.engine import Sessions
from shared.errors import Problem
from shared.messaging.outbox import Outbox


class _Staged(TypedDict):
    """An event as `Outbox.add` and `Outbox.row` take it."""

    name: str
    topic: str
    data: dict[str, Any]
    subject: str | None


@dataclass(frozen=True)
class BallotBox:
    """What taking a ballot needs besides the database; one per app, built at start."""

    outbox: Outbox
    clock: Clock
    settings: SurveySettings
    forms: FormCache
    agencies: KnownAgencies
    writer: BallotWriter


_AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}


async def submit(
    box: BallotBox, ballot: BallotIn, *, engine: AsyncEngine, sessions: Sessions
) -> dict[str, Any]:
    """Check, store and announce one ballot; raises `Problem` (nothing stored) when it may not count."""
    now = box.clock.now()
    misuse = rules.channel_violation(
        ballot.channel, dossier_code=ballot.dossier_code, token=ballot.token, agency_code=ballot.agency_code
    )
    if misuse is not None:
        raise unprocessable([misuse])
    day = today(box.clock)
    form = box.forms.fresh(day)
    if form is None:
        async with engine.connect() as conn:
            form = await box.forms.load(conn, day)
    violations = rules.ballot_violations(
        form,
        ballot.answers,
        reason=ballot.reason,
        comment=ballot.comment,
        max_chars=box.settings.survey_comment_max_chars,
    )
    if violations:
        raise unprocessable(violations)
    if ballot.dossier_code is None and not rules.reason_required(form, ballot.answers):
        assert ballot.agency_code is not None  # rules.channel_violation
        if not box.agencies.seen(ballot.agency_code):
            async with engine.connect() as conn:
                await box.agencies.check(conn, ballot.agency_code)
        stored = _stored(ballot, form, ballot.agency_code, now)
        _, event = box.outbox.row(**_event(stored, ballot, form))
        await box.writer.write(engine, _row(stored, ballot, form), event)
        return stored
    async with sessions() as session:
        # Autocommit: the reads take no lock, and the one statement that writes commits as it ends.
        await session.connection(execution_options=_AUTOCOMMIT)
        agency_code = await _agency(session, box, ballot, now)
        stored = _stored(ballot, form, agency_code, now)
        desk = await _desk(session, box, form, ballot)
        if not await repository.write(session, _staged(box, desk, stored, ballot, form)):
            raise Problem(409, "already_rated", f"Dossier {ballot.dossier_code} has been rated already.")
    return stored


async def _desk(session: AsyncSession, box: BallotBox, form: Form, ballot: BallotIn) -> Desk | None:
    """What opening a feedback item needs, if the ballot opens one (an answer asks for a reason)."""
    if not rules.reason_required(form, ballot.answers):
        return None
    calendar = await CALENDAR.get(session)
    return Desk(box.outbox, box.clock, calendar, box.settings.feedback_answer_days)


def _staged(
    box: BallotBox, desk: Desk | None, stored: dict[str, Any], ballot: BallotIn, form: Form
) -> repository.Staged:
    """Everything a ballot that is not group-committed writes; `stored` gets its feedback item's id."""
    _, submitted = box.outbox.row(**_event(stored, ballot, form))
    row = _row(stored, ballot, form)
    if desk is None:
        return repository.Staged(row, [submitted], [], [])
    assert ballot.reason is not None  # the rules refused a ballot without it
    item = from_ballot(
        desk,
        ballot_id=stored["id"],
        agency_code=stored["agency_code"],
        dossier_code=ballot.dossier_code,
        reason=ballot.reason,
    )
    stored["feedback_id"] = item.values["id"]
    return repository.Staged(row, [submitted, item.outbox_row], [item.values], [item.audit_row])


async def _agency(session: AsyncSession, box: BallotBox, ballot: BallotIn, now: datetime) -> str:
    """The agency the ballot rates: the one named at a kiosk, or the dossier's lead agency, after the
    invitation's token has been checked."""
    if ballot.dossier_code is not None:
        assert ballot.token is not None  # rules.channel_violation
        invitation = await invitations.invitation(session, ballot.dossier_code)
        refused = refusal(invitation, ballot.token, secret=box.settings.survey_token_secret, now=now)
        if refused is not None:
            raise refused
        assert invitation is not None
        if ballot.agency_code is not None and ballot.agency_code != invitation.agency_code:
            raise Problem(
                422,
                "agency_mismatch",
                f"Dossier {ballot.dossier_code} is rated for its lead agency {invitation.agency_code}, "
                f"not {ballot.agency_code}; omit agency_code.",
            )
        code: str = invitation.agency_code
    else:
        assert ballot.agency_code is not None  # rules.channel_violation
        code = ballot.agency_code
    await box.agencies.check(session, code)
    return code


def _stored(ballot: BallotIn, form: Form, agency_code: str, now: datetime) -> dict[str, Any]:
    """The response: what was stored, as the caller may see it."""
    return {
        "id": uuid.uuid4(),
        "form": {"code": form.code, "version": form.version},
        "agency_code": agency_code,
        "dossier_code": ballot.dossier_code,
        "channel": ballot.channel,
        "submitted_at": now,
        "feedback_id": None,
    }


def _row(stored: dict[str, Any], ballot: BallotIn, form: Form) -> dict[str, Any]:
    """The ballot's row: no IP, no device id, no caller."""
    return {
        "id": stored["id"],
        "form_id": form.id,
        "agency_code": stored["agency_code"],
        "dossier_code": ballot.dossier_code,
        "channel": ballot.channel,
        "answers": ballot.answers,
        "reason": ballot.reason,
        "comment": ballot.comment,
        "submitted_at": stored["submitted_at"],
    }


def _event(stored: dict[str, Any], ballot: BallotIn, form: Form) -> _Staged:
    """`survey.submitted`, as `Outbox.add` and `Outbox.row` take it: never the comment or the reason."""
    payload = events.submitted(
        ballot_id=stored["id"],
        form_code=form.code,
        form_version=form.version,
        agency_code=stored["agency_code"],
        dossier_code=ballot.dossier_code,
        channel=ballot.channel,
        answers=ballot.answers,
        reason_given=ballot.reason is not None,
        submitted_at=stored["submitted_at"],
    )
    return _Staged(
        name=events.SUBMITTED, topic=events.SUBMITTED, data=payload.data(), subject=ballot.dossier_code
    )
