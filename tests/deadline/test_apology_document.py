"""Form 04 rendered without servers (escaped, NFC, Vietnam dates, blanks for what is unknown), and the
apology rules as pure functions."""

import io
import logging
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pypdf
import pytest

from services.deadline.apology import rules
from services.deadline.apology.document import BLANK, ApologyView, apology_html, apology_pdf
from shared.clock import VIETNAM
from shared.rule_sets import rule_set


def _view(**changes: object) -> ApologyView:
    view = ApologyView(
        agency_name="Chi nhánh Văn phòng đăng ký đất đai huyện Phú Vang",
        dossier_code="000.00.12.H57-210618-0001",
        applicant_name="Nguyễn Thị Ánh",
        procedure_name="Đăng ký biến động quyền sử dụng đất",
        received_at=datetime(2021, 6, 18, 1, 30, tzinfo=UTC),  # 08:30 in Vietnam
        appointment_at=datetime(2021, 7, 2, 9, 0, tzinfo=UTC),  # 16:00 in Vietnam
        reason="Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường",
        apology="Sự chậm trễ này đã gây phiền hà cho Ông/Bà.\n\nChúng tôi thành thật xin lỗi.",
        new_return_date=date(2021, 7, 9),
        signed_by_name="Lê Thị Hường",
        signed_by_title="Giám đốc",
        issued_at=datetime(2021, 7, 4, 17, 30, tzinfo=UTC),  # 00:30 on 5 July in Vietnam
        form=rule_set("nd61-2018").forms["apology"],
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_html_is_a_self_contained_printable_form_04() -> None:
    html = apology_html(_view())
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html
    assert "@page { size: A4;" in html
    assert "@media print" in html
    assert not re.search(r"<link|<script|<img|\bsrc=|@import|url\(", html)
    assert "Mẫu số 04" in html
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Độc lập - Tự do - Hạnh phúc" in html


def test_html_shows_dates_in_vietnam_and_the_new_return_date() -> None:
    html = apology_html(_view())
    assert "Ngày 05 tháng 7 năm 2021" in html  # issued: already 5 July in Vietnam
    assert "08 giờ 30 phút, ngày 18 tháng 6 năm 2021" in html
    assert "16 giờ 00 phút, ngày 02 tháng 7 năm 2021" in html
    assert "Ngày 09 tháng 7 năm 2021." in html


def test_html_keeps_the_apology_paragraphs_and_escapes_every_value() -> None:
    html = apology_html(_view(reason="<script>alert(1)</script>", signed_by_name='"Hường" & <b>'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;Hường&quot; &amp; &lt;b&gt;" in html
    assert '<p class="text">Sự chậm trễ này đã gây phiền hà cho Ông/Bà.</p>' in html
    assert '<p class="text">Chúng tôi thành thật xin lỗi.</p>' in html


def test_decomposed_input_prints_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    html = apology_html(_view(applicant_name=decomposed, signed_by_name=decomposed))
    assert "Nguyễn Thị Ánh" in html
    assert decomposed not in html
    assert "Nguyễn Thị Ánh" in _pdf_text(apology_pdf(_view(applicant_name=decomposed)))


def test_what_deadline_does_not_know_prints_as_a_line_to_fill_in() -> None:
    view = _view(applicant_name=None, procedure_name=None, received_at=None, appointment_at=None)
    html = apology_html(view)
    assert f"Kính gửi: <strong>{BLANK}</strong>" in html
    assert html.count(BLANK) == 4
    assert "Kính gửi:" in _pdf_text(apology_pdf(view))


def test_the_head_signs_under_the_title_in_capitals() -> None:
    html = apology_html(_view())
    assert "<strong>GIÁM ĐỐC</strong>" in html
    assert "(Ký, ghi rõ họ tên và đóng dấu)" in html
    assert '<section class="signatures"><div></div><div>' in html  # alone, on the right


def test_pdf_has_the_letter_with_diacritics_intact() -> None:
    data = apology_pdf(_view())
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    for expected in (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI HUYỆN PHÚ VANG",
        "Kính gửi: Nguyễn Thị Ánh",
        "Lý do: Chờ ý kiến thẩm định của Sở Tài nguyên và Môi trường",
        "Sự chậm trễ này đã gây phiền hà cho Ông/Bà.",
        "Ngày 09 tháng 7 năm 2021.",
        "GIÁM ĐỐC",
        "Lê Thị Hường",
    ):
        assert expected in text


def test_pdf_is_the_same_bytes_for_the_same_letter() -> None:
    assert apology_pdf(_view()) == apology_pdf(_view())


def test_pdf_replaces_characters_the_font_lacks_without_logging_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        data = apology_pdf(_view(applicant_name="Lý 李 Ánh"))
    assert "Lý ? Ánh" in _pdf_text(data)
    assert not [r for r in caplog.records if "李" in r.getMessage()]


def test_a_long_apology_continues_on_a_second_page() -> None:
    data = apology_pdf(
        _view(apology="\n".join(f"Đoạn thứ {i}: chúng tôi xin lỗi Ông/Bà." for i in range(80)))
    )
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 2
    text = _pdf_text(data)
    assert "Đoạn thứ 79" in text
    assert "Lê Thị Hường" in text


# --- rules --------------------------------------------------------------------------------------


def test_the_new_date_must_be_after_today_in_vietnam() -> None:
    late_evening = datetime(2021, 7, 5, 23, 30, tzinfo=VIETNAM)  # still 5 July, 16:30 UTC
    refused = rules.check_new_return_date(date(2021, 7, 5), now=late_evening, due_at=None)
    assert refused is not None
    assert (refused.status, refused.code) == (422, "return_date_not_in_future")
    assert rules.check_new_return_date(date(2021, 7, 6), now=late_evening, due_at=None) is None
    just_after_midnight = datetime(2021, 7, 5, 17, 10, tzinfo=UTC)  # 00:10 on 6 July in Vietnam
    assert rules.check_new_return_date(date(2021, 7, 6), now=just_after_midnight, due_at=None) is not None


def test_the_new_date_must_be_after_the_current_due_date() -> None:
    now = datetime(2021, 7, 1, 9, 0, tzinfo=VIETNAM)
    due = datetime(2021, 7, 2, 23, 0, tzinfo=UTC)  # 06:00 on 3 July in Vietnam
    refused = rules.check_new_return_date(date(2021, 7, 3), now=now, due_at=due)
    assert refused is not None
    assert refused.code == "return_date_not_after_due"
    assert rules.check_new_return_date(date(2021, 7, 4), now=now, due_at=due) is None


def test_one_new_return_date_at_a_time() -> None:
    now = datetime(2021, 7, 5, 9, 0, tzinfo=VIETNAM)
    assert rules.check_return_date_pending(None, now=now) is None
    assert rules.check_return_date_pending(date(2021, 7, 4), now=now) is None  # missed: another may follow
    refused = rules.check_return_date_pending(date(2021, 7, 5), now=now)  # today: it still stands
    assert refused is not None
    assert (refused.status, refused.code) == (409, "return_date_pending")


def test_a_stopped_clock_takes_no_letter() -> None:
    open_states = frozenset({"pending", "running", "paused"})
    assert rules.check_open("running", open_states) is None
    assert rules.check_open(None, open_states) is None
    refused = rules.check_open("stopped", open_states)
    assert refused is not None
    assert refused.code == "clock_closed"


def test_in_time_and_days_late_are_by_vietnam_dates() -> None:
    due = datetime(2021, 7, 2, 9, 0, tzinfo=UTC)  # 16:00 on 2 July in Vietnam
    assert rules.issued_before_due(datetime(2021, 7, 2, 16, 59, tzinfo=UTC), due) is True  # 23:59
    assert rules.issued_before_due(datetime(2021, 7, 2, 17, 0, tzinfo=UTC), due) is False  # 00:00 next
    assert rules.issued_before_due(datetime(2021, 7, 2, tzinfo=UTC), None) is None
    assert rules.days_late(due, until=datetime(2021, 7, 5, 9, 0, tzinfo=VIETNAM)) == 3
    assert rules.days_late(due, until=datetime(2021, 7, 2, 23, 0, tzinfo=VIETNAM)) == 0


# --- rule sets ------------------------------------------------------------------------------------


def test_the_letter_takes_the_form_of_the_receipt_days_rule_set_never_the_issue_days() -> None:
    issued = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
    old = rules.letter_form(datetime(2021, 6, 18, 1, 30, tzinfo=UTC), issued_at=issued)
    new = rules.letter_form(datetime(2026, 1, 5, 1, 30, tzinfo=UTC), issued_at=issued)
    assert old == rule_set("nd61-2018").forms["apology"]
    assert new == rule_set("nd118-2025").forms["apology"]
    # A dossier whose receipt deadline never heard of goes by the letter's issue day.
    assert rules.letter_form(None, issued_at=issued) == new


def test_a_2021_letter_prints_circular_01_2018_and_a_2026_letter_the_2025_sets_basis() -> None:
    issued = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
    old = _view(form=rules.letter_form(datetime(2021, 6, 18, 1, 30, tzinfo=UTC), issued_at=issued))
    new = _view(form=rules.letter_form(datetime(2026, 1, 5, 1, 30, tzinfo=UTC), issued_at=issued))
    assert "(Ban hành kèm theo Thông tư số 01/2018/TT-VPCP)" in apology_html(old)
    assert "03/2025" not in apology_html(old)
    assert "Thông tư số 03/2025/TT-VPCP" in apology_html(new)
    assert "01/2018" not in apology_html(new)
    assert "Thông tư số 01/2018/TT-VPCP" in _pdf_text(apology_pdf(old))
    assert "Thông tư số 03/2025/TT-VPCP" in _pdf_text(apology_pdf(new))
