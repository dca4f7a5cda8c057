"""The least a reception can cost on this stack (issue #17): a FastAPI app that receives a dossier at
the counter as intake does, with intake's own request model, token check, rules and receipt staging
(`decision.staged_receipt`), but with none of the service's layers that the rules do not need: no
middleware, no SQLAlchemy (an asyncpg pool), no relay (the outbox row is written, nobody publishes
it), and two round trips in all, each statement atomic on its own (no BEGIN, no COMMIT):

1. `READ`: the procedure in force today and the receiving unit, in one statement;
2. `WRITE`: applicant, dossier (received, with its code), both timeline rows, the outbox row and both
   audit rows, the unit's day counter taken in the same statement.

And the least routing's actions can cost, the officer's token checked, on a bare asyncpg pool, the
step answered as routing answers it (`StepOut`), a refusal with its status only:
- accept (`POST /v1/steps/{id}/accept`): routing's own one statement (`_ACCEPT`: lock, check, change,
  audit row);
- complete (`POST /v1/steps/{id}/complete`), on the bench's plans of one step: routing's own rules
  (`progress.complete`, its events staged by `PlanEvents`) between routing's own read of the plan and
  its one staged write, in two designs. `locked`: as the service, BEGIN, the read under the plan's
  lock, the write, COMMIT (4 round trips). `optimistic` (`?optimistic=1`): the read without a lock and
  the write, each on its own (2 round trips); the write is not gated on the plan's version as a real
  design's would be, which only flatters it.

It is a benchmark's prototype, not a second intake: it skips what the bench's requests never need
(Idempotency-Key, a portal id, forms 02 and 03, the calendar's overrides), which only flatters it.
With `CEILING_NATS_URL` set (`start_prototype(publishing=True)`), each worker also runs intake's and
routing's own relays (`shared.messaging.relay`), as every worker of a service runs its own: the
events are then published, which the service must do and the prototype otherwise leaves undone.
`bench/ceiling.py` runs it under the same load as the service and beside pgbench of its own two
statements.
"""

import asyncio
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
from services.routing.context import Context
from services.routing.models import audit_log
from services.routing.models import messaging as routing_messaging
from services.routing.plans import progress
from services.routing.plans.repository import _ACCEPT, _LOCK_PLAN_OF_STEP, locked_plan, staged_write
from services.routing.plans.schemas import StepOut
from services.routing.plans.stream import PlanEvents
from services.routing.steps.schemas import CompleteIn
from shared.audit import audit_row
from shared.auth import CurrentPrincipal, TokenVerifier
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM, SystemClock
from shared.db.engine import make_engine, make_sessions
from shared.db.raw import Record
from shared.messaging.connection import NatsLink
from shared.messaging.outbox import Outbox
from shared.messaging.relay import Relay
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait
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
    pools = {name: os.environ[f"CEILING_{name.upper()}_DSN"] for name in ("intake", "routing")}
    async with (
        asyncpg.create_pool(pools["intake"], min_size=10, max_size=10, init=_json_columns) as intake,
        asyncpg.create_pool(pools["routing"], min_size=10, max_size=10, init=_json_columns) as routing,
    ):
        app.state.pool, app.state.routing = intake, routing
        app.state.routing_outbox = Outbox(routing_messaging.outbox, "routing", app.state.clock)
        async with _relay(app.state.clock):
            yield


@asynccontextmanager
async def _relay(clock: SystemClock) -> AsyncIterator[None]:
    """Intake's and routing's relays publishing their outboxes, if the environment names NATS and the
    two databases (`CEILING_RELAY_DATABASE_URL` is intake's, `CEILING_ROUTING_RELAY_DATABASE_URL`
    routing's)."""
    if "CEILING_NATS_URL" not in os.environ:
        yield
        return
    tasks, closing = [], []
    for service, tables, variable in (
        ("intake", messaging, "CEILING_RELAY_DATABASE_URL"),
        ("routing", routing_messaging, "CEILING_ROUTING_RELAY_DATABASE_URL"),
    ):
        url = os.environ[variable]
        engine = make_engine(url)
        link = NatsLink(os.environ["CEILING_NATS_URL"], name=f"ceiling-{service}")
        relay = Relay(
            service=service,
            database_url=url,
            sessions=make_sessions(engine),
            tables=tables,
            link=link,
            clock=clock,
        )
        await link.connect_forever()
        tasks.append(asyncio.create_task(relay.run()))
        closing.append((link, engine))
    try:
        yield
    finally:
        await cancel_and_wait(tasks)
        for link, engine in closing:
            await link.close()
            await engine.dispose()


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


