"""Apology letters on clocks built from intake's and routing's events (the consumer's own path): a late
step owes its agency a letter until the agency issues one."""

from typing import Any

from tests.deadline.conftest import Deadline, agency, new_dossier, vn

BODY = {
    "reason": "Chờ kết quả xác minh nghĩa vụ tài chính",
    "apology": "Chi cục Thuế thành thật xin lỗi Ông/Bà vì sự chậm trễ này.",
    "new_return_date": "2021-07-09",
    "signed_by_name": "Phạm Văn Đức",
    "signed_by_title": "Chi cục trưởng",
}


async def _late(deadline: Deadline, agency_code: str) -> list[tuple[str, str]]:
    response = await deadline.http.get(
        "/v1/late-without-apology", headers=deadline.auth("leader", agency_code)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [(item["code"], item["scope"]) for item in items]


async def test_a_late_step_owes_a_letter_until_its_agency_issues_one(deadline: Deadline) -> None:
    lead, thue = agency("VPDK"), agency("THUE")
    dossier = new_dossier(lead, due_at=vn(2021, 7, 2, 8, 30))
    await deadline.deliver(
        dossier.received(),
        dossier.assigned(
            thue, position=1, days="5", assigned=vn(2021, 6, 18, 9, 0), due=vn(2021, 6, 25, 9, 0)
        ),
    )
    deadline.clock.set(vn(2021, 6, 24, 9, 0))
    assert await _late(deadline, thue) == []  # due tomorrow: not late yet

    deadline.clock.set(vn(2021, 6, 28, 9, 0))
    assert (dossier.code, "step") in await _late(deadline, thue)

    step_id = str(dossier.step_id(thue))
    wrong = await deadline.http.post(
        f"/v1/dossiers/{dossier.code}/apologies",
        json={**BODY, "step_id": step_id},
        headers=deadline.auth("leader", lead),
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "not_your_agency")

    issued = await deadline.http.post(
        f"/v1/dossiers/{dossier.code}/apologies",
        json={**BODY, "step_id": step_id},
        headers=deadline.auth("officer", thue),
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["dossier_id"] == str(dossier.id)
    assert issued.json()["issued_before_due"] is False
    assert (issued.json()["timely"], issued.json()["timely_until"]) == (
        False,
        "2021-06-24",
    )  # step due 25 June

    assert (dossier.code, "step") not in await _late(deadline, thue)
    [event] = await deadline.outbox(topic=f"dossier.{thue}.apology_issued")
    assert event["subject"] == dossier.code
    assert event["data"]["agency_code"] == lead
    assert event["data"]["step_id"] == step_id
    assert event["data"]["step_agency_code"] == thue
    assert event["data"]["timely"] is False
    earlier = [
        e["dossierversion"] for e in await deadline.outbox(subject=dossier.code) if e["id"] != event["id"]
    ]
    assert all(version < event["dossierversion"] for version in earlier)  # one counter for deadline's events
