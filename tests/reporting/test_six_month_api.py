"""`GET /v1/reports/six-month` on the real reporting service and the session's PostgreSQL and NATS:
dossier and survey events (built by their producers' own functions) published on the streams and
applied by the service's own consumers, then the document, HTML and PDF, holds the numbers of the
report endpoints for the half-year.

`seed_half_year` and `reporting_service` are also used by test_dashboard.py's real-stack test.
"""

import asyncio
import io
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal

import httpx
import nats
import pypdf
import pytest
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from services.intake import events as intake_events
from services.reporting.app import create_app, read_models
from services.reporting.settings import ReportingSettings
from services.reporting.six_month.content import number
from services.routing import events as routing_events
from services.survey import events as survey_events
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.events.catalog import AgencyRegistered, ProcedureSnapshot
from shared.events.deadline import ApologyIssued
from shared.events.dossier import DossierIdentity
from shared.events.fields import Payload
from shared.messaging.envelope import TYPE_PREFIX, CloudEvent, event_type
from shared.messaging.streams import ensure_streams
from shared.messaging.subjects import dossier_subject
from shared.rule_sets import rule_set_on
from tests.conftest import Stack, serving

YEAR = 2019  # a half-year no other test writes in: the numbers below are this module's own


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def settings_for(stack: Stack) -> ReportingSettings:
    return stack.settings("reporting", ReportingSettings)


def bearer(stack: Stack, role: Role = "leader", agency: str | None = "VPDK") -> dict[str, str]:
    agency = agency if role in ("officer", "leader") else None
    return {
        "Authorization": f"Bearer {issue_token(stack.jwt_secret, sub=f'{role}-1', role=role, agency=agency)}"
    }


# --- events, as their producers build them -----------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    agencies: tuple[str, str]
    fields: tuple[str, str]
    dossiers: int


def _event(source: str, name: str, payload: Payload, at: datetime, subject: str | None) -> CloudEvent:
    return CloudEvent(
        source=f"/motcua/{source}", type=event_type(name), subject=subject, time=at, data=payload.data()
    )


@dataclass(frozen=True)
class _Dossier:
    id: uuid.UUID
    code: str
    agency: str
    field: str
    received_at: datetime
    due_at: datetime

    def identity(self) -> DossierIdentity:
        return intake_events.identity(
            dossier_id=self.id, code=self.code, portal_id=None, agency_code=self.agency
        )

    def received(
        self, channel: Literal["direct", "post", "online"], level: int, agency_name: str, field_name: str
    ) -> CloudEvent:
        procedure = ProcedureSnapshot(
            code=f"P-{self.field}",
            version=1,
            effective_from=date(2019, 1, 1),
            national_code=None,
            name=f"Thủ tục {field_name.lower()}",
            field_code=self.field,
            field_name=field_name,
            agency_code=self.agency,
            agency_name=agency_name,
            processing_days=Decimal(10),
            day_kind="working",
            online_processing_days=None,
            same_day=False,
            cutoff=time(15, 0),
            service_level=level,
            supplement_policy="shift",
            fee=0,
            fee_note=None,
            route=[],
            documents=[],
        )
        payload = intake_events.received(
            identity=self.identity(),
            procedure=procedure,
            channel=channel,
            service_level=level,
            unit_code="000.00.12.H57",
            received_at=self.received_at,
            clock_started_at=self.received_at,
            due_at=self.due_at,
            applicant_kind="person",
            applicant_name="Nguyễn Văn An",
            documents=[],
            imported=False,
            rule_set=rule_set_on(self.received_at).code,
        )
        return _event("intake", "dossier.received", payload, self.received_at, self.code)

    def resolved(self, at: datetime) -> CloudEvent:
        payload = routing_events.resolved(identity=self.identity(), resolved_at=at, due_at=self.due_at)
        return _event("routing", "dossier.resolved", payload, at, self.code)

    def withdrawn(self, at: datetime) -> CloudEvent:
        payload = intake_events.withdrawn(identity=self.identity(), withdrawn_at=at, imported=False)
        return _event("intake", "dossier.withdrawn", payload, at, self.code)

    def apology(self, at: datetime) -> CloudEvent:
        payload = ApologyIssued(
            **dict(self.identity()),
            scope="dossier",
            step_id=None,
            step_agency_code=self.agency,
            letter_id=uuid.uuid4(),
            reason="Chờ ý kiến thẩm định",
            new_return_date=date(2019, 5, 31),
            due_at=self.due_at,
            original_due_at=self.due_at,
            signed_by="leader-1",
            signed_by_title="Giám đốc",
            issued_at=at,
        )
        return _event("deadline", "dossier.apology_issued", payload, at, self.code)

    def step_completed_late(self, at: datetime) -> CloudEvent:
        step = SimpleNamespace(
            id=uuid.uuid4(),
            position=1,
            group_no=1,
            agency_code=self.agency,
            days="10",
            assigned_at=self.received_at,
            due_at=self.due_at,
        )
        payload = routing_events.completed(
            identity=self.identity(),
            step=step,
            completed_at=at,
            due_at=self.due_at,
            outcome="late",
            next_agency_codes=[],
        )
        return _event("routing", "dossier.step.completed", payload, at, self.code)


