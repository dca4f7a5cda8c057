"""An intake app on the session's real servers, with its own receiving unit and a settable clock."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.intake.app import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Role, issue_token
from shared.clock import VIETNAM, FixedClock
from tests.conftest import Stack, serving


@dataclass
class Intake:
    http: httpx.AsyncClient
    app: FastAPI
    clock: FixedClock
    unit_code: str
    secret: str

    def auth(
        self, role: Role, *, sub: str | None = None, agency: str | None = None, unit: str | None = None
    ) -> dict[str, str]:
        """A token of `role`; reception's names the test's unit unless `unit` says another: the
        test database holds many open units, so a reception token without one is refused."""
        if role == "reception" and unit is None:
            unit = self.unit_code
        token = issue_token(self.secret, sub=sub or f"{role}-1", role=role, agency=agency, unit=unit)
        return {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, body: Any, role: Role = "reception", **headers: str) -> httpx.Response:
        return await self.http.post(path, json=body, headers={**self.auth(role), **headers})


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


@pytest.fixture
async def intake(stack: Stack) -> AsyncIterator[Intake]:
    unit = f"{uuid.uuid4().int % 10**6:06d}.12.H57"
    settings = stack.settings("intake", IntakeSettings, centre_unit_code=unit)
    clock = FixedClock(vn(2021, 6, 18, 8, 30))
    app = create_app(settings, clock)
    async with serving(app, "http://intake") as http:
        yield Intake(http, app, clock, unit, stack.jwt_secret)


def unique_code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


async def routed_procedure(intake: Intake, *, prefix: str, name: str) -> str:
    """A procedure of its own, led by VPDK and routed VPDK then THUE: three required items (DON, GCN,
    CCCD) and one optional (MIEN_GIAM). Returns its code."""
    code = unique_code(prefix)
    body = {
        "code": code,
        "name": name,
        "field_code": "DAT_DAI",
        "field_name": "Đất đai",
        "agency_code": "VPDK",
        "processing_days": 5,
        "service_level": 3,
        "route": [{"agency_code": "VPDK", "days": 3}, {"agency_code": "THUE", "days": 2}],
        "documents": [
            {"code": "DON", "name": "Đơn đề nghị"},
            {"code": "GCN", "name": "Giấy chứng nhận đã cấp"},
            {"code": "CCCD", "name": "Căn cước công dân"},
            {"code": "MIEN_GIAM", "name": "Giấy tờ miễn giảm", "required": False},
        ],
    }
    response = await intake.post("/v1/procedures", body, "admin")
    assert response.status_code == 201, response.text
    return code
