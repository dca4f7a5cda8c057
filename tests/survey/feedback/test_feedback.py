"""Feedback and complaints (phản ánh, kiến nghị) on the session's real PostgreSQL and NATS: received and
routed, answered once and on time or late, forwarded, listed, summarised; contact never in events."""

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.survey.feedback.models import feedback_items
from services.survey.models import audit_log, messaging
from services.survey.working_calendar import CALENDAR
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from shared.events.catalog import CalendarOverrideSet
from shared.messaging.envelope import CloudEvent, event_type
from tests.survey.conftest import Dossier, Survey, dossier_code, received

CONTACT = "Nguyễn Văn An, 0912 345 678, an@example.vn"


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def new_code(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6].upper()}"


@dataclass
class Desk:
    """The survey app seen from feedback: citizens sending, agencies answering, what got stored."""

    survey: Survey

    @property
    def app(self) -> FastAPI:
        return self.survey.app

    @property
    def clock(self) -> FixedClock:
        return self.survey.clock

    def auth(self, role: Role, agency: str | None = None, sub: str | None = None) -> dict[str, str]:
        secret = self.survey.settings.jwt_secret
        token = issue_token(secret, sub=sub or f"{role}-{agency or 'x'}", role=role, agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def agency(self, prefix: str = "VPDK") -> str:
        """A fresh agency, registered through catalog.agency.registered."""
        return await self.survey.agency(prefix)

    async def dossier(self, agency_code: str) -> str:
        """A fresh dossier led by ``agency_code``, announced by dossier.received."""
        dossier = Dossier(dossier_code(), uuid.uuid4(), agency_code)
        await self.survey.deliver(received(dossier, at=self.clock.now()))
        return dossier.code

    async def send(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        """From a kiosk without a login; each call a device of its own unless one is given."""
        return await self.survey.http.post(
            "/v1/feedback", json=body, headers={"X-Device-Id": uuid.uuid4().hex, **headers}
        )

    async def post(self, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return await self.survey.http.post("/v1/feedback", json=body, headers=headers)

    async def sent(self, agency_code: str, **body: Any) -> dict[str, Any]:
        response = await self.send(
            {
                "kind": "feedback",
                "topic": "Thái độ",
                "content": "Chờ lâu.",
                "agency_code": agency_code,
                **body,
            }
        )
        assert response.status_code == 201, response.text
        receipt: dict[str, Any] = response.json()
        return receipt

    async def act(
        self, item_id: str, action: str, body: dict[str, Any], agency: str | None, role: Role = "officer"
    ) -> httpx.Response:
        return await self.survey.http.post(
            f"/v1/feedback/{item_id}/{action}", json=body, headers=self.auth(role, agency)
        )

    async def get(
        self, path: str, role: Role = "admin", of: str | None = None, **params: Any
    ) -> httpx.Response:
        """GET as ``role`` of agency ``of``; keyword arguments are the query."""
        return await self.survey.http.get(path, params=params, headers=self.auth(role, of))

    async def summary(
        self, start: str, end: str, role: Role = "admin", of: str | None = None, **params: Any
    ) -> httpx.Response:
        return await self.get("/v1/feedback/summary", role, of, **{"from": start, "to": end, **params})

    async def events(self, item_id: str) -> list[dict[str, Any]]:
        """The events staged for one item, in order, each with its NATS topic."""
        return await self.survey.events_mentioning(f'"feedback_id":"{item_id}"')

    async def audit(self, item_id: str) -> list[Any]:
        return await self.survey.rows(
            select(audit_log).where(audit_log.c.entity == f"feedback:{item_id}").order_by(audit_log.c.id)
        )

    async def count_items(self) -> int:
        return int(await self.survey.scalar(select(func.count()).select_from(feedback_items)) or 0)

    async def outbox_payloads(self) -> list[str]:
        return [row.payload for row in await self.survey.rows(select(messaging.outbox.c.payload))]


@pytest.fixture
async def desk(survey: Survey) -> Desk:
    survey.clock.set(vn(2021, 6, 18, 8, 30))  # Friday 18 June 2021, 08:30
    return Desk(survey)


# -- received and routed -----------------------------------------------------------------------------


async def test_feedback_naming_an_agency_is_routed_to_it_with_a_deadline_across_the_weekend(
    desk: Desk,
) -> None:
    agency = await desk.agency()
    receipt = await desk.sent(agency, kind="petition", contact=CONTACT)
    assert receipt["agency_code"] == agency
    assert receipt["kind"] == "petition"
    # Friday 18 June 2021 08:30 + 10 working days (two weekends skipped) = Friday 2 July 08:30.
    assert receipt["answer_due_at"] == "2021-07-02T01:30:00Z"
    [event] = await desk.events(receipt["id"])
    assert event["type"] == "vn.motcua.survey.feedback_received.v1"
    assert event["topic"] == "survey.feedback_received"
    assert event["data"] == {
        "feedback_id": receipt["id"],
        "kind": "petition",
        "topic": "Thái độ",
        "agency_code": agency,
        "dossier_code": None,
        "source": "citizen",
        "received_at": "2021-06-18T01:30:00+00:00",
        "answer_due_at": "2021-07-02T01:30:00+00:00",
    }


async def test_the_2021_tet_break_does_not_count_towards_the_deadline(desk: Desk) -> None:
    agency = await desk.agency()
    desk.clock.set(vn(2021, 2, 9, 9, 0))  # the eve of the break, 10-16 February
    receipt = await desk.sent(agency)
    assert receipt["answer_due_at"] == "2021-03-02T02:00:00Z"  # Tuesday 2 March 09:00


async def test_a_day_off_the_centre_declared_moves_the_answers_due(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline service's admin override reaches survey (catalog.calendar.override_set), and the
    answer's due counts it as every other due in the system does. Years no other test uses: the
    override stays in survey's table."""
    monkeypatch.setattr(CALENDAR, "check_every", 0.0)
    agency = await desk.agency()
    day_off = CalendarOverrideSet(
        day=date(2031, 3, 10), working=False, reason="Quyết định của UBND tỉnh", set_at=vn(2031, 3, 1)
    )
    await desk.survey.deliver(
        CloudEvent(
            source="/motcua/deadline",
            type=event_type("catalog.calendar.override_set"),
            time=vn(2031, 3, 1),
            data=day_off.data(),
        )
    )
    desk.clock.set(vn(2031, 3, 7, 8, 30))  # Friday 7 March 2031
    receipt = await desk.sent(agency)
    # 10 working days from Friday 08:30, Monday 10 March off: Monday 24 March 08:30, not Friday 21.
    assert receipt["answer_due_at"] == "2031-03-24T01:30:00Z"


async def test_feedback_about_a_dossier_goes_to_the_dossiers_lead_agency(desk: Desk) -> None:
    lead = await desk.agency()
    code = await desk.dossier(lead)
    response = await desk.send(
        {"kind": "complaint", "topic": "Trễ hẹn", "content": "Quá hạn.", "dossier_code": code}
    )
    assert response.status_code == 201, response.text
    assert response.json()["agency_code"] == lead
    [event] = await desk.events(response.json()["id"])
    assert event["data"]["dossier_code"] == code
    assert event["subject"] == code


async def test_the_agency_named_wins_over_the_dossiers_lead(desk: Desk) -> None:
    lead, tax = await desk.agency(), await desk.agency("THUE")
    code = await desk.dossier(lead)
    receipt = await desk.sent(tax, dossier_code=code)
    assert receipt["agency_code"] == tax


async def test_without_an_agency_or_a_known_dossier_nothing_is_stored(desk: Desk) -> None:
    before = await desk.count_items()
    body = {"kind": "feedback", "topic": "Khác", "content": "Nội dung."}
    for extra in ({}, {"dossier_code": "999999.12.H57-210618-0001"}):
        response = await desk.send({**body, **extra})
        assert response.status_code == 422
        assert response.json()["code"] == "agency_required"
    unknown = await desk.send({**body, "agency_code": new_code("NOPE")})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_agency"
    assert await desk.count_items() == before


async def test_oversized_content_and_unknown_fields_are_refused(desk: Desk) -> None:
    agency = await desk.agency()
    body = {"kind": "feedback", "topic": "Khác", "agency_code": agency}
    too_long = await desk.send({**body, "content": "x" * 4001})
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "validation_error"
    assert (await desk.send({**body, "content": "ok", "kind": "praise"})).status_code == 422
    assert (await desk.send({**body, "content": "ok", "phone": "0912345678"})).status_code == 422


async def test_anonymous_senders_are_rate_limited_per_device(desk: Desk) -> None:
    agency = await desk.agency()
    body = {"kind": "feedback", "topic": "Khác", "content": "Nội dung.", "agency_code": agency}
    statuses = [(await desk.send(body, **{"X-Device-Id": "kiosk-1"})).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    assert (await desk.send(body, **{"X-Device-Id": "kiosk-2"})).status_code == 201


async def test_a_portal_token_is_accepted_and_staff_tokens_are_not(desk: Desk) -> None:
    agency = await desk.agency()
    body = {"kind": "feedback", "topic": "Khác", "content": "Nội dung.", "agency_code": agency}
    portal = await desk.post(body, desk.auth("portal", sub="citizen-7"))
    assert portal.status_code == 201, portal.text
    officer = await desk.post(body, desk.auth("officer", agency))
    assert officer.status_code == 403
    assert officer.json()["code"] == "forbidden_role"
    bad = await desk.post(body, {"Authorization": "Bearer nope"})
    assert bad.status_code == 401


# -- the contact is personal data -----------------------------------------------------------------


async def test_the_contact_is_never_in_events_or_audit_and_shown_only_to_the_agency_and_admins(
    desk: Desk,
) -> None:
    agency, other = await desk.agency(), await desk.agency("THUE")
    receipt = await desk.sent(agency, contact=CONTACT)
    item_id = receipt["id"]
    assert "contact" not in receipt
    forwarded = await desk.act(
        item_id, "forward", {"agency_code": other, "reason": "Không thuộc thẩm quyền."}, agency
    )
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["contact"] is None  # no longer the forwarder's to see
    answered = await desk.act(item_id, "answer", {"answer": "Đã xử lý."}, other)
    assert answered.json()["contact"] == CONTACT
    payloads = await desk.outbox_payloads()
    assert len(await desk.events(item_id)) == 3
    assert not [p for p in payloads if "0912 345 678" in p or "an@example.vn" in p]
    assert not [row for row in await desk.audit(item_id) if "0912" in json.dumps(row.detail)]
    seen = {
        role: (await desk.get(f"/v1/feedback/{item_id}", role, other)).json()["contact"]
        for role in ("officer", "leader", "admin", "auditor")
    }
    assert seen == {"officer": CONTACT, "leader": CONTACT, "admin": CONTACT, "auditor": None}
    listed = (await desk.get("/v1/feedback", "officer", other)).json()["items"]
    assert [i["id"] for i in listed] == [item_id]
    assert "contact" not in listed[0]


# -- answered, once, by the agency ---------------------------------------------------------------


async def test_answered_on_the_due_date_is_on_time_the_day_after_is_late(desk: Desk) -> None:
    agency = await desk.agency()
    first, second = await desk.sent(agency), await desk.sent(agency)
    desk.clock.set(vn(2021, 7, 2, 21, 0))  # due 08:30 that day; by date, still on time
    on_time = await desk.act(first["id"], "answer", {"answer": "Đã trả lời."}, agency, role="leader")
    assert on_time.status_code == 200, on_time.text
    assert on_time.json()["on_time"] is True
    assert on_time.json()["state"] == "answered"
    desk.clock.set(vn(2021, 7, 3, 0, 5))
    late = await desk.act(second["id"], "answer", {"answer": "Đã trả lời."}, agency)
    assert late.json()["on_time"] is False
    events = {
        e["data"]["feedback_id"]: e
        for e in [*await desk.events(first["id"]), *await desk.events(second["id"])]
        if e["topic"] == "survey.feedback_answered"
    }
    assert events[first["id"]]["data"] == {
        "feedback_id": first["id"],
        "agency_code": agency,
        "answered_at": "2021-07-02T14:00:00+00:00",
        "answer_due_at": "2021-07-02T01:30:00+00:00",
        "on_time": True,
    }
    assert events[second["id"]]["data"]["on_time"] is False
    [received, answered] = await desk.audit(first["id"])
    assert (received.actor, received.action) == ("anonymous", "feedback.received")
    assert (answered.actor, answered.role, answered.action) == (
        "leader-" + agency,
        "leader",
        "feedback.answered",
    )


async def test_another_agency_gets_403_and_a_second_answer_409_and_nothing_changes(desk: Desk) -> None:
    agency, other = await desk.agency(), await desk.agency("THUE")
    item_id = (await desk.sent(agency))["id"]
    wrong = await desk.act(item_id, "answer", {"answer": "Không phải của tôi."}, other)
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "not_your_agency"
    assert (await desk.get(f"/v1/feedback/{item_id}", "officer", other)).status_code == 403
    assert (await desk.act(item_id, "answer", {"answer": "Lần một."}, agency)).status_code == 200
    again = await desk.act(item_id, "answer", {"answer": "Lần hai."}, agency)
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    shown = (await desk.get(f"/v1/feedback/{item_id}")).json()
    assert shown["answer"] == "Lần một."
    assert [e["topic"] for e in await desk.events(item_id)] == [
        "survey.feedback_received",
        "survey.feedback_answered",
    ]
    admin = await desk.act(item_id, "answer", {"answer": "x"}, None, role="admin")
    assert admin.status_code == 403
    assert (await desk.act(str(uuid.uuid4()), "answer", {"answer": "x"}, agency)).status_code == 404
    assert (await desk.act("not-an-id", "answer", {"answer": "x"}, agency)).status_code == 404


async def test_a_forward_moves_the_item_keeps_the_deadline_and_is_audited(desk: Desk) -> None:
    agency, right = await desk.agency(), await desk.agency("THUE")
    receipt = await desk.sent(agency)
    item_id = receipt["id"]
    desk.clock.set(vn(2021, 6, 25, 10, 0))
    same = await desk.act(item_id, "forward", {"agency_code": agency, "reason": "x"}, agency)
    assert same.json()["code"] == "same_agency"
    unknown = await desk.act(item_id, "forward", {"agency_code": new_code("NOPE"), "reason": "x"}, agency)
    assert unknown.json()["code"] == "unknown_agency"
    moved = await desk.act(item_id, "forward", {"agency_code": right, "reason": "Thuộc ngành thuế."}, agency)
    assert moved.status_code == 200, moved.text
    shown = moved.json()
    assert shown["agency_code"] == right
    assert shown["received_agency_code"] == agency
    assert shown["answer_due_at"] == receipt["answer_due_at"]
    assert shown["forwards"] == [
        {
            "from_agency_code": agency,
            "to_agency_code": right,
            "reason": "Thuộc ngành thuế.",
            "at": "2021-06-25T03:00:00Z",
            "by": f"officer-{agency}",
        }
    ]
    assert (await desk.act(item_id, "answer", {"answer": "x"}, agency)).status_code == 403
    assert (await desk.act(item_id, "answer", {"answer": "Trả lời."}, right)).status_code == 200
    actions = [(row.actor, row.action) for row in await desk.audit(item_id)]
    assert actions == [
        ("anonymous", "feedback.received"),
        (f"officer-{agency}", "feedback.forwarded"),
        (f"officer-{right}", "feedback.answered"),
    ]
    forwarded = [e for e in await desk.events(item_id) if e["topic"] == "survey.feedback_forwarded"]
    assert forwarded[0]["data"]["answer_due_at"] == "2021-07-02T01:30:00+00:00"
    answered = await desk.act(item_id, "forward", {"agency_code": agency, "reason": "x"}, right)
    assert answered.json()["code"] == "already_answered"


# -- opened by an unsatisfied ballot ---------------------------------------------------------------


async def test_an_unsatisfied_ballot_opens_an_item_for_the_agency_it_rates(desk: Desk) -> None:
    agency = await desk.agency()
    unsatisfied = {"complexity": "simple", "satisfaction": "unsatisfied"}
    ballot = await desk.survey.vote(
        {
            "agency_code": agency,
            "channel": "kiosk",
            "answers": unsatisfied,
            "reason": "Phải đi lại nhiều lần.",
        }
    )
    assert ballot.status_code == 201, ballot.text
    item_id = ballot.json()["feedback_id"]
    shown = (await desk.get(f"/v1/feedback/{item_id}")).json()
    assert (shown["source"], shown["kind"], shown["topic"]) == ("ballot", "feedback", "Không hài lòng")
    assert (shown["content"], shown["agency_code"]) == ("Phải đi lại nhiều lần.", agency)
    [event] = await desk.events(item_id)
    assert event["data"]["source"] == "ballot"
    assert event["data"]["answer_due_at"] == "2021-07-02T01:30:00+00:00"


# -- the agency's list and the summary -------------------------------------------------------------


async def test_the_list_is_the_callers_agency_oldest_due_first_in_keyset_pages(desk: Desk) -> None:
    agency, other = await desk.agency(), await desk.agency("THUE")
    ids = []
    for day in (21, 18, 22):
        desk.clock.set(vn(2021, 6, day, 9, 0))
        ids.append((await desk.sent(agency))["id"])
    await desk.sent(other)
    desk.clock.set(vn(2021, 7, 6, 9, 0))  # the one received on the 18th is overdue (due 2 July)
    first = (await desk.get("/v1/feedback", "officer", agency, limit=2)).json()
    assert [i["id"] for i in first["items"]] == [ids[1], ids[0]]
    assert [i["overdue"] for i in first["items"]] == [True, True]
    rest = (await desk.get("/v1/feedback", "officer", agency, limit=2, cursor=first["next_cursor"])).json()
    assert [i["id"] for i in rest["items"]] == [ids[2]]
    assert rest["next_cursor"] is None
    overdue = (await desk.get("/v1/feedback", "leader", agency, overdue="true")).json()["items"]
    assert {i["id"] for i in overdue} == {ids[0], ids[1]}
    within = (await desk.get("/v1/feedback", "leader", agency, overdue="false")).json()["items"]
    assert [i["id"] for i in within] == [ids[2]]
    assert (await desk.get("/v1/feedback", "officer", agency, agency=other)).json()[
        "code"
    ] == "not_your_agency"
    everyone = (await desk.get("/v1/feedback", "auditor", agency=other, state="open")).json()["items"]
    assert len(everyone) == 1
    assert (await desk.get("/v1/feedback", "officer", agency, cursor="zz")).json()["code"] == "invalid_cursor"
    assert (await desk.get("/v1/feedback", "reception")).status_code == 403


async def test_summary_counts_reconcile_received_equals_answered_plus_open(desk: Desk) -> None:
    agency = await desk.agency()
    received = {}
    for name, day in (("on_time", 7), ("late", 7), ("overdue", 14), ("within", 28), ("july", 1)):
        desk.clock.set(vn(2021, 7 if name == "july" else 6, day, 9, 0))
        received[name] = (await desk.sent(agency))["id"]
    for name, at in (
        ("on_time", vn(2021, 6, 21, 20, 0)),
        ("late", vn(2021, 6, 22, 8, 0)),
        ("overdue", vn(2021, 7, 2, 9, 0)),
    ):
        desk.clock.set(at)
        assert (
            await desk.act(received[name], "answer", {"answer": "Đã trả lời."}, agency)
        ).status_code == 200
    desk.clock.set(vn(2021, 7, 5, 9, 0))
    june = (await desk.summary("2021-06-01", "2021-06-30", agency=agency)).json()
    counts = {"received": 4, "answered_on_time": 1, "answered_late": 1, "open_within": 1, "open_overdue": 1}
    assert june["as_of"] == "2021-06-30"
    assert june["rows"] == [{"agency_code": agency, **counts}]
    assert june["totals"] == counts
    # The leader's own agency, the period still running: judged today, July's item counted.
    own = (await desk.summary("2021-06-01", "2021-07-31", "leader", agency)).json()
    assert own["as_of"] == "2021-07-05"
    assert own["totals"] == {
        "received": 5,
        "answered_on_time": 1,
        "answered_late": 2,
        "open_within": 2,
        "open_overdue": 0,
    }
    backwards = await desk.summary("2021-06-30", "2021-06-01")
    assert backwards.json()["code"] == "invalid_period"
    other = await desk.summary("2021-06-01", "2021-06-30", "officer", "ELSE", agency=agency)
    assert other.json()["code"] == "not_your_agency"