def half_year_events(year: int = YEAR) -> tuple[Seeded, list[CloudEvent]]:
    """Seven dossiers of the second quarter (one carried over from March), their ends, an apology,
    a late step, six ballots and a complaint, under agency and field codes of their own."""
    tag = uuid.uuid4().hex[:5].upper()
    land, env = f"VPDK{tag}", f"TNMT{tag}"
    land_field, env_field = f"DD{tag}", f"MT{tag}"
    names = {land: "Văn phòng đăng ký đất đai", env: "Phòng Tài nguyên và Môi trường"}
    field_names = {land_field: "Đất đai", env_field: "Môi trường"}
    events: list[CloudEvent] = [
        _event(
            "intake",
            "catalog.agency.registered",
            AgencyRegistered(code=code, name=name, sector="", unit_code="000.00.12.H57", level="district"),
            vn(year, 1, 2),
            None,
        )
        for code, name in names.items()
    ]

    def dossier(n: int, agency: str, field: str, received: datetime, due: datetime) -> _Dossier:
        return _Dossier(
            uuid.uuid4(), f"000.00.12.H57-{received:%y%m%d}-{tag}{n}", agency, field, received, due
        )

    def ends(kind: str, month: int, day: int, hour: int = 9) -> tuple[str, datetime]:
        return kind, vn(year, month, day, hour)

    resolved, withdrawn = "resolved", "withdrawn"
    plan: list[tuple[int, str, str, Literal["direct", "post", "online"], int, datetime, datetime, Any]] = [
        # n, agency, field, channel, level, received, due, end
        (1, land, land_field, "online", 4, vn(year, 4, 2, 9), vn(year, 4, 16, 9), ends(resolved, 4, 10, 10)),
        (2, land, land_field, "direct", 3, vn(year, 4, 5, 9), vn(year, 4, 19, 16), ends(resolved, 4, 19, 8)),
        (3, env, env_field, "post", 2, vn(year, 5, 6, 9), vn(year, 5, 20, 9), ends(resolved, 5, 27)),
        (4, env, env_field, "online", 4, vn(year, 5, 10, 9), vn(year, 5, 24, 9), None),  # overdue at 30/06
        (5, land, land_field, "direct", 3, vn(year, 6, 3, 9), vn(year, 7, 15, 9), None),  # within at 30/06
        (6, land, land_field, "direct", 1, vn(year, 3, 25, 9), vn(year, 4, 8, 9), ends(resolved, 4, 12)),
        (7, env, env_field, "online", 4, vn(year, 6, 10, 9), vn(year, 6, 24, 9), ends(withdrawn, 6, 12)),
    ]  # fmt: skip
    for n, agency, field, channel, level, received, due, end in plan:
        d = dossier(n, agency, field, received, due)
        events.append(d.received(channel, level, names[agency], field_names[field]))
        if end is not None:
            kind, at = end
            events.append(d.resolved(at) if kind == "resolved" else d.withdrawn(at))
        if n == 3:
            events += [d.apology(vn(year, 5, 19, 9)), d.step_completed_late(vn(year, 5, 27, 8))]
    ballots = [(land, "very_satisfied")] * 3 + [(land, "satisfied"), (env, "satisfied"), (env, "unsatisfied")]
    for i, (agency, answer) in enumerate(ballots):
        at = vn(year, 5, 2 + i, 10)
        payload = survey_events.submitted(
            ballot_id=uuid.uuid4(),
            form_code="default",
            form_version=1,
            agency_code=agency,
            dossier_code=None,
            channel="kiosk",
            answers={"complexity": "simple", "satisfaction": answer},
            reason_given=answer == "unsatisfied",
            submitted_at=at,
        )
        events.append(_event("survey", "survey.submitted", payload, at, None))
    item = uuid.uuid4()
    answer_due = vn(year, 5, 12, 17)
    stored = {
        "id": item,
        "kind": "complaint",
        "topic": "Thái độ phục vụ",
        "agency_code": land,
        "dossier_code": None,
        "source": "citizen",
        "received_at": vn(year, 5, 2, 9),
        "answer_due_at": answer_due,
    }
    received_item = survey_events.feedback_received(stored)
    events.append(_event("survey", "survey.feedback_received", received_item, vn(year, 5, 2, 9), None))
    answered = vn(year, 5, 10, 9)
    answered_item = survey_events.feedback_answered(
        feedback_id=item, agency_code=land, answered_at=answered, answer_due_at=answer_due, on_time=True
    )
    events.append(_event("survey", "survey.feedback_answered", answered_item, answered, None))
    return Seeded((land, env), (land_field, env_field), len(plan)), events


