"""The least a reception can cost on this stack (issue #17): a FastAPI app that receives a dossier at
the counter as intake does, with intake's own request model, token check, rules and receipt staging
(`decision.staged_receipt`), but with none of the service's layers that the rules do not need: no
middleware, no SQLAlchemy (an asyncpg pool), no relay (the outbox row is written, nobody publishes
it), and two round trips in all, each statement atomic on its own (no BEGIN, no COMMIT):

1. `READ`: the procedure in force today and the receiving unit, in one statement;
2. `WRITE`: applicant, dossier (received, with its code), both timeline rows, the outbox row and both
   audit rows, the unit's day counter taken in the same statement.

It is a benchmark's prototype, not a second intake: it skips what the bench's requests never need
(Idempotency-Key, a portal id, forms 02 and 03, the calendar's overrides), which only flatters it.
`bench/ceiling.py` runs it under the same load as the service and beside pgbench of its own two
statements.
"""

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.intake.catalogue.repository import _IN_FORCE
from services.intake.catalogue.rules import checklist, missing_documents, unknown_documents
from services.intake.dossiers import numbering
from services.intake.dossiers.change import Desk
from services.intake.models import messaging
from services.intake.reception.decision import Facts, staged_receipt
from services.intake.reception.schemas import DossierIn
from shared.auth import CurrentPrincipal, TokenVerifier
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM, SystemClock
from shared.db.raw import Record
from shared.messaging.outbox import Outbox
from shared.settings import ServiceSettings
from shared.text import search_key

# Intake's own look-up of the procedure in force ($1 code, $2 day, $3 its LIMIT 1), and the unit ($4).
READ: Final = f"""
WITH p AS ({_IN_FORCE.sql})
SELECT p.*, u.effective_from AS unit_from, u.effective_to AS unit_to
FROM p LEFT JOIN intake.units AS u ON u.code = $4::text
"""  # noqa: S608

WRITE: Final = """
WITH counter AS (
  INSERT INTO intake.dossier_counters AS c (unit_code, day, last) VALUES ($1::text, $2::date, 1)
  ON CONFLICT (unit_code, day) DO UPDATE SET last = c.last + 1
  RETURNING last
), coded AS (
  SELECT $3::text || lpad(last::text, greatest(4, length(last::text)), '0') AS code FROM counter
), applicant AS (
  INSERT INTO intake.applicants (id, kind, name, search_key, id_number, phone, email, address)
  VALUES ($4::uuid, $5::text, $6::text, $7::text, $8::text, $9::text, NULL, NULL)
), dossier AS (
  INSERT INTO intake.dossiers (id, code, lookup_secret_hash, status, version, procedure_id, applicant_id,
    channel, service_level, unit_code, return_unit_code, received_across_boundary, submitted_at,
    received_at, rule_set, clock_started_at, due_at, documents, created_by, updated_at)
  SELECT $10::uuid, code, encode(sha256(convert_to(code || ':' || $11::text, 'UTF8')), 'hex'),
    'received', 2, $12::bigint, $4::uuid, 'direct', $13::int, $1::text, $1::text, false, $14::timestamptz,
    $14::timestamptz, $15::text, $16::timestamptz, $17::timestamptz, $18::jsonb, $19::text, $14::timestamptz
  FROM coded
), shown AS (
  INSERT INTO intake.timeline (dossier_id, at, status, public_note)
  VALUES ($10::uuid, $14::timestamptz, 'submitted', 'Hồ sơ đã được nộp'),
         ($10::uuid, $14::timestamptz, 'received', $20::text)
), event AS (
  INSERT INTO intake.outbox (event_id, event_type, topic, payload)
  SELECT $21::uuid, $22::text, $23::text, replace($24::text, $25::text, code) FROM coded
), audit AS (
  INSERT INTO intake.audit_log (at, actor, role, agency, action, entity, detail)
  SELECT $14::timestamptz, $19::text, 'reception', NULL, 'dossier.submitted', 'dossier:' || $10::text,
    '{"channel": "direct"}'::jsonb
  UNION ALL
  SELECT $14::timestamptz, $19::text, 'reception', NULL, 'dossier.received', 'dossier:' || code,
    '{}'::jsonb FROM coded
)
SELECT code FROM coded
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = ServiceSettings(jwt_secret=os.environ["CEILING_JWT_SECRET"], environment="test")
    app.state.token_verifier = TokenVerifier(settings)
    app.state.clock = SystemClock()
    app.state.outbox = Outbox(messaging.outbox, "intake", app.state.clock)
    app.state.calendar = WorkingCalendar()
    async with asyncpg.create_pool(
        os.environ["CEILING_DSN"], min_size=10, max_size=10, init=_json_columns
    ) as pool:
        app.state.pool = pool
        yield


async def _json_columns(conn: asyncpg.Connection) -> None:
    """JSON read as Python values, written from JSON text, as SQLAlchemy's dialect has it."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=str, decoder=json.loads, schema="pg_catalog")


app = FastAPI(lifespan=_lifespan)


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.post("/v1/floor", status_code=201)
async def floor(dossier_in: DossierIn, who: CurrentPrincipal) -> dict[str, str]:
    """The same request parsed, validated and its token checked, then nothing: what any write costs
    on this stack before it does anything."""
    return {"unit": who.unit or ""}


@app.post("/v1/dossiers", status_code=201)
async def receive(dossier_in: DossierIn, request: Request, who: CurrentPrincipal) -> Any:
    state = request.app.state
    now = state.clock.now()
    day = now.astimezone(VIETNAM).date()
    unit = who.unit or ""
    async with state.pool.acquire() as conn:
        procedure = await conn.fetchrow(READ, dossier_in.procedure_code, day, 1, unit)
        if procedure is None or procedure["unit_from"] is None or procedure["unit_to"] is not None:
            return JSONResponse({"code": "unknown_procedure_or_unit"}, status_code=422)
        procedure = Record(**procedure)
        provided = sorted(set(dossier_in.documents))
        if unknown_documents(checklist(procedure.documents), provided) or missing_documents(
            checklist(procedure.documents), provided
        ):
            return JSONResponse({"code": "documents"}, status_code=422)
        facts = Facts(
            id=uuid.uuid4(),
            code=None,
            portal_id=None,
            channel="direct",
            service_level=procedure.service_level,
            version=1,
            documents=provided,
            applicant_kind=dossier_in.applicant.kind,
            applicant_name=dossier_in.applicant.name,
            agency_code=procedure.agency_code,
            unit_code=unit,
            return_unit_code=unit,
            received_across_boundary=False,
            procedure_code=procedure.code,
            procedure_version=procedure.version,
            procedure_name=procedure.name,
            submitted_at=now,
        )
        desk = Desk(outbox=state.outbox, clock=state.clock, who=who, default_unit=unit)
        staged = staged_receipt(desk, facts, procedure, state.calendar)  # intake's own staging
        r, person = staged.receipt, dossier_in.applicant
        code = await conn.fetchval(
            WRITE,
            unit,
            day,
            r.code_prefix,
            uuid.uuid4(),
            person.kind,
            person.name,
            search_key(person.name),
            person.id_number,
            person.phone,
            facts.id,
            r.secret_key,
            procedure.id,
            procedure.service_level,
            r.received_at,
            r.rule_set,
            r.clock_started_at,
            r.due_at,
            r.documents_json,
            who.sub,
            r.note,
            *(r.outbox_row[column] for column in numbering.EVENT),
            r.placeholder,
        )
    out = staged.outcome(facts, code).shown
    assert out is not None  # a receipt always shows its dossier
    return JSONResponse(out.model_dump(mode="json"), status_code=201)
