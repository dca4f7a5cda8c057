"""A survey app on the session's real servers, with a settable clock, and intake's events delivered to
its handlers as the consumer does (one unit of work each)."""

import json
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.survey.app import create_app
from services.survey.ballots.models import ballots
from services.survey.handlers import CATALOG_HANDLERS, dossier_handlers
from services.survey.models import messaging
from services.survey.settings import SurveySettings
from services.survey.working_calendar import CALENDAR_HANDLERS
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.db.engine import unit_of_work
from shared.events.catalog import AgencyRegistered, ProcedureSnapshot
from shared.events.dossier import Applicant, DossierReceived, DossierReturned
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack, serving


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def unique_code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def dossier_code() -> str:
    return f"{uuid.uuid4().int % 10**6:06d}.12.H57-210618-{uuid.uuid4().int % 10**4:04d}"


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


@dataclass
class Dossier:
    code: str
    id: uuid.UUID
    agency_code: str


@dataclass
class Survey:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    settings: SurveySettings

    def auth(self, role: Role, *, agency: str | None = None, sub: str | None = None) -> dict[str, str]:
        token = issue_token(self.settings.jwt_secret, sub=sub or f"{role}-1", role=role, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def vote(
        self,
        body: dict[str, Any],
        role: Role | None = None,
        *,
        device: str | None = None,
        sub: str | None = None,
    ) -> httpx.Response:
        """POST /v1/ballots, from a kiosk (no token, `device` its X-Device-Id) unless a role is given."""
        headers = self.auth(role, sub=sub) if role is not None else {}
        if device is not None:
            headers["X-Device-Id"] = device
        return await self.http.post("/v1/ballots", json=body, headers=headers)

    async def deliver(self, *events: CloudEvent) -> None:
        """Apply events with survey's own handlers, one unit of work each, as its consumer does."""
        handlers = {
            **CATALOG_HANDLERS,
            **CALENDAR_HANDLERS,
            **dossier_handlers(invitation_days=self.settings.survey_invitation_days),
        }
        for event in events:
            async with unit_of_work(self.app.state.sessions) as session:
                await handlers[event.type](event, session)

    async def agency(self, prefix: str = "THUE") -> str:
        """A fresh agency, registered through catalog.agency.registered."""
        code = unique_code(prefix)
        await self.deliver(agency_registered(code, at=self.clock.now()))
        return code

    async def returned(
        self, agency_code: str, *, at: datetime | None = None, portal_account: str | None = None
    ) -> Dossier:
        """A fresh dossier led by `agency_code`, received and then returned (its invitation opens);
        submitted online by `portal_account` when given, else at the counter."""
        dossier = Dossier(dossier_code(), uuid.uuid4(), agency_code)
        at = at or self.clock.now()
        await self.deliver(received(dossier, at=at), returned(dossier, at=at, portal_account=portal_account))
        return dossier

    async def token(self, code: str) -> str:
        response = await self.http.get(f"/v1/invitations/{code}", headers=self.auth("reception"))
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    async def scalar(self, query: Any) -> Any:
        async with self.app.state.sessions() as session:
            return await session.scalar(query)

    async def rows(self, query: Any) -> list[Any]:
        async with self.app.state.sessions() as session:
            return list((await session.execute(query)).all())

    async def ballots_of(self, *, agency_code: str | None = None, dossier_code: str | None = None) -> int:
        query = select(func.count()).select_from(ballots)
        if agency_code is not None:
            query = query.where(ballots.c.agency_code == agency_code)
        if dossier_code is not None:
            query = query.where(ballots.c.dossier_code == dossier_code)
        return int(await self.scalar(query) or 0)

    async def events_mentioning(self, text: str) -> list[dict[str, Any]]:
        """Every event staged in the outbox whose payload contains `text`, each with its topic."""
        outbox = messaging.outbox
        rows = await self.rows(
            select(outbox.c.topic, outbox.c.payload)
            .where(outbox.c.payload.contains(text))
            .order_by(outbox.c.id)
        )
        return [{**json.loads(payload), "topic": topic} for topic, payload in rows]


def agency_registered(
    code: str, *, at: datetime, name: str | None = None, sector: str = "Thuế"
) -> CloudEvent:
    """`catalog.agency.registered` as intake emits it."""
    data = AgencyRegistered(
        code=code, name=name or f"Cơ quan {code}", sector=sector, unit_code="000.00.12.H57", level="district"
    ).data()
    return CloudEvent(
        source="/motcua/intake", type=event_type("catalog.agency.registered"), time=at, data=data
    )


def received(dossier: Dossier, *, at: datetime) -> CloudEvent:
    """`dossier.received` as intake emits it, its procedure snapshot whole."""
    procedure = ProcedureSnapshot(
        code="DD-01",
        version=1,
        effective_from=date(2021, 1, 1),
        name="Đăng ký biến động đất đai",
        field_code="DAT_DAI",
        field_name="Đất đai",
        agency_code=dossier.agency_code,
        agency_name=f"Cơ quan {dossier.agency_code}",
        processing_days=Decimal(10),
        service_level=3,
    )
    data = DossierReceived(
        dossier_id=dossier.id,
        code=dossier.code,
        agency_code=dossier.agency_code,
        procedure=procedure,
        channel="direct",
        service_level=3,
        unit_code="000.00.12.H57",
        received_at=at,
        clock_started_at=at,
        due_at=at,
        applicant=Applicant(kind="person", name="Nguyễn Văn An"),
    ).data()
    return _dossier_event("dossier.received", dossier, data, at)


def returned(
    dossier: Dossier, *, at: datetime, imported: bool = False, portal_account: str | None = None
) -> CloudEvent:
    """`dossier.returned` as intake emits it (`portal_account`: who submitted it online, else null)."""
    data = DossierReturned(
        dossier_id=dossier.id,
        code=dossier.code,
        agency_code=dossier.agency_code,
        returned_at=at,
        delivery_channel="counter",
        imported=imported,
        portal_account=portal_account,
    ).data()
    return _dossier_event("dossier.returned", dossier, data, at)


def _dossier_event(name: str, dossier: Dossier, data: dict[str, Any], at: datetime) -> CloudEvent:
    return CloudEvent(
        source="/motcua/intake", type=event_type(name), subject=dossier.code, time=at, data=data
    )


SurveyFactory = Callable[..., Awaitable[Survey]]


@pytest.fixture
async def survey_factory(stack: Stack) -> AsyncIterator[SurveyFactory]:
    """Starts survey apps with settings of the test's choosing; all stop when the test ends."""
    async with AsyncExitStack() as apps:

        async def start(**overrides: Any) -> Survey:
            settings = stack.settings(
                "survey",
                SurveySettings,
                **{
                    "survey_token_secret": secrets.token_urlsafe(48),
                    # Generous unless a test says otherwise: many tests vote from one test client.
                    "survey_device_burst": 10_000,
                    "survey_ip_ballots_per_minute": 1_000_000,
                    **overrides,
                },
            )
            clock = FixedClock(vn(2021, 6, 18, 9, 0))
            app = create_app(settings, clock)
            http = await apps.enter_async_context(serving(app, "http://survey"))
            return Survey(http, app, clock, settings)

        yield start


@pytest.fixture
async def survey(survey_factory: SurveyFactory) -> Survey:
    return await survey_factory()
