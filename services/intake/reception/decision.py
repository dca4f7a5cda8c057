"""Reception's decision on a dossier handed in, at the counter at once or for an online submission when
reception checks it.

Only a complete, eligible dossier is received (tiếp nhận): it gets its code, its appointment date and
its clock. An incomplete one gets one complete supplement guidance (form 02), an ineligible one a
refusal with its reason (form 03); neither starts a clock.
"""

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.calendar import working_calendar
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import checklist, missing_documents, unknown_documents
from services.intake.catalogue.schemas import DocumentItem
from services.intake.catalogue.snapshot import received_snapshot
from services.intake.dossiers import access, numbering, rules
from services.intake.dossiers.change import Desk, changing
from services.intake.reception import repository
from services.intake.reception.repository import Submission
from services.intake.reception.schemas import AcceptIn, DecisionOut, DossierOut
from services.intake.schemas import ApplicantKind, Channel
from services.intake.units import service as units
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.messaging.subjects import dossier_subject
from shared.rule_sets import rule_set_on


@dataclass(frozen=True)
class Facts:
    """What deciding on a dossier needs to know of it: from the request at the counter, or from its
    row when an online submission is checked. Keeps the decision from reading back what it just wrote,
    and its response from reading the dossier again (`shown`)."""

    id: uuid.UUID
    code: str | None
    portal_id: str | None
    channel: Channel
    service_level: int
    version: int
    documents: list[str]
    applicant_kind: ApplicantKind
    applicant_name: str
    agency_code: str
    unit_code: str  # the receiving unit, the prefix of its code
    return_unit_code: str
    received_across_boundary: bool  # the receiving unit is not the lead agency's
    procedure_code: str
    procedure_version: int
    procedure_name: str
    submitted_at: datetime


@dataclass(frozen=True)
class Outcome:
    """The decision's dossier and, unless the request was a replay, the response that shows it."""

    dossier_id: uuid.UUID
    shown: DossierOut | None = None
    replayed: bool = False


