"""Use cases at the counter and on the portal: submit, check, receive, withdraw, return.

Only a complete, eligible dossier is received (tiếp nhận): it gets its code, its appointment date and
its clock. An incomplete one gets one complete supplement guidance (form 02), an ineligible one a
refusal with its reason (form 03); neither starts a clock.
"""

import hashlib
import json
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import events, repository, rules
from services.intake.appointment import appointment
from services.intake.catalogue import procedure_snapshot
from services.intake.models import (
    applicants,
    audit_log,
    dossiers,
    idempotency_keys,
    reception_decisions,
    timeline,
)
from services.intake.schemas import AcceptIn, DossierIn, ReturnIn, WithdrawIn
from shared import audit
from shared.auth import Principal
from shared.clock import VIETNAM, Clock
from shared.errors import Problem
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject
from shared.text import search_key


@dataclass(frozen=True)
class Desk:
    """What every use case here needs besides the session: who acts, when, and where events go."""

    outbox: Outbox
    clock: Clock
    who: Principal
    unit_code: str


@dataclass(frozen=True)
class Facts:
    """What deciding on a dossier needs to know of it: from the request at the counter, or from its
    row when an online submission is checked. Keeps the decision from reading back what it just wrote."""

    id: uuid.UUID
    portal_id: str | None
    channel: str
    service_level: int
    version: int
    documents: list[str]
    applicant_kind: str
    applicant_name: str
    agency_code: str


@dataclass(frozen=True)
class Outcome:
    dossier_id: uuid.UUID
    lookup_secret: str | None = None
    replayed: bool = False


async def submit(
    session: AsyncSession, desk: Desk, dossier_in: DossierIn, idempotency_key: str | None
) -> Outcome:
    """A dossier handed in (reception) or submitted online (portal)."""
    if idempotency_key:
        replay = await _replay(session, desk, idempotency_key, dossier_in)
        if replay is not None:
            return replay
    now = desk.clock.now()
    procedure = await repository.procedure_in_force(
        session, dossier_in.procedure_code, now.astimezone(VIETNAM).date()
    )
    if procedure is None:
        raise Problem(
            422, "unknown_procedure", f"There is no procedure {dossier_in.procedure_code} in force today."
        )
    checklist = rules.checklist(procedure.documents)
    unknown = rules.unknown_documents(checklist, dossier_in.documents)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    online = desk.who.role == "portal"
    if online != (dossier_in.channel == "online"):
        raise Problem(
            422, "channel_mismatch", "The portal submits channel 'online'; the counter 'direct' or 'post'."
        )
    person = dossier_in.applicant
    dossier = Facts(
        id=uuid.uuid4(),
        portal_id=dossier_in.portal_id,
        channel=dossier_in.channel,
        service_level=procedure.service_level,
        version=1,
        documents=sorted(set(dossier_in.documents)),
        applicant_kind=person.kind,
        applicant_name=person.name,
        agency_code=procedure.agency_code,
    )
    applicant_id = uuid.uuid4()
    await session.execute(
        insert(applicants),
        {
            "id": applicant_id,
            "kind": person.kind,
            "name": person.name,
            "search_key": search_key(person.name),
            "id_number": person.id_number,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
        },
    )
    stored = await session.execute(
        _INSERT_DOSSIER,
        {
            "id": dossier.id,
            "portal_id": dossier.portal_id,
            "status": "submitted",
            "version": dossier.version,
            "procedure_id": procedure.id,
            "applicant_id": applicant_id,
            "channel": dossier.channel,
            "service_level": dossier.service_level,
            "unit_code": desk.unit_code,
            "submitted_at": now,
            "documents": dossier.documents,
            "note": dossier_in.note,
            "created_by": desk.who.sub,
        },
    )
    if stored.first() is None:
        raise await _duplicate_portal_id(session, dossier_in.portal_id)
    await _timeline(session, dossier.id, now, "submitted", "Hồ sơ đã được nộp")
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=now,
        action="dossier.submitted",
        entity=f"dossier:{dossier.id}",
        detail={"channel": dossier_in.channel},
    )
    if idempotency_key:
        await session.execute(
            insert(idempotency_keys),
            {
                "key": idempotency_key,
                "caller": desk.who.sub,
                "request_hash": _request_hash(dossier_in),
                "dossier_id": dossier.id,
            },
        )
    if online:
        return Outcome(dossier.id)
    return await _decide(
        session, desk, dossier, procedure, dossier.documents, dossier_in.eligible, dossier_in.refusal_reason
    )


