"""Apology letters (form 04) against the real servers: issued by the responsible agency, recorded beside
the dues, audited, announced; printed as HTML and PDF; and the late dossiers that still owe one."""

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pypdf
import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, select

from services.deadline.apology.models import apology_letters
from services.deadline.app import create_app
from services.deadline.clocks.models import clocks, dossiers
from services.deadline.models import audit_log, messaging
from services.deadline.settings import DeadlineSettings
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from tests.conftest import Stack, serving


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


NOW = vn(2021, 7, 5, 9, 0)  # a Monday
DUE = vn(2021, 7, 2, 16, 0)  # the Friday before: the dossier is late
BODY = {
    "reason": "Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường",
    "apology": "Sự chậm trễ này đã gây phiền hà cho Ông/Bà.\nChúng tôi thành thật xin lỗi Ông/Bà.",
    "new_return_date": "2021-07-09",
    "signed_by_name": "Lê Thị Hường",
    "signed_by_title": "Giám đốc",
    "agency_name": "Chi nhánh Văn phòng đăng ký đất đai huyện Phú Vang",
}


LEAD_NAME = "Chi nhánh Văn phòng đăng ký đất đai huyện Phong Điền"  # from the procedure snapshot


def agency(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6].upper()}"


@dataclass
class Seeded:
    dossier_id: uuid.UUID
    code: str
    lead: str
    step_id: uuid.UUID
    step_agency: str


@dataclass
class Apologies:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str

    def auth(self, role: Role, agency: str | None = None) -> dict[str, str]:
        token = issue_token(self.secret, sub=f"{role}-{agency or 'centre'}", role=role, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def issue(
        self, code: str, body: dict[str, Any], *, agency: str | None, role: Role = "leader"
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/dossiers/{code}/apologies", json=body, headers=self.auth(role, agency)
        )

    async def get(self, path: str, role: Role = "reception", agency: str | None = None) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role, agency))

    async def seed(
        self,
        *,
        lead: str | None = None,
        step_agency: str | None = None,
        due: datetime = DUE,
        state: str = "running",
        step_state: str = "running",
        stopped_at: datetime | None = None,
        stop_reason: str | None = None,
        imported: bool = False,
    ) -> Seeded:
        """A dossier as deadline's clocks hold it once intake's and routing's events arrived: its
        dossier clock (lead agency) and one step clock (the step's agency)."""
        lead = lead or agency("LEAD")
        step_agency = step_agency or lead
        dossier_id, step_id = uuid.uuid4(), uuid.uuid4()
        code = f"{uuid.uuid4().int % 10**6:06d}.12.H57-210618-{uuid.uuid4().int % 10**4:04d}"
        identity = {"dossier_id": dossier_id, "code": code, "portal_id": None, "lead_agency_code": lead}
        stop = {"stopped_at": stopped_at, "stop_reason": stop_reason} if stopped_at else {}
        async with self.app.state.sessions() as session, session.begin():
            await session.execute(
                insert(dossiers),
                {
                    **identity,
                    "received_at": vn(2021, 6, 18, 8, 30),
                    "clock_started_at": vn(2021, 6, 18, 8, 30),
                    "original_due_at": due,
                    "procedure_name": "Đăng ký biến động quyền sử dụng đất",
                    "lead_agency_name": LEAD_NAME,
                    "applicant_name": "Nguyễn Thị Ánh",
                    "imported": imported,
                    "version": 3,
                    **({"ended_at": stopped_at, "end_reason": stop_reason} if stopped_at else {}),
                },
            )
            # Warned already, as a late clock would have been: the watcher leaves these rows alone.
            warned = {"due_soon_sent_at": due, "overdue_sent_at": due}
            common = {**identity, "original_due_at": due, "due_at": due, "imported": imported, **warned}
            await session.execute(
                insert(clocks),
                [
                    {
                        **common,
                        "scope": "dossier",
                        "step_id": None,
                        "agency_code": lead,
                        "position": None,
                        "state": state,
                        **stop,
                    },
                    {
                        **common,
                        "scope": "step",
                        "step_id": step_id,
                        "agency_code": step_agency,
                        "position": 1,
                        "state": step_state,
                        **stop,
                    },
                ],
            )
        return Seeded(dossier_id, code, lead, step_id, step_agency)

    async def add_step(self, seeded: Seeded, step_agency: str, position: int) -> tuple[uuid.UUID, str]:
        """Another running step clock on the seeded dossier, due with it: its id and agency."""
        step_id = uuid.uuid4()
        async with self.app.state.sessions() as session, session.begin():
            due = await session.scalar(
                select(clocks.c.due_at).where(
                    clocks.c.dossier_id == seeded.dossier_id, clocks.c.scope == "dossier"
                )
            )
            await session.execute(
                insert(clocks),
                {
                    "dossier_id": seeded.dossier_id,
                    "code": seeded.code,
                    "portal_id": None,
                    "lead_agency_code": seeded.lead,
                    "original_due_at": due,
                    "due_at": due,
                    "due_soon_sent_at": due,
                    "overdue_sent_at": due,
                    "scope": "step",
                    "step_id": step_id,
                    "agency_code": step_agency,
                    "position": position,
                    "state": "running",
                },
            )
        return step_id, step_agency

    async def facts(self, seeded: Seeded) -> dict[str, Any]:
        """What an error must leave as it was: letters, audit rows, staged events, version, dues."""
        async with self.app.state.sessions() as session:
            letters = await session.scalar(
                select(func.count()).where(apology_letters.c.dossier_id == seeded.dossier_id)
            )
            audits = await session.scalar(
                select(func.count()).where(audit_log.c.entity == f"dossier:{seeded.code}")
            )
            events = len(await self.events(seeded.code))
            version = await session.scalar(
                select(dossiers.c.version).where(dossiers.c.dossier_id == seeded.dossier_id)
            )
            dues = (
                await session.execute(
                    select(clocks.c.original_due_at, clocks.c.due_at, clocks.c.extended_due_at)
                    .where(clocks.c.dossier_id == seeded.dossier_id)
                    .order_by(clocks.c.id)
                )
            ).all()
        return {"letters": letters, "audits": audits, "events": events, "version": version, "dues": dues}

    async def events(self, code: str) -> list[dict[str, Any]]:
        outbox = messaging.outbox
        async with self.app.state.sessions() as session:
            rows = await session.execute(
                select(outbox.c.topic, outbox.c.payload)
                .where(outbox.c.payload.contains(f'"subject":"{code}"'))
                .order_by(outbox.c.id)
            )
        return [{**json.loads(payload), "topic": topic} for topic, payload in rows]


