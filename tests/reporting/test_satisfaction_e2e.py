"""Satisfaction end to end on real PostgreSQL: survey's events applied by the satisfaction read model's
handlers in a real unit of work, as the consumer applies them (inbox included), and the report read over
HTTP. Each test uses its own agency codes and compares the totals before and after its events, so other
tests' rows in the same period do not matter. (Through the stream and the rebuild:
test_satisfaction_streams.py.)

`reporting_app`, `Reporting.apply` and the event builders (made with the producers' own payload
builders where they have one) are plain helpers shared with test_satisfaction_streams.py,
test_indicators_e2e.py and test_delays_e2e.py; they belong in tests/reporting/conftest.py.
"""

import csv
import io
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.dialects.postgresql import insert

from services.intake import events as intake_events
from services.reporting.delays.api import router as delays_router
from services.reporting.indicators.api import router as indicators_router
from services.reporting.models import messaging
from services.reporting.processing.api import router as reports_router
from services.reporting.processing.handlers import dossier_handlers
from services.reporting.processing_times.api import router as processing_times_router
from services.reporting.satisfaction.api import router as satisfaction_router
from services.reporting.satisfaction.handlers import HANDLERS
from services.routing import events as routing_events
from services.survey import events as survey_events
from shared.app import ServiceSpec, create_service_app
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.db.engine import unit_of_work
from shared.events.catalog import AgencyRegistered, ProcedureSnapshot
from shared.events.dossier import DossierIdentity
from shared.events.fields import Payload
from shared.messaging.consumer import Handler
from shared.messaging.envelope import CloudEvent, event_type
from shared.rule_sets import rule_set_on
from shared.settings import ServiceSettings
from tests.conftest import Stack, serving

# -- the app and how events reach it ---------------------------------------------------------------


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def _all_handlers() -> dict[str, list[Handler]]:
    """Per event type, every read model's handler, in turn (the processing read model's dossier handler,
    then ours)."""
    by_type: dict[str, list[Handler]] = {}
    for type_, handler in dossier_handlers().items():
        by_type.setdefault(type_, []).append(handler)
    for handlers in HANDLERS.values():
        for type_, handler in handlers.items():
            by_type.setdefault(type_, []).append(handler)
    return by_type


