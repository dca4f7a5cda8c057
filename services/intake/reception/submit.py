"""A dossier handed in at the counter (reception) or submitted online (portal): checked against the
procedure in force today, stored as submitted, then decided on at once at the counter; an online one
waits for reception's check (`decision.accept`). A retry under the same `Idempotency-Key` gets the
dossier of the first request back."""

import hashlib
import json
import uuid
import zlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import repository as catalogue
from services.intake.catalogue.rules import checklist, unknown_documents
from services.intake.dossiers import repository as dossiers
from services.intake.dossiers.change import Desk
from services.intake.dossiers.rules import received_across_boundary
from services.intake.reception import repository
from services.intake.reception.decision import (
    Facts,
    Outcome,
    decide,
    receive_at_once,
    received_at_once,
    shown,
)
from services.intake.reception.schemas import DossierIn
from services.intake.units import service as units
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.text import search_key


async def submit(
    session: AsyncSession, desk: Desk, dossier_in: DossierIn, idempotency_key: str | None
) -> Outcome:
    """A dossier handed in (reception) or submitted online (portal)."""
    if idempotency_key:
        replay = await _replay(session, desk, idempotency_key, dossier_in)
        if replay is not None:
            return replay
    procedure, own_unit = await _procedure_for(session, desk, dossier_in)
    unit_code, return_unit_code = await _units_for(session, desk, dossier_in, own_unit)
    remembered = (idempotency_key, _request_hash(dossier_in)) if idempotency_key else None
    dossier, submission = _staged(desk, dossier_in, procedure, (unit_code, return_unit_code), remembered)
    eligible, reason = dossier_in.eligible, dossier_in.refusal_reason
    # Received at once at the counter: one statement writes it all. A portal id (which may be taken:
    # a 409) and forms 02 and 03 are written by SUBMIT, then decided on.
    if (
        dossier.channel != "online"
        and dossier.portal_id is None
        and received_at_once(dossier, procedure, eligible=eligible)
    ):
        return await receive_at_once(session, desk, dossier, procedure, submission)
    await _store(session, submission)
    if dossier.channel == "online":
        return Outcome(dossier.id, shown(dossier, "submitted"))
    return await decide(session, desk, dossier, procedure, eligible=eligible, reason=reason)


async def _procedure_for(
    session: AsyncSession, desk: Desk, dossier_in: DossierIn
) -> tuple[Any, tuple[str, Any] | None]:
    """The procedure version in force today, if the dossier fits it and comes by the caller's channel;
    with it, when the token names reception's unit, that unit (code, row or None) read in the same
    round trip (issue #17)."""
    today = desk.clock.now().astimezone(VIETNAM).date()
    code, unit = dossier_in.procedure_code, desk.who.unit
    if desk.who.role == "portal" or unit is None:
        procedure, own_unit = await catalogue.procedure_in_force(session, code, today), None
    else:
        procedure, unit_row = await repository.procedure_and_unit(session, code, today, unit)
        own_unit = (unit, unit_row)
    if procedure is None:
        raise Problem(
            422, "unknown_procedure", f"There is no procedure {dossier_in.procedure_code} in force today."
        )
    unknown = unknown_documents(checklist(procedure.documents), dossier_in.documents)
    if unknown:
        raise Problem(422, "unknown_document", f"Not on this procedure's checklist: {', '.join(unknown)}.")
    if (desk.who.role == "portal") != (dossier_in.channel == "online"):
        raise Problem(
            422, "channel_mismatch", "The portal submits channel 'online'; the counter 'direct' or 'post'."
        )
    return procedure, own_unit