@pytest.fixture
async def apologies(stack: Stack) -> AsyncIterator[Apologies]:
    settings = stack.settings("deadline", DeadlineSettings)
    clock = FixedClock(NOW)
    app = create_app(settings, clock)
    async with serving(app, "http://deadline") as http:
        yield Apologies(http, app, clock, stack.jwt_secret)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- issuing ------------------------------------------------------------------------------------


async def test_the_lead_agency_issues_a_dossier_letter_recorded_beside_the_due_audited_and_announced(
    apologies: Apologies,
) -> None:
    seeded = await apologies.seed()

    response = await apologies.issue(seeded.code, BODY, agency=seeded.lead)

    assert response.status_code == 201, response.text
    letter = response.json()
    assert response.headers["Location"] == f"/v1/apologies/{letter['id']}"
    assert letter["dossier_code"] == seeded.code
    assert letter["dossier_id"] == str(seeded.dossier_id)
    assert letter["step_id"] is None
    assert letter["agency_code"] == seeded.lead
    assert letter["new_return_date"] == "2021-07-09"
    assert datetime.fromisoformat(letter["due_at"]) == DUE
    assert datetime.fromisoformat(letter["original_due_at"]) == DUE
    assert letter["issued_before_due"] is False  # issued on 5 July for a 2 July due
    assert letter["timely"] is False  # recorded all the same
    assert letter["timely_until"] == "2021-07-01"  # the working day before Friday 2 July
    assert datetime.fromisoformat(letter["issued_at"]) == NOW
    assert letter["issued_by"] == f"leader-{seeded.lead}"
    assert (letter["signed_by_name"], letter["signed_by_title"]) == ("Lê Thị Hường", "Giám đốc")
    assert "applicant_name" not in letter  # personal data stays on the printed letter

    facts = await apologies.facts(seeded)
    assert facts["letters"] == 1
    assert facts["version"] == 4
    assert [tuple(row) for row in facts["dues"]] == [(DUE, DUE, None), (DUE, DUE, None)]  # never replaced

    async with apologies.app.state.sessions() as session:
        audit = (
            await session.execute(select(audit_log).where(audit_log.c.entity == f"dossier:{seeded.code}"))
        ).one()
    assert (audit.action, audit.actor, audit.role, audit.agency) == (
        "apology.issue",
        f"leader-{seeded.lead}",
        "leader",
        seeded.lead,
    )
    assert audit.detail == {
        "letter_id": letter["id"],
        "step_id": None,
        "new_return_date": "2021-07-09",
        "timely": False,
    }

    [event] = await apologies.events(seeded.code)
    assert event["topic"] == f"dossier.{seeded.lead}.apology_issued"
    assert event["type"] == "vn.motcua.dossier.apology_issued.v1"
    assert event["subject"] == seeded.code
    assert event["dossierversion"] == 4
    assert event["data"] == {
        "dossier_id": str(seeded.dossier_id),
        "code": seeded.code,
        "portal_id": None,
        "agency_code": seeded.lead,
        "scope": "dossier",
        "step_id": None,
        "step_agency_code": seeded.lead,
        "letter_id": letter["id"],
        "reason": BODY["reason"],
        "new_return_date": "2021-07-09",
        "due_at": DUE.astimezone(UTC).isoformat(),  # events speak UTC
        "original_due_at": DUE.astimezone(UTC).isoformat(),
        "signed_by": "Lê Thị Hường",
        "signed_by_title": "Giám đốc",
        "issued_at": NOW.astimezone(UTC).isoformat(),
        "timely": False,
    }
    assert "Nguyễn Thị Ánh" not in json.dumps(event, ensure_ascii=False)


