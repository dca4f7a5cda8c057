"""Helpers of the input-edge tests (issue #13 items 5 and 6): a refused input is a 422 problem naming
the field, and changes nothing."""

import base64
import json
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Table, func, select

PROBLEM_JSON = "application/problem+json"


def assert_refused(response: httpx.Response, field: str, code: str = "validation_error") -> None:
    """422 problem+json with the stable `code`; a validation error names `field` (never its value)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    if code == "validation_error":
        assert any(str(error["loc"][-1]) == field for error in body["errors"]), body
        assert "\x00" not in response.text, "the rejected value is not echoed"


async def row_counts(app: FastAPI, *tables: Table) -> list[int]:
    async with app.state.sessions() as session:
        return [int(await session.scalar(select(func.count()).select_from(table)) or 0) for table in tables]


def forged_cursor(due: str, key: object) -> str:
    """A well-formed cursor token this API never gave."""
    return base64.urlsafe_b64encode(json.dumps([due, key]).encode()).decode().rstrip("=")
