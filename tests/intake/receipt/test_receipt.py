"""The receipt (form 01) as HTML and PDF: escaped, Vietnamese intact, Vietnam time, a QR code
that encodes the look-up address."""

import io
import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser

import pypdf
import pytest
import qrcode
import qrcode.constants

from services.intake.receipt.document import (
    ProcessingTime,
    ReceiptDocument,
    ReceiptView,
    processing_time_text,
    qr_matrix,
    receipt_html,
    receipt_pdf,
)
from shared.printing import vietnamese_date, vietnamese_datetime
from shared.rule_sets import Form, rule_set

CODE = "000.00.12.H57-210618-0001"
URL = f"https://motcua.example/tra-cuu?ma={CODE}&bi-mat=K7Q2-9XWD"
SVG = "{http://www.w3.org/2000/svg}"


def _view(**changes: object) -> ReceiptView:
    view = ReceiptView(
        centre_name="Bộ phận tiếp nhận và trả kết quả huyện Phú Vang",
        dossier_code=CODE,
        procedure_name="Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        procedure_code="1.004227",
        applicant_name="Nguyễn Thị Ánh",
        applicant_address="Thôn Dương Nổ Đông, xã Phú Dương, huyện Phú Vang",
        applicant_phone_masked="09******78",
        received_at=datetime(2021, 6, 18, 1, 30, tzinfo=UTC),  # 08:30 in Vietnam
        appointment_at=datetime(2021, 6, 25, 7, 30, tzinfo=UTC),  # 14:30 in Vietnam
        documents=(
            ReceiptDocument("Đơn đăng ký (Mẫu số 04a/ĐK)", original=True, copies=1),
            ReceiptDocument("Giấy tờ về quyền sử dụng đất", original=False, copies=2),
        ),
        received_by="Trần Văn Bình",
        lookup_url=URL,
        lookup_secret="K7Q2-9XWD",
        form=rule_set("nd61-2018").forms["receipt"],
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())  # a wrapped line reads as one


class _Cells(HTMLParser):
    """The text of each <td> of each <tr> in <tbody>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data


def _svg_matrix(html: str) -> list[list[bool]]:
    """Rebuilds the module matrix from the inline SVG's path of `M x y h n v1 h-n z` runs."""
    found = re.search(r"<svg.*?</svg>", html, re.DOTALL)
    assert found is not None
    svg = ET.fromstring(found[0])  # noqa: S314 (our own output, not untrusted input)
    _, _, width, height = (int(v) for v in svg.attrib["viewBox"].split())
    assert width == height
    matrix = [[False] * width for _ in range(height)]
    path = svg.find(f"{SVG}path")
    assert path is not None
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.attrib["d"]):
        for i in range(int(n)):
            matrix[int(y)][int(x) + i] = True
    return matrix


# --- HTML ---------------------------------------------------------------------------------------


