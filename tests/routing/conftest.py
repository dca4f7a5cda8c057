"""A routing app on the session's real servers, with a settable clock, and what tests need to drive it:
events delivered through the consumer's own path (inbox + handler in one transaction), officers'
tokens, and the events routing staged in its outbox."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.routing.app import create_app
from services.routing.models import messaging
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.events.dossier import DossierIdentity
from shared.events.registry import PAYLOADS
from shared.messaging.envelope import CloudEvent, event_type
from shared.settings import ServiceSettings
from tests.conftest import Stack, serving


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def iso(at: datetime) -> str:
    return at.astimezone(VIETNAM).isoformat()


@dataclass
class Dossier:
    """A dossier as intake would announce it; agency codes are unique per test so queues never mix."""

    id: uuid.UUID
    code: str
    lead: str
    route: list[dict[str, Any]]
    processing_days: str = "10"
    channel: str = "online"
    policy: str = "shift"
    day_kind: str = "working"
    received_at: datetime = field(default_factory=lambda: vn(2021, 6, 18, 8, 30))
    due_at: datetime = field(default_factory=lambda: vn(2021, 7, 2, 8, 30))
    procedure_code: str = "DD-01"

    def identity(self) -> DossierIdentity:
        return DossierIdentity(dossier_id=self.id, code=self.code, portal_id=None, agency_code=self.lead)

    def event(self, name: str, time: datetime | None = None, **data: Any) -> CloudEvent:
        """Event ``name`` about this dossier, its data built as the event's shared payload type: what
        the producer sends, complete as the contract requires."""
        source = "/motcua/deadline" if name.startswith("dossier.extension") else "/motcua/intake"
        payload = PAYLOADS[name].model_validate({**self.identity().data(), **data})
        return CloudEvent(
            source=source,
            type=event_type(name),
            subject=self.code,
            time=time or self.received_at,
            data=payload.data(),
        )

    def received(self, **changes: Any) -> CloudEvent:
        procedure = {
            "code": self.procedure_code,
            "version": 1,
            "effective_from": "2021-01-01",
            "national_code": None,
            "name": "Đăng ký biến động đất đai",
            "field_code": "DAT_DAI",
            "field_name": "Đất đai",
            "agency_code": self.lead,
            "agency_name": "Chi nhánh Văn phòng đăng ký đất đai",
            "processing_days": self.processing_days,
            "online_processing_days": None,
            "day_kind": self.day_kind,
            "same_day": False,
            "cutoff": "15:00",
            "service_level": 3,
            "supplement_policy": self.policy,
            "route": self.route,
        }
        data = {
            "procedure": procedure,
            "channel": self.channel,
            "service_level": 3,
            "unit_code": "000.00.12.H57",
            "received_at": iso(self.received_at),
            "clock_started_at": iso(self.received_at),
            "due_at": iso(self.due_at),
            "applicant": {"kind": "person", "name": "Nguyễn Văn An"},
            "documents": ["DON_DANG_KY"],
            "imported": False,
            **changes,
        }
        return self.event("dossier.received", **data)


def agency(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6].upper()}"


def new_dossier(*agencies: tuple[str, float], **changes: Any) -> Dossier:
    """A dossier routed through ``agencies`` (code, days) in order; the first one leads."""
    route = [{"agency_code": code, "days": days} for code, days in agencies]
    number = uuid.uuid4().int % 10**4
    return Dossier(
        id=uuid.uuid4(),
        code=f"{uuid.uuid4().int % 10**6:06d}.12.H57-210618-{number:04d}",
        lead=agencies[0][0],
        route=route,
        **changes,
    )


@dataclass
class Routing:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str

    def auth(self, role: Role, agency: str | None = None, sub: str | None = None) -> dict[str, str]:
        token = issue_token(self.secret, sub=sub or f"{role}-{agency or 'x'}", role=role, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def deliver(self, event: CloudEvent) -> None:
        """The consumer's own path for one event: inbox row and handler in one transaction, as if
        fetched from the stream (a redelivery of the same id changes nothing)."""
        consumer = self.app.state.runtime.consumers[0]
        await consumer.apply(event)

    async def act(
        self,
        step_id: str,
        action: str,
        body: dict[str, Any] | None = None,
        *,
        agency: str,
        role: Role = "officer",
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/steps/{step_id}/{action}", json=body, headers=self.auth(role, agency)
        )

    async def plan(self, code: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/dossiers/{code}/plan", headers=self.auth("auditor"))
        assert response.status_code == 200, response.text
        plan: dict[str, Any] = response.json()
        return plan

    async def step(self, code: str, position: int) -> dict[str, Any]:
        step: dict[str, Any] = (await self.plan(code))["steps"][position - 1]
        return step

    async def events(self, code: str) -> list[dict[str, Any]]:
        """The events routing staged for dossier ``code``, in order, each with its NATS topic."""
        outbox = messaging.outbox
        async with self.app.state.sessions() as session:
            rows = await session.execute(
                select(outbox.c.topic, outbox.c.payload)
                .where(outbox.c.payload.contains(f'"subject":"{code}"'))
                .order_by(outbox.c.id)
            )
        return [{**json.loads(payload), "topic": topic} for topic, payload in rows]


@pytest.fixture
async def routing(stack: Stack) -> AsyncIterator[Routing]:
    settings = stack.settings("routing", ServiceSettings)
    clock = FixedClock(vn(2021, 6, 18, 8, 30))
    app = create_app(settings, clock)
    async with serving(app, "http://routing") as http:
        yield Routing(http, app, clock, stack.jwt_secret)
