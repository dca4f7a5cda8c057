"""Every query of reception's own tables: the forms 02 and 03 issued, and the requests already answered
under an `Idempotency-Key`; and a submission's rows, written in one statement."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Row, bindparam, insert, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue.repository import IN_FORCE
from services.intake.dossiers import numbering
from services.intake.dossiers.models import applicants, dossiers, timeline
from services.intake.models import audit_log, messaging
from services.intake.reception.models import idempotency_keys, reception_decisions
from services.intake.units.models import units
from shared.auth import Principal
from shared.db.raw import Prebuilt, Record, alone, driver


def _both_reads() -> Prebuilt:
    """The procedure in force (`code`, `on`) and the unit (`unit`), one row with either side null when
    absent, their columns told apart by prefix."""
    procedure = IN_FORCE.subquery("procedure")
    one = select(literal(1).label("one")).subquery("one")
    return Prebuilt(
        select(
            *(column.label(f"p_{column.name}") for column in procedure.c),
            *(column.label(f"u_{column.name}") for column in units.c),
        ).select_from(one.outerjoin(procedure, true()).outerjoin(units, units.c.code == bindparam("unit"))),
        on="alone",
    )


# Built once: the two reads of a reception at the token's own unit, in one round trip (issue #17).
_PROCEDURE_AND_UNIT: Final = _both_reads()


async def procedure_and_unit(
    session: AsyncSession, code: str, on: date, unit: str
) -> tuple[Record | None, Record | None]:
    """The version of procedure `code` in force on day `on` and the unit `unit`, each None if there is
    none: what `catalogue.repository.procedure_in_force` and `units.repository.unit` read, at once."""
    row = await _PROCEDURE_AND_UNIT.first(session, code=code, on=on, unit=unit)
    assert row is not None  # the one-row subquery makes one row whatever matches
    sides: dict[str, dict[str, Any]] = {"p_": {}, "u_": {}}
    for name, value in vars(row).items():
        sides[name[:2]][name[2:]] = value
    procedure, found = sides["p_"], sides["u_"]
    return (
        Record(**procedure) if procedure["id"] is not None else None,
        Record(**found) if found["code"] is not None else None,
    )


async def add_decision(
    session: AsyncSession,
    *,
    dossier_id: UUID,
    form: str,
    missing: list[dict[str, Any]],
    reason: str | None,
    at: datetime,
    by: str,
) -> None:
    await session.execute(
        insert(reception_decisions),
        {
            "dossier_id": dossier_id,
            "form": form,
            "missing_documents": missing,
            "reason": reason,
            "issued_at": at,
            "issued_by": by,
        },
    )


async def latest_decision(session: AsyncSession, dossier_id: UUID) -> Row[Any] | None:
    query = (
        select(reception_decisions)
        .where(reception_decisions.c.dossier_id == dossier_id)
        .order_by(reception_decisions.c.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).first()


async def lock_request(session: AsyncSession, lock: int) -> None:
    """Until commit: two retries racing with one key queue here, and the second then sees the first's row."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})


_IDEMPOTENT_REQUEST = select(idempotency_keys).where(
    idempotency_keys.c.key == bindparam("key"), idempotency_keys.c.caller == bindparam("caller")
)


async def idempotent_request(session: AsyncSession, key: str, caller: str) -> Row[Any] | None:
    return (await session.execute(_IDEMPOTENT_REQUEST, {"key": key, "caller": caller})).first()


# A dossier handed in, in one round trip: its applicant, the dossier (status submitted, version 1), the
# timeline's "submitted" row, the audit row and, under an Idempotency-Key, the request remembered. A
# portal id taken already inserts no dossier, and then nothing that hangs on it (the caller answers 409
# and rolls the applicant back). Built once, from this module's table names only.
SUBMIT: Final = f"""
WITH applicant AS (
  INSERT INTO {applicants.fullname} (id, kind, name, search_key, id_number, phone, email, address)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
), dossier AS (
  INSERT INTO {dossiers.fullname} (id, portal_id, status, version, procedure_id, applicant_id, channel,
    service_level, unit_code, return_unit_code, received_across_boundary, submitted_at, documents, note,
    created_by)
  VALUES ($9, $10, 'submitted', 1, $11, $1, $12, $13, $14, $15, $16, $17, $18::jsonb, $19, $20)
  ON CONFLICT (portal_id) DO NOTHING
  RETURNING id
), shown AS (
  INSERT INTO {timeline.fullname} (dossier_id, at, status, public_note) SELECT id, $17, 'submitted', $21
  FROM dossier
), audit AS (
  INSERT INTO {audit_log.fullname} (at, actor, role, agency, action, entity, detail)
  SELECT $17, $20, $22, $23, 'dossier.submitted', 'dossier:' || id::text, $24::jsonb FROM dossier
), remembered AS (
  INSERT INTO {idempotency_keys.fullname} (key, caller, request_hash, dossier_id)
  SELECT $25, $20, $26, id FROM dossier WHERE $25::text IS NOT NULL
)
SELECT count(*) FROM dossier
"""  # noqa: S608


APPLICANT: Final = ("id", "kind", "name", "search_key", "id_number", "phone", "email", "address")


