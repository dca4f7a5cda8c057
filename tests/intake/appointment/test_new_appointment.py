"""A dossier's new appointment (hẹn lại ngày trả kết quả) from the deadline service's
`dossier.appointment_changed`, on real PostgreSQL and NATS: stored, shown in the dossier API and the
citizen's look-up, printed on form 01 titled as a new appointment, audited; late events never take it
back."""

import asyncio
import io
import uuid
from datetime import datetime
from typing import Any

import pypdf
import pytest
from sqlalchemy import select

from services.intake.handlers import HANDLERS, SUBJECTS
from services.intake.models import audit_log
from shared.db.engine import unit_of_work
from shared.events.deadline import AppointmentChanged
from shared.messaging.envelope import CloudEvent, event_type
from tests.conftest import Stack
from tests.intake.conftest import Intake, routed_procedure, vn
from tests.platform.toy import publish_to

REQUIRED = ["DON", "GCN", "CCCD"]
TYPE = event_type("dossier.appointment_changed")


@pytest.fixture
async def procedure(intake: Intake) -> str:
    return await routed_procedure(intake, prefix="HL-", name="Thủ tục thử hẹn lại")


async def receive(intake: Intake, procedure: str) -> dict[str, Any]:
    """Received on Friday 18 June 2021 at 08:30 (the fixture's clock): 5 working days, due Friday 25
    June at 08:30."""
    body = {"procedure_code": procedure, "applicant": {"name": "Lê Thị Hoa"}, "documents": REQUIRED}
    response = await intake.post("/v1/dossiers", body)
    assert response.status_code == 201, response.text
    dossier: dict[str, Any] = response.json()
    assert dossier["due_at"] == "2021-06-25T01:30:00Z"
    return dossier


def changed(
    dossier: dict[str, Any],
    due_at: datetime,
    *,
    paused_at: datetime,
    resumed_at: datetime,
    reason: str = "supplement",
    source: str = "/motcua/deadline",
) -> CloudEvent:
    """`dossier.appointment_changed` as the deadline service sends it."""
    data = AppointmentChanged(
        dossier_id=dossier["id"],
        code=dossier["code"],
        portal_id=dossier["portal_id"],
        agency_code="VPDK",
        due_at=due_at,
        original_due_at=datetime.fromisoformat(dossier["due_at"]),
        reason=reason,
        paused_at=paused_at,
        resumed_at=resumed_at,
    ).data()
    return CloudEvent(source=source, type=TYPE, subject=dossier["code"], time=resumed_at, data=data)


async def deliver(intake: Intake, *events: CloudEvent) -> None:
    """Apply the events with intake's own handler, one unit of work each, as the consumer does."""
    for event in events:
        async with unit_of_work(intake.app.state.sessions) as session:
            await HANDLERS[event.type](event, session)


