"""A deadline app on the session's real servers, with a settable clock, and what tests need to drive it:
events delivered through the consumer's own path (inbox + handler in one transaction), tokens, and the
events deadline staged in its outbox."""

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

from services.deadline.app import create_app
from services.deadline.models import messaging
from services.deadline.settings import DeadlineSettings
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack, serving


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def iso(at: datetime) -> str:
    return at.astimezone(VIETNAM).isoformat()


def agency(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6].upper()}"


def procedure_code(prefix: str = "DL") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def procedure_snapshot(code: str, agency_code: str, **changes: Any) -> dict[str, Any]:
    """A procedure as intake's catalogue publishes it (docs/events.md, the procedure snapshot)."""
    return {
        "code": code,
        "version": 1,
        "effective_from": "2020-01-01",
        "national_code": None,
        "name": "Đăng ký biến động đất đai",
        "field_code": "DAT_DAI",
        "field_name": "Đất đai",
        "agency_code": agency_code,
        "agency_name": "Chi nhánh Văn phòng đăng ký đất đai",
        "processing_days": "10",
        "day_kind": "working",
        "online_processing_days": None,
        "same_day": False,
        "cutoff": "15:00",
        "service_level": 3,
        "supplement_policy": "shift",
        "fee": 0,
        "fee_note": None,
        "route": [],
        "documents": [],
        **changes,
    }


@dataclass
class Dossier:
    """A dossier as intake and routing would announce it; agency codes are unique per test."""

    id: uuid.UUID
    code: str
    lead: str
    processing_days: str = "10"
    policy: str = "shift"
    received_at: datetime = field(default_factory=lambda: vn(2021, 6, 18, 8, 30))
    due_at: datetime = field(default_factory=lambda: vn(2021, 7, 2, 8, 30))
    steps: dict[str, uuid.UUID] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        return {"dossier_id": str(self.id), "code": self.code, "portal_id": None, "agency_code": self.lead}

    def event(self, name: str, time: datetime | None = None, **data: Any) -> CloudEvent:
        source = "/motcua/intake" if name in ("dossier.received", "dossier.withdrawn") else "/motcua/routing"
        return CloudEvent(
            source=source,
            type=event_type(name),
            subject=self.code,
            time=time or self.received_at,
            data={**self.identity(), **data},
        )

    def received(self, **changes: Any) -> CloudEvent:
        data = {
            "procedure": procedure_snapshot(
                "DD-01", self.lead, processing_days=self.processing_days, supplement_policy=self.policy
            ),
            "channel": "direct",
            "service_level": 3,
            "unit_code": "000.00.12.H57",
            "received_at": iso(self.received_at),
            "clock_started_at": iso(self.received_at),
            "due_at": iso(self.due_at),
            "applicant": {"kind": "person", "name": "Nguyễn Văn An"},
            "documents": [],
            "imported": False,
            **changes,
        }
        return self.event("dossier.received", **data)

    def step_id(self, agency_code: str) -> uuid.UUID:
        return self.steps.setdefault(agency_code, uuid.uuid4())

    def step(
        self, agency_code: str, *, position: int, days: str, assigned: datetime, due: datetime
    ) -> dict[str, Any]:
        return {
            "id": str(self.step_id(agency_code)),
            "position": position,
            "group": position,
            "agency_code": agency_code,
            "days": days,
            "assigned_at": iso(assigned),
            "due_at": iso(due),
        }

    def assigned(self, agency_code: str, **step: Any) -> CloudEvent:
        body = self.step(agency_code, **step)
        return self.event("dossier.step.assigned", step=body, from_agency_code=None, transfer="electronic")

    def completed(self, agency_code: str, at: datetime, **step: Any) -> CloudEvent:
        body = self.step(agency_code, **step)
        return self.event(
            "dossier.step.completed",
            step=body,
            completed_at=iso(at),
            due_at=body["due_at"],
            outcome="on_time",
            next_agency_codes=[],
        )

    def about_step(self, agency_code: str) -> dict[str, Any]:
        return {"step_id": str(self.step_id(agency_code)), "step_agency_code": agency_code}

    def paused(self, agency_code: str, at: datetime, reason: str = "supplement") -> CloudEvent:
        return self.event(
            "dossier.step.paused", **self.about_step(agency_code), reason=reason, paused_at=iso(at)
        )

    def supplement_requested(self, agency_code: str, at: datetime) -> CloudEvent:
        return self.event(
            "dossier.supplement_requested",
            **self.about_step(agency_code),
            items=[],
            requested_at=iso(at),
            override_reason=None,
        )

    def resumed(self, agency_code: str, at: datetime, reason: str = "supplement") -> CloudEvent:
        return self.event(
            "dossier.step.resumed",
            **self.about_step(agency_code),
            reason=reason,
            resumed_at=iso(at),
            due_at=iso(at),
            policy=self.policy if reason == "supplement" else "shift",
        )

    def extension_requested(
        self,
        agency_code: str,
        at: datetime,
        *,
        days: int = 2,
        reason: str = "Cần xác minh thực địa",
        role: str | None = "leader",
        current_due: datetime | None = None,
    ) -> CloudEvent:
        data: dict[str, Any] = {
            **self.about_step(agency_code),
            "requested_at": iso(at),
            "reason": reason,
            "days": days,
            "current_due_at": iso(current_due or self.due_at),
            "requested_by": f"leader-{agency_code}",
        }
        if role is not None:
            data["requested_by_role"] = role
        return self.event("dossier.extension_requested", **data)

    def ended(self, name: str, at: datetime) -> CloudEvent:
        return self.event(f"dossier.{name}", **{f"{name}_at": iso(at)}, imported=False)


