"""Reception's decision on a dossier handed in, at the counter at once or for an online submission when
reception checks it.

Only a complete, eligible dossier is received (tiếp nhận): it gets its code, its appointment date and
its clock. An incomplete one gets one complete supplement guidance (form 02), an ineligible one a
refusal with its reason (form 03); neither starts a clock.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events
from services.intake.calendar import working_calendar
from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import checklist, missing_documents, unknown_documents
from services.intake.catalogue.snapshot import received_snapshot
from services.intake.dossiers import access, rules
from services.intake.dossiers import repository as dossiers
from services.intake.dossiers.change import Desk, changing
from services.intake.reception import repository
from services.intake.reception.schemas import AcceptIn
from services.intake.schemas import ApplicantKind, Channel
from services.intake.units import service as units
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.rule_sets import rule_set_on


@dataclass(frozen=True)
class Facts:
    """What deciding on a dossier needs to know of it: from the request at the counter, or from its
    row when an online submission is checked. Keeps the decision from reading back what it just wrote."""

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


@dataclass(frozen=True)
class Outcome:
    dossier_id: uuid.UUID
    lookup_secret: str | None = None
    replayed: bool = False


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
    )
    return await decide(session, desk, facts, procedure, eligible=check.eligible, reason=check.refusal_reason)


async def decide(
    session: AsyncSession,
    desk: Desk,
    dossier: Facts,
    procedure: Row[Any],
    *,
    eligible: bool,
    reason: str | None,
) -> Outcome:
    """Receive the dossier, or answer with form 03 (not eligible) or form 02 (papers missing). The
    documents it was decided on are recorded with the decision."""
    if not eligible:
        await _not_received(session, desk, dossier, "refused", form="03", missing=[], reason=reason)
        return Outcome(dossier.id)
    missing = missing_documents(checklist(procedure.documents), dossier.documents)
    if missing:
        listed = [d for d in procedure.documents if d["code"] in {m.code for m in missing}]
        await _not_received(session, desk, dossier, "incomplete", form="02", missing=listed, reason=None)
        return Outcome(dossier.id)
    return await _receive(session, desk, dossier, procedure)


async def _receive(session: AsyncSession, desk: Desk, dossier: Facts, procedure: Row[Any]) -> Outcome:
    calendar = await working_calendar(session)
    async with changing(session, desk, dossier, audit_action="dossier.received") as change:
        now = change.at
        due = rules.appointment(now, procedure, online=dossier.channel == "online", calendar=calendar)
        era = rule_set_on(now)  # the dossier keeps the rule set of its receipt day from now on
        change.to(
            "received",
            f"Đã tiếp nhận, hẹn trả kết quả {due.due.astimezone(VIETNAM):%H:%M %d/%m/%Y}",
            documents=dossier.documents,
            received_at=now,
            rule_set=era.code,
            clock_started_at=due.clock_start,
            due_at=due.due,
        )
        # The day's counter row stays locked until commit, so it is taken last: only this change's own
        # writes follow it.
        day = now.astimezone(VIETNAM).date()
        number = await dossiers.next_dossier_number(session, dossier.unit_code, day)
        code = rules.dossier_code(dossier.unit_code, day, number)
        secret = rules.new_lookup_secret()
        change.set(code=code, lookup_secret_hash=rules.hash_lookup_secret(code, secret))
        change.emit(
            "received",
            events.received(
                identity=change.identity,
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
            ),
        )
    return Outcome(dossier.id, lookup_secret=secret)


async def _not_received(
    session: AsyncSession,
    desk: Desk,
    dossier: Facts,
    status: str,
    *,
    form: str,
    missing: list[dict[str, Any]],
    reason: str | None,
) -> None:
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