async def test_the_announcement_reaches_the_dossiers_stream(apologies: Apologies) -> None:
    seeded = await apologies.seed()
    response = await apologies.issue(seeded.code, BODY, agency=seeded.lead)
    assert response.status_code == 201, response.text

    runtime = apologies.app.state.runtime
    subject = f"dossier.{seeded.lead}.apology_issued"
    async with asyncio.timeout(15):
        while True:
            if runtime.link.ready:
                try:
                    stored = await runtime.link.jetstream.get_last_msg("DOSSIERS", subject)
                    break
                except Exception:  # noqa: S110 (not published yet: the relay polls)
                    pass
            await asyncio.sleep(0.1)
    envelope = json.loads(stored.data)
    assert envelope["data"]["letter_id"] == response.json()["id"]
    assert envelope["dossierversion"] == 4


async def test_the_step_agency_apologises_for_its_step_under_its_own_subject(apologies: Apologies) -> None:
    seeded = await apologies.seed(step_agency=agency("THUE"))

    response = await apologies.issue(
        seeded.code, {**BODY, "step_id": str(seeded.step_id)}, agency=seeded.step_agency, role="officer"
    )

    assert response.status_code == 201, response.text
    assert response.json()["step_id"] == str(seeded.step_id)
    [event] = await apologies.events(seeded.code)
    assert event["topic"] == f"dossier.{seeded.step_agency}.apology_issued"
    assert event["data"]["agency_code"] == seeded.lead  # identity: always the lead
    assert event["data"]["scope"] == "step"
    assert event["data"]["step_id"] == str(seeded.step_id)
    assert event["data"]["step_agency_code"] == seeded.step_agency


async def test_a_letter_without_a_name_is_headed_with_the_lead_agencys_from_the_snapshot(
    apologies: Apologies,
) -> None:
    seeded = await apologies.seed(step_agency=agency("THUE"))
    other = await apologies.seed(step_agency=agency("THUE"))  # one new return date per dossier
    unnamed = {k: v for k, v in BODY.items() if k != "agency_name"}
    lead = await apologies.issue(other.code, unnamed, agency=other.lead, role="leader")
    assert lead.status_code == 201, lead.text
    assert lead.json()["agency_name"] == LEAD_NAME
    step = await apologies.issue(
        seeded.code, {**unnamed, "step_id": str(seeded.step_id)}, agency=seeded.step_agency, role="officer"
    )
    assert step.status_code == 201, step.text
    assert step.json()["agency_name"] is None, "another agency's name is not the lead's"