async def accept(session: AsyncSession, desk: Desk, key: str, check: AcceptIn) -> Outcome:
    """Reception checks an online submission; the clock starts only now, if it is received."""
    row = await existing(session, key, for_update=True)
    if row.status != "submitted":
        raise Problem(
            409, "not_awaiting_check", f"Dossier is {row.status}; only a submitted one can be checked."
        )
    provided = check.documents if check.documents is not None else list(row.documents)
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    unknown = rules.unknown_documents(rules.checklist(procedure.documents), provided)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    if not check.eligible and not check.refusal_reason:
        raise Problem(422, "refusal_reason_required", "Give refusal_reason when the dossier is not eligible.")
    documents = sorted(set(provided))
    await session.execute(update(dossiers).where(dossiers.c.id == row.id).values(documents=documents))
    facts = Facts(
        id=row.id,
        portal_id=row.portal_id,
        channel=row.channel,
        service_level=row.service_level,
        version=row.version,
        documents=documents,
        applicant_kind=row.applicant_kind,
        applicant_name=row.applicant_name,
        agency_code=row.agency_code,
    )
    return await _decide(session, desk, facts, procedure, provided, check.eligible, check.refusal_reason)


async def _decide(
    session: AsyncSession,
    desk: Desk,
    dossier: Facts,
    procedure: Row[Any],
    provided: list[str],
    eligible: bool,
    refusal_reason: str | None,
) -> Outcome:
    now = desk.clock.now()
    if not eligible:
        await _not_received(session, desk, dossier, "refused", form="03", missing=[], reason=refusal_reason)
        return Outcome(dossier.id)
    missing = rules.missing_documents(rules.checklist(procedure.documents), provided)
    if missing:
        listed = [d for d in procedure.documents if d["code"] in {m.code for m in missing}]
        await _not_received(session, desk, dossier, "incomplete", form="02", missing=listed, reason=None)
        return Outcome(dossier.id)
    return await _receive(session, desk, dossier, procedure, now)


async def _receive(
    session: AsyncSession, desk: Desk, row: Facts, procedure: Row[Any], now: datetime
) -> Outcome:
    calendar = await repository.working_calendar(session)
    due = appointment(now, procedure, online=row.channel == "online", calendar=calendar)
    await _timeline(
        session,
        row.id,
        now,
        "received",
        f"Đã tiếp nhận, hẹn trả kết quả {due.due.astimezone(VIETNAM):%H:%M %d/%m/%Y}",
    )
    # The day's counter row stays locked until commit, so everything that can wait comes before it.
    day = now.astimezone(VIETNAM).date()
    code = rules.dossier_code(
        desk.unit_code, day, await repository.next_dossier_number(session, desk.unit_code, day)
    )
    secret = rules.new_lookup_secret()
    version = row.version + 1
    await session.execute(
        _UPDATE_DOSSIER,
        {
            "dossier_id": row.id,
            "code": code,
            "status": "received",
            "received_at": now,
            "clock_started_at": due.clock_start,
            "due_at": due.due,
            "lookup_secret_hash": rules.hash_lookup_secret(code, secret),
            "version": version,
            "updated_at": now,
        },
    )
    snapshot = procedure_snapshot(procedure)
    await desk.outbox.add(
        session,
        name="dossier.received",
        topic=dossier_subject(procedure.agency_code, "received"),
        subject=code,
        sequence=version,
        data=events.received(
            identity=events.identity_of(row, code),
            procedure=snapshot,
            channel=row.channel,
            service_level=row.service_level,
            unit_code=desk.unit_code,
            received_at=now,
            clock_started_at=due.clock_start,
            due_at=due.due,
            applicant_kind=row.applicant_kind,
            applicant_name=row.applicant_name,
            documents=list(row.documents),
            imported=False,
        ),
    )
    await audit.record(
        session, audit_log, who=desk.who, at=now, action="dossier.received", entity=f"dossier:{code}"
    )
    return Outcome(row.id, lookup_secret=secret)


async def _not_received(
    session: AsyncSession,
    desk: Desk,
    row: Facts,
    status: str,
    *,
    form: str,
    missing: list[dict[str, Any]],
    reason: str | None,
) -> None:
    now = desk.clock.now()
    await session.execute(
        update(dossiers).where(dossiers.c.id == row.id).values(status=status, updated_at=now)
    )
    await session.execute(
        insert(reception_decisions),
        {
            "dossier_id": row.id,
            "form": form,
            "missing_documents": missing,
            "reason": reason,
            "issued_at": now,
            "issued_by": desk.who.sub,
        },
    )
    note = "Cần bổ sung hồ sơ" if form == "02" else "Từ chối tiếp nhận hồ sơ"
    await _timeline(session, row.id, now, status, note)
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=now,
        action=f"dossier.{status}",
        entity=f"dossier:{row.id}",
        detail={"form": form},
    )


