"""Reception at the counter and online, against real PostgreSQL: codes, appointments, forms 02/03."""

import asyncio
import json
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.intake.dossiers.models import applicants
from services.intake.models import messaging
from shared.auth import Role
from shared.events.dossier import DossierIdentity, DossierResolved
from shared.events.steps import Step, StepAssigned
from shared.messaging.envelope import CloudEvent, event_type
from shared.messaging.subjects import dossier_subject
from tests.conftest import Stack
from tests.intake.conftest import Intake, unique_code, vn
from tests.platform.toy import connected_link

LAND = {
    "procedure_code": "DD-01",
    "channel": "direct",
    "applicant": {"name": "Nguyễn Văn An", "id_number": "046095001234", "phone": "0912345678"},
    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
}


def land(**changes: Any) -> dict[str, Any]:
    return {**LAND, **changes}


async def outbox_events(intake: Intake, code: str) -> list[dict[str, Any]]:
    async with intake.app.state.sessions() as session:
        payloads = await session.scalars(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.id))
    return [e for e in map(json.loads, payloads) if e.get("subject") == code]


async def test_a_complete_dossier_is_received_with_code_appointment_and_event(intake: Intake) -> None:
    response = await intake.post("/v1/dossiers", land())
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert dossier["status"] == "received"
    assert dossier["code"] == f"{intake.unit_code}-210618-0001"
    assert dossier["lookup_secret"]
    # Friday 18 June 2021 08:30 + 10 working days = Friday 2 July 2021 08:30.
    assert dossier["due_at"] == "2021-07-02T01:30:00Z"

    [event] = await outbox_events(intake, dossier["code"])
    assert event["type"] == "vn.motcua.dossier.received.v1"
    assert event["data"]["procedure"]["route"][0]["agency_code"] == "VPDK"
    assert event["data"]["procedure"]["field_name"] == "Đất đai"
    assert event["data"]["applicant"] == {"kind": "person", "name": "Nguyễn Văn An"}
    raw = json.dumps(event, ensure_ascii=False)
    assert "046095001234" not in raw
    assert "0912345678" not in raw

    again = await intake.http.get(f"/v1/dossiers/{dossier['code']}", headers=intake.auth("reception"))
    assert again.json()["lookup_secret"] is None, "the secret is shown once"


async def test_an_incomplete_dossier_gets_one_complete_supplement_list_and_no_clock(intake: Intake) -> None:
    response = await intake.post("/v1/dossiers", land(documents=["DON_DANG_KY"]))
    assert response.status_code == 201
    dossier = response.json()
    assert dossier["status"] == "incomplete"
    assert dossier["code"] is None
    assert dossier["due_at"] is None
    assert dossier["decision"]["form"] == "02"
    assert {d["code"] for d in dossier["decision"]["missing_documents"]} == {
        "HOP_DONG",
        "GCN",
        "TO_KHAI_LPTB",
        "TO_KHAI_TNCN",
    }