@pytest.mark.parametrize("who", ["another agency", "lead for a step", "step agency for the dossier"])
async def test_only_the_responsible_agency_may_issue_403_not_your_agency_and_nothing_changes(
    apologies: Apologies, who: str
) -> None:
    seeded = await apologies.seed(step_agency=agency("THUE"))
    before = await apologies.facts(seeded)
    signer, body = {
        "another agency": (agency("OTHER"), BODY),
        "lead for a step": (seeded.lead, {**BODY, "step_id": str(seeded.step_id)}),
        "step agency for the dossier": (seeded.step_agency, BODY),
    }[who]

    response = await apologies.issue(seeded.code, body, agency=signer)

    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_your_agency"
    assert await apologies.facts(seeded) == before


@pytest.mark.parametrize("role", ["admin", "reception", "auditor"])
async def test_the_centre_cannot_sign_for_an_agency(apologies: Apologies, role: Role) -> None:
    seeded = await apologies.seed()
    before = await apologies.facts(seeded)

    response = await apologies.issue(seeded.code, BODY, agency=seeded.lead, role=role)

    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden_role"
    assert await apologies.facts(seeded) == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"new_return_date": "2021-07-05"}, "return_date_not_in_future"),  # today, Vietnam
        ({"new_return_date": "2021-06-30"}, "return_date_not_in_future"),
        ({"new_return_date": "not a date"}, "validation_error"),
        ({"signed_by_name": None}, "validation_error"),
        ({"signed_by_name": "   "}, "validation_error"),
        ({"signed_by_title": ""}, "validation_error"),
        ({"reason": " "}, "validation_error"),
        ({"apology": "x" * 4001}, "validation_error"),
        ({"step_id": "not-a-uuid"}, "validation_error"),
        ({"extra": "field"}, "validation_error"),
    ],
)
async def test_bad_bodies_are_422_and_change_nothing(
    apologies: Apologies, change: dict[str, Any], code: str
) -> None:
    seeded = await apologies.seed()
    before = await apologies.facts(seeded)
    body = {**BODY, **change}
    body = {key: value for key, value in body.items() if value is not None}

    response = await apologies.issue(seeded.code, body, agency=seeded.lead)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert await apologies.facts(seeded) == before


async def test_a_new_date_not_after_the_current_due_is_refused(apologies: Apologies) -> None:
    seeded = await apologies.seed(due=vn(2021, 7, 12, 16, 0))  # will be late: due next week
    before = await apologies.facts(seeded)

    on_due = await apologies.issue(seeded.code, {**BODY, "new_return_date": "2021-07-12"}, agency=seeded.lead)
    after_due = await apologies.issue(
        seeded.code, {**BODY, "new_return_date": "2021-07-13"}, agency=seeded.lead
    )

    assert on_due.status_code == 422, on_due.text
    assert on_due.json()["code"] == "return_date_not_after_due"
    assert after_due.status_code == 201, after_due.text
    assert after_due.json()["issued_before_due"] is True
    assert after_due.json()["timely"] is True  # Monday 5 July, a week before the Monday 12 July due
    assert after_due.json()["timely_until"] == "2021-07-09"
    assert (await apologies.facts(seeded))["version"] == before["version"] + 1


async def test_a_letter_on_the_due_day_is_recorded_late_and_says_so_in_its_event(
    apologies: Apologies,
) -> None:
    seeded = await apologies.seed(due=vn(2021, 7, 5, 16, 0))  # due today, Monday 5 July: not late yet

    response = await apologies.issue(
        seeded.code, {**BODY, "new_return_date": "2021-07-07"}, agency=seeded.lead
    )

    assert response.status_code == 201, response.text
    letter = response.json()
    assert (letter["timely"], letter["timely_until"]) == (False, "2021-07-02")  # the Friday before
    assert letter["issued_before_due"] is True  # on the due date: what it used to count as in time
    async with apologies.app.state.sessions() as session:
        stored = (
            await session.execute(
                select(apology_letters.c.timely, apology_letters.c.timely_until).where(
                    apology_letters.c.id == uuid.UUID(letter["id"])
                )
            )
        ).one()
    assert tuple(stored) == (False, date(2021, 7, 2))
    [event] = await apologies.events(seeded.code)
    assert event["data"]["timely"] is False
    assert (await apologies.get(f"/v1/apologies/{letter['id']}")).json()["timely"] is False