@dataclass
class Reporting:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str
    handlers: Mapping[str, Sequence[Handler]]

    def auth(self, role: Role = "leader", agency: str | None = "VPDK") -> dict[str, str]:
        agency = agency if role in ("officer", "leader") else None
        return {
            "Authorization": f"Bearer {issue_token(self.secret, sub=f'{role}-1', role=role, agency=agency)}"
        }

    async def apply(self, *events: CloudEvent, inbox: bool = True) -> None:
        """Each event in its own unit of work, as the consumer applies it: the inbox row first (a
        repeat stops there), then every model's handler. ``inbox=False`` skips the inbox, as a rebuild
        replaying the stream into tables that already hold the event would."""
        for event in events:
            async with unit_of_work(self.app.state.sessions) as session:
                if inbox:
                    first = await session.scalar(
                        insert(messaging.inbox)
                        .values(event_id=event.id, event_type=event.type)
                        .on_conflict_do_nothing()
                        .returning(messaging.inbox.c.event_id)
                    )
                    if first is None:
                        continue
                for handler in self.handlers.get(event.type, ()):
                    await handler(event, session)

    async def report(self, name: str, start: date, end: date, **params: str) -> dict[str, Any]:
        response = await self.http.get(
            f"/v1/reports/{name}",
            params={"from": start.isoformat(), "to": end.isoformat(), **params},
            headers=self.auth(),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def reporting_app(stack: Stack, *, now: datetime) -> AsyncIterator[Reporting]:
    """The reporting service's routes of this helper on the session's servers; no consumers run (tests
    apply events themselves, or start a consumer of their own)."""
    settings = stack.settings("reporting", ServiceSettings)
    spec = ServiceSpec(
        name="reporting",
        title="motcua Reporting (test)",
        description="the reports",
        tables=messaging,
        routers=[
            reports_router,
            satisfaction_router,
            indicators_router,
            processing_times_router,
            delays_router,
        ],
    )
    clock = FixedClock(now)
    app = create_service_app(spec, settings, clock)
    async with serving(app, "http://reporting") as http:
        yield Reporting(http, app, clock, stack.jwt_secret, _all_handlers())


def row_of(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    rows = [r for r in body["rows"] if r["key"] == key]
    assert len(rows) == 1, f"{key}: {len(rows)} rows"
    found: dict[str, Any] = rows[0]
    return found


def count_keys(body: Mapping[str, Any]) -> list[str]:
    return [c["key"] for c in body["columns"] if c["kind"] == "count"]


def assert_totals_are_the_sum_of_the_rows(body: Mapping[str, Any]) -> None:
    for key in count_keys(body):
        assert body["totals"][key] == sum(r[key] for r in body["rows"]), key


def totals_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, int]:
    return {k: after["totals"][k] - before["totals"][k] for k in count_keys(after)}


# -- events as their producers build them ----------------------------------------------------------


def _event(name: str, payload: Payload, at: datetime, subject: str | None = None) -> CloudEvent:
    source = "/motcua/survey" if name.startswith("survey.") else "/motcua/routing"
    return CloudEvent(source=source, type=event_type(name), subject=subject, time=at, data=payload.data())


def agency_registered(agency: str, name: str, at: datetime) -> CloudEvent:
    payload = AgencyRegistered(code=agency, name=name, sector="", unit_code="000.00.12.H57", level="district")
    return CloudEvent(
        source="/motcua/intake", type=event_type("catalog.agency.registered"), time=at, data=payload.data()
    )


def ballot(
    agency: str,
    at: datetime,
    complexity: str | None = "simple",
    satisfaction: str | None = "satisfied",
    *,
    channel: Literal["portal", "kiosk", "counter"] = "kiosk",
    dossier_code: str | None = None,
) -> CloudEvent:
    answers = {k: v for k, v in (("complexity", complexity), ("satisfaction", satisfaction)) if v}
    payload = survey_events.submitted(
        ballot_id=uuid.uuid4(),
        form_code="default",
        form_version=1,
        agency_code=agency,
        dossier_code=dossier_code,
        channel=channel,
        answers=answers,
        reason_given=satisfaction == "unsatisfied",
        submitted_at=at,
    )
    return _event("survey.submitted", payload, at, dossier_code)


def feedback_received(
    item: uuid.UUID, agency: str, at: datetime, due: datetime, *, dossier_code: str | None = None
) -> CloudEvent:
    stored = {
        "id": item,
        "kind": "complaint",
        "topic": "Thái độ phục vụ",
        "agency_code": agency,
        "dossier_code": dossier_code,
        "source": "citizen",
        "received_at": at,
        "answer_due_at": due,
    }
    return _event("survey.feedback_received", survey_events.feedback_received(stored), at)


def feedback_answered(item: uuid.UUID, agency: str, at: datetime, due: datetime) -> CloudEvent:
    on_time = at.astimezone(VIETNAM).date() <= due.astimezone(VIETNAM).date()
    payload = survey_events.feedback_answered(
        feedback_id=item, agency_code=agency, answered_at=at, answer_due_at=due, on_time=on_time
    )
    return _event("survey.feedback_answered", payload, at)


def feedback_forwarded(item: uuid.UUID, from_: str, to: str, at: datetime, due: datetime) -> CloudEvent:
    payload = survey_events.feedback_forwarded(
        feedback_id=item, from_agency_code=from_, agency_code=to, forwarded_at=at, answer_due_at=due
    )
    return _event("survey.feedback_forwarded", payload, at)


@dataclass(frozen=True)
class Dossier:
    id: uuid.UUID
    code: str
    agency: str

    @staticmethod
    def new(agency: str) -> "Dossier":
        number = uuid.uuid4().int
        return Dossier(uuid.uuid4(), f"{number % 10**6:06d}.12.H57-250301-{number % 10**4:04d}", agency)

    def identity(self) -> DossierIdentity:
        return intake_events.identity(
            dossier_id=self.id, code=self.code, portal_id=None, agency_code=self.agency
        )


def received(
    d: Dossier,
    at: datetime,
    due: datetime,
    *,
    channel: Literal["direct", "post", "online"] = "direct",
    service_level: int = 3,
) -> CloudEvent:
    procedure = ProcedureSnapshot(
        code=f"P-{d.agency}",
        version=1,
        effective_from=date(2019, 1, 1),
        name="Đăng ký biến động đất đai",
        field_code="DAT_DAI",
        field_name="Đất đai",
        agency_code=d.agency,
        agency_name=f"Cơ quan {d.agency}",
        service_level=service_level,
        processing_days=Decimal(10),
    )
    payload = intake_events.received(
        identity=d.identity(),
        procedure=procedure,
        channel=channel,
        service_level=service_level,
        unit_code="000.00.12.H57",
        received_at=at,
        clock_started_at=at,
        due_at=due,
        applicant_kind="person",
        applicant_name="Nguyễn Văn An",
        documents=[],
        imported=False,
        rule_set=rule_set_on(at).code,
    )
    return CloudEvent(
        source="/motcua/intake",
        type=event_type("dossier.received"),
        subject=d.code,
        time=at,
        data=payload.data(),
    )


def resolved(d: Dossier, at: datetime, due: datetime) -> CloudEvent:
    payload = routing_events.resolved(identity=d.identity(), resolved_at=at, due_at=due)
    return _event("dossier.resolved", payload, at, d.code)


def step_completed(
    d: Dossier, agency: str, position: int, *, assigned: datetime, due: datetime, done: datetime
) -> CloudEvent:
    """`dossier.step.completed` as routing builds it; the outcome by date in Vietnam, as routing judges."""
    step = SimpleNamespace(
        id=uuid.uuid4(),
        position=position,
        group_no=position,
        agency_code=agency,
        days="5",
        assigned_at=assigned,
        due_at=due,
    )
    finished, last_day = done.astimezone(VIETNAM).date(), due.astimezone(VIETNAM).date()
    outcome: Literal["early", "on_time", "late"] = (
        "early" if finished < last_day else "on_time" if finished == last_day else "late"
    )
    payload = routing_events.completed(
        identity=d.identity(), step=step, completed_at=done, due_at=due, outcome=outcome, next_agency_codes=[]
    )
    return _event("dossier.step.completed", payload, done, d.code)


# -- the tests -------------------------------------------------------------------------------------

H1 = (date(2025, 1, 1), date(2025, 6, 30))


@pytest.fixture
async def reporting(stack: Stack) -> AsyncIterator[Reporting]:
    async with reporting_app(stack, now=vn(2025, 7, 15, 9)) as app:
        yield app


async def test_ballots_and_feedback_become_rows_with_shares_and_the_totals_move_by_as_much(
    reporting: Reporting,
) -> None:
    land, tax = code("VPDK"), code("THUE")
    before = await reporting.report("satisfaction", *H1)
    due = vn(2025, 3, 14, 17)
    on_time, late, forwarded, still_open = (uuid.uuid4() for _ in range(4))
    await reporting.apply(
        agency_registered(land, "Chi nhánh Văn phòng đăng ký đất đai", vn(2025, 1, 2, 8)),
        *(ballot(land, vn(2025, 3, 3, 9), "simple", "very_satisfied") for _ in range(5)),
        *(ballot(land, vn(2025, 3, 4, 9), "fewer_papers", "satisfied") for _ in range(3)),
        ballot(land, vn(2025, 3, 5, 9), "complex", "unsatisfied", channel="portal", dossier_code="X-1"),
        ballot(tax, vn(2025, 5, 5, 9), "simple", "satisfied"),
        feedback_received(on_time, land, vn(2025, 3, 1, 9), due),
        feedback_answered(on_time, land, vn(2025, 3, 14, 16), due),
        feedback_received(late, land, vn(2025, 3, 1, 9), due),
        feedback_answered(late, land, vn(2025, 3, 17, 9), due),
        feedback_received(forwarded, land, vn(2025, 3, 1, 9), due),
        feedback_forwarded(forwarded, land, tax, vn(2025, 3, 2, 9), due),
        feedback_received(still_open, tax, vn(2025, 6, 29, 9), vn(2025, 7, 10, 17)),
    )
    after = await reporting.report("satisfaction", *H1)

    row = row_of(after, land)
    assert row["name"] == "Chi nhánh Văn phòng đăng ký đất đai"
    assert (row["ballots"], row["simple"], row["fewer_papers"], row["complex"]) == (9, 5, 3, 1)
    assert (row["very_satisfied"], row["satisfied"], row["unsatisfied"]) == (5, 3, 1)
    assert (row["simple_pct"], row["fewer_papers_pct"], row["complex_pct"]) == (55.56, 33.33, 11.11)
    assert (row["feedback_received"], row["feedback_answered_on_time"], row["feedback_answered_late"]) == (
        2,
        1,
        1,
    )
    other = row_of(after, tax)
    assert other["name"] == tax  # never registered: its code
    assert (other["ballots"], other["satisfied_pct"]) == (1, 100.0)
    # the forwarded item is the tax office's to answer, overdue at `to`; the other still within
    assert (other["feedback_received"], other["feedback_open_overdue"], other["feedback_open_within"]) == (
        2,
        1,
        1,
    )

    assert_totals_are_the_sum_of_the_rows(after)
    change = totals_change(before, after)
    assert (change["ballots"], change["simple"], change["unsatisfied"], change["feedback_received"]) == (
        10,
        6,
        1,
        4,
    )


async def test_the_period_counts_by_date_in_vietnam_both_ends_included(reporting: Reporting) -> None:
    agency = code("UBND")
    await reporting.apply(
        ballot(agency, vn(2025, 1, 1, 0, 5)),  # 31 December in UTC: still 1 January here
        ballot(agency, vn(2025, 6, 30, 23, 55)),  # the last minute of the period
        ballot(agency, vn(2025, 7, 1, 0, 5)),  # 30 June in UTC, but July in Vietnam
        ballot(agency, vn(2024, 12, 31, 23, 55)),
    )
    assert row_of(await reporting.report("satisfaction", *H1), agency)["ballots"] == 2
    july = await reporting.report("satisfaction", date(2025, 7, 1), date(2025, 7, 31))
    assert row_of(july, agency)["ballots"] == 1
    one_day = await reporting.report("satisfaction", date(2025, 6, 30), date(2025, 6, 30))
    assert row_of(one_day, agency)["ballots"] == 1


async def test_repeated_late_and_out_of_order_events_change_nothing(reporting: Reporting) -> None:
    land, tax, env = code("VPDK"), code("THUE"), code("STNMT")
    item = uuid.uuid4()
    due = vn(2025, 4, 15, 17)
    events = [
        ballot(land, vn(2025, 4, 1, 9), "complex", "unsatisfied"),
        feedback_received(item, land, vn(2025, 4, 1, 9), due),
        feedback_forwarded(item, land, tax, vn(2025, 4, 2, 9), due),
        feedback_forwarded(item, tax, env, vn(2025, 4, 3, 9), due),
        feedback_answered(item, env, vn(2025, 4, 10, 9), due),
        agency_registered(env, "Phòng Tài nguyên và Môi trường", vn(2025, 1, 2, 8)),
        agency_registered(env, "Tên cũ", vn(2024, 1, 2, 8)),  # an older registration heard later
    ]
    # The answer before the receipt, the later forward before the earlier one; then all again, once
    # through the inbox and once past it (a rebuild replaying into tables that already hold them).
    await reporting.apply(*reversed(events))
    once = await reporting.report("satisfaction", *H1)
    await reporting.apply(*events)
    await reporting.apply(*events, inbox=False)
    again = await reporting.report("satisfaction", *H1)

    rows = [{k: v for k, v in r.items()} for r in once["rows"] if r["key"] in (land, tax, env)]
    assert rows == [r for r in again["rows"] if r["key"] in (land, tax, env)]
    assert [r["key"] for r in rows] == sorted([land, env])  # the item is the environment office's
    answered = row_of(again, env)
    assert answered["name"] == "Phòng Tài nguyên và Môi trường"
    assert (answered["feedback_received"], answered["feedback_answered_on_time"]) == (1, 1)
    assert row_of(again, land)["ballots"] == 1


async def test_the_report_comes_as_csv_with_the_vietnamese_headings_and_totals_last(
    reporting: Reporting,
) -> None:
    agency = code("VPDK")
    await reporting.apply(ballot(agency, vn(2025, 2, 3, 9), "simple", "very_satisfied"))
    response = await reporting.http.get(
        "/v1/reports/satisfaction",
        params={"from": "2025-01-01", "to": "2025-06-30", "format": "csv"},
        headers=reporting.auth("auditor"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Mã cơ quan", "Cơ quan", "Tổng số phiếu"]
    assert "Rất hài lòng (%)" in lines[0]
    assert lines[-1][0] == "Tổng cộng"
    assert [agency, agency, "1"] in [line[:3] for line in lines]


async def test_only_leaders_admins_and_auditors_read_it_and_a_backwards_period_is_refused(
    reporting: Reporting,
) -> None:
    params = {"from": "2025-01-01", "to": "2025-06-30"}
    for role in ("leader", "admin", "auditor"):
        response = await reporting.http.get(
            "/v1/reports/satisfaction", params=params, headers=reporting.auth(role)
        )
        assert response.status_code == 200, role
    officer = await reporting.http.get(
        "/v1/reports/satisfaction", params=params, headers=reporting.auth("officer")
    )
    assert officer.status_code == 403
    assert (await reporting.http.get("/v1/reports/satisfaction", params=params)).status_code == 401
    backwards = await reporting.http.get(
        "/v1/reports/satisfaction",
        params={"from": "2025-06-30", "to": "2025-01-01"},
        headers=reporting.auth(),
    )
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "invalid_period"