def subject_of(event: CloudEvent) -> str:
    """The NATS subject its producer publishes `event` on (docs/events.md)."""
    name = event.type.removeprefix(TYPE_PREFIX).rsplit(".v", 1)[0]
    if not name.startswith("dossier."):
        return name  # catalog.agency.registered, survey.submitted, …
    data = event.data
    agency = data.get("step_agency_code") or data.get("step", {}).get("agency_code") or data["agency_code"]
    return dossier_subject(agency, name.removeprefix("dossier."))


async def publish(stack: Stack, events: Sequence[CloudEvent]) -> None:
    """Onto the session's JetStream streams, as the producers' relays do (the event id as Nats-Msg-Id)."""
    client = await nats.connect(stack.nats_url)
    try:
        js = client.jetstream()
        await ensure_streams(js)
        for event in events:
            await js.publish(
                subject_of(event), event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
    finally:
        await client.close()


async def consumers_caught_up(stack: Stack, seconds: float = 30.0) -> None:
    """Until the reporting service's durable consumers hold nothing pending (applied and acknowledged)."""
    streams = sorted({stream for model in read_models() for stream in model.streams})
    client = await nats.connect(stack.nats_url)
    try:
        js = client.jetstream()
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            pending = 0
            for stream in streams:
                try:
                    info = await js.consumer_info(stream, f"reporting-{stream.lower()}")
                except NotFoundError:
                    pending += 1  # the service has not made its consumer yet
                    continue
                pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
            if pending == 0:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(
                    f"the reporting consumers still hold {pending} events after {seconds:.0f} s"
                )
            await asyncio.sleep(0.1)
    finally:
        await client.close()


async def seed_half_year(stack: Stack, year: int = YEAR) -> Seeded:
    """Publish a half-year of events and wait for the running reporting service to apply them: the read
    models stay what the streams say (a rebuild from the streams gives the same numbers)."""
    seeded, events = half_year_events(year)
    await publish(stack, events)
    await consumers_caught_up(stack)
    return seeded


@asynccontextmanager
async def reporting_service(stack: Stack, now: datetime) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The reporting service's own app (every router) on the session's servers, in this event loop."""
    app = create_app(settings_for(stack), FixedClock(now))
    async with serving(app, "http://reporting") as http:
        yield app, http


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def seeded(stack: Stack) -> Seeded:
    async with reporting_service(stack, vn(2026, 1, 5, 9)):  # its consumers apply the events
        return await seed_half_year(stack)


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_six_month_html_holds_the_endpoints_numbers(stack: Stack, seeded: Seeded) -> None:
    async with reporting_service(stack, vn(2026, 1, 5, 9)) as (_, http):
        response = await http.get(
            "/v1/reports/six-month",
            params={"year": YEAR, "half": 1, "place": "Phú Vang", "signer": "Lê Thị Hường"},
            headers=bearer(stack),
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        html = response.text
        assert f"6 tháng đầu năm {YEAR}" in html
        assert f"(Số liệu từ ngày 01/01/{YEAR} đến ngày 30/06/{YEAR})" in html
        assert "Phú Vang, ngày 05 tháng 01 năm 2026" in html
        period = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-06-30"}
        for path, extra in (
            ("processing", {"by": "field"}),
            ("service-levels", {}),
            ("satisfaction", {}),
            ("indicators", {}),
        ):
            table = (
                await http.get(f"/v1/reports/{path}", params={**period, **extra}, headers=bearer(stack))
            ).json()
            assert f"{table['title']}" in html.replace("&amp;", "&")
            for heading in (c["heading"] for c in table["columns"]):
                assert f'<th scope="col">{heading}</th>' in html, heading
            for row in table["rows"]:
                if row.get("key") in (*seeded.fields, *seeded.agencies):
                    for column in table["columns"]:
                        value = row.get(column["key"])
                        if column["kind"] != "text" and value is not None:
                            percent = column["kind"] == "percent" and "%" not in column["heading"]
                            if column["kind"] == "percent":  # JSON's 12.3 is printed 12,30
                                value = Decimal(str(value)).quantize(Decimal("0.01"))
                            shown = number(value) + ("%" if percent else "")
                            assert f'<td class="num">{shown}</td>' in html, (path, column["key"])
        processing = (
            await http.get("/v1/reports/processing", params={**period, "by": "field"}, headers=bearer(stack))
        ).json()
        totals = processing["totals"]
        assert f"Tổng số hồ sơ: {number(totals['total'])}, trong đó kỳ trước chuyển sang" in html
        assert html.count('class="page landscape annex"') == 4


async def test_six_month_pdf_and_the_seeded_rows(stack: Stack, seeded: Seeded) -> None:
    async with reporting_service(stack, vn(2026, 1, 5, 9)) as (_, http):
        headers = {**bearer(stack, "auditor"), "Accept": "application/pdf"}
        response = await http.get("/v1/reports/six-month", params={"year": YEAR, "half": 1}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == (
            f'inline; filename="six_month_{YEAR}-01-01_{YEAR}-06-30.pdf"'
        )
        text = _pdf_text(response.content)
        land_field, env_field = seeded.fields
        assert land_field in text
        assert env_field in text
        for i in range(1, 5):
            assert f"Biểu số {i}" in text
        # The same document by format=pdf.
        again = await http.get(
            "/v1/reports/six-month", params={"year": YEAR, "half": 1, "format": "pdf"}, headers=bearer(stack)
        )
        assert again.content[:5] == b"%PDF-"


async def test_six_month_counts_the_seeded_dossiers(stack: Stack, seeded: Seeded) -> None:
    """The annex of the processing report shows the seeded fields' rows as the arithmetic says."""
    async with reporting_service(stack, vn(2026, 1, 5, 9)) as (_, http):
        html = (
            await http.get("/v1/reports/six-month", params={"year": YEAR, "half": 1}, headers=bearer(stack))
        ).text
        land_field, env_field = seeded.fields
        rows = {
            match.group(1): re.findall(r"<td class=\"(?:num|text)\">([^<]*)</td>", match.group(0))
            for match in re.finditer(r"<tr><td class=\"text\">([A-Z0-9]+)</td>.*?</tr>", html)
        }
        land, env = rows[land_field], rows[env_field]
        # key, name, total, carried over, received, online, counter, across the boundary, resolved, early,
        # on time, late, …
        assert land[:12] == [land_field, "Đất đai", "4", "0", "4", "1", "3", "0", "3", "1", "1", "1"]
        assert env[:12] == [env_field, "Môi trường", "3", "0", "3", "2", "1", "0", "1", "0", "0", "1"]


async def test_six_month_refuses_whom_and_what_it_must(stack: Stack, seeded: Seeded) -> None:
    async with reporting_service(stack, vn(2026, 1, 5, 9)) as (_, http):
        url = "/v1/reports/six-month"
        params: dict[str, Any] = {"year": YEAR, "half": 1}
        assert (await http.get(url, params=params)).status_code == 401
        officer = await http.get(url, params=params, headers=bearer(stack, "officer"))
        assert officer.status_code == 403
        assert officer.json()["code"] == "forbidden_role"
        for bad in ({"half": 3}, {"year": 1999}, {"cutoff": "monthly"}):
            response = await http.get(url, params={**params, **bad}, headers=bearer(stack))
            assert response.status_code == 422, bad
            assert response.headers["content-type"] == "application/problem+json"
        odd = await http.get(url, params={**params, "format": "docx"}, headers=bearer(stack))
        assert (odd.status_code, odd.json()["code"]) == (422, "unsupported_format")
        refused = await http.get(url, params=params, headers={**bearer(stack), "Accept": "image/png"})
        assert (refused.status_code, refused.json()["code"]) == (406, "unsupported_format")
        day15 = await http.get(url, params={**params, "cutoff": "day15"}, headers=bearer(stack))
        assert f"(Số liệu từ ngày 15/12/{YEAR - 1} đến ngày 14/06/{YEAR})" in day15.text