async def test_a_letter_on_the_working_day_before_the_due_is_timely(apologies: Apologies) -> None:
    seeded = await apologies.seed(due=vn(2021, 7, 6, 8, 0))  # Tuesday 6 July; now Monday 5 July 09:00

    response = await apologies.issue(seeded.code, BODY, agency=seeded.lead)

    assert response.status_code == 201, response.text
    assert (response.json()["timely"], response.json()["timely_until"]) == (True, "2021-07-05")
    [event] = await apologies.events(seeded.code)
    assert event["data"]["timely"] is True


async def test_a_three_step_dossier_gets_one_new_return_date_at_a_time(apologies: Apologies) -> None:
    """Steps 1, 2 and 3 of three agencies, all late (due Friday 2 July 2021). Step 1's agency sends a
    letter (new date Friday 9 July); step 2's, step 3's and the lead's are refused while 9 July stands;
    on Saturday 10 July it is missed, and step 2's letter is accepted, late; then step 3's is refused
    until step 2's date is missed in turn."""
    seeded = await apologies.seed(step_agency=agency("THUE"))
    step2, step3 = (
        await apologies.add_step(seeded, agency("TNMT"), 2),
        await apologies.add_step(seeded, agency("XD"), 3),
    )

    def for_step(step_id: uuid.UUID, new_date: str) -> dict[str, Any]:
        return {**BODY, "step_id": str(step_id), "new_return_date": new_date}

    first = await apologies.issue(
        seeded.code, for_step(seeded.step_id, "2021-07-09"), agency=seeded.step_agency
    )
    assert first.status_code == 201, first.text
    assert first.json()["timely"] is False  # 5 July for a 2 July due
    before = await apologies.facts(seeded)

    refusals = [
        await apologies.issue(seeded.code, for_step(step2[0], "2021-07-12"), agency=step2[1]),
        await apologies.issue(seeded.code, for_step(step3[0], "2021-07-12"), agency=step3[1]),
        await apologies.issue(seeded.code, {**BODY, "new_return_date": "2021-07-12"}, agency=seeded.lead),
    ]
    apologies.clock.set(vn(2021, 7, 9, 16, 59))  # the new date itself: it still stands
    refusals.append(await apologies.issue(seeded.code, for_step(step2[0], "2021-07-12"), agency=step2[1]))
    for refused in refusals:
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "return_date_pending"
        assert refused.json()["pending_return_date"] == "2021-07-09"
        assert "2021-07-09" in refused.json()["detail"]
    assert await apologies.facts(seeded) == before

    apologies.clock.set(vn(2021, 7, 10, 8, 0))  # Saturday: 9 July was missed
    second = await apologies.issue(seeded.code, for_step(step2[0], "2021-07-14"), agency=step2[1])
    assert second.status_code == 201, second.text
    assert (second.json()["timely"], second.json()["timely_until"]) == (False, "2021-07-08")  # always late
    third = await apologies.issue(seeded.code, for_step(step3[0], "2021-07-16"), agency=step3[1])
    assert (third.status_code, third.json()["code"]) == (409, "return_date_pending")
    assert third.json()["pending_return_date"] == "2021-07-14"

    events = await apologies.events(seeded.code)
    assert [e["data"]["timely"] for e in events] == [False, False]
    assert (await apologies.facts(seeded))["letters"] == 2


