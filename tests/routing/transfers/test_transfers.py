"""Paper transfer batches on the session's real PostgreSQL: scheduling, manifests, sign-off, 403/409."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.routing.app import create_app
from services.routing.models import audit_log
from services.routing.transfers import service as transfers
from services.routing.transfers.service import TransferSlot
from shared.auth import Role, issue_token
from shared.calendar import WorkingCalendar
from shared.clock import VIETNAM, FixedClock
from shared.db.engine import unit_of_work
from shared.settings import ServiceSettings
from tests.conftest import Stack, serving

CALENDAR = WorkingCalendar()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


@dataclass
class Routing:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    secret: str
    agency: str  # the receiving agency of this test, unique so tests never share a batch

    def auth(self, role: Role, agency: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {issue_token(self.secret, sub=f'{role}-1', role=role, agency=agency)}"
        }

    async def get(self, path: str, role: Role = "reception", agency: str | None = None) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(role, agency))

    async def sign(self, batch_id: Any, role: Role = "officer", agency: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/v1/transfers/{batch_id}/sign",
            json={"signed_by_name": "Nguyễn Văn Nhận"},
            headers=self.auth(role, agency or self.agency),
        )

    async def schedule(
        self,
        handed_at: datetime,
        *,
        days: Decimal = Decimal(3),
        same_day: bool = False,
        step_id: uuid.UUID | None = None,
        now: datetime | None = None,
        procedure_name: str | None = "Đăng ký biến động đất đai",
        code: str | None = None,
    ) -> TransferSlot:
        async with unit_of_work(self.app.state.sessions) as session:
            return await transfers.schedule(
                session,
                step_id=step_id or uuid.uuid4(),
                dossier_id=uuid.uuid4(),
                code=code or f"000.12.H57-210618-{uuid.uuid4().int % 10**4:04d}",
                agency_code=self.agency,
                from_agency_code=None,
                handed_at=handed_at,
                days=days,
                same_day=same_day,
                cutoff=time(15, 0),
                calendar=CALENDAR,
                now=now,
                procedure_code="1.004227",
                procedure_name=procedure_name,
            )


@pytest.fixture
async def routing(stack: Stack) -> AsyncIterator[Routing]:
    settings = stack.settings("routing", ServiceSettings)
    clock = FixedClock(vn(2021, 6, 18, 17, 30))
    app = create_app(settings, clock)
    async with serving(app, "http://routing") as http:
        yield Routing(http, app, clock, stack.jwt_secret, f"TX{uuid.uuid4().hex[:8].upper()}")


async def test_multi_day_papers_of_one_session_travel_together_at_the_end_of_it(routing: Routing) -> None:
    first = await routing.schedule(vn(2021, 6, 18, 9, 0))
    second = await routing.schedule(vn(2021, 6, 18, 10, 45))
    assert first.batch_id == second.batch_id
    assert first.transfer_at == vn(2021, 6, 18, 11, 30)

    listed = await routing.get(f"/v1/transfers?agency={routing.agency}")
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 1
    [batch] = page["items"]
    assert (batch["session"], batch["kind"], batch["status"], batch["item_count"]) == (
        "morning",
        "session",
        "open",
        2,
    )
    assert datetime.fromisoformat(batch["transfer_at"]) == vn(2021, 6, 18, 11, 30)

    own = await routing.get("/v1/transfers", "officer", routing.agency)  # officers default to their own
    assert [b["id"] for b in own.json()["items"]] == [str(first.batch_id)]


async def test_after_the_cutoff_the_papers_wait_for_the_next_working_morning(routing: Routing) -> None:
    slot = await routing.schedule(vn(2021, 6, 18, 15, 20), days=Decimal(1))  # Friday
    assert slot.transfer_at == vn(2021, 6, 21, 7, 30)
    listed = await routing.get(f"/v1/transfers?agency={routing.agency}&date=2021-06-21&status=open")
    assert [b["id"] for b in listed.json()["items"]] == [str(slot.batch_id)]
    assert (await routing.get(f"/v1/transfers?agency={routing.agency}&date=2021-06-18")).json()["total"] == 0


async def test_a_same_day_dossier_travels_at_once_in_a_batch_of_its_own(routing: Routing) -> None:
    session_slot = await routing.schedule(vn(2021, 6, 18, 9, 0))
    urgent = await routing.schedule(vn(2021, 6, 18, 9, 5), days=Decimal(5), same_day=True)
    assert urgent.batch_id != session_slot.batch_id
    assert urgent.transfer_at == vn(2021, 6, 18, 9, 5)
    manifest = (await routing.get(f"/v1/transfers/{urgent.batch_id}")).json()
    assert (manifest["kind"], manifest["item_count"], manifest["items"][0]["reason"]) == (
        "immediate",
        1,
        "same_day",
    )


async def test_a_redelivered_assignment_keeps_its_slot(routing: Routing) -> None:
    step = uuid.uuid4()
    first = await routing.schedule(vn(2021, 6, 18, 9, 0), step_id=step, days=Decimal(1))
    again = await routing.schedule(vn(2021, 6, 18, 9, 0), step_id=step, days=Decimal(1))
    assert again == first
    page = (await routing.get(f"/v1/transfers?agency={routing.agency}")).json()
    assert page["total"] == 1
    assert page["items"][0]["item_count"] == 1


async def test_concurrent_assignments_meet_in_one_session_batch(routing: Routing) -> None:
    slots = await asyncio.gather(*(routing.schedule(vn(2021, 6, 18, 13, 30 + i)) for i in range(5)))
    assert len({s.batch_id for s in slots}) == 1
    manifest = (await routing.get(f"/v1/transfers/{slots[0].batch_id}")).json()
    assert manifest["item_count"] == 5


async def test_papers_handed_over_after_the_departure_go_to_the_next_batch(routing: Routing) -> None:
    on_time = await routing.schedule(vn(2021, 6, 18, 9, 0))
    late = await routing.schedule(vn(2021, 6, 18, 9, 10), now=vn(2021, 6, 18, 11, 40))
    assert on_time.transfer_at == vn(2021, 6, 18, 11, 30)
    assert late.transfer_at == vn(2021, 6, 18, 17, 0)  # the morning batch had left: the afternoon one


async def test_the_receiving_officer_signs_off_once_and_it_is_audited(routing: Routing) -> None:
    slot = await routing.schedule(vn(2021, 6, 18, 14, 0))
    signed = await routing.sign(slot.batch_id)
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert (body["status"], body["signed_by_name"]) == ("signed", "Nguyễn Văn Nhận")
    assert datetime.fromisoformat(body["signed_at"]) == routing.clock.now()

    twice = await routing.sign(slot.batch_id, "leader")
    assert (twice.status_code, twice.json()["code"]) == (409, "already_signed")
    assert twice.headers["content-type"] == "application/problem+json"

    async with unit_of_work(routing.app.state.sessions) as session:
        rows = (
            await session.execute(select(audit_log).where(audit_log.c.entity == f"transfer:{slot.batch_id}"))
        ).all()
    assert [(r.action, r.actor, r.agency) for r in rows] == [("transfer.signed", "officer-1", routing.agency)]


async def test_papers_for_a_signed_batch_go_to_the_next_one(routing: Routing) -> None:
    first = await routing.schedule(vn(2021, 6, 18, 7, 45))
    assert (await routing.sign(first.batch_id)).status_code == 200
    later = await routing.schedule(vn(2021, 6, 18, 8, 0))  # same session, but that batch is closed
    assert later.batch_id != first.batch_id
    assert later.transfer_at == vn(2021, 6, 18, 17, 0)
    closed = (await routing.get(f"/v1/transfers/{first.batch_id}")).json()
    assert closed["item_count"] == 1


async def test_another_agency_can_neither_see_nor_sign_the_batch(routing: Routing) -> None:
    slot = await routing.schedule(vn(2021, 6, 18, 9, 0))
    other = "OTHER-AGENCY"
    for path in (
        f"/v1/transfers?agency={routing.agency}",
        f"/v1/transfers/{slot.batch_id}",
        f"/v1/transfers/{slot.batch_id}/manifest.html",
    ):
        response = await routing.get(path, "officer", other)
        assert (response.status_code, response.json()["code"]) == (403, "not_your_agency"), path
    refused = await routing.sign(slot.batch_id, "leader", other)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_agency")
    assert (await routing.get(f"/v1/transfers/{slot.batch_id}")).json()["status"] == "open"


async def test_only_the_agencys_officers_and_leaders_sign_its_batch_and_the_name_is_required(
    routing: Routing,
) -> None:
    slot = await routing.schedule(vn(2021, 6, 18, 9, 0))
    reception = await routing.sign(slot.batch_id, "reception")
    assert (reception.status_code, reception.json()["code"]) == (403, "forbidden_role")
    blank = await routing.http.post(
        f"/v1/transfers/{slot.batch_id}/sign",
        json={"signed_by_name": "   "},
        headers=routing.auth("officer", routing.agency),
    )
    assert (blank.status_code, blank.json()["code"]) == (422, "validation_error")


async def test_unknown_batch_and_bad_filters_are_problems_not_errors(routing: Routing) -> None:
    missing = uuid.uuid4()
    response = await routing.get(f"/v1/transfers/{missing}")
    assert (response.status_code, response.json()["code"]) == (404, "transfer_not_found")
    signing = await routing.sign(missing)
    assert (signing.status_code, signing.json()["code"]) == (404, "transfer_not_found")
    assert (await routing.get("/v1/transfers/not-a-uuid")).status_code == 422
    assert (await routing.get("/v1/transfers?status=lost")).status_code == 422
    assert (await routing.get("/v1/transfers?date=18-06-2021")).status_code == 422
    assert (await routing.http.get("/v1/transfers")).status_code == 401


async def test_pagination_lists_the_next_departure_first(routing: Routing) -> None:
    evening = await routing.schedule(vn(2021, 6, 18, 14, 0))
    morning = await routing.schedule(vn(2021, 6, 18, 9, 0))
    first = (await routing.get(f"/v1/transfers?agency={routing.agency}&limit=1")).json()
    second = (await routing.get(f"/v1/transfers?agency={routing.agency}&limit=1&offset=1")).json()
    assert (first["total"], first["items"][0]["id"]) == (2, str(morning.batch_id))
    assert second["items"][0]["id"] == str(evening.batch_id)


async def test_the_printable_manifest_is_escaped_vietnamese_html(routing: Routing) -> None:
    slot = await routing.schedule(
        vn(2021, 6, 18, 9, 0), procedure_name="<script>alert(1)</script> Cấp đổi & cấp lại"
    )
    response = await routing.get(f"/v1/transfers/{slot.batch_id}/manifest.html", "leader", routing.agency)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "PHIẾU BÀN GIAO HỒ SƠ" in page
    assert "Buổi sáng ngày 18/06/2021" in page
    assert "11:30 ngày 18/06/2021" in page
    assert "BÊN NHẬN" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Cấp đổi &amp; cấp lại" in page
    assert "Trung tâm Phục vụ hành chính công" in page  # handed over by the centre