async def test_an_ineligible_dossier_is_refused_with_its_reason(intake: Intake) -> None:
    missing_reason = await intake.post("/v1/dossiers", land(eligible=False))
    assert missing_reason.status_code == 422
    response = await intake.post(
        "/v1/dossiers", land(eligible=False, refusal_reason="Thửa đất đang có tranh chấp")
    )
    dossier = response.json()
    assert dossier["status"] == "refused"
    assert dossier["decision"] == {
        "form": "03",
        "missing_documents": [],
        "reason": "Thửa đất đang có tranh chấp",
        "issued_at": dossier["decision"]["issued_at"],
    }


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(intake: Intake) -> None:
    cases = [
        (land(procedure_code="NO-SUCH"), "unknown_procedure"),
        (land(documents=["DON_DANG_KY", "PASSPORT"]), "unknown_document"),
        (land(channel="online"), "channel_mismatch"),
        (land(applicant={"name": ""}), "validation_error"),
        (land(unexpected=True), "validation_error"),
    ]
    for body, code in cases:
        response = await intake.post("/v1/dossiers", body)
        assert response.status_code in (409, 422), response.text
        assert response.json()["code"] == code
    not_json = await intake.http.post(
        "/v1/dossiers",
        content=b"procedure_code=DD-01",
        headers={**intake.auth("reception"), "content-type": "text/plain"},
    )
    assert not_json.status_code == 422
    assert (await intake.post("/v1/dossiers", land(), role="officer")).status_code == 403
    first = await intake.post("/v1/dossiers", land())
    assert first.json()["code"].endswith("-0001"), "no number was used by the refused requests"


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_dossier(intake: Intake) -> None:
    first = await intake.post("/v1/dossiers", land(), role="reception", **{"Idempotency-Key": "k-1"})
    retry = await intake.post("/v1/dossiers", land(), role="reception", **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    other = await intake.post(
        "/v1/dossiers", land(note="khác"), role="reception", **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


async def test_fifty_concurrent_receptions_at_one_unit_get_fifty_consecutive_codes(intake: Intake) -> None:
    responses = await asyncio.gather(*(intake.post("/v1/dossiers", land()) for _ in range(50)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    codes = sorted(r.json()["code"] for r in responses)
    assert codes == [f"{intake.unit_code}-210618-{n:04d}" for n in range(1, 51)]


async def test_an_appointment_crosses_the_2021_tet_break(intake: Intake) -> None:
    intake.clock.set(vn(2021, 2, 8, 9, 0))  # Monday before Tết
    dossier = (await intake.post("/v1/dossiers", land())).json()
    # From Monday 8 Feb 09:00 the 10 working days end on 9, 17, 18, 19, 22, 23, 24, 25, 26 Feb and
    # 1 March (10-16 Feb are the Tết break): due Monday 1 March 09:00.
    assert dossier["due_at"] == "2021-03-01T02:00:00Z"
    assert dossier["code"].endswith("-210208-0001")


async def test_a_same_day_procedure_received_after_the_cutoff_is_due_the_next_working_day(
    intake: Intake,
) -> None:
    copy = {"procedure_code": "CT-01", "applicant": {"name": "Lê Thị Hoa"}, "documents": ["BAN_CHINH"]}
    intake.clock.set(vn(2021, 6, 18, 14, 50))  # Friday, before 15:00
    before = (await intake.post("/v1/dossiers", copy)).json()
    assert before["due_at"] == "2021-06-18T10:00:00Z"  # 17:00 the same day
    intake.clock.set(vn(2021, 6, 18, 15, 30))
    after = (await intake.post("/v1/dossiers", copy)).json()
    assert after["due_at"] == "2021-06-21T10:00:00Z"  # 17:00 on Monday


async def test_a_dossier_received_after_closing_starts_counting_the_next_morning(intake: Intake) -> None:
    intake.clock.set(vn(2021, 6, 18, 17, 30))  # Friday after closing
    dossier = (await intake.post("/v1/dossiers", land())).json()
    # Counting starts Monday 21 June 07:30; ten full working days end at 17:00 on Friday 2 July.
    assert dossier["due_at"] == "2021-07-02T10:00:00Z"


async def test_an_online_submission_starts_its_clock_only_when_reception_accepts_it(intake: Intake) -> None:
    submitted = await intake.post(
        "/v1/dossiers", land(channel="online", portal_id="DVC-2021-000123"), role="portal"
    )
    assert submitted.status_code == 201
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["code"] is None
    intake.clock.advance(timedelta(days=3))  # Monday 21 June 08:30
    accepted = await intake.post("/v1/dossiers/DVC-2021-000123/accept", {})
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "received"
    assert body["portal_id"] == "DVC-2021-000123"
    assert body["code"].endswith("-210621-0001")
    assert body["due_at"] == "2021-07-05T01:30:00Z"
    again = await intake.post("/v1/dossiers/DVC-2021-000123/accept", {})
    assert again.status_code == 409


async def test_a_portal_id_submitted_again_is_a_409_naming_the_dossier_and_stores_nothing(
    intake: Intake,
) -> None:
    portal_id = unique_code("DVC-")
    first = await intake.post("/v1/dossiers", land(channel="online", portal_id=portal_id), role="portal")
    assert first.status_code == 201, first.text
    again = await intake.post("/v1/dossiers", land(channel="online", portal_id=portal_id), role="portal")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_portal_id"
    assert "awaits checking" in again.json()["detail"]
    accepted = await intake.post(f"/v1/dossiers/{portal_id}/accept", {})
    assert accepted.status_code == 200, accepted.text
    third = await intake.post("/v1/dossiers", land(channel="online", portal_id=portal_id), role="portal")
    assert accepted.json()["code"] in third.json()["detail"]
    blank = await intake.post("/v1/dossiers", land(channel="online", portal_id="  "), role="portal")
    assert blank.status_code == 422
    listed = await intake.http.get(f"/v1/dossiers/{portal_id}", headers=intake.auth("reception"))
    assert listed.json()["id"] == first.json()["id"], "one dossier for the portal id"


async def test_a_portal_id_spelling_another_dossiers_code_does_not_hide_that_dossier(intake: Intake) -> None:
    code = f"{intake.unit_code}-210618-0001"  # the code the counter's first dossier today will get
    online = await intake.post("/v1/dossiers", land(channel="online", portal_id=code), role="portal")
    assert online.status_code == 201, online.text
    counter = (await intake.post("/v1/dossiers", land())).json()
    assert counter["code"] == code
    found = await intake.http.get(f"/v1/dossiers/{code}", headers=intake.auth("reception"))
    assert found.json()["id"] == counter["id"], "the centre's code wins over the portal's id"


async def test_an_offset_past_a_million_is_422_not_a_database_error(intake: Intake) -> None:
    response = await intake.http.get(
        "/v1/procedures", params={"offset": 7325462694351141339136}, headers=intake.auth("reception")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_citizens_look_up_status_with_code_and_secret_and_see_no_personal_data(intake: Intake) -> None:
    dossier = (await intake.post("/v1/dossiers", land())).json()
    found = await intake.http.get(
        "/v1/lookup", params={"code": dossier["code"], "secret": dossier["lookup_secret"]}
    )
    assert found.status_code == 200
    status = found.json()
    assert status["status"] == "received"
    assert [entry["status"] for entry in status["timeline"]] == ["submitted", "received"]
    assert "Nguyễn" not in found.text
    wrong = await intake.http.get("/v1/lookup", params={"code": dossier["code"], "secret": "WRONG234"})
    assert wrong.status_code == 404
    statuses = [
        (
            await intake.http.get("/v1/lookup", params={"code": dossier["code"], "secret": "WRONG234"})
        ).status_code
        for _ in range(10)
    ]
    assert 429 in statuses


async def test_withdrawal_is_recorded_with_an_event_and_only_once(intake: Intake) -> None:
    dossier = (await intake.post("/v1/dossiers", land())).json()
    withdrawn = await intake.post(f"/v1/dossiers/{dossier['code']}/withdraw", {"reason": "Công dân xin rút"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert [e["type"] for e in await outbox_events(intake, dossier["code"])] == [
        "vn.motcua.dossier.received.v1",
        "vn.motcua.dossier.withdrawn.v1",
    ]
    again = await intake.post(f"/v1/dossiers/{dossier['code']}/withdraw", {"reason": "lần hai"})
    assert again.status_code == 409
    not_ready = await intake.post(f"/v1/dossiers/{dossier['code']}/return", {"channel": "counter"})
    assert not_ready.status_code == 409


async def test_a_name_typed_in_nfd_is_stored_in_nfc(intake: Intake) -> None:
    nfd = unicodedata.normalize("NFD", "Trần Thị Ánh")
    dossier = (await intake.post("/v1/dossiers", land(applicant={"name": nfd}))).json()
    assert dossier["applicant_name"] == "Trần Thị Ánh"
    async with intake.app.state.sessions() as session:
        key = await session.scalar(select(applicants.c.search_key).where(applicants.c.name == "Trần Thị Ánh"))
    assert key == "tran thi anh"


async def test_the_receipt_prints_as_pdf_and_html_with_the_secret_it_was_given(intake: Intake) -> None:
    dossier = (await intake.post("/v1/dossiers", land())).json()
    path = f"/v1/dossiers/{dossier['code']}/receipt"
    pdf = await intake.http.get(
        path, params={"secret": dossier["lookup_secret"]}, headers=intake.auth("reception")
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    html = await intake.http.get(
        path, params={"secret": dossier["lookup_secret"], "format": "html"}, headers=intake.auth("reception")
    )
    assert dossier["code"] in html.text
    assert "Nguyễn Văn An" in html.text
    assert "0912345678" not in html.text
    wrong = await intake.http.get(path, params={"secret": "WRONG234"}, headers=intake.auth("reception"))
    assert wrong.status_code == 403


def routing_data(name: str, dossier: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The data of routing's `dossier.resolved` (at 30 June 10:00 in Vietnam), or of its
    `dossier.step.assigned` at `at`."""
    identity = DossierIdentity(
        dossier_id=dossier["id"], code=dossier["code"], portal_id=dossier["portal_id"], agency_code="VPDK"
    )
    if name == "dossier.resolved":
        resolved_at = datetime(2021, 6, 30, 3, 0, tzinfo=UTC)
        return DossierResolved(
            **identity.model_dump(), resolved_at=resolved_at, due_at=dossier["due_at"]
        ).data()
    step = Step(
        id=uuid.uuid4(),
        position=1,
        group=1,
        agency_code="VPDK",
        days=Decimal(10),
        assigned_at=at,
        due_at=dossier["due_at"],
    )
    return StepAssigned(**identity.model_dump(), step=step, transfer="paper").data()


async def test_a_result_from_routing_can_be_handed_over_once_resolved(intake: Intake, stack: Stack) -> None:
    dossier = (await intake.post("/v1/dossiers", land())).json()
    async with connected_link(stack.nats_url) as link:
        for name in (
            "dossier.step.assigned",
            "dossier.resolved",
            "dossier.step.assigned",
        ):  # a late repeat last
            event = CloudEvent(
                source="/motcua/routing",
                type=event_type(name),
                subject=dossier["code"],
                time=intake.clock.now(),
                data=routing_data(name, dossier, intake.clock.now()),
            )
            await link.jetstream.publish(
                dossier_subject("VPDK", name.removeprefix("dossier.")),
                event.to_json().encode(),
                headers={"Nats-Msg-Id": str(event.id)},
            )

    async def status() -> str:
        response = await intake.http.get(f"/v1/dossiers/{dossier['code']}", headers=intake.auth("reception"))
        return str(response.json()["status"])

    for _ in range(100):
        if await status() == "resolved":
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let the late repeat arrive too: it must not move the dossier back
    assert await status() == "resolved"
    returned = await intake.post(f"/v1/dossiers/{dossier['code']}/return", {"channel": "post"})
    assert returned.json()["status"] == "returned"
    events = await outbox_events(intake, dossier["code"])
    assert events[-1]["type"] == "vn.motcua.dossier.returned.v1"
    assert events[-1]["data"]["delivery_channel"] == "post"
    assert events[-1]["data"]["portal_account"] is None  # handed in at the counter: no portal account


async def test_a_dossier_is_read_by_the_agencies_on_its_route_and_nobody_else(intake: Intake) -> None:
    code = (await intake.post("/v1/dossiers", land())).json()["code"]
    procedure = (await outbox_events(intake, code))[0]["data"]["procedure"]
    route = {procedure["agency_code"], *(step["agency_code"] for step in procedure["route"])}
    url = f"/v1/dossiers/{code}"
    role: Role
    for agency in route:
        for role in ("officer", "leader"):
            seen = await intake.http.get(url, headers=intake.auth(role, agency=agency))
            assert seen.status_code == 200, (role, agency, seen.text)
    for role in ("officer", "leader"):
        refused = await intake.http.get(url, headers=intake.auth(role, agency="BHXH"))
        assert (refused.status_code, refused.json()["code"]) == (403, "not_your_agency")
    stranger = await intake.http.get(url, headers=intake.auth("portal", sub="someone-else"))
    assert (stranger.status_code, stranger.json()["code"]) == (404, "dossier_not_found")
