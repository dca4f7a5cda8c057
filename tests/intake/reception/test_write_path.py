"""Reception's write path (issue #17): the unit's day counter is taken by the last statement before
COMMIT, one statement writes everything that carries the code, and nothing is read after the writes
to answer. Statements are seen as asyncpg sends them to the real server (a query logger on every
connection of the app's pool)."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select

from services.intake.dossiers import rules
from services.intake.dossiers.models import dossiers
from tests.intake.conftest import Intake
from tests.intake.reception.test_reception import land

WRITE = re.compile(r"^\s*(WITH|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@dataclass
class Statements:
    """Every statement the app's connections send from now on, in order, with the connection that sent
    it: SQLAlchemy's, and asyncpg's own (its API's, BEGIN and COMMIT). The app's relay and consumers use
    the same pool, so a request's statements are those of the connection that ran its receipt."""

    seen: list[tuple[int, str]] = field(default_factory=list)

    def of_connection_running(self, fragment: str) -> list[str]:
        owner = next(conn for conn, query in self.seen if fragment in query)
        return [query for conn, query in self.seen if conn == owner]


@pytest.fixture
async def statements(intake: Intake) -> AsyncIterator[Statements]:
    log = Statements()
    engine = intake.app.state.sessions.kw["bind"]
    logging: set[int] = set()

    def on_checkout(dbapi_connection: Any, *_: Any) -> None:
        raw = dbapi_connection.driver_connection
        key = id(raw)
        if key not in logging:
            logging.add(key)
            raw.add_query_logger(lambda record: log.seen.append((key, record.query)))

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        log.seen.append((id(conn.connection.driver_connection), statement))

    event.listen(engine.sync_engine, "checkout", on_checkout)
    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        event.remove(engine.sync_engine, "before_cursor_execute", on_execute)


def after_last_write(seen: list[str]) -> list[str]:
    last = max(i for i, q in enumerate(seen) if WRITE.match(q))
    return [q.strip().split()[0].upper().rstrip(";") for q in seen[last + 1 :]]


async def test_the_counter_is_taken_by_the_last_statement_before_commit(
    intake: Intake, statements: Statements
) -> None:
    response = await intake.post("/v1/dossiers", land())
    assert response.status_code == 201, response.text
    request = statements.of_connection_running("dossier_counters")
    counter = [i for i, q in enumerate(request) if "dossier_counters" in q]
    assert len(counter) == 1, "one statement touches the day's counter"
    receipt = request[counter[0]]
    assert all(f"intake.{table}" in receipt for table in ("dossiers", "timeline", "outbox", "audit_log"))
    # It is the last write, and only the COMMIT follows it: no read to answer.
    assert counter[0] == max(i for i, q in enumerate(request) if WRITE.match(q))
    assert after_last_write(request) == ["COMMIT"]


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
    request = statements.of_connection_running("dossier_counters")
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