@app.post("/v1/steps/{step_id}/accept")
async def accept(step_id: uuid.UUID, request: Request, who: CurrentPrincipal) -> Any:
    now = request.app.state.clock.now()
    detail = {"step_id": str(step_id), "agency_code": who.agency}
    audit = audit_row(who=who, at=now, action="step.accepted", entity="", detail=detail)
    params = {"step_id": step_id, "the_agency_code": who.agency, "accepted_at": now, "accepted_by": who.sub}
    params.update({f"audit_{column}": value for column, value in audit.items() if column != "entity"})
    async with request.app.state.routing.acquire() as conn:
        row = await conn.fetchrow(_ACCEPT.sql, *_ACCEPT.arguments(params))
    if row is None or not row["acted"]:
        return JSONResponse({"code": "not_accepted"}, status_code=404 if row is None else 409)
    step: Any = Record(**row)  # read as routing reads `_ACCEPT`'s row
    return JSONResponse(StepOut.from_row(step).model_dump(mode="json"))


_READ_PLAN: Final = _LOCK_PLAN_OF_STEP.sql.replace(" FOR UPDATE OF steps", "").replace(" FOR UPDATE", "")


@app.post("/v1/steps/{step_id}/complete")
async def complete(
    step_id: uuid.UUID, body: CompleteIn, request: Request, who: CurrentPrincipal, optimistic: bool = False
) -> Any:
    state = request.app.state
    async with state.routing.acquire() as conn:
        if optimistic:
            done = await _complete(conn, _READ_PLAN, step_id, body.note, who, state)
        else:
            async with conn.transaction():
                done = await _complete(conn, _LOCK_PLAN_OF_STEP.sql, step_id, body.note, who, state)
    if isinstance(done, int):
        return JSONResponse({"code": "not_completed"}, status_code=done)
    return JSONResponse(StepOut.from_row(done).model_dump(mode="json"))


async def _complete(
    conn: asyncpg.Connection, read: str, step_id: uuid.UUID, note: str, who: Any, state: Any
) -> Any:
    """The step completed as routing completes it; or the refusal's status."""
    records = await conn.fetch(read, *_LOCK_PLAN_OF_STEP.arguments({"step_id": step_id}))
    locked = locked_plan([Record(**record) for record in records])
    step = next((s for s in locked.steps if s.id == step_id), None) if locked is not None else None
    if locked is None or step is None:
        return 404
    if step.agency_code != who.agency or step.state != "in_progress":
        return 409
    now = state.clock.now()
    ctx = Context(outbox=state.routing_outbox, clock=state.clock, calendar=state.calendar)
    out = PlanEvents(ctx.outbox, locked.plan)
    session: Any = None  # the bench's plans are of one step, online: completing reads nothing more
    done = await progress.complete(
        session, ctx, out, locked.plan, step, locked.steps, at=now, by=who.sub, note=note
    )
    detail = {"step_id": str(step_id), "agency_code": who.agency, "note": note}
    out.insert(
        audit_log,
        audit_row(who=who, at=now, action="step.completed", entity=f"dossier:{out.code}", detail=detail),
    )
    statement, params = staged_write(
        out.dossier_id,
        events=out.rows,
        plan_values={"version": out.version, **out.changes},
        step_changes=out.step_changes,
        inserts=out.inserts,
    )
    await conn.execute(statement.sql, *statement.arguments(params))
    return done
