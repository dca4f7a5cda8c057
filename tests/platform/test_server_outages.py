"""Servers go away and come back: services and the relay ride it out without a restart of their own."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select

from services.routing.models import messaging as routing_messaging
from shared.clock import SystemClock
from shared.db.engine import Sessions, make_engine, make_sessions, unit_of_work
from shared.messaging.connection import NatsLink
from shared.messaging.outbox import Outbox
from shared.messaging.subjects import dossier_subject
from shared.services import SERVICES
from shared.tasks import cancel_and_wait
from tests.conftest import Stack
from tests.platform.conftest import REPO, drain
from tests.platform.toy import (
    Toy,
    connected,
    create_toy_stream,
    record_note,
    toy_consumer,
    toy_outbox,
    toy_relay,
)
from tools.devstack.nats import EmbeddedNats
from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.stack import prepare_database

pytestmark = pytest.mark.slow


async def eventually(check: Callable[[], Awaitable[bool]], *, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {limit:.0f} s: {what}")
        await asyncio.sleep(0.1)


async def write_notes(sessions: Sessions, toy: Toy, n: int) -> list[UUID]:
    outbox = toy_outbox(toy)
    ids = []
    for i in range(n):
        async with unit_of_work(sessions) as session:
            ids.append((await record_note(session, outbox, toy, f"ghi chú {i}")).id)
    return ids


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    nats = EmbeddedNats(tmp_path / "nats", free_port())
    nats.start()
    yield nats
    nats.stop()


async def test_events_written_while_nats_is_down_all_arrive_once_it_is_back(
    stack: Stack, toy: Toy, own_nats: EmbeddedNats
) -> None:
    async with connected(stack.admin_database_url, own_nats.url) as (sessions, link):
        await create_toy_stream(link, toy)

        async def stream_has(n: int) -> bool:
            try:
                return int((await link.jetstream.stream_info(toy.stream)).state.messages) == n
            except Exception:
                return False

        relay = asyncio.create_task(toy_relay(toy, stack.admin_database_url, sessions, link).run())
        try:
            written = await write_notes(sessions, toy, 10)
            await eventually(lambda: stream_has(10), limit=10, what="10 events before the outage")
            own_nats.stop()
            written += await write_notes(sessions, toy, 30)
            await asyncio.sleep(1.0)  # the relay tries and fails meanwhile
            own_nats.start()
            await eventually(lambda: stream_has(40), limit=30, what="all 40 events after NATS is back")
        finally:
            await cancel_and_wait([relay])

        await drain(toy_consumer(toy, sessions, link), link, toy.stream)
        async with sessions() as session:
            applied = (await session.scalars(select(toy.effects.c.event_id))).all()
        assert sorted(applied) == sorted(written)


async def _ready(client: httpx.AsyncClient) -> int:
    try:
        return (await client.get("/readyz")).status_code
    except httpx.TransportError:
        return 0


async def test_service_is_not_ready_while_postgres_restarts_then_recovers_by_itself(
    stack: Stack, own_nats: EmbeddedNats, tmp_path: Path
) -> None:
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port())
    postgres.start()
    service = None
    try:
        urls = await prepare_database(postgres.admin_url, {s: "pw-" + s for s in SERVICES})
        routing_url = urls["routing"]
        port = free_port()
        env = {
            **os.environ,
            "MOTCUA_DATABASE_URL": routing_url,
            "MOTCUA_NATS_URL": own_nats.url,
            "MOTCUA_PORT": str(port),
            "MOTCUA_ENVIRONMENT": "test",
            "MOTCUA_JWT_SECRET": stack.jwt_secret,
            "MOTCUA_LOG_LEVEL": "WARNING",
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "shared.serve", "routing"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            await eventually(lambda: _is(client, 200), limit=30, what="ready at start")
            postgres.stop()
            await eventually(lambda: _is(client, 503), limit=15, what="not ready without PostgreSQL")
            postgres.start()
            await eventually(lambda: _is(client, 200), limit=30, what="ready again after PostgreSQL is back")

        # The relay recovered too: an event written now is published.
        engine = make_engine(routing_url, pool_size=1)
        async with unit_of_work(make_sessions(engine)) as session:
            await Outbox(routing_messaging.outbox, "routing", SystemClock()).add(
                session, name="dossier.test", topic=dossier_subject("VPDK", "test"), data={"after": "restart"}
            )
        await engine.dispose()
        link = NatsLink(own_nats.url, "probe")
        await link.connect_forever()

        async def published() -> bool:
            try:
                return int((await link.jetstream.stream_info("DOSSIERS")).state.messages) == 1
            except Exception:
                return False

        await eventually(published, limit=15, what="the relay publishes after the restart")
        await link.close()
    finally:
        if service is not None:
            service.send_signal(signal.SIGTERM)
            # uvicorn shuts down gracefully, then re-raises the signal it caught.
            assert service.wait(timeout=20) in (0, -signal.SIGTERM)
        postgres.stop()


async def _is(client: httpx.AsyncClient, status: int) -> bool:
    return await _ready(client) == status


async def test_a_service_started_while_postgres_is_down_waits_for_it_but_not_forever(
    stack: Stack, own_nats: EmbeddedNats, tmp_path: Path
) -> None:
    postgres = EmbeddedPostgres(tmp_path / "postgres", free_port())
    postgres.start()
    urls = await prepare_database(postgres.admin_url, {s: "pw-" + s for s in SERVICES})
    postgres.stop()
    port = free_port()
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": urls["intake"],  # intake loads its default catalogue at start-up
        "MOTCUA_NATS_URL": own_nats.url,
        "MOTCUA_PORT": str(port),
        "MOTCUA_ENVIRONMENT": "test",
        "MOTCUA_JWT_SECRET": stack.jwt_secret,
        "MOTCUA_LOG_LEVEL": "WARNING",
        "MOTCUA_MIGRATE_ON_START": "false",
    }

    def start(**more: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "shared.serve", "intake"],
            cwd=REPO,
            env={**env, **more},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    impatient = start(MOTCUA_STARTUP_DATABASE_WAIT_SECONDS="1")
    log, _ = impatient.communicate(timeout=30)
    assert impatient.returncode == 3  # uvicorn's code for a failed start-up
    assert b"waiting for the database" in log
    assert b"did not answer within 1 s" in log

    service = start()
    try:
        await asyncio.sleep(3)  # PostgreSQL still down: the service waits rather than exiting
        assert service.poll() is None
        postgres.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            await eventually(lambda: _is(client, 200), limit=30, what="ready once PostgreSQL is up")
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=20) in (0, -signal.SIGTERM)
        postgres.stop()


async def test_a_link_to_a_cluster_s_servers_connects_to_one_that_answers(stack: Stack) -> None:
    # MOTCUA_NATS_URL may list a cluster's servers, comma-separated: one down is passed over.
    link = NatsLink(f"nats://127.0.0.1:{free_port()}, {stack.nats_url}", "several")
    await asyncio.wait_for(link.connect_forever(), timeout=15)
    try:
        assert link.ready
        assert link.client.connected_url is not None
        assert link.client.connected_url.port == int(stack.nats_url.rsplit(":", 1)[1])
    finally:
        await link.close()
