"""A land dossier walked through three agencies on real PostgreSQL: a supplement (shift policy), a pause
for the financial obligation at the tax office, an extension request and a late step, then the
control slip that names the agency that was late."""

from datetime import datetime

from tests.routing.conftest import Routing, agency, iso, new_dossier, vn


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_land_dossier_goes_through_three_agencies_and_the_slip_names_the_late_one(
    routing: Routing,
) -> None:
    vpdk, thue, tnmt = agency("VPDK"), agency("THUE"), agency("TNMT")
    dossier = new_dossier((vpdk, 5), (thue, 3), (tnmt, 2))
    clock = routing.clock

    # Friday 18 June 2021 08:30: received; the land registry's 5 working days run to Friday 25 June.
    await routing.deliver(dossier.received())
    first = await routing.step(dossier.code, 1)
    assert first["state"] == "assigned"
    assert at(first["due_at"]) == at(first["original_due_at"]) == vn(2021, 6, 25, 8, 30)
    assert (await routing.step(dossier.code, 2))["state"] == "pending"

    clock.set(vn(2021, 6, 18, 9, 0))
    assert (await routing.act(first["id"], "accept", agency=vpdk)).json()["state"] == "in_progress"

    # Monday 21 June 09:00: a supplement asked; Wednesday 23 June 09:00 the citizen brings it in.
    clock.set(vn(2021, 6, 21, 9, 0))
    asked = await routing.act(
        first["id"],
        "supplement",
        {"items": [{"code": "GCN", "name": "Giấy chứng nhận", "reason": "Bản sao không rõ"}]},
        agency=vpdk,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["state"] == "paused"
    clock.set(vn(2021, 6, 23, 9, 5))
    await routing.deliver(
        dossier.event(
            "dossier.supplement_received",
            vn(2021, 6, 23, 9, 0),
            documents=["GCN"],
            received_at=iso(vn(2021, 6, 23, 9, 0)),
            note=None,
            imported=False,
        )
    )
    resumed = await routing.step(dossier.code, 1)
    assert resumed["state"] == "in_progress"
    assert resumed["paused_minutes"] == 2 * 480
    # Shift: two working days later; the original due stays where it was.
    assert at(resumed["due_at"]) == at(resumed["sla_due_at"]) == vn(2021, 6, 29, 8, 30)
    assert at(resumed["original_due_at"]) == vn(2021, 6, 25, 8, 30)

    # Monday 28 June 10:00: the registry is done a day early; the tax office starts at once.
    clock.set(vn(2021, 6, 28, 10, 0))
    done = await routing.act(first["id"], "complete", {"note": "Đã xác minh hồ sơ"}, agency=vpdk)
    assert done.json()["state"] == "completed"
    second = await routing.step(dossier.code, 2)
    assert (second["state"], second["from_agency_code"]) == ("assigned", vpdk)
    assert at(second["due_at"]) == vn(2021, 7, 1, 10, 0)

    # The tax office pauses for the financial obligation one working day (29 → 30 June).
    clock.set(vn(2021, 6, 28, 10, 30))
    await routing.act(second["id"], "accept", agency=thue)
    clock.set(vn(2021, 6, 29, 10, 0))
    paused = await routing.act(second["id"], "obligation", {"note": "Thông báo thuế TNCN"}, agency=thue)
    assert (paused.json()["state"], paused.json()["pause_reason"]) == ("paused", "financial_obligation")
    clock.set(vn(2021, 6, 30, 10, 0))
    met = await routing.act(second["id"], "obligation/fulfilled", {"note": "Đã nộp"}, agency=thue)
    assert at(met.json()["due_at"]) == vn(2021, 7, 2, 10, 0)
    # Friday 2 July 15:00: later in the day than its due (10:00) but the same date: on time.
    clock.set(vn(2021, 7, 2, 15, 0))
    await routing.act(second["id"], "complete", {"note": "Đã xác định nghĩa vụ tài chính"}, agency=thue)

    third = await routing.step(dossier.code, 3)
    assert at(third["due_at"]) == vn(2021, 7, 6, 15, 0)
    # An officer of another agency can do nothing to it.
    assert (await routing.act(third["id"], "accept", agency=thue)).status_code == 403

    # Monday 5 July: the department asks for two more days; the deadline service grants them.
    clock.set(vn(2021, 7, 5, 9, 0))
    await routing.act(third["id"], "accept", agency=tnmt)
    clock.set(vn(2021, 7, 5, 10, 0))
    extension = await routing.act(
        third["id"], "extension", {"reason": "Cần xác minh thực địa", "days": 2}, agency=tnmt
    )
    assert extension.status_code == 200, extension.text
    await routing.deliver(
        dossier.event(
            "dossier.extension_granted",
            vn(2021, 7, 5, 14, 0),
            step_id=third["id"],
            step_agency_code=tnmt,
            due_at=iso(vn(2021, 7, 6, 15, 0)),
            new_due_at=iso(vn(2021, 7, 8, 15, 0)),
            reason="Đồng ý gia hạn",
            decided_at=iso(vn(2021, 7, 5, 14, 0)),
        )
    )
    extended = await routing.step(dossier.code, 3)
    assert at(extended["due_at"]) == vn(2021, 7, 8, 15, 0)
    assert at(extended["sla_due_at"]) == at(extended["original_due_at"]) == vn(2021, 7, 6, 15, 0)

    # Wednesday 7 July: done within the extension, yet late: an extension never makes a step on time.
    clock.set(vn(2021, 7, 7, 10, 0))
    await routing.act(third["id"], "complete", {"note": "Đã cấp giấy chứng nhận"}, agency=tnmt)
    plan = await routing.plan(dossier.code)
    assert plan["state"] == "resolved"

    slip = (
        await routing.http.get(f"/v1/dossiers/{dossier.code}/control-slip", headers=routing.auth("reception"))
    ).json()
    hand_offs = [(r["giving"], r["receiving"], r["outcome"]) for r in slip["rows"]]
    assert hand_offs == [
        ("Trung tâm", vpdk, "early"),
        (vpdk, thue, "on_time"),
        (thue, tnmt, "late"),
        (tnmt, "Trung tâm", None),
    ]
    late = slip["rows"][2]
    assert late["outcome_label"] == "Quá hạn"
    assert at(late["due_at"]) == vn(2021, 7, 6, 15, 0)
    assert at(late["extended_due_at"]) == vn(2021, 7, 8, 15, 0)
    assert at(slip["rows"][0]["time_in"]) == vn(2021, 6, 18, 8, 30)
    assert at(slip["rows"][0]["time_out"]) == vn(2021, 6, 28, 10, 0)

    page = await routing.http.get(
        f"/v1/dossiers/{dossier.code}/control-slip.html", headers=routing.auth("auditor")
    )
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in html
    assert "Giao: Trung tâm" in html
    assert html.count('<td class="late">Quá hạn</td>') == 1
    assert "08 giờ 30, ngày 18/06/2021" in html

    await _the_events_tell_the_same_story(routing, dossier.code, dossier.lead, vpdk, thue, tnmt)


async def _the_events_tell_the_same_story(
    routing: Routing, code: str, lead: str, vpdk: str, thue: str, tnmt: str
) -> None:
    events = await routing.events(code)
    assert [(e["topic"], e["dossierversion"]) for e in events] == [
        (f"dossier.{vpdk}.step.assigned", 1),
        (f"dossier.{vpdk}.supplement_requested", 2),
        (f"dossier.{vpdk}.step.paused", 3),
        (f"dossier.{vpdk}.step.resumed", 4),
        (f"dossier.{vpdk}.step.completed", 5),
        (f"dossier.{thue}.step.assigned", 6),
        (f"dossier.{thue}.step.paused", 7),
        (f"dossier.{thue}.step.resumed", 8),
        (f"dossier.{thue}.step.completed", 9),
        (f"dossier.{tnmt}.step.assigned", 10),
        (f"dossier.{tnmt}.extension_requested", 11),
        (f"dossier.{tnmt}.step.completed", 12),
        (f"dossier.{lead}.resolved", 13),
    ]
    assert all(e["type"] == f"vn.motcua.dossier.{e['topic'].split('.', 2)[2]}.v1" for e in events)
    assert all(e["data"]["agency_code"] == lead and e["data"]["code"] == code for e in events)
    outcomes = [e["data"]["outcome"] for e in events if e["type"].endswith("step.completed.v1")]
    assert outcomes == ["early", "on_time", "late"]
    assert events[4]["data"]["next_agency_codes"] == [thue]
    assert events[0]["data"]["from_agency_code"] is None
    assert events[0]["data"]["transfer"] == "electronic"
    assert events[3]["data"]["policy"] == "shift"
    assert events[10]["data"]["days"] == 2
    assert events[10]["data"]["requested_by"] == f"officer-{tnmt}"
    assert at(events[12]["data"]["resolved_at"]) == vn(2021, 7, 7, 10, 0)
    assert "Nguyễn Văn An" not in str([e["data"] for e in events]), "no personal data in routing's events"