def test_html_escapes_every_value_the_caller_gives() -> None:
    html = receipt_html(
        _view(
            applicant_name="<script>alert(1)</script>",
            applicant_address='"quoted" & <b>bold</b>',
            received_by="<img src=x onerror=alert(2)>",
        )
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_html_is_a_self_contained_printable_vietnamese_page() -> None:
    html = receipt_html(_view())
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html
    assert '<meta charset="utf-8">' in html
    assert "@media print" in html
    assert "@page { size: A4;" in html
    assert not re.search(r"<link|<script|<img|\bsrc=|@import|url\(", html)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Độc lập - Tự do - Hạnh phúc" in html
    assert "NGƯỜI NỘP HỒ SƠ" in html
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in html
    assert "Mẫu số 01" in html


def test_html_keeps_diacritics_and_normalises_decomposed_input_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    html = receipt_html(_view(applicant_name=decomposed))
    assert "Nguyễn Thị Ánh" in html
    assert decomposed not in html


def test_html_shows_dossier_applicant_procedure_and_secret() -> None:
    html = receipt_html(_view())
    assert CODE in html
    assert "Nguyễn Thị Ánh" in html
    assert "Thôn Dương Nổ Đông" in html
    assert "09******78" in html
    assert "Cấp giấy chứng nhận quyền sử dụng đất lần đầu" in html
    assert "1.004227" in html
    assert "K7Q2-9XWD" in html
    assert "Trần Văn Bình" in html


def test_html_leaves_out_address_and_phone_the_applicant_did_not_give() -> None:
    html = receipt_html(_view(applicant_address=None, applicant_phone_masked=None))
    assert "Địa chỉ" not in html
    assert "Số điện thoại" not in html


def test_html_numbers_the_documents_with_original_or_copy_and_count() -> None:
    parser = _Cells()
    parser.feed(receipt_html(_view()))
    assert parser.rows == [
        ["1", "Đơn đăng ký (Mẫu số 04a/ĐK)", "Bản chính", "1"],
        ["2", "Giấy tờ về quyền sử dụng đất", "Bản sao", "2"],
    ]


def test_html_shows_times_in_vietnam_even_when_given_in_utc() -> None:
    html = receipt_html(_view())
    assert "08 giờ 30 phút, ngày 18 tháng 6 năm 2021" in html
    assert "14 giờ 30 phút, ngày 25 tháng 6 năm 2021" in html
    assert "Ngày 18 tháng 6 năm 2021" in html


def test_the_form_is_data_its_number_title_and_basis_printed_as_given() -> None:
    form = Form(number="01a", title="Giấy biên nhận", basis="Thông tư số 99/2030/TT-VPCP")
    html = receipt_html(_view(form=form))
    assert "Mẫu số 01a" in html
    assert "(Ban hành kèm theo Thông tư số 99/2030/TT-VPCP)" in html
    assert "<h1>GIẤY BIÊN NHẬN</h1>" in html
    assert "GIẤY BIÊN NHẬN" in _pdf_text(receipt_pdf(_view(form=form)))


def test_each_era_prints_its_own_basis_in_html_and_pdf() -> None:
    old = _view()
    new = _view(form=rule_set("nd118-2025").forms["receipt"])
    assert "Thông tư số 01/2018/TT-VPCP" in receipt_html(old)
    assert "03/2025" not in receipt_html(old)
    assert "Thông tư số 03/2025/TT-VPCP" in receipt_html(new)
    assert "01/2018" not in receipt_html(new)
    assert "Thông tư số 01/2018/TT-VPCP" in _pdf_text(receipt_pdf(old))
    assert "Thông tư số 03/2025/TT-VPCP" in _pdf_text(receipt_pdf(new))


def test_html_qr_svg_decodes_to_the_matrix_of_the_lookup_url() -> None:
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    expected.add_data(URL)
    expected.make(fit=True)
    side = 17 + 4 * expected.version + 2 * 4  # modules of that version plus the quiet zone

    matrix = _svg_matrix(receipt_html(_view()))

    assert len(matrix) == side
    assert matrix == expected.get_matrix()


# --- dates --------------------------------------------------------------------------------------


def test_dates_pad_days_below_ten_and_months_one_and_two() -> None:
    # 17:05 UTC on 3 February is past midnight in Vietnam (UTC+7).
    assert vietnamese_datetime(datetime(2021, 2, 3, 17, 5, tzinfo=UTC)) == (
        "00 giờ 05 phút, ngày 04 tháng 02 năm 2021"
    )
    assert vietnamese_date(datetime(2021, 11, 9, 3, 0, tzinfo=UTC)) == "ngày 09 tháng 11 năm 2021"


def test_dates_in_any_zone_are_shown_in_vietnam_time() -> None:
    paris = timezone(timedelta(hours=2))
    assert vietnamese_datetime(datetime(2021, 6, 18, 3, 30, tzinfo=paris)) == (
        "08 giờ 30 phút, ngày 18 tháng 6 năm 2021"
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        receipt_html(_view(received_at=datetime(2021, 6, 18, 8, 30)))


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_has_the_dossier_code_vietnamese_names_and_vietnam_times() -> None:
    data = receipt_pdf(_view())
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert CODE in text
    assert "Nguyễn Thị Ánh" in text
    assert "Trần Văn Bình" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "08 giờ 30 phút, ngày 18 tháng 6 năm 2021" in text
    assert "14 giờ 30 phút, ngày 25 tháng 6 năm 2021" in text
    assert "K7Q2-9XWD" in text
    assert "Bản chính" in text
    assert "Bản sao" in text


def test_pdf_draws_the_qr_code_as_one_filled_rectangle_per_run_of_dark_modules() -> None:
    reader = pypdf.PdfReader(io.BytesIO(receipt_pdf(_view())))
    content = reader.pages[0].get_contents()
    assert content is not None
    filled = re.findall(rb" re f\b", content.get_data())
    runs = sum(len(re.findall(r"1+", "".join("1" if m else "0" for m in row))) for row in qr_matrix(URL))
    assert len(filled) == runs


def test_pdf_is_the_same_bytes_for_the_same_view() -> None:
    assert receipt_pdf(_view()) == receipt_pdf(_view())


def test_pdf_continues_a_long_document_list_on_further_pages() -> None:
    documents = tuple(ReceiptDocument(f"Giấy tờ số {i}", original=i % 2 == 0, copies=1) for i in range(60))
    data = receipt_pdf(_view(documents=documents))
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 2
    text = _pdf_text(data)
    assert "Giấy tờ số 0" in text
    assert "Giấy tờ số 59" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


def test_pdf_replaces_characters_the_font_lacks_without_logging_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        data = receipt_pdf(_view(applicant_name="Lý 李 Ánh"))
    assert "Lý ? Ánh" in _pdf_text(data)
    assert not [r for r in caplog.records if "李" in r.getMessage()]


# --- what form 01 asks beyond the papers -------------------------------------------------------


def test_the_receipt_prints_sets_processing_time_result_place_book_entry_and_email() -> None:
    view = _view(
        applicant_email="anh@example.vn",
        sets=1,
        processing_time=ProcessingTime(Decimal("10"), "working"),
        return_unit_name="Trung tâm Phục vụ hành chính công xã Phú Vang",
        return_unit_address="Thôn Dương Nổ Đông, xã Phú Vang",
    )
    html = receipt_html(view)
    assert "2. Số lượng hồ sơ: <strong>01 (bộ)</strong>" in html
    assert "3. Thời gian giải quyết hồ sơ theo quy định: <strong>10 ngày làm việc</strong>" in html
    assert "4. Thời gian nhận hồ sơ: <strong>08 giờ 30 phút, ngày 18 tháng 6 năm 2021</strong>" in html
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: " in html
    assert (
        "6. Đăng ký nhận kết quả tại: <strong>Trung tâm Phục vụ hành chính công xã Phú Vang, "
        "Thôn Dương Nổ Đông, xã Phú Vang</strong>"
    ) in html
    assert f"Vào Sổ theo dõi hồ sơ, số: <strong>{CODE}</strong>" in html
    assert "Email: <strong>anh@example.vn</strong>" in html
    text = _pdf_text(receipt_pdf(view))
    for expected in (
        "Số lượng hồ sơ: 01 (bộ)",
        "10 ngày làm việc",
        "Trung tâm Phục vụ hành chính công xã Phú Vang",
        "Vào Sổ theo dõi hồ sơ, số:",
        "anh@example.vn",
    ):
        assert expected in text


def test_the_result_is_collected_at_the_receiving_unit_unless_another_was_chosen() -> None:
    html = receipt_html(_view(unit_address="12 Lê Lợi, Huế"))
    place = "Bộ phận tiếp nhận và trả kết quả huyện Phú Vang, 12 Lê Lợi, Huế"
    assert f"Đăng ký nhận kết quả tại: <strong>{place}</strong>" in html
    assert "Email" not in receipt_html(_view())


def test_the_regulated_time_is_written_as_the_procedure_counts_it() -> None:
    assert processing_time_text(ProcessingTime(Decimal("5.0"))) == "5 ngày làm việc"
    assert processing_time_text(ProcessingTime(Decimal("0.5"))) == "0,5 ngày làm việc"
    assert processing_time_text(ProcessingTime(Decimal("30"), "calendar")) == "30 ngày"
    assert processing_time_text(ProcessingTime(Decimal("1"), same_day=True)) == "Trong ngày"
