"""Forms 02 (supplement guidance) and 03 (refusal) of Circular 01/2018/TT-VPCP: reception's answer to a
dossier it did not receive, printed as HTML and PDF on real PostgreSQL, for reception of the dossier's
unit and the portal account that submitted it; and the documents themselves, pure."""

import io
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest

from services.intake.decision_forms.document import (
    DecisionFormView,
    MissingItem,
    decision_form_html,
    decision_form_pdf,
)
from shared.printing.form import Applicant, Line
from shared.rule_sets import rule_set
from tests.intake.conftest import Intake, vn
from tests.intake.units.test_reception_units import LAND, new_unit, receive

UNIT_NAME = "Trung tâm Phục vụ hành chính công phường Hương Trà"
UNIT_ADDRESS = "12 Lê Lợi, phường Thuận Hóa, thành phố Huế"
REASON = "Thửa đất đang có tranh chấp, chưa được giải quyết"


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _view(**changes: Any) -> DecisionFormView:
    view = DecisionFormView(
        kind="supplement",
        form=rule_set("nd61-2018").forms["supplement"],
        unit_name=UNIT_NAME,
        unit_address=UNIT_ADDRESS,
        reference=Line("Số phiếu: ", "5a1f"),
        applicant=Applicant("Nguyễn Thị Ánh", "Thôn Dương Nổ Đông", "09******78", "anh@example.vn"),
        procedure_name="Đăng ký biến động đất đai",
        procedure_code="DD-01",
        issued_at=datetime(2021, 6, 18, 1, 30, tzinfo=UTC),
        issued_by="Trần Văn Bình",
        missing=(
            MissingItem("Hợp đồng chuyển nhượng", original=True, copies=1),
            MissingItem("Giấy chứng nhận đã cấp", original=False, copies=2),
        ),
    )
    return replace(view, **changes)


# --- the documents ------------------------------------------------------------------------------


def test_form_02_lists_every_missing_item_with_its_reason_and_the_guiding_officer() -> None:
    html = decision_form_html(_view())
    assert "Mẫu số 02" in html
    assert "(Ban hành kèm theo Thông tư số 01/2018/TT-VPCP)" in html
    assert "<h1>PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ</h1>" in html
    assert "Hợp đồng chuyển nhượng" in html
    assert "Giấy chứng nhận đã cấp" in html
    assert html.count("Thành phần hồ sơ bắt buộc, chưa có trong hồ sơ đã nộp") == 2
    assert "NGƯỜI HƯỚNG DẪN" in html
    assert "Trần Văn Bình" in html
    assert "Ngày 18 tháng 6 năm 2021" in html
    for text in (UNIT_NAME.upper(), UNIT_ADDRESS, "anh@example.vn", "09******78", "Thôn Dương Nổ Đông"):
        assert text in html


def test_form_03_prints_the_reason_paragraph_by_paragraph() -> None:
    view = _view(
        kind="refusal",
        form=rule_set("nd61-2018").forms["refusal"],
        missing=(),
        reason=f"{REASON}\n\nĐề nghị liên hệ UBND xã.",
    )
    html = decision_form_html(view)
    assert "Mẫu số 03" in html
    assert "<h1>PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ</h1>" in html
    assert f"<p>{REASON}</p>" in html
    assert "<p>Đề nghị liên hệ UBND xã.</p>" in html
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in html
    text = _pdf_text(decision_form_pdf(view))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert REASON in text


def test_the_pdf_says_what_the_html_says_in_the_same_bytes_each_time() -> None:
    data = decision_form_pdf(_view())
    assert data.startswith(b"%PDF")
    assert data == decision_form_pdf(_view())
    text = _pdf_text(data)
    for expected in (
        "Mẫu số 02",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Hợp đồng chuyển nhượng",
        "5a1f",
    ):
        assert expected in text


def test_what_the_caller_gives_is_escaped_and_unprintable_letters_stay_out_of_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    html = decision_form_html(_view(applicant=Applicant("<script>x</script>")))
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    with caplog.at_level(logging.DEBUG):
        data = decision_form_pdf(_view(applicant=Applicant("Lý 李 Ánh")))
    assert "Lý ? Ánh" in _pdf_text(data)
    assert not [r for r in caplog.records if "李" in r.getMessage()]


# --- the routes ---------------------------------------------------------------------------------


async def test_an_incomplete_dossier_prints_form_02_with_the_complete_list_as_html_and_pdf(
    intake: Intake,
) -> None:
    unit = await new_unit(intake, name=UNIT_NAME)
    dossier = (await receive(intake, unit, documents=["DON_DANG_KY"])).json()
    assert dossier["status"] == "incomplete"
    as_unit = intake.auth("reception", unit=unit)
    path = f"/v1/dossiers/{dossier['id']}/supplement-guidance"

    page = await intake.http.get(path, params={"format": "html"}, headers=as_unit)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    form = rule_set("nd61-2018").forms["supplement"]
    assert form.label in html
    assert form.basis_line in html
    assert form.title.upper() in html
    assert UNIT_NAME.upper() in html
    assert UNIT_ADDRESS in html
    assert "Nguyễn Văn An" in html
    assert "0912345678" not in html  # the phone masked, the ID number never printed
    assert "046095001234" not in html
    missing = dossier["decision"]["missing_documents"]
    assert len(missing) == 4
    for item in missing:
        assert item["name"] in html
    assert html.count("Thành phần hồ sơ bắt buộc, chưa có trong hồ sơ đã nộp") == 4
    assert f"Số phiếu: <strong>{dossier['id']}</strong>" in html  # a dossier not received has no code

    pdf = await intake.http.get(path, headers=as_unit)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert missing[0]["name"] in _pdf_text(pdf.content)


