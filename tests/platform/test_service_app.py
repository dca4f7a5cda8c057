"""What every service gets from `create_service_app`: probes, metrics, problem+json, auth, one commit."""

import asyncio
import gc
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Annotated, Any

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.app import SPEC
from shared import auth
from shared.app import create_service_app
from shared.auth import Principal, issue_token, require_roles
from shared.db.engine import asyncpg_dsn, make_engine
from shared.db.raw import alone, driver
from shared.deps import OutboxDep, SessionDep, _session
from shared.errors import Problem
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject
from shared.settings import ServiceSettings
from tests.conftest import Stack, serving
from tools.devstack.ports import free_port

router = APIRouter()


class NoteIn(BaseModel):
    body: str


@router.post("/v1/notes", status_code=201)
async def write_note(
    note: NoteIn,
    session: SessionDep,
    outbox: OutboxDep,
    who: Annotated[Principal, Depends(require_roles("admin", "reception"))],
) -> dict[str, str]:
    event = await outbox.add(
        session, name="dossier.noted", topic=dossier_subject("VPDK", "noted"), data=note.model_dump()
    )
    if note.body == "refuse":
        raise Problem(409, "note_refused", "This note is refused after writing; nothing may remain.")
    if note.body == "twice":  # what a concurrent request storing the same key first looks like
        outbox_table = SPEC.tables.outbox
        row = (await session.execute(select(outbox_table).where(outbox_table.c.event_id == event.id))).one()
        await session.execute(insert(outbox_table), {k: v for k, v in row._mapping.items() if k != "id"})
    return {"event_id": str(event.id), "by": who.sub}


@router.post("/v1/notes/on-a-lost-connection", status_code=201)
async def begin_on_a_lost_connection(
    session: SessionDep, _: Annotated[Principal, Depends(require_roles("admin"))]
) -> None:
    """The session's connection is cut (a failover, PostgreSQL's restart) between its checkout and
    the first statement, which `driver` begins through SQLAlchemy's adapter, as the hot paths do."""
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    assert adapted is not None
    # Not seen: BEGIN races the termination's arrival, and asyncpg says so in other words.
    await terminate(adapted.driver_connection, until_seen=CUT_SEEN[0])
    await driver(session)


@router.post("/v1/notes/alone-on-a-lost-connection", status_code=201)
async def alone_on_a_lost_connection(
    session: SessionDep, _: Annotated[Principal, Depends(require_roles("admin"))]
) -> None:
    """A connection of the pool, as `alone` hands the hot paths one, closed (a failover) before its
    statement: the pool hands a connection out again without a ping for half a second."""
    async with alone(session) as db:
        await terminate(db, until_seen=True)
        await db.fetchval("SELECT 1")


async def terminate(connection: asyncpg.Connection, *, until_seen: bool) -> None:
    """`connection`'s backend terminated by the administrator, as a failover ends it; with
    `until_seen`, returns once asyncpg has seen it closed."""
    cut = asyncio.Event()
    connection.add_termination_listener(lambda *_: cut.set())
    admin = await asyncpg.connect(asyncpg_dsn(ADMIN_URL[0]))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", connection.get_server_pid())
    finally:
        await admin.close()
    if until_seen:
        async with asyncio.timeout(5):
            await cut.wait()


ADMIN_URL: list[str] = []  # the session's admin URL, for the routes above
CUT_SEEN = [False]  # whether the route waits until the driver has seen its connection cut


def settings_for(stack: Stack, **overrides: object) -> ServiceSettings:
    return stack.settings("routing", ServiceSettings, **overrides)


def app_for(stack: Stack, **overrides: object) -> FastAPI:
    return create_service_app(replace(SPEC, routers=[router]), settings_for(stack, **overrides))


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = app_for(stack)
    async with serving(app, "http://routing") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


def bearer(stack: Stack, role: str, agency: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(stack.jwt_secret, sub='u1', role=role, agency=agency)}"}  # type: ignore[arg-type]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


