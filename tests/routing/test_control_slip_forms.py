"""The control slip (form 05 of Circular 01/2018/TT-VPCP) prints what the form asks of each hand-off
and of the dossier: a box for the giver's and one for the receiver's signature on every row, the
coordinating agencies, who the dossier is for, and agencies by name where routing knows it (the lead's,
from `dossier.received`; the others by code)."""

from typing import Any

from services.routing.control_slip.document import render_html
from services.routing.control_slip.rules import coordinating_agencies, party_name
from shared.rule_sets import rule_set
from tests.routing.conftest import Routing, agency, new_dossier, vn

LEAD_NAME = "Chi nhánh Văn phòng đăng ký đất đai"  # what the test dossiers' snapshot names the lead


def _row(giving: str, receiving: str, **changes: Any) -> dict[str, Any]:
    return {
        "position": 1,
        "group": 1,
        "giving": giving,
        "receiving": receiving,
        "giving_name": party_name(giving, {"VPDK": LEAD_NAME}),
        "receiving_name": party_name(receiving, {"VPDK": LEAD_NAME}),
        "time_in": vn(2021, 6, 18, 8, 30),
        "time_out": None,
        "due_at": vn(2021, 6, 25, 8, 30),
        "original_due_at": vn(2021, 6, 25, 8, 30),
        "extended_due_at": None,
        "outcome": None,
        "outcome_label": None,
        "overdue_now": False,
        "state": "in_progress",
        "note": None,
        **changes,
    }


def _slip(**changes: Any) -> dict[str, Any]:
    form = rule_set("nd61-2018").forms["control_slip"]
    return {
        "form": form.number,
        "form_label": form.label,
        "form_title": form.title,
        "form_basis": form.basis_line,
        "code": "000.00.12.H57-210618-0001",
        "procedure_code": "DD-01",
        "procedure_name": "Đăng ký biến động đất đai",
        "lead_agency_code": "VPDK",
        "lead_agency_name": LEAD_NAME,
        "coordinating_agencies": [{"code": "THUE", "name": None}, {"code": "TNMT", "name": None}],
        "applicant_name": "Nguyễn Thị <Ánh>",
        "received_at": vn(2021, 6, 18, 8, 30),
        "due_at": vn(2021, 7, 2, 8, 30),
        "state": "open",
        "rows": [_row("Trung tâm", "VPDK"), _row("VPDK", "THUE", position=2)],
        **changes,
    }


def test_each_hand_off_has_a_box_for_the_givers_and_one_for_the_receivers_signature() -> None:
    html = render_html(_slip())
    assert html.count('<td class="handoff">') == 2
    assert html.count("<p>Người giao</p>") == 2
    assert html.count("<p>Người nhận</p>") == 2


def test_the_slip_names_the_applicant_the_lead_and_the_coordinating_agencies() -> None:
    html = render_html(_slip())
    assert "Kèm theo hồ sơ của: <strong>Nguyễn Thị &lt;Ánh&gt;</strong>" in html
    assert f"Cơ quan chủ trì giải quyết: <strong>{LEAD_NAME}</strong>" in html
    assert "Cơ quan phối hợp giải quyết: <strong>THUE, TNMT</strong>" in html
    assert f"Giao: Trung tâm\nNhận: {LEAD_NAME}" in html
    assert f"Giao: {LEAD_NAME}\nNhận: THUE" in html


def test_a_route_of_one_agency_has_no_coordinating_agency() -> None:
    assert "Cơ quan phối hợp giải quyết: <strong>Không</strong>" in render_html(
        _slip(coordinating_agencies=[])
    )
    assert coordinating_agencies("VPDK", ["VPDK"]) == []
    assert coordinating_agencies("VPDK", ["THUE", "VPDK", "TNMT", "THUE"]) == ["THUE", "TNMT"]


async def test_the_slip_of_a_routed_dossier_prints_names_applicant_and_coordinating_agencies(
    routing: Routing,
) -> None:
    lead, tax, env = agency("VPDK"), agency("THUE"), agency("TNMT")
    dossier = new_dossier((lead, 4), (tax, 3), (env, 3))
    await routing.deliver(dossier.received())
    step = await routing.step(dossier.code, 1)
    assert (await routing.act(step["id"], "accept", agency=lead)).status_code == 200
    routing.clock.set(vn(2021, 6, 21, 9, 0))
    assert (await routing.act(step["id"], "complete", {"note": "xong"}, agency=lead)).status_code == 200

    path = f"/v1/dossiers/{dossier.code}/control-slip"
    slip = (await routing.http.get(path, headers=routing.auth("auditor"))).json()
    assert slip["applicant_name"] == "Nguyễn Văn An"
    assert slip["coordinating_agencies"] == [{"code": tax, "name": None}, {"code": env, "name": None}]
    assert [(r["giving"], r["giving_name"], r["receiving"], r["receiving_name"]) for r in slip["rows"]] == [
        ("Trung tâm", "Trung tâm", lead, LEAD_NAME),
        (lead, LEAD_NAME, tax, tax),
    ]

    page = await routing.http.get(f"{path}.html", headers=routing.auth("auditor"))
    assert page.status_code == 200, page.text
    html = page.text
    assert "Kèm theo hồ sơ của: <strong>Nguyễn Văn An</strong>" in html
    assert f"Cơ quan phối hợp giải quyết: <strong>{tax}, {env}</strong>" in html
    assert f"Giao: Trung tâm\nNhận: {LEAD_NAME}" in html
    assert f"Giao: {LEAD_NAME}\nNhận: {tax}" in html
    assert html.count("<p>Người giao</p>") == html.count("<p>Người nhận</p>") == 2
