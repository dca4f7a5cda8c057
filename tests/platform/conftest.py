"""Fixtures for the platform tests: a fresh toy schema and stream per test, and worker processes."""

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import Sessions
from shared.messaging.connection import NatsLink
from shared.messaging.consumer import Consumer
from shared.tasks import cancel_and_wait
from tests.conftest import Stack
from tests.platform.toy import Toy, connected, create_toy_schema, create_toy_stream, new_toy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def toy(stack: Stack, admin_engine: AsyncEngine) -> AsyncIterator[Toy]:
    toy = new_toy()
    await create_toy_schema(admin_engine, toy)
    yield toy
    async with admin_engine.begin() as conn:
        await conn.exec_driver_sql(f"DROP SCHEMA {toy.schema} CASCADE")


@pytest.fixture
async def toy_io(stack: Stack, toy: Toy) -> AsyncIterator[tuple[Sessions, NatsLink]]:
    async with connected(stack.admin_database_url, stack.nats_url) as (sessions, link):
        await create_toy_stream(link, toy)
        yield sessions, link
        await link.jetstream.delete_stream(toy.stream)


def run_worker(
    stack: Stack,
    toy: Toy,
    role: str,
    *,
    crash_at: str | None = None,
    ack_wait: float = 30.0,
    timeout: float = 30.0,
) -> int:
    """Run the toy's relay or consumer as a real process; returns its exit code (-9 when it crashed)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    if crash_at:
        env["MOTCUA_CRASH_AT"] = crash_at
    command = [
        sys.executable,
        "-m",
        "tests.platform.toy_worker",
        role,
        toy.suffix,
        "--db",
        stack.admin_database_url,
        "--nats",
        stack.nats_url,
        "--ack-wait",
        str(ack_wait),
    ]
    completed = subprocess.run(command, cwd=REPO, env=env, timeout=timeout, capture_output=True, check=False)
    return completed.returncode


async def drain(consumer: Consumer, link: NatsLink, stream: str, *, limit: float = 20.0) -> None:
    """Run the consumer until JetStream has nothing pending or unacknowledged for it."""
    task = asyncio.create_task(consumer.run())
    deadline = time.monotonic() + limit
    try:
        while True:
            await asyncio.sleep(0.1)
            info = await link.jetstream.consumer_info(stream, consumer.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"consumer still has {info.num_pending} pending, {info.num_ack_pending} unacked"
                )
    finally:
        await cancel_and_wait([task])


KILLED = -signal.SIGKILL