async def withdraw(session: AsyncSession, desk: Desk, key: str, request: WithdrawIn) -> Outcome:
    """The citizen takes the dossier back (rút hồ sơ) before a result."""
    row = await existing(session, key, for_update=True)
    if row.status not in ("submitted", "received", "in_processing", "supplement_requested"):
        raise Problem(409, "cannot_withdraw", f"Dossier is {row.status}; it can no longer be withdrawn.")
    now = desk.clock.now()
    version = row.version + 1
    await session.execute(
        update(dossiers)
        .where(dossiers.c.id == row.id)
        .values(status="withdrawn", withdrawn_at=now, version=version, updated_at=now)
    )
    await _timeline(session, row.id, now, "withdrawn", "Công dân rút hồ sơ")
    if row.code is not None:
        await desk.outbox.add(
            session,
            name="dossier.withdrawn",
            topic=dossier_subject(row.agency_code, "withdrawn"),
            subject=row.code,
            sequence=version,
            data=events.withdrawn(
                identity=events.identity_of(row, row.code), withdrawn_at=now, imported=False
            ),
        )
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=now,
        action="dossier.withdrawn",
        entity=f"dossier:{row.code or row.id}",
        detail={"reason": request.reason},
    )
    return Outcome(row.id)


async def return_result(session: AsyncSession, desk: Desk, key: str, request: ReturnIn) -> Outcome:
    """The result handed over (trả kết quả): at the counter, by post or electronically."""
    row = await existing(session, key, for_update=True)
    if row.status != "resolved":
        raise Problem(
            409, "result_not_ready", f"Dossier is {row.status}; a result can be returned once resolved."
        )
    now = desk.clock.now()
    version = row.version + 1
    await session.execute(
        update(dossiers)
        .where(dossiers.c.id == row.id)
        .values(
            status="returned",
            returned_at=now,
            return_channel=request.channel,
            version=version,
            updated_at=now,
        )
    )
    await _timeline(session, row.id, now, "returned", "Đã trả kết quả")
    await desk.outbox.add(
        session,
        name="dossier.returned",
        topic=dossier_subject(row.agency_code, "returned"),
        subject=row.code,
        sequence=version,
        data=events.returned(
            identity=events.identity_of(row, row.code),
            returned_at=now,
            delivery_channel=request.channel,
            imported=False,
            portal_account=events.portal_account_of(row),
        ),
    )
    await audit.record(
        session,
        audit_log,
        who=desk.who,
        at=now,
        action="dossier.returned",
        entity=f"dossier:{row.code}",
        detail={"channel": request.channel},
    )
    return Outcome(row.id)


async def existing(session: AsyncSession, key: str, *, for_update: bool = False) -> Row[Any]:
    """The dossier by code, portal id or id, or a 404 problem."""
    row = await repository.dossier(session, key, for_update=for_update)
    if row is None:
        raise Problem(404, "dossier_not_found", f"No dossier {key}.")
    return row


async def _replay(session: AsyncSession, desk: Desk, key: str, dossier_in: DossierIn) -> Outcome | None:
    # Two retries racing with one key queue here; the loser then sees the winner's row.
    lock = zlib.crc32(f"{desk.who.sub}:{key}".encode())
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
    previous = await repository.idempotent_request(session, key, desk.who.sub)
    if previous is None:
        return None
    if previous.request_hash != _request_hash(dossier_in):
        raise Problem(
            409, "idempotency_key_reused", "This Idempotency-Key was used with a different request body."
        )
    return Outcome(previous.dossier_id, replayed=True)


def _request_hash(dossier_in: DossierIn) -> str:
    return hashlib.sha256(json.dumps(dossier_in.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


# The SET clause comes from the parameters' keys (column names): compiled once, then cached.
# A portal submission's id is unique: the same id again (under another Idempotency-Key) is a 409.
_INSERT_DOSSIER = (
    pg_insert(dossiers).on_conflict_do_nothing(index_elements=[dossiers.c.portal_id]).returning(dossiers.c.id)
)


async def _duplicate_portal_id(session: AsyncSession, portal_id: str | None) -> Problem:
    existing = await repository.dossier(session, portal_id or "")
    code = existing.code if existing is not None else None
    where = f"it is dossier {code}" if code else "it awaits checking"
    return Problem(
        409,
        "duplicate_portal_id",
        f"The portal already submitted {portal_id!r} ({where}); look it up instead of submitting it again "
        "(a retry of the same request reuses its Idempotency-Key).",
    )


_UPDATE_DOSSIER = update(dossiers).where(dossiers.c.id == bindparam("dossier_id"))


async def _timeline(
    session: AsyncSession, dossier_id: uuid.UUID, at: datetime, status: str, note: str
) -> None:
    await session.execute(
        insert(timeline), {"dossier_id": dossier_id, "at": at, "status": status, "public_note": note}
    )