def shown(
    dossier: Facts,
    status: str,
    *,
    code: str | None = None,
    received_at: datetime | None = None,
    rule_set: str | None = None,
    due_at: datetime | None = None,
    decision: DecisionOut | None = None,
    lookup_secret: str | None = None,
) -> DossierOut:
    """The dossier as the response shows it right after reception's decision: what the decision knows,
    never read back after its writes (a submission just decided was never returned nor withdrawn).
    Instants in UTC, as the database gives them back to every other response."""

    def utc(at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(UTC)

    received_at, due_at = utc(received_at), utc(due_at)
    return DossierOut(
        id=dossier.id,
        code=code or dossier.code,
        portal_id=dossier.portal_id,
        status=status,
        procedure_code=dossier.procedure_code,
        procedure_version=dossier.procedure_version,
        procedure_name=dossier.procedure_name,
        channel=dossier.channel,
        service_level=dossier.service_level,
        unit_code=dossier.unit_code,
        return_unit_code=dossier.return_unit_code,
        received_across_boundary=dossier.received_across_boundary,
        applicant_name=dossier.applicant_name,
        submitted_at=utc(dossier.submitted_at),
        received_at=received_at,
        rule_set=rule_set,
        due_at=due_at,
        appointment_at=due_at,
        returned_at=None,
        withdrawn_at=None,
        documents=list(dossier.documents),
        decision=decision,
        lookup_secret=lookup_secret,
    )


async def accept(session: AsyncSession, desk: Desk, key: str, check: AcceptIn) -> Outcome:
    """Reception checks an online submission; the clock starts only now, if it is received."""
    row = await access.at_desk(session, desk, key)
    if row.status != "submitted":
        raise Problem(
            409, "not_awaiting_check", f"Dossier is {row.status}; only a submitted one can be checked."
        )
    today = desk.clock.now().astimezone(VIETNAM).date()
    await units.open_unit(session, row.unit_code, today)  # it is received there, so it must be open
    provided = check.documents if check.documents is not None else list(row.documents)
    procedure = await catalogue.procedure_by_id(session, row.procedure_id)
    unknown = unknown_documents(checklist(procedure.documents), provided)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    if not check.eligible and not check.refusal_reason:
        raise Problem(422, "refusal_reason_required", "Give refusal_reason when the dossier is not eligible.")
    facts = Facts(
        id=row.id,
        code=row.code,
        portal_id=row.portal_id,
        channel=row.channel,
        service_level=row.service_level,
        version=row.version,
        documents=sorted(set(provided)),
        applicant_kind=row.applicant_kind,
        applicant_name=row.applicant_name,
        agency_code=row.agency_code,
        unit_code=row.unit_code,
        return_unit_code=row.return_unit_code or row.unit_code,
        received_across_boundary=row.received_across_boundary,
        procedure_code=row.procedure_code,
        procedure_version=row.procedure_version,
        procedure_name=row.procedure_name,
        submitted_at=row.submitted_at,
    )
    return await decide(session, desk, facts, procedure, eligible=check.eligible, reason=check.refusal_reason)


async def decide(
    session: AsyncSession,
    desk: Desk,
    dossier: Facts,
    procedure: Any,
    *,
    eligible: bool,
    reason: str | None,
) -> Outcome:
    """Receive the dossier, or answer with form 03 (not eligible) or form 02 (papers missing). The
    documents it was decided on are recorded with the decision."""
    if not eligible:
        return await _not_received(session, desk, dossier, "refused", form="03", missing=[], reason=reason)
    missing = missing_documents(checklist(procedure.documents), dossier.documents)
    if missing:
        listed = [d for d in procedure.documents if d["code"] in {m.code for m in missing}]
        return await _not_received(
            session, desk, dossier, "incomplete", form="02", missing=listed, reason=None
        )
    return await _receive(session, desk, dossier, procedure)


async def _receive(session: AsyncSession, desk: Desk, dossier: Facts, procedure: Any) -> Outcome:
    """Stage the receipt, then write it in one statement that takes the day's number last
    (`numbering.receive`): the counter row stays locked only for that statement and the COMMIT."""
    staged = staged_receipt(desk, dossier, procedure, await working_calendar(session))
    return staged.outcome(dossier, await numbering.receive(session, staged.receipt))


async def receive_at_once(
    session: AsyncSession, desk: Desk, dossier: Facts, procedure: Any, submission: Submission
) -> Outcome:
    """A dossier handed in at the counter, complete and eligible: the submission and its receipt
    written by one statement that commits on its own (`repository.add_received`)."""
    staged = staged_receipt(desk, dossier, procedure, await working_calendar(session))
    return staged.outcome(dossier, await repository.add_received(session, submission, staged.receipt))


def received_at_once(dossier: Facts, procedure: Any, *, eligible: bool) -> bool:
    """Whether `decide` would receive the dossier: eligible, and no paper missing."""
    return eligible and not missing_documents(checklist(procedure.documents), dossier.documents)


@dataclass(frozen=True)
class StagedReceipt:
    """A receipt staged (`staged_receipt`), and what its response shows besides the written code."""

    receipt: numbering.Receipt
    secret: str  # the look-up secret, shown once
    rule_set: str

    def outcome(self, dossier: Facts, code: str) -> Outcome:
        r = self.receipt
        shown_out = shown(
            dossier,
            "received",
            code=code,
            received_at=r.received_at,
            rule_set=self.rule_set,
            due_at=r.due_at,
            lookup_secret=self.secret,
        )
        return Outcome(dossier.id, shown_out)


def staged_receipt(desk: Desk, dossier: Facts, procedure: Any, calendar: WorkingCalendar) -> StagedReceipt:
    """Everything a receipt writes, with its number left to the statement that writes it."""
    now = desk.clock.now()
    due = rules.appointment(now, procedure, online=dossier.channel == "online", calendar=calendar)
    era = rule_set_on(now)  # the dossier keeps the rule set of its receipt day from now on
    day = now.astimezone(VIETNAM).date()
    placeholder = f"#{secrets.token_hex(12)}#"  # unique to this request: nothing else in the JSON spells it
    version = dossier.version + 1
    identity = events.identity(
        dossier_id=dossier.id,
        code=placeholder,
        portal_id=dossier.portal_id,
        agency_code=dossier.agency_code,
    )
    payload = events.received(
        identity=identity,
        procedure=received_snapshot(procedure, era),
        channel=dossier.channel,
        service_level=dossier.service_level,
        unit_code=dossier.unit_code,
        return_unit_code=dossier.return_unit_code,
        received_across_boundary=dossier.received_across_boundary,
        received_at=now,
        clock_started_at=due.clock_start,
        due_at=due.due,
        applicant_kind=dossier.applicant_kind,
        applicant_name=dossier.applicant_name,
        documents=list(dossier.documents),
        imported=False,
        rule_set=era.code,
    )
    _, outbox_row = desk.outbox.row(
        name="dossier.received",
        topic=dossier_subject(dossier.agency_code, "received"),
        subject=placeholder,
        dossier_version=version,
        data=payload.data(),
    )
    secret = rules.new_lookup_secret()
    receipt = numbering.Receipt(
        dossier_id=dossier.id,
        unit_code=dossier.unit_code,
        day=day,
        code_prefix=rules.dossier_code_prefix(dossier.unit_code, day),
        secret_key=rules.secret_key(secret),
        documents_json=json.dumps(dossier.documents),
        received_at=now,
        rule_set=era.code,
        clock_started_at=due.clock_start,
        due_at=due.due,
        version=version,
        note=f"Đã tiếp nhận, hẹn trả kết quả {due.due.astimezone(VIETNAM):%H:%M %d/%m/%Y}",
        outbox_row=outbox_row,
        placeholder=placeholder,
        actor=desk.who.sub,
        role=desk.who.role,
        agency=desk.who.agency,
    )
    return StagedReceipt(receipt, secret, era.code)


async def _not_received(
    session: AsyncSession,
    desk: Desk,
    dossier: Facts,
    status: str,
    *,
    form: str,
    missing: list[dict[str, Any]],
    reason: str | None,
) -> Outcome:
    note = "Cần bổ sung hồ sơ" if form == "02" else "Từ chối tiếp nhận hồ sơ"
    async with changing(
        session, desk, dossier, audit_action=f"dossier.{status}", audit_detail={"form": form}, versioned=False
    ) as change:
        change.to(status, note, documents=dossier.documents)
        await repository.add_decision(
            session,
            dossier_id=dossier.id,
            form=form,
            missing=missing,
            reason=reason,
            at=change.at,
            by=desk.who.sub,
        )
    issued = DecisionOut(
        form=form,
        missing_documents=[DocumentItem(**d) for d in missing],
        reason=reason,
        issued_at=change.at.astimezone(UTC),
    )
    return Outcome(dossier.id, shown(dossier, status, decision=issued))