async def test_probes_answer_and_readiness_names_both_dependencies(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    for _ in range(50):  # NATS connects in the background after start-up
        ready = await client.get("/readyz")
        if ready.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert ready.json() == {"status": "ready", "checks": {"database": True, "nats": True}}
    metrics = await client.get("/metrics")
    assert "motcua_http_requests_total" in metrics.text
    assert (await client.get("/openapi.json")).json()["info"]["title"] == SPEC.title


async def test_unknown_routes_and_methods_are_problem_json(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/nowhere"), 404, "not_found")
    assert_problem(await client.delete("/healthz"), 405, "method_not_allowed")


async def test_invalid_body_is_a_422_problem_that_names_the_field(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    body = assert_problem(
        await client.post("/v1/notes", json={"wrong": 1}, headers=bearer(stack, "admin")),
        422,
        "validation_error",
    )
    assert "body.body" in str(body["detail"])
    broken = await client.post(
        "/v1/notes",
        content=b"{not json",
        headers={**bearer(stack, "admin"), "content-type": "application/json"},
    )
    assert_problem(broken, 422, "validation_error")


async def test_tokens_are_required_checked_and_role_restricted(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    note = {"body": "x"}
    assert_problem(await client.post("/v1/notes", json=note), 401, "unauthenticated")
    token = issue_token(stack.jwt_secret, sub="u", role="admin")
    for header in (f"Basic {token}", "Bearer", "Bearer   ", token):
        refused = await client.post("/v1/notes", json=note, headers={"Authorization": header})
        assert_problem(refused, 401, "unauthenticated")
    lower = await client.post("/v1/notes", json=note, headers={"Authorization": f"bearer  {token} "})
    assert lower.status_code == 201, "the scheme is case-insensitive, the token trimmed"
    forged = issue_token("another-secret-of-sufficient-length-000000", sub="u", role="admin")
    assert_problem(
        await client.post("/v1/notes", json=note, headers={"Authorization": f"Bearer {forged}"}),
        401,
        "invalid_token",
    )
    expired = jwt.encode({"sub": "u", "role": "admin", "exp": 1}, stack.jwt_secret, algorithm="HS256")
    assert_problem(
        await client.post("/v1/notes", json=note, headers={"Authorization": f"Bearer {expired}"}),
        401,
        "invalid_token",
    )
    assert_problem(
        await client.post("/v1/notes", json=note, headers=bearer(stack, "portal")), 403, "forbidden_role"
    )
    ok = await client.post("/v1/notes", json=note, headers=bearer(stack, "reception"))
    assert ok.status_code == 201
    assert ok.headers["x-request-id"]


async def test_a_token_kept_as_verified_is_refused_once_it_expires(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    """The verifier keeps a verified token's principal (no signature check per request), never past
    the token's own expiry."""
    short = issue_token(stack.jwt_secret, sub="desk-1", role="reception", ttl_seconds=2)
    headers = {"Authorization": f"Bearer {short}"}
    for _ in range(2):  # checked, then kept
        assert (await client.post("/v1/notes", json={"body": "x"}, headers=headers)).status_code == 201
    await asyncio.sleep(2.1)
    assert_problem(await client.post("/v1/notes", json={"body": "x"}, headers=headers), 401, "invalid_token")


async def test_the_verifier_keeps_a_bounded_number_of_tokens(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "VERIFIED_KEPT", 2)
    verifier = auth.TokenVerifier(stack.settings("intake", ServiceSettings))
    tokens = [issue_token(stack.jwt_secret, sub=f"u{n}", role="admin") for n in range(3)]
    principals = [await verifier.verify(token) for token in tokens]
    assert [p.sub for p in principals] == ["u0", "u1", "u2"]
    assert list(verifier._verified) == tokens[1:]  # the oldest dropped
    assert (await verifier.verify(tokens[0])).sub == "u0"  # checked again
    assert list(verifier._verified) == [tokens[2], tokens[0]]


async def test_a_route_that_fails_after_writing_leaves_nothing_behind(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    outbox = SPEC.tables.outbox

    async def outbox_rows() -> int:
        async with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)

    before = await outbox_rows()
    assert_problem(
        await client.post("/v1/notes", json={"body": "refuse"}, headers=bearer(stack, "admin")),
        409,
        "note_refused",
    )
    assert await outbox_rows() == before
    assert (
        await client.post("/v1/notes", json={"body": "kept"}, headers=bearer(stack, "admin"))
    ).status_code == 201
    assert await outbox_rows() >= before  # the relay may already have published and kept it (sent_at set)


async def test_a_request_session_begins_with_its_first_statement_and_commits_only_what_it_began(
    client: httpx.AsyncClient,
) -> None:
    app = client.app  # type: ignore[attr-defined]
    request: Any = SimpleNamespace(app=app)
    outbox: Outbox = app.state.outbox
    table = SPEC.tables.outbox

    async def note(session: AsyncSession) -> uuid.UUID:
        topic = dossier_subject("VPDK", "noted")
        return (await outbox.add(session, name="dossier.noted", topic=topic, data={"body": "x"})).id

    async def stored(event_id: uuid.UUID) -> bool:
        async with app.state.sessions() as session:
            return bool(await session.scalar(select(func.count()).where(table.c.event_id == event_id)))

    untouched = _session(request)
    idle = await anext(untouched)
    assert idle.sync_session.get_transaction() is None, "handed to the route with nothing begun"
    with pytest.raises(StopAsyncIteration):
        await anext(untouched)
    assert idle.sync_session.get_transaction() is None, "nothing sent: nothing begun, nothing to commit"

    kept = _session(request)
    written = await note(await anext(kept))
    with pytest.raises(StopAsyncIteration):
        await anext(kept)
    assert await stored(written), "the route returned: committed"

    refused = _session(request)
    dropped = await note(await anext(refused))
    with pytest.raises(Problem):
        await refused.athrow(Problem(409, "note_refused", "refused after writing"))
    assert not await stored(dropped), "the route raised: rolled back"


async def test_a_unique_violation_is_a_409_conflict_and_leaves_nothing_behind(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    response = await client.post("/v1/notes", json={"body": "twice"}, headers=bearer(stack, "admin"))
    body = assert_problem(response, 409, "conflict")
    assert "nothing was changed" in str(body["detail"])
    assert "twice" not in response.text, "no SQL, no constraint, no values in the answer"


async def test_a_failed_statement_does_not_carry_its_parameters_into_the_error_log(stack: Stack) -> None:
    engine = make_engine(stack.service_database_urls["routing"], pool_size=1)
    # A name and an address, as a statement binds them: the log's digit filter would not catch these.
    applicant = {"name": "Nguyễn Thị Hoa", "address": "12 Lê Lợi, Huế"}
    try:
        with pytest.raises(DBAPIError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1 / 0 WHERE :name <> :address"), applicant)
    finally:
        await engine.dispose()
    assert "division by zero" in str(caught.value)
    assert not any(value in str(caught.value) for value in applicant.values())


async def test_a_connection_lost_as_the_transaction_begins_is_a_503_not_a_500(stack: Stack) -> None:
    """Seen in the cluster fault test: the primary failed over as `complete` began its transaction on
    the driver, and SQLAlchemy's adapter raised its own DBAPI error (not a DBAPIError) over asyncpg's."""
    ADMIN_URL[:] = [stack.admin_database_url]
    async with serving(app_for(stack), "http://routing") as http:
        for seen in (True, False, False, False):
            CUT_SEEN[0] = seen
            response = await http.post("/v1/notes/on-a-lost-connection", headers=bearer(stack, "admin"))
            assert_problem(response, 503, "unavailable")
            assert response.headers["retry-after"] == "5"


async def test_a_pooled_connection_lost_before_its_statement_alone_is_a_503_not_a_500(stack: Stack) -> None:
    """Seen in the cluster fault test: routing's accept, its statement `alone` on a connection the
    failover had closed; asyncpg's "connection is closed" was answered 500."""
    ADMIN_URL[:] = [stack.admin_database_url]
    async with serving(app_for(stack), "http://routing") as http:
        for _ in range(2):
            response = await http.post("/v1/notes/alone-on-a-lost-connection", headers=bearer(stack, "admin"))
            assert_problem(response, 503, "unavailable")
        kept = await http.post("/v1/notes", json={"body": "after"}, headers=bearer(stack, "admin"))
        assert kept.status_code == 201, "the closed connections were dropped, not handed out again"


async def test_a_database_outage_during_a_request_is_a_503_not_a_500(stack: Stack) -> None:
    unreachable = f"postgresql+asyncpg://motcua_routing:x@127.0.0.1:{free_port()}/motcua"
    app = app_for(stack, database_url=unreachable)
    async with serving(app, "http://routing") as http:
        response = await http.post("/v1/notes", json={"body": "x"}, headers=bearer(stack, "admin"))
        body = assert_problem(response, 503, "unavailable")
        assert response.headers["retry-after"] == "5"
        assert "nothing was changed" in str(body["detail"])
        assert (await http.get("/readyz")).status_code == 503


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()


async def test_deployed_tokens_are_rs256_verified_against_the_jwks(
    stack: Stack, jwks_server: tuple[str, rsa.RSAPrivateKey]
) -> None:
    url, key = jwks_server
    app = app_for(stack, jwt_jwks_url=url)
    good = jwt.encode(
        {"sub": "u", "role": "admin", "exp": 4102444800}, key, algorithm="RS256", headers={"kid": "k1"}
    )
    hs = issue_token(stack.jwt_secret, sub="u", role="admin")
    async with serving(app, "http://routing") as http:
        accepted = await http.post(
            "/v1/notes", json={"body": "rs"}, headers={"Authorization": f"Bearer {good}"}
        )
        assert accepted.status_code == 201
        refused = await http.post("/v1/notes", json={"body": "hs"}, headers={"Authorization": f"Bearer {hs}"})
        assert_problem(refused, 401, "invalid_token")


async def test_a_body_past_the_limit_is_413_before_it_is_parsed_declared_or_chunked(stack: Stack) -> None:
    app = app_for(stack, max_body_bytes=4096)
    async with serving(app, "http://routing") as http:
        headers = {**bearer(stack, "admin"), "content-type": "application/json"}
        big = json.dumps({"body": "hồ sơ " * 2000}).encode()
        declared = await http.post("/v1/notes", content=big, headers=headers)
        assert_problem(declared, 413, "payload_too_large")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
            for start in range(0, len(big), 1000):
                yield big[start : start + 1000]

        streamed = await http.post("/v1/notes", content=chunks(), headers=headers)
        assert_problem(streamed, 413, "payload_too_large")
        fine = await http.post("/v1/notes", json={"body": "vừa đủ"}, headers=bearer(stack, "admin"))
        assert fine.status_code == 201, fine.text


async def test_an_oversized_head_is_431_before_the_token_is_decoded(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/notes", headers={"Authorization": "Bearer " + "x" * 20_000})
    assert_problem(response, 431, "headers_too_large")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_pages_load_nothing_from_elsewhere_and_say_so_in_their_policy(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text.replace("https://motcua.vn", "")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert ("'sha256-" in policy) == (path == "/docs")  # Swagger UI starts from an inline script
    assert "default-src 'none'" in policy
    script = await client.get(
        "/docs-static/swagger-ui-bundle.js" if path == "/docs" else "/docs-static/redoc.standalone.js"
    )
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert b"cdn.redoc.ly" not in script.content  # ReDoc's badge: its image inline, not from its CDN


async def test_what_a_service_built_to_start_is_left_out_of_garbage_collections_until_it_stops(
    stack: Stack,
) -> None:
    # A full collection of a started service's objects stalled its worker about 120 ms (issue #17).
    async with serving(app_for(stack), "http://routing") as http:
        assert (await http.get("/healthz")).status_code == 200
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0, "given back to the collector as it stopped"
