"""The servers of `make run-cluster` keep the promises deploy/k8s makes, on loopback.

The committed three-server NATS cluster creates the services' streams with three replicas, and a
message it acknowledged is still there after its stream's leader is killed. The PostgreSQL standby
streams synchronously from the primary, has every committed row, and once the primary has crashed
and it is promoted, takes writes through the same two-host URL the services get. The proxy in
front of a service's replicas spreads connections over them and skips one that is down.
"""

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import asyncpg
import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from shared.db.engine import asyncpg_dsn
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import STREAMS, dossier_subject
from tools.devstack.nats_cluster import Cluster, Server
from tools.devstack.ports import free_port
from tools.devstack.postgres import EmbeddedPostgres
from tools.devstack.postgres_pair import STANDBY_NAME, PostgresPair
from tools.devstack.proxy import RoundRobinProxy

pytestmark = pytest.mark.slow

T = TypeVar("T")

TIMEOUT = 5.0  # a client's wait on a server
ELECTION = 20.0  # a new stream leader, or a row replayed on the standby, on a loaded 2-core machine


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster.start(tmp_path_factory.mktemp("nats-cluster"))
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def admin_url(server: EmbeddedPostgres) -> str:
    """The superuser on the database initdb makes (the services' own is made by provisioning)."""
    return make_url(server.admin_url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[PostgresPair]:
    started = PostgresPair.start(tmp_path)
    yield started
    started.stop()


async def connect(cluster: Cluster, server: Server) -> Client:
    """As the intake service, which creates streams and publishes dossier events."""
    return await nats.connect(
        cluster.client_url("intake", server), allow_reconnect=False, connect_timeout=TIMEOUT
    )


async def test_jetstream_has_a_meta_leader_and_creates_the_streams_with_three_replicas(
    cluster: Cluster,
) -> None:
    assert cluster.meta_leader() in {server.name for server in cluster.servers}
    client = await connect(cluster, cluster.servers[0])
    try:
        js = client.jetstream(timeout=TIMEOUT)
        await ensure_streams(js, replicas=len(cluster.servers))
        for spec in STREAMS:
            info = await js.stream_info(spec.name)
            assert info.config.num_replicas == 3
            assert info.cluster is not None
            members = {info.cluster.leader, *(peer.name for peer in info.cluster.replicas or [])}
            assert members == {server.name for server in cluster.servers}, spec.name
    finally:
        await client.close()


async def test_an_acknowledged_message_survives_killing_its_stream_leader(cluster: Cluster) -> None:
    stream = "DOSSIERS"
    body = secrets.token_bytes(16)
    publisher = await connect(cluster, cluster.servers[0])
    try:
        js = publisher.jetstream(timeout=TIMEOUT)
        await ensure_streams(js, replicas=len(cluster.servers))
        ack = await js.publish(
            dossier_subject("VPDK", "received"), body, headers={"Nats-Msg-Id": secrets.token_hex(8)}
        )
        info = await js.stream_info(stream)
    finally:
        await publisher.close()
    assert info.cluster is not None
    (leader,) = [server for server in cluster.servers if server.name == info.cluster.leader]

    leader.kill()
    try:
        reader = await connect(cluster, next(s for s in cluster.servers if s is not leader))
        try:
            # The two left elect a new leader; until then the stream does not answer: ask each second.
            js = reader.jetstream(timeout=1)
            new_leader = await until(lambda: stream_leader(js, stream, other_than=leader.name))
            stored = await js.get_msg(stream, ack.seq)
        finally:
            await reader.close()
    finally:
        leader.start()
    assert new_leader != leader.name
    assert stored.data == body


async def until(check: Callable[[], Awaitable[T | None]]) -> T:
    """The first answer of `check` that is not None, asked again until ELECTION seconds have passed."""
    async with asyncio.timeout(ELECTION):
        while True:
            answer = await check()
            if answer is not None:
                return answer
            await asyncio.sleep(0.1)


async def stream_leader(js: JetStreamContext, stream: str, *, other_than: str) -> str | None:
    try:
        info = await js.stream_info(stream)
    except (nats.errors.Error, TimeoutError):  # no leader to answer yet
        return None
    leader = info.cluster.leader if info.cluster else None
    return None if leader == other_than else leader


async def test_the_standby_is_synchronous_and_takes_over_with_every_committed_row(
    pair: PostgresPair,
) -> None:
    # The services' URL: both hosts, only the one accepting writes.
    engine = create_async_engine(pair.database_url(admin_url(pair.primary)))
    try:
        async with engine.begin() as conn:
            replication = (
                await conn.execute(text("SELECT application_name, sync_state FROM pg_stat_replication"))
            ).all()
            assert [tuple(row) for row in replication] == [(STANDBY_NAME, "sync")]
            assert await server_port(conn) == pair.primary.port
            await conn.execute(text("CREATE TABLE committed (id int PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO committed VALUES (1)"))

        # On the standby: flushed there before the commit returned, visible once replayed.
        standby = create_async_engine(admin_url(pair.standby))
        try:
            assert await until(lambda: committed_ids(standby)) == [1]
        finally:
            await standby.dispose()

        pair.failover()
        assert not pair.primary.running
        await engine.dispose()  # the pool's connections went with the primary
        async with engine.begin() as conn:
            assert await server_port(conn) == pair.standby.port
            await conn.execute(text("INSERT INTO committed VALUES (2)"))
        assert await committed_ids(engine) == [1, 2]
    finally:
        await engine.dispose()


async def test_asyncpg_alone_reads_the_two_host_url_too(pair: PostgresPair) -> None:
    """The relay and the deadline watcher connect with asyncpg directly (shared.db.engine.asyncpg_dsn)."""
    dsn = asyncpg_dsn(pair.database_url(admin_url(pair.primary)))
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT inet_server_port()") == pair.primary.port
    finally:
        await conn.close()
    pair.failover()
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT inet_server_port()") == pair.standby.port
    finally:
        await conn.close()


async def server_port(conn: AsyncConnection) -> int:
    port: int = (await conn.execute(text("SELECT inet_server_port()"))).scalar_one()
    return port


async def committed_ids(engine: AsyncEngine) -> list[int] | None:
    """The table's ids; None while it is empty (the standby has not replayed the commit yet)."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT id FROM committed ORDER BY id"))
        return [row.id for row in rows] or None


async def test_the_proxy_spreads_connections_over_the_replicas_and_skips_one_that_is_down() -> None:
    async def answer_with_own_port(port: int) -> asyncio.Server:
        async def serve(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(str(port).encode())
            await writer.drain()
            writer.close()

        return await asyncio.start_server(serve, "127.0.0.1", port)

    replica_ports = [free_port(), free_port()]
    replicas = [await answer_with_own_port(port) for port in replica_ports]
    proxy = RoundRobinProxy(free_port(), replica_ports)
    await proxy.start()

    async def ask() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        answer = await reader.read()
        writer.close()
        return int(answer)

    try:
        assert sorted([await ask() for _ in range(4)]) == sorted(replica_ports * 2)
        replicas[0].close()
        await replicas[0].wait_closed()
        assert [await ask() for _ in range(3)] == [replica_ports[1]] * 3
    finally:
        await proxy.stop()
        for replica in replicas:
            replica.close()