async def _units_for(
    session: AsyncSession, desk: Desk, dossier_in: DossierIn, own_unit: tuple[str, Any] | None
) -> tuple[str, str]:
    """The receiving unit (reception: its token's; the portal: the one it names, default the default
    unit) and the return unit (default the receiving unit), both registered and open today. `own_unit`:
    the token's unit already read (its code and row), or None."""
    today = desk.clock.now().astimezone(VIETNAM).date()
    if desk.who.role == "portal":
        unit_code = dossier_in.unit_code or desk.default_unit
    else:
        unit_code = await units.reception_unit(session, desk.who, default=desk.default_unit, day=today)
        if dossier_in.unit_code is not None and dossier_in.unit_code != unit_code:
            raise Problem(
                422,
                "unit_mismatch",
                f"Reception receives at its own unit {unit_code}, not at {dossier_in.unit_code}; "
                "leave unit_code out.",
            )
    if own_unit is not None and own_unit[0] == unit_code:
        units.checked_open(own_unit[1], unit_code, today)
    else:
        await units.open_unit(session, unit_code, today)
    return_unit_code = dossier_in.return_unit_code or unit_code
    if return_unit_code != unit_code:
        await units.open_unit(session, return_unit_code, today, as_what="return unit")
    return unit_code, return_unit_code


def _staged(
    desk: Desk,
    dossier_in: DossierIn,
    procedure: Any,
    units: tuple[str, str],
    remembered: tuple[str, str] | None,
) -> tuple[Facts, repository.Submission]:
    """The dossier handed in, as submitted (version 1, no code and no clock yet), and the rows that
    store it, with the request remembered under its Idempotency-Key (`remembered`: the key and the
    request's hash). Nothing written yet."""
    person = dossier_in.applicant
    unit_code, return_unit_code = units
    now = desk.clock.now()
    dossier = Facts(
        id=uuid.uuid4(),
        code=None,
        portal_id=dossier_in.portal_id,
        channel=dossier_in.channel,
        service_level=procedure.service_level,
        version=1,
        documents=sorted(set(dossier_in.documents)),
        applicant_kind=person.kind,
        applicant_name=person.name,
        agency_code=procedure.agency_code,
        unit_code=unit_code,
        return_unit_code=return_unit_code,
        received_across_boundary=received_across_boundary(unit_code, procedure.agency_unit_code),
        procedure_code=procedure.code,
        procedure_version=procedure.version,
        procedure_name=procedure.name,
        submitted_at=now,
    )
    submission = repository.Submission(
        applicant={
            "id": uuid.uuid4(),
            "kind": person.kind,
            "name": person.name,
            "search_key": search_key(person.name),
            "id_number": person.id_number,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
        },
        dossier={
            "id": dossier.id,
            "portal_id": dossier.portal_id,
            "procedure_id": procedure.id,
            "channel": dossier.channel,
            "service_level": dossier.service_level,
            "unit_code": unit_code,
            "return_unit_code": return_unit_code,
            "received_across_boundary": dossier.received_across_boundary,
            "submitted_at": now,
            "documents": dossier.documents,
            "note": dossier_in.note,
        },
        who=desk.who,
        note="Hồ sơ đã được nộp",
        audit_detail={"channel": dossier_in.channel},
        idempotency_key=remembered and remembered[0],
        request_hash=remembered and remembered[1],
    )
    return dossier, submission


async def _store(session: AsyncSession, submission: repository.Submission) -> None:
    """The submission written (`repository.SUBMIT`), or 409 when its portal id is taken."""
    if not await repository.add_submission(session, submission):
        raise await _duplicate_portal_id(session, submission.dossier["portal_id"])


async def _replay(session: AsyncSession, desk: Desk, key: str, dossier_in: DossierIn) -> Outcome | None:
    await repository.lock_request(session, zlib.crc32(f"{desk.who.sub}:{key}".encode()))
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


async def _duplicate_portal_id(session: AsyncSession, portal_id: str | None) -> Problem:
    existing = await dossiers.dossier(session, portal_id or "")
    code = existing.code if existing is not None else None
    where = f"it is dossier {code}" if code else "it awaits checking"
    return Problem(
        409,
        "duplicate_portal_id",
        f"The portal already submitted {portal_id!r} ({where}); look it up instead of submitting it again "
        "(a retry of the same request reuses its Idempotency-Key).",
    )
