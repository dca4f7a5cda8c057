"""`/v1/dead-letters` on a running service (survey's here; every service mounts the same router):
an event its consumer gave up on is applied after the fix, once, by an administrator."""

from sqlalchemy import func, insert, select

from services.survey.models import messaging
from services.survey.replicas.models import agencies
from shared.db.engine import unit_of_work
from tests.survey.conftest import Survey, agency_registered, unique_code


async def test_an_admin_redrives_a_dead_letter_and_its_event_is_applied_once(survey: Survey) -> None:
    code = unique_code("THUE")
    event = agency_registered(code, at=survey.clock.now())
    async with unit_of_work(survey.app.state.sessions) as session:
        letter_id = await session.scalar(
            insert(messaging.dead_letter)
            .values(
                event_id=str(event.id),
                topic="catalog.agency.registered",
                stream_sequence=7,
                deliveries=5,
                payload=event.to_json(),
                error="failed 5 times: a bug since fixed",
            )
            .returning(messaging.dead_letter.c.id)
        )
    admin = survey.auth("admin")

    listed = await survey.http.get("/v1/dead-letters", headers=admin)
    assert listed.status_code == 200, listed.text
    assert letter_id in [item["id"] for item in listed.json()["items"]]
    shown = await survey.http.get(f"/v1/dead-letters/{letter_id}", headers=admin)
    assert shown.json()["payload"] == event.to_json()

    redriven = await survey.http.post(f"/v1/dead-letters/{letter_id}/redrive", headers=admin)
    assert redriven.status_code == 200, redriven.text
    assert redriven.json() == {"id": letter_id, "outcome": "applied"}
    assert await survey.scalar(select(agencies.c.name).where(agencies.c.code == code)) == f"Cơ quan {code}"

    again = await survey.http.post(f"/v1/dead-letters/{letter_id}/redrive", headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "dead_letter_resolved"
    everything = await survey.http.post("/v1/dead-letters/redrive", headers=admin)
    assert letter_id not in [item["id"] for item in everything.json()["redriven"]]
    assert await survey.scalar(select(func.count()).where(messaging.inbox.c.event_id == event.id)) == 1
    resolved = await survey.http.get("/v1/dead-letters", params={"state": "resolved"}, headers=admin)
    mine = [item for item in resolved.json()["items"] if item["id"] == letter_id]
    assert [(item["resolution"], item["resolved_by"]) for item in mine] == [("redriven", "admin-1")]


async def test_dead_letters_are_for_administrators_and_bad_ids_are_4xx(survey: Survey) -> None:
    officer = survey.auth("officer", agency="THUE")
    assert (await survey.http.get("/v1/dead-letters", headers=officer)).status_code == 403
    assert (await survey.http.post("/v1/dead-letters/redrive", headers=officer)).status_code == 403
    assert (await survey.http.get("/v1/dead-letters")).status_code == 401

    admin = survey.auth("admin")
    missing = await survey.http.post("/v1/dead-letters/999999999/redrive", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "dead_letter_not_found")
    assert (await survey.http.get("/v1/dead-letters/0", headers=admin)).status_code == 422
    assert (await survey.http.get("/v1/dead-letters?state=lost", headers=admin)).status_code == 422
