"""The control slip (form 05) is printed on the form of its dossier's rule set, that of the receipt day:
Circular 01/2018 for a dossier received in 2021, the 2025 set's for one received in 2026, whatever
day it is printed."""

from typing import Any

from services.routing.control_slip.document import render_html
from shared.rule_sets import rule_set
from tests.routing.conftest import Routing, agency, new_dossier, vn


def _slip(code: str) -> dict[str, Any]:
    form = rule_set(code).forms["control_slip"]
    return {
        "form": form.number,
        "form_label": form.label,
        "form_title": form.title,
        "form_basis": form.basis_line,
        "code": "000.00.12.H57-210618-0001",
        "procedure_code": "DD-01",
        "procedure_name": "Đăng ký biến động đất đai",
        "lead_agency_code": "VPDK",
        "lead_agency_name": None,
        "received_at": vn(2021, 6, 18, 8, 30),
        "due_at": vn(2021, 7, 2, 8, 30),
        "state": "open",
        "rows": [],
    }


def test_the_page_prints_the_label_title_and_basis_it_is_given() -> None:
    old, new = render_html(_slip("nd61-2018")), render_html(_slip("nd118-2025"))
    assert '<p class="form-number">Mẫu số 05</p>' in old
    assert "(Ban hành kèm theo Thông tư số 01/2018/TT-VPCP)" in old
    assert "<h1>PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ</h1>" in old
    assert "03/2025" not in old
    assert "(Ban hành kèm theo Thông tư số 03/2025/TT-VPCP (verify))" in new
    assert "01/2018" not in new


async def test_a_2021_dossier_and_a_2026_dossier_print_their_own_sets_form_today(routing: Routing) -> None:
    lead = agency("VPDK")
    old = new_dossier((lead, 10))
    new = new_dossier((lead, 10), received_at=vn(2026, 1, 5, 8, 30), due_at=vn(2026, 1, 19, 8, 30))
    routing.clock.set(vn(2026, 1, 6, 9, 0))  # printed in 2026, both of them
    for dossier in (old, new):
        await routing.deliver(dossier.received())
    slips = {}
    for dossier in (old, new):
        path = f"/v1/dossiers/{dossier.code}/control-slip"
        response = await routing.http.get(path, headers=routing.auth("auditor"))
        assert response.status_code == 200, response.text
        page = await routing.http.get(f"{path}.html", headers=routing.auth("auditor"))
        slips[dossier.code] = (response.json(), page.text)

    old_slip, old_page = slips[old.code]
    assert old_slip["form"] == "05"
    assert old_slip["form_basis"] == "(Ban hành kèm theo Thông tư số 01/2018/TT-VPCP)"
    assert "Thông tư số 01/2018/TT-VPCP" in old_page
    new_slip, new_page = slips[new.code]
    assert new_slip["form_basis"] == rule_set("nd118-2025").forms["control_slip"].basis_line
    assert "Thông tư số 03/2025/TT-VPCP" in new_page
    assert "01/2018" not in new_page