async def test_a_refused_dossier_prints_form_03_with_its_reason(intake: Intake) -> None:
    unit = await new_unit(intake, name=UNIT_NAME)
    dossier = (await receive(intake, unit, eligible=False, refusal_reason=REASON)).json()
    as_unit = intake.auth("reception", unit=unit)
    path = f"/v1/dossiers/{dossier['id']}/refusal"
    page = await intake.http.get(path, params={"format": "html"}, headers=as_unit)
    assert page.status_code == 200, page.text
    form = rule_set("nd61-2018").forms["refusal"]
    assert form.label in page.text
    assert form.basis_line in page.text
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in page.text
    assert REASON in page.text
    assert UNIT_NAME.upper() in page.text
    pdf = await intake.http.get(path, params={"format": "pdf"}, headers=as_unit)
    assert pdf.content.startswith(b"%PDF")
    assert REASON in _pdf_text(pdf.content)


async def test_a_form_the_dossier_was_not_answered_with_is_a_409_and_an_unknown_dossier_a_404(
    intake: Intake,
) -> None:
    unit = await new_unit(intake)
    as_unit = intake.auth("reception", unit=unit)
    incomplete = (await receive(intake, unit, documents=["DON_DANG_KY"])).json()
    refused = (await receive(intake, unit, eligible=False, refusal_reason=REASON)).json()
    received = (await receive(intake, unit)).json()
    cases = [
        (incomplete["id"], "refusal", "no_refusal"),
        (refused["id"], "supplement-guidance", "no_supplement_guidance"),
        (received["code"], "supplement-guidance", "no_supplement_guidance"),
        (received["code"], "refusal", "no_refusal"),
    ]
    for key, form, code in cases:
        response = await intake.http.get(f"/v1/dossiers/{key}/{form}", headers=as_unit)
        assert (response.status_code, response.json()["code"]) == (409, code), (key, form)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown = await intake.http.get(f"/v1/dossiers/{uuid.uuid4()}/refusal", headers=as_unit)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "dossier_not_found")


async def test_reception_of_another_unit_is_refused_as_for_the_receipt(intake: Intake) -> None:
    a, b = await new_unit(intake), await new_unit(intake)
    dossier = (await receive(intake, b, documents=["DON_DANG_KY"])).json()
    path = f"/v1/dossiers/{dossier['id']}/supplement-guidance"
    other = await intake.http.get(path, headers=intake.auth("reception", unit=a))
    assert (other.status_code, other.json()["code"]) == (403, "not_your_unit")
    officer = await intake.http.get(path, headers=intake.auth("officer", agency="VPDK"))
    assert (officer.status_code, officer.json()["code"]) == (403, "forbidden_role")


async def test_the_submitting_portal_prints_its_own_online_dossiers_form_and_no_one_elses(
    intake: Intake,
) -> None:
    unit = await new_unit(intake, name=UNIT_NAME)
    portal_id = f"DVC-{uuid.uuid4().hex[:10]}"
    submitted = await intake.post(
        "/v1/dossiers", {**LAND, "channel": "online", "portal_id": portal_id, "unit_code": unit}, "portal"
    )
    assert submitted.status_code == 201, submitted.text
    checked = await intake.http.post(
        f"/v1/dossiers/{portal_id}/accept",
        json={"documents": ["DON_DANG_KY"]},
        headers=intake.auth("reception", unit=unit),
    )
    assert checked.json()["status"] == "incomplete", checked.text
    path = f"/v1/dossiers/{portal_id}/supplement-guidance"
    own = await intake.http.get(path, params={"format": "html"}, headers=intake.auth("portal"))
    assert own.status_code == 200, own.text
    assert portal_id in own.text  # named by the portal's id: a dossier not received has no code
    stranger = await intake.http.get(path, headers=intake.auth("portal", sub="portal-2"))
    assert (stranger.status_code, stranger.json()["code"]) == (404, "dossier_not_found")


async def test_the_form_is_that_of_the_rule_set_of_the_day_it_was_issued(intake: Intake) -> None:
    unit = await new_unit(intake)
    intake.clock.set(vn(2026, 1, 6, 9, 0))
    dossier = (await receive(intake, unit, eligible=False, refusal_reason=REASON)).json()
    assert dossier["rule_set"] is None  # not received: no receipt day
    response = await intake.http.get(
        f"/v1/dossiers/{dossier['id']}/refusal",
        params={"format": "html"},
        headers=intake.auth("reception", unit=unit),
    )
    assert response.status_code == 200, response.text
    assert rule_set("nd118-2025").forms["refusal"].basis_line in response.text
    assert "01/2018" not in response.text
    assert "Ngày 06 tháng 01 năm 2026" in response.text