async def test_unknown_dossier_or_step_is_404_and_a_stopped_clock_409(apologies: Apologies) -> None:
    seeded = await apologies.seed()
    stopped = await apologies.seed(state="stopped", stopped_at=vn(2021, 7, 3, 10, 0), stop_reason="resolved")

    unknown = await apologies.issue("000000.12.H57-210618-9999", BODY, agency=seeded.lead)
    bad_code = await apologies.issue("not a code!", BODY, agency=seeded.lead)
    no_step = await apologies.issue(seeded.code, {**BODY, "step_id": str(uuid.uuid4())}, agency=seeded.lead)
    closed = await apologies.issue(stopped.code, BODY, agency=stopped.lead)

    assert (unknown.status_code, unknown.json()["code"]) == (404, "dossier_not_found")
    assert (bad_code.status_code, bad_code.json()["code"]) == (422, "validation_error")
    assert (no_step.status_code, no_step.json()["code"]) == (404, "step_not_found")
    assert (closed.status_code, closed.json()["code"]) == (409, "clock_closed")
    assert (await apologies.facts(stopped))["letters"] == 0


# --- reading and printing -----------------------------------------------------------------------


async def test_the_letter_reads_as_json_html_and_pdf_with_its_vietnamese_intact(apologies: Apologies) -> None:
    seeded = await apologies.seed()
    letter = (await apologies.issue(seeded.code, BODY, agency=seeded.lead)).json()

    as_json = await apologies.get(f"/v1/apologies/{letter['id']}", role="officer", agency=seeded.lead)
    html = await apologies.get(letter["html_url"])
    pdf = await apologies.get(letter["pdf_url"], role="auditor")

    assert as_json.status_code == 200
    assert as_json.json() == letter
    assert html.status_code == 200
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for printed in (html.text, text):
        assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in printed
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed
        assert "Độc lập - Tự do - Hạnh phúc" in printed
        assert "CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI HUYỆN PHÚ VANG" in printed
        assert seeded.code in printed
        assert "Nguyễn Thị Ánh" in printed
        assert "Đăng ký biến động quyền sử dụng đất" in printed
        assert "Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường" in printed
        assert "Chúng tôi thành thật xin lỗi Ông/Bà." in printed
        assert "Ngày 09 tháng 7 năm 2021" in printed  # the new return date
        assert "16 giờ 00 phút, ngày 02 tháng 7 năm 2021" in printed  # the receipt's promise
        assert "Ngày 05 tháng 7 năm 2021" in printed  # issued
        assert "GIÁM ĐỐC" in printed
        assert "Lê Thị Hường" in printed


async def test_an_agency_reads_only_its_own_letters(apologies: Apologies) -> None:
    seeded = await apologies.seed()
    letter = (await apologies.issue(seeded.code, BODY, agency=seeded.lead)).json()
    other = agency("OTHER")

    for path in (f"/v1/apologies/{letter['id']}", letter["html_url"], letter["pdf_url"]):
        response = await apologies.get(path, role="leader", agency=other)
        assert (response.status_code, response.json()["code"]) == (403, "not_your_agency")
    missing = await apologies.get(f"/v1/apologies/{uuid.uuid4()}.pdf")
    assert (missing.status_code, missing.json()["code"]) == (404, "letter_not_found")
    portal = await apologies.get(f"/v1/apologies/{letter['id']}", role="portal")
    assert portal.status_code == 403


async def test_letters_list_by_agency_and_issue_date(apologies: Apologies) -> None:
    lead = agency("LEAD")
    first = await apologies.seed(lead=lead)
    second = await apologies.seed(lead=lead)
    elsewhere = await apologies.seed()
    early = (await apologies.issue(first.code, BODY, agency=lead)).json()
    apologies.clock.set(vn(2021, 7, 6, 23, 30))  # still 6 July in Vietnam, 16:30 UTC
    late = (await apologies.issue(second.code, {**BODY, "new_return_date": "2021-07-12"}, agency=lead)).json()
    await apologies.issue(elsewhere.code, BODY, agency=elsewhere.lead)

    own = await apologies.get("/v1/apologies", role="leader", agency=lead)
    on_the_6th = await apologies.get(f"/v1/apologies?agency={lead}&from=2021-07-06&to=2021-07-06")
    on_the_5th = await apologies.get(f"/v1/apologies?agency={lead}&from=2021-07-05&to=2021-07-05")
    not_own = await apologies.get(f"/v1/apologies?agency={elsewhere.lead}", role="officer", agency=lead)
    backwards = await apologies.get("/v1/apologies?from=2021-07-06&to=2021-07-05")

    assert [item["id"] for item in own.json()["items"]] == [late["id"], early["id"]]
    assert [item["id"] for item in on_the_6th.json()["items"]] == [late["id"]]
    assert [item["id"] for item in on_the_5th.json()["items"]] == [early["id"]]
    assert (not_own.status_code, not_own.json()["code"]) == (403, "not_your_agency")
    assert (backwards.status_code, backwards.json()["code"]) == (422, "bad_period")


