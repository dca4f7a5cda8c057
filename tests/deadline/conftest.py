"""A deadline app on the session's real servers, with a settable clock, and what tests need to drive it:
events delivered through the consumer's own path (inbox + handler in one transaction), tokens, and the
events deadline staged in its outbox."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.deadline.app import create_app
from services.deadline.models import messaging
from services.deadline.settings import DeadlineSettings
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.events.catalog import ProcedureSnapshot
from shared.events.dossier import (
    Applicant,
    DossierIdentity,
    DossierReceived,
    DossierResolved,
    DossierReturned,
    DossierWithdrawn,
)
from shared.events.fields import Payload
from shared.events.steps import (
    ExtensionRequested,
    Step,
    StepAssigned,
    StepCompleted,
    StepPaused,
    StepResumed,
    SupplementRequested,
)
from shared.messaging.consumer import Consumer
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack, serving

INTAKE_EVENTS = ("dossier.received", "dossier.withdrawn")
PauseReason = Literal["supplement", "financial_obligation"]


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def iso(at: datetime) -> str:
    return at.astimezone(VIETNAM).isoformat()


def agency(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6].upper()}"


def procedure_code(prefix: str = "DL") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def procedure_snapshot(code: str, agency_code: str, **changes: Any) -> ProcedureSnapshot:
    """A procedure as intake's catalogue publishes it (docs/events.md, the procedure snapshot)."""
    fields: dict[str, Any] = {
        "code": code,
        "version": 1,
        "effective_from": date(2020, 1, 1),
        "national_code": None,
        "name": "Đăng ký biến động đất đai",
        "field_code": "DAT_DAI",
        "field_name": "Đất đai",
        "agency_code": agency_code,
        "agency_name": "Chi nhánh Văn phòng đăng ký đất đai",
        "processing_days": Decimal(10),
        "day_kind": "working",
        "online_processing_days": None,
        "same_day": False,
        "cutoff": time(15, 0),
        "service_level": 3,
        "supplement_policy": "shift",
        "fee": 0,
        "fee_note": None,
        "route": [],
        "documents": [],
    }
    return ProcedureSnapshot(**{**fields, **changes})


@dataclass
class Dossier:
    """A dossier as intake and routing would announce it, each event built as its shared payload type
    (shared.events); agency codes are unique per test."""

    id: uuid.UUID
    code: str
    lead: str
    processing_days: str = "10"
    policy: Literal["shift", "restart"] = "shift"
    received_at: datetime = field(default_factory=lambda: vn(2021, 6, 18, 8, 30))
    due_at: datetime = field(default_factory=lambda: vn(2021, 7, 2, 8, 30))
    steps: dict[str, uuid.UUID] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """The fields of `DossierIdentity` as sent, to splat into a payload."""
        return DossierIdentity(
            dossier_id=self.id, code=self.code, portal_id=None, agency_code=self.lead
        ).data()

    def event(self, name: str, time: datetime | None = None, **data: Any) -> CloudEvent:
        """An event whose data is exactly `data` after the identity: for payloads no producer would send."""
        source = "/motcua/intake" if name in INTAKE_EVENTS else "/motcua/routing"
        return CloudEvent(
            source=source,
            type=event_type(name),
            subject=self.code,
            time=time or self.received_at,
            data={**self.identity(), **data},
        )

    def _event(self, name: str, payload: Payload) -> CloudEvent:
        return self.event(name, **payload.data())

    def received(self, **changes: Any) -> CloudEvent:
        fields: dict[str, Any] = {
            **self.identity(),
            "procedure": procedure_snapshot(
                "DD-01", self.lead, processing_days=self.processing_days, supplement_policy=self.policy
            ),
            "channel": "direct",
            "service_level": 3,
            "unit_code": "000.00.12.H57",
            "received_at": self.received_at,
            "clock_started_at": self.received_at,
            "due_at": self.due_at,
            "applicant": Applicant(kind="person", name="Nguyễn Văn An"),
            "documents": [],
            "imported": False,
        }
        return self._event("dossier.received", DossierReceived(**{**fields, **changes}))

    def step_id(self, agency_code: str) -> uuid.UUID:
        return self.steps.setdefault(agency_code, uuid.uuid4())

    def step(self, agency_code: str, *, position: int, days: str, assigned: datetime, due: datetime) -> Step:
        return Step(
            id=self.step_id(agency_code),
            position=position,
            group=position,
            agency_code=agency_code,
            days=Decimal(days),
            assigned_at=assigned,
            due_at=due,
        )

    def assigned(self, agency_code: str, **step: Any) -> CloudEvent:
        payload = StepAssigned(
            **self.identity(),
            step=self.step(agency_code, **step),
            from_agency_code=None,
            transfer="electronic",
        )
        return self._event("dossier.step.assigned", payload)

    def completed(self, agency_code: str, at: datetime, **step: Any) -> CloudEvent:
        body = self.step(agency_code, **step)
        payload = StepCompleted(
            **self.identity(),
            step=body,
            completed_at=at,
            due_at=body.due_at,
            outcome="on_time",
            next_agency_codes=[],
        )
        return self._event("dossier.step.completed", payload)

    def about_step(self, agency_code: str) -> dict[str, Any]:
        """The fields of `AboutStep` past the identity, to splat into a payload."""
        return {"step_id": str(self.step_id(agency_code)), "step_agency_code": agency_code}

    def paused(self, agency_code: str, at: datetime, reason: PauseReason = "supplement") -> CloudEvent:
        payload = StepPaused(**self.identity(), **self.about_step(agency_code), reason=reason, paused_at=at)
        return self._event("dossier.step.paused", payload)

    def supplement_requested(self, agency_code: str, at: datetime) -> CloudEvent:
        payload = SupplementRequested(
            **self.identity(), **self.about_step(agency_code), items=[], requested_at=at, override_reason=None
        )
        return self._event("dossier.supplement_requested", payload)

    def resumed(self, agency_code: str, at: datetime, reason: PauseReason = "supplement") -> CloudEvent:
        payload = StepResumed(
            **self.identity(),
            **self.about_step(agency_code),
            reason=reason,
            resumed_at=at,
            due_at=at,
            policy=self.policy if reason == "supplement" else "shift",
        )
        return self._event("dossier.step.resumed", payload)

    def extension_requested(
        self,
        agency_code: str,
        at: datetime,
        *,
        days: int = 2,
        reason: str = "Cần xác minh thực địa",
        role: Literal["officer", "leader"] | None = "leader",
        current_due: datetime | None = None,
    ) -> CloudEvent:
        payload = ExtensionRequested(
            **self.identity(),
            **self.about_step(agency_code),
            requested_at=at,
            reason=reason,
            days=days,
            current_due_at=current_due or self.due_at,
            requested_by=f"leader-{agency_code}",
            requested_by_role=role or "officer",
        )
        data = payload.data()
        if role is None:
            del data["requested_by_role"]  # as routing sent it before the role existed
        return self.event("dossier.extension_requested", **data)

    def ended(self, name: Literal["resolved", "withdrawn", "returned"], at: datetime) -> CloudEvent:
        """The dossier's end as intake or routing sends it (`resolved` is due as received; `returned`
        at the counter)."""
        payload: Payload
        if name == "resolved":
            payload = DossierResolved(**self.identity(), resolved_at=at, due_at=self.due_at, imported=False)
        elif name == "withdrawn":
            payload = DossierWithdrawn(**self.identity(), withdrawn_at=at, imported=False)
        else:
            payload = DossierReturned(
                **self.identity(), returned_at=at, delivery_channel="counter", imported=False
            )
        return self._event(f"dossier.{name}", payload)


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