async def shown(intake: Intake, dossier: dict[str, Any]) -> dict[str, Any]:
    response = await intake.http.get(f"/v1/dossiers/{dossier['code']}", headers=intake.auth("reception"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def looked_up(intake: Intake, dossier: dict[str, Any]) -> dict[str, Any]:
    params = {"code": dossier["code"], "secret": dossier["lookup_secret"]}
    response = await intake.http.get("/v1/lookup", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def notice(intake: Intake, dossier: dict[str, Any], format: str = "html") -> Any:
    return await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/appointment",
        params={"secret": dossier["lookup_secret"], "format": format},
        headers=intake.auth("reception"),
    )


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_a_new_appointment_from_the_deadline_service_is_shown_looked_up_printed_and_audited(
    intake: Intake, procedure: str, stack: Stack
) -> None:
    dossier = await receive(intake, procedure)
    before = await notice(intake, dossier)
    assert before.status_code == 409
    assert before.json()["code"] == "no_new_appointment"
    assert (await shown(intake, dossier))["appointment_at"] == "2021-06-25T01:30:00Z", "the receipt's"
    assert (await looked_up(intake, dossier))["appointment_at"] == "2021-06-25T01:30:00Z"

    assert "dossier.*.appointment_changed" in SUBJECTS
    event = changed(
        dossier,
        vn(2021, 6, 30, 10, 0),
        paused_at=vn(2021, 6, 21, 9, 0),
        resumed_at=vn(2021, 6, 23, 10, 0),
    )
    await publish_to(intake.app, stack.nats_url, ("dossier.VPDK.appointment_changed", event))
    for _ in range(200):
        if (await shown(intake, dossier))["appointment_at"] != dossier["due_at"]:
            break
        await asyncio.sleep(0.05)

    after = await shown(intake, dossier)
    assert (after["due_at"], after["appointment_at"]) == ("2021-06-25T01:30:00Z", "2021-06-30T03:00:00Z")
    public = await looked_up(intake, dossier)
    assert (public["due_at"], public["appointment_at"]) == ("2021-06-25T01:30:00Z", "2021-06-30T03:00:00Z")
    [entry] = [e for e in public["timeline"] if e["status"] == "appointment_changed"]
    assert entry["at"] == "2021-06-23T03:00:00Z"
    assert entry["note"] == "Đã nhận hồ sơ bổ sung, hẹn lại ngày trả kết quả: 10:00 30/06/2021"

    page = await notice(intake, dossier)
    assert page.status_code == 200, page.text
    html = page.text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ (HẸN LẠI NGÀY TRẢ KẾT QUẢ)" in html
    assert "Mẫu số 01" in html
    assert (
        "Thời gian hẹn trả kết quả ban đầu: <strong>08 giờ 30 phút, ngày 25 tháng 6 năm 2021</strong>" in html
    )
    assert (
        "Thời gian trả kết quả giải quyết hồ sơ (hẹn lại): <strong>10 giờ 00 phút, ngày 30 tháng 6 năm 2021"
        in html
    )
    assert "Tạm dừng tính thời hạn để bổ sung hồ sơ từ 09 giờ 00 phút, ngày 21 tháng 6 năm 2021" in html
    pdf = await notice(intake, dossier, "pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="{dossier["code"]}-hen-lai.pdf"' in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert "10 giờ 00 phút, ngày 30 tháng 6 năm 2021" in text
    assert "HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text

    receipt = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/receipt",
        params={"secret": dossier["lookup_secret"], "format": "html"},
        headers=intake.auth("reception"),
    )
    assert "08 giờ 30 phút, ngày 25 tháng 6 năm 2021" in receipt.text, "a reprint says what the receipt said"
    assert "30 tháng 6 năm 2021" not in receipt.text

    async with intake.app.state.sessions() as session:
        audits = (
            await session.execute(
                select(audit_log).where(
                    audit_log.c.entity == f"dossier:{dossier['code']}",
                    audit_log.c.action == "dossier.appointment_changed",
                )
            )
        ).all()
    [audit] = audits
    assert (audit.actor, audit.detail["event_id"]) == ("system:deadline", str(event.id))
    assert audit.detail["due_at"] == "2021-06-30T03:00:00+00:00"
    assert audit.detail["reason"] == "supplement"


async def test_the_latest_resumption_wins_whatever_order_the_events_come_in(
    intake: Intake, procedure: str
) -> None:
    dossier = await receive(intake, procedure)
    first = changed(
        dossier, vn(2021, 6, 29, 8, 30), paused_at=vn(2021, 6, 21, 9, 0), resumed_at=vn(2021, 6, 22, 9, 0)
    )
    second = changed(
        dossier,
        vn(2021, 7, 2, 8, 30),
        paused_at=vn(2021, 6, 24, 9, 0),
        resumed_at=vn(2021, 6, 28, 9, 0),
        reason="obligation",
    )
    await deliver(intake, second, first)  # the later resumption heard first
    assert (await shown(intake, dossier))["appointment_at"] == "2021-07-02T01:30:00Z"

    again = CloudEvent.model_validate({**second.model_dump(), "id": uuid.uuid4()})  # re-sent, new id
    ours = changed(
        dossier,
        vn(2021, 8, 2, 8, 30),
        paused_at=vn(2021, 7, 1, 9, 0),
        resumed_at=vn(2021, 7, 1, 10, 0),
        source="/motcua/intake",
    )
    await deliver(intake, again, ours)
    assert (await shown(intake, dossier))["appointment_at"] == "2021-07-02T01:30:00Z"
    timeline = (await looked_up(intake, dossier))["timeline"]
    assert [e["note"] for e in timeline if e["status"] == "appointment_changed"] == [
        "Đã hoàn thành nghĩa vụ tài chính, hẹn lại ngày trả kết quả: 08:30 02/07/2021"
    ], "one row: the stale, the repeated and intake's own changed nothing"
    page = await notice(intake, dossier)
    assert "Tạm dừng tính thời hạn để thực hiện nghĩa vụ tài chính" in page.text

    corrected = changed(
        dossier, vn(2021, 7, 5, 8, 30), paused_at=vn(2021, 6, 24, 9, 0), resumed_at=vn(2021, 6, 28, 9, 0)
    )
    await deliver(intake, corrected)
    assert (await shown(intake, dossier))["appointment_at"] == "2021-07-05T01:30:00Z", (
        "the same resumption with another due: the sender corrected itself"
    )


async def test_the_notice_needs_the_secret_and_reception(intake: Intake, procedure: str) -> None:
    dossier = await receive(intake, procedure)
    await deliver(
        intake,
        changed(
            dossier, vn(2021, 6, 30, 8, 30), paused_at=vn(2021, 6, 21, 9, 0), resumed_at=vn(2021, 6, 23, 9, 0)
        ),
    )
    wrong = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/appointment",
        params={"secret": "AAAA2222"},
        headers=intake.auth("reception"),
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_secret")
    officer = await intake.http.get(
        f"/v1/dossiers/{dossier['code']}/appointment",
        params={"secret": dossier["lookup_secret"]},
        headers=intake.auth("officer", agency="VPDK"),
    )
    assert officer.status_code == 403
    missing = await intake.http.get(
        "/v1/dossiers/NO-SUCH-CODE/appointment",
        params={"secret": "AAAA2222"},
        headers=intake.auth("reception"),
    )
    assert missing.status_code == 404
