"""A reporting app on the session's real servers, with a settable clock, and what the processing read
model's tests need: events delivered through the consumer's own path (inbox + handlers in one
transaction) or published on the real streams, tokens, and the reports read back. Tests keep to their
own cells: fresh procedure, field and agency codes (`fresh`)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role, issue_token
from shared.clock import FixedClock
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CloudEvent
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack, serving
from tests.platform.toy import connected_link
from tests.reporting.timelines import vn


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


@dataclass
class Reporting:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str
    stack: Stack

    def auth(self, role: Role = "leader", agency: str | None = "VPDK") -> dict[str, str]:
        token = issue_token(
            self.secret, sub=f"{role}-1", role=role, agency=agency if role == "leader" else None
        )
        return {"Authorization": f"Bearer {token}"}

    async def deliver(self, *events: CloudEvent) -> None:
        """The consumer's own path for each event: inbox row and handlers in one transaction, as if
        fetched from the stream (a redelivery of the same id changes nothing)."""
        consumers: list[Consumer] = self.app.state.runtime.consumers
        for event in events:
            consumer = next(c for c in consumers if event.type in c._sub.handlers)
            await consumer.apply(event)

    async def publish(self, *events: CloudEvent) -> None:
        """Onto the real DOSSIERS stream, as the services' relays publish (`Nats-Msg-Id` = event id)."""

        async def streams_ready() -> bool:
            return bool(self.app.state.runtime.streams_ready)

        await eventually(streams_ready)
        async with connected_link(self.stack.nats_url) as link:
            for event in events:
                name = event.type.removeprefix("vn.motcua.dossier.").rsplit(".v", 1)[0]
                subject = dossier_subject(event.data["agency_code"], name)
                headers = {"Nats-Msg-Id": str(event.id)}
                await link.jetstream.publish(subject, event.to_json().encode(), headers=headers)

    async def report(
        self, path: str = "processing", *, period: tuple[date, date], role: Role = "leader", **params: str
    ) -> dict[str, Any]:
        response = await self.http.get(
            f"/v1/reports/{path}",
            params={"from": period[0].isoformat(), "to": period[1].isoformat(), **params},
            headers=self.auth(role),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 30.0) -> None:
    """Wait for the background consumers (they may first catch up with the stream's earlier events)."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the running service did not get there in time")


def settings_for(stack: Stack) -> ReportingSettings:
    return stack.settings("reporting", ReportingSettings, reporting_lag_poll_seconds=0.2)


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    clock = FixedClock(vn(2022, 1, 10, 9))
    app = create_app(settings_for(stack), clock)
    async with serving(app, "http://reporting") as http:
        yield Reporting(http, app, clock, stack.jwt_secret, stack)