# --- the late ones that owe a letter ------------------------------------------------------------


async def test_late_without_apology_lists_the_late_dossier_missing_a_letter_and_not_the_one_with_it(
    apologies: Apologies,
) -> None:
    lead, thue = agency("LEAD"), agency("THUE")
    apologised = await apologies.seed(lead=lead)
    missing = await apologies.seed(lead=lead)
    step_late = await apologies.seed(lead=lead, step_agency=thue, state="paused")
    on_time = await apologies.seed(lead=lead, due=vn(2021, 7, 5, 16, 0))  # due today: not late yet
    finished_late = await apologies.seed(
        lead=lead,
        state="stopped",
        step_state="stopped",
        stopped_at=vn(2021, 7, 3, 9, 0),
        stop_reason="resolved",
    )
    withdrawn = await apologies.seed(
        lead=lead,
        state="stopped",
        step_state="stopped",
        stopped_at=vn(2021, 7, 3, 9, 0),
        stop_reason="withdrawn",
    )
    imported = await apologies.seed(lead=lead, imported=True)
    assert (await apologies.issue(apologised.code, BODY, agency=lead)).status_code == 201

    response = await apologies.get(f"/v1/late-without-apology?agency={lead}")
    own = await apologies.get("/v1/late-without-apology", role="leader", agency=thue)
    foreign = await apologies.get(f"/v1/late-without-apology?agency={lead}", role="leader", agency=thue)

    assert response.status_code == 200, response.text
    listed = {(item["code"], item["scope"]) for item in response.json()["items"]}
    assert (missing.code, "dossier") in listed
    assert (missing.code, "step") in listed
    assert (finished_late.code, "dossier") in listed
    assert (step_late.code, "step") not in listed  # the step is THUE's
    never = {apologised.code, on_time.code, withdrawn.code, imported.code, step_late.code}
    assert not {code for code, _ in listed} & never  # step_late's dossier clock is paused
    item = next(i for i in response.json()["items"] if i["code"] == missing.code and i["scope"] == "dossier")
    assert item["days_late"] == 3
    assert item["agency_code"] == lead
    assert datetime.fromisoformat(item["original_due_at"]) == DUE

    assert [(i["code"], i["scope"]) for i in own.json()["items"]] == [(step_late.code, "step")]
    assert (foreign.status_code, foreign.json()["code"]) == (403, "not_your_agency")

    # THUE apologises for its step: it leaves THUE's list.
    letter = await apologies.issue(
        step_late.code, {**BODY, "step_id": str(step_late.step_id)}, agency=thue, role="officer"
    )
    assert letter.status_code == 201, letter.text
    assert (await apologies.get("/v1/late-without-apology", role="leader", agency=thue)).json()["items"] == []


def test_today_in_vietnam_is_the_reference_date() -> None:
    assert NOW.date() == date(2021, 7, 5)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/apologies/not-a-uuid", 404),
        ("/v1/apologies/not-a-uuid.pdf", 404),
        ("/v1/apologies?from=2021-02-30", 422),
        ("/v1/apologies?agency=a%20b", 422),
        ("/v1/apologies?limit=0", 422),
        ("/v1/late-without-apology?agency=*", 422),
    ],
)
async def test_bad_addresses_are_problems_never_500(apologies: Apologies, path: str, status: int) -> None:
    response = await apologies.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_body_that_is_not_json_is_422(apologies: Apologies) -> None:
    seeded = await apologies.seed()
    response = await apologies.http.post(
        f"/v1/dossiers/{seeded.code}/apologies",
        content=b"not json",
        headers={**apologies.auth("leader", seeded.lead), "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