def new_dossier(lead: str | None = None, **changes: Any) -> Dossier:
    number = uuid.uuid4().int % 10**4
    return Dossier(
        id=uuid.uuid4(),
        code=f"{uuid.uuid4().int % 10**6:06d}.12.H57-210618-{number:04d}",
        lead=lead or agency("VPDK"),
        **changes,
    )


@dataclass
class Deadline:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str

    def auth(self, role: Role, agency: str | None = None, sub: str | None = None) -> dict[str, str]:
        token = issue_token(self.secret, sub=sub or f"{role}-{agency or 'x'}", role=role, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def deliver(self, *events: CloudEvent) -> None:
        """The consumer's own path for each event: inbox row and handler in one transaction, as if
        fetched from the stream (a redelivery of the same id changes nothing)."""
        for event in events:
            await self._consumer(event).apply(event)

    async def deliver_batch(self, *events: CloudEvent) -> None:
        """The consumer's own path for one fetch of several events: their inbox rows and the batch
        handler in one transaction (events the inbox already has are left out)."""
        await self._consumer(events[0]).apply_batch(events)

    def _consumer(self, event: CloudEvent) -> Consumer:
        consumers: list[Consumer] = self.app.state.runtime.consumers
        return next(c for c in consumers if event.type in c._sub.handlers)

    async def clocks(self, code: str, role: Role = "auditor", agency: str | None = None) -> dict[str, Any]:
        response = await self.http.get(f"/v1/dossiers/{code}/clock", headers=self.auth(role, agency))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def outbox(self, *, subject: str | None = None, topic: str | None = None) -> list[dict[str, Any]]:
        """Events deadline staged, in order, each with its NATS topic."""
        table = messaging.outbox
        query = select(table.c.topic, table.c.payload).order_by(table.c.id)
        if subject is not None:
            query = query.where(table.c.payload.contains(f'"subject":"{subject}"'))
        if topic is not None:
            query = query.where(table.c.topic == topic)
        async with self.app.state.sessions() as session:
            rows = (await session.execute(query)).all()
        return [{**json.loads(payload), "topic": t} for t, payload in rows]


@pytest.fixture
async def deadline(stack: Stack) -> AsyncIterator[Deadline]:
    settings = stack.settings("deadline", DeadlineSettings)
    clock = FixedClock(vn(2021, 6, 18, 8, 30))
    app = create_app(settings, clock)
    async with serving(app, "http://deadline") as http:
        yield Deadline(http, app, clock, stack.jwt_secret)