@dataclass(frozen=True)
class Submission:
    """What a submission writes (`SUBMIT`): the applicant's and the dossier's columns, who submits it,
    the timeline's note and the audit's detail, and the Idempotency-Key it came under, if any."""

    applicant: dict[str, Any]  # the columns APPLICANT names
    dossier: dict[str, Any]  # id, portal_id, procedure_id, channel, service_level, unit_code,
    # return_unit_code, received_across_boundary, submitted_at, documents, note
    who: Principal
    note: str
    audit_detail: dict[str, Any]
    idempotency_key: str | None
    request_hash: str | None


async def add_submission(session: AsyncSession, submission: Submission) -> bool:
    """Write the submission (`SUBMIT`); False when its portal id is taken (nothing of it then stays
    but the applicant, which the caller's rollback removes)."""
    a, d, who = submission.applicant, submission.dossier, submission.who
    inserted = await (await driver(session)).fetchval(
        SUBMIT,
        *(a[column] for column in APPLICANT),
        d["id"],
        d["portal_id"],
        d["procedure_id"],
        d["channel"],
        d["service_level"],
        d["unit_code"],
        d["return_unit_code"],
        d["received_across_boundary"],
        d["submitted_at"],
        json.dumps(d["documents"]),
        d["note"],
        who.sub,
        submission.note,
        who.role,
        who.agency,
        json.dumps(submission.audit_detail),
        submission.idempotency_key,
        submission.request_hash,
    )
    return bool(inserted)


# A dossier handed in at the counter and received at once, in one statement that commits on its own
# (no BEGIN, no COMMIT: issue #17): the unit's number for the day taken (`numbering.NUMBERED`), the
# applicant, the dossier as received (version 2), the timeline's "submitted" and "received" rows, the
# `dossier.received` outbox row, both audit rows and, under an Idempotency-Key, the request remembered:
# the rows SUBMIT then `numbering.RECEIVE` write. Only without a portal id (which may be taken: SUBMIT's
# path answers that). A statement that fails leaves nothing, the number included. Values in a SELECT are
# cast: nothing else tells their types.
SUBMIT_AND_RECEIVE: Final = f"""{numbering.NUMBERED}, applicant AS (
  INSERT INTO {applicants.fullname} (id, kind, name, search_key, id_number, phone, email, address)
  VALUES ($4, $5, $6, $7, $8, $9, $10, $11)
), dossier AS (
  INSERT INTO {dossiers.fullname} (id, code, lookup_secret_hash, status, version, procedure_id,
    applicant_id, channel, service_level, unit_code, return_unit_code, received_across_boundary,
    submitted_at, documents, note, created_by, received_at, rule_set, clock_started_at, due_at, updated_at)
  SELECT $12::uuid, code, encode(sha256(convert_to(code || ':' || $13::text, 'UTF8')), 'hex'), 'received',
    $14::int, $15::bigint, $4::uuid, $16::text, $17::int, $1::text, $18::text, $19::boolean,
    $20::timestamptz, $21::jsonb, $22::text, $23::text, $24::timestamptz, $25::text, $26::timestamptz,
    $27::timestamptz, $24::timestamptz
  FROM coded
), shown AS (
  INSERT INTO {timeline.fullname} (dossier_id, at, status, public_note)
  VALUES ($12, $20, 'submitted', $28), ($12, $24, 'received', $29)
), event AS (
  INSERT INTO {messaging.outbox.fullname} (event_id, event_type, topic, payload)
  SELECT $30::uuid, $31::text, $32::text, replace($33::text, $34::text, code) FROM coded
), audit AS (
  INSERT INTO {audit_log.fullname} (at, actor, role, agency, action, entity, detail)
  SELECT $20::timestamptz, $23::text, $35::text, $36::text, 'dossier.submitted', 'dossier:' || $12::text,
    $37::jsonb
  UNION ALL
  SELECT $24::timestamptz, $23::text, $35::text, $36::text, 'dossier.received', 'dossier:' || code,
    '{{}}'::jsonb
  FROM coded
), remembered AS (
  INSERT INTO {idempotency_keys.fullname} (key, caller, request_hash, dossier_id)
  SELECT $38::text, $23::text, $39::text, $12::uuid WHERE $38::text IS NOT NULL
)
SELECT code FROM coded
"""  # noqa: S608


async def add_received(session: AsyncSession, submission: Submission, receipt: numbering.Receipt) -> str:
    """Write the submission and its receipt (`SUBMIT_AND_RECEIVE`): the dossier's code."""
    a, d, r, event = submission.applicant, submission.dossier, receipt, receipt.outbox_row
    async with alone(session) as db:
        code: str = await db.fetchval(
            SUBMIT_AND_RECEIVE,
            r.unit_code,
            r.day,
            r.code_prefix,
            *(a[column] for column in APPLICANT),
            d["id"],
            r.secret_key,
            r.version,
            d["procedure_id"],
            d["channel"],
            d["service_level"],
            d["return_unit_code"],
            d["received_across_boundary"],
            d["submitted_at"],
            r.documents_json,
            d["note"],
            submission.who.sub,
            r.received_at,
            r.rule_set,
            r.clock_started_at,
            r.due_at,
            submission.note,
            r.note,
            *(event[column] for column in numbering.EVENT),
            r.placeholder,
            submission.who.role,
            submission.who.agency,
            json.dumps(submission.audit_detail),
            submission.idempotency_key,
            submission.request_hash,
        )
    return code
