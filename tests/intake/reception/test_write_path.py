"""Reception's write path (issue #17): at the counter, one read and one statement that takes the
unit's day counter and writes everything, committing on its own; an online submission accepted later
takes the counter in the last statement before COMMIT; nothing is read after the writes to answer.
Statements are seen as asyncpg sends them to the real server (a query logger on every connection of
the app's pool)."""

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from services.intake.dossiers import rules
from services.intake.dossiers.models import dossiers
from shared.db.raw import driver
from tests.intake.conftest import Intake
from tests.intake.reception.test_reception import land
from tests.statements import Statements, watching

WRITE = re.compile(r"^\s*(WITH|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
async def statements(intake: Intake) -> AsyncIterator[Statements]:
    async with watching(intake.app.state.sessions.kw["bind"]) as log:
        yield log


def after_last_write(seen: list[str]) -> list[str]:
    last = max(i for i, q in enumerate(seen) if WRITE.match(q))
    return [q.strip().split()[0].upper().rstrip(";") for q in seen[last + 1 :]]


async def test_at_the_counter_one_read_and_one_statement_that_commits_on_its_own(
    intake: Intake, statements: Statements
) -> None:
    # The first request may also refresh the calendar's overrides (`CalendarCache`), which begins a
    # transaction; the second shows the path as it runs all day.
    for _ in range(2):
        response = await intake.post("/v1/dossiers", land())
        assert response.status_code == 201, response.text
    await statements.settle()
    request = statements.of_checkout_running("dossier_counters")
    counter = [i for i, q in enumerate(request) if "dossier_counters" in q][-1:]
    receipt = request[counter[0]]
    assert all(
        f"intake.{table}" in receipt
        for table in ("applicants", "dossiers", "timeline", "outbox", "audit_log", "idempotency_keys")
    )
    # The procedure in force and the token's unit, read together (after the pool's ping, if the
    # connection sat idle long enough to be pinged).
    (read,) = [q for q in request[: counter[0]] if q.strip() != ";"]
    assert "intake.procedures" in read, read
    assert "intake.units" in read, read
    # Each ran in no transaction: no BEGIN before them, and the receipt committed as it ended.
    assert all(q in statements.alone for q in (read, receipt))


async def test_an_online_submission_accepted_by_reception_takes_its_code_the_same_way(
    intake: Intake, statements: Statements
) -> None:
    submitted = await intake.post("/v1/dossiers", land(channel="online"), role="portal")
    assert submitted.status_code == 201, submitted.text
    accepted = await intake.http.post(
        f"/v1/dossiers/{submitted.json()['id']}/accept",
        json={"eligible": True},
        headers=intake.auth("reception"),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["code"].startswith(f"{intake.unit_code}-210618-")
    await statements.settle()
    request = statements.of_checkout_running("dossier_counters")
    assert sum("dossier_counters" in q for q in request) == 1
    assert after_last_write(request) == ["COMMIT"]


async def test_the_database_hashes_the_look_up_secret_as_the_rules_do(intake: Intake) -> None:
    body = (await intake.post("/v1/dossiers", land())).json()
    async with intake.app.state.sessions() as session:
        stored = await session.scalar(
            select(dossiers.c.lookup_secret_hash).where(dossiers.c.id == body["id"])
        )
    assert stored == rules.hash_lookup_secret(body["code"], body["lookup_secret"])
    assert rules.lookup_secret_matches(body["code"], f"  {body['lookup_secret'].lower()} ", stored)


async def test_the_response_is_what_reading_the_dossier_gives(intake: Intake) -> None:
    for documents in (
        land(),
        land(documents=["DON_DANG_KY"]),
        land(eligible=False, refusal_reason="Sai thẩm quyền"),
    ):
        posted = (await intake.post("/v1/dossiers", documents)).json()
        read = (
            await intake.http.get(f"/v1/dossiers/{posted['id']}", headers=intake.auth("reception"))
        ).json()
        assert {**posted, "lookup_secret": None} == read


_VARYING = (
    "submitted_at",
    "received_at",
    "updated_at",
    "at",
    "time",
    "id",
    "event_id",
    "applicant_id",
    "portal_id",
    "lookup_secret_hash",
)


async def written(intake: Intake, dossier: dict[str, Any]) -> dict[str, Any]:
    """Every row reception wrote for `dossier`, its ids, code, portal id and instants left out or made
    anonymous."""
    own = {dossier["id"]: "<id>", dossier["code"]: "<code>", dossier["portal_id"]: "<portal id>"}
    async with intake.app.state.sessions() as session:
        conn = await driver(session)
        row = await conn.fetchrow("SELECT * FROM intake.dossiers WHERE id = $1", uuid.UUID(dossier["id"]))
        rows = {
            "dossier": [row],
            "applicant": await conn.fetch(
                "SELECT * FROM intake.applicants WHERE id = $1", row["applicant_id"]
            ),
            "timeline": await conn.fetch(
                "SELECT * FROM intake.timeline WHERE dossier_id = $1 ORDER BY id", row["id"]
            ),
            "audit": await conn.fetch(
                "SELECT * FROM intake.audit_log WHERE entity IN ($1, $2) ORDER BY id",
                f"dossier:{dossier['id']}",
                f"dossier:{dossier['code']}",
            ),
            "event": await conn.fetch(
                "SELECT payload FROM intake.outbox WHERE payload::jsonb ->> 'subject' = $1", dossier["code"]
            ),
        }

    def anonymous(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: anonymous(v) for k, v in value.items() if k not in _VARYING}
        if isinstance(value, list):
            return [anonymous(v) for v in value]
        text = str(value)
        for known, name in own.items():
            text = text.replace(str(known), name) if known else text
        return text

    return {
        name: [anonymous(json.loads(r["payload"]) if name == "event" else dict(r)) for r in found]
        for name, found in rows.items()
    }


async def test_a_receipt_at_the_counter_writes_the_rows_submit_then_receive_write(intake: Intake) -> None:
    at_once = (await intake.post("/v1/dossiers", land())).json()
    # A portal id at the counter takes the two-statement path (SUBMIT, then RECEIVE in one transaction).
    in_two = (await intake.post("/v1/dossiers", land(portal_id="P-0001"))).json()
    assert at_once["status"] == in_two["status"] == "received"
    ours, theirs = await written(intake, at_once), await written(intake, in_two)
    assert [len(ours[name]) for name in ours] == [1, 1, 2, 2, 1]
    assert ours == theirs
