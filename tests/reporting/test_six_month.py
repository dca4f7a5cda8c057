"""The six-month report as one printable document, rendered without servers: the period, the covering
page's summary, every table in full as an annex, HTML and PDF saying the same thing."""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pypdf
import pytest

from services.reporting.percent import percent
from services.reporting.six_month.content import SixMonthView, number
from services.reporting.six_month.html import six_month_html
from services.reporting.six_month.pdf import six_month_pdf
from services.reporting.six_month.periods import six_month_period
from services.reporting.tables import Column, Table

FROM, TO = date(2025, 1, 1), date(2025, 6, 30)
COUNTS = [
    "total", "carried_over", "received", "received_online", "received_counter", "resolved_total",
    "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_within",
    "pending_overdue", "withdrawn", "rejected", "late_with_apology", "late_without_apology",
]  # fmt: skip


def _processing() -> Table:
    land = [1905, 1018, 887, 245, 642, 1826, 1415, 322, 89, 68, 59, 9, 7, 4, 35, 54]
    civil = [12, 2, 10, 10, 0, 12, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    rows: list[dict[str, Any]] = [
        {"key": "DAT_DAI", "name": "Đất đai", **dict(zip(COUNTS, land, strict=True))},
        {"key": "HO_TICH", "name": "Hộ tịch <script>", **dict(zip(COUNTS, civil, strict=True))},
    ]
    totals = {"key": None, "name": "Tổng cộng", **{k: rows[0][k] + rows[1][k] for k in COUNTS}}
    columns = [Column("key", "Mã lĩnh vực", "text"), Column("name", "Lĩnh vực", "text")]
    columns += [Column(k, f"Cột {k}") for k in COUNTS]
    return Table(
        "processing", "Tình hình, kết quả giải quyết TTHC", FROM, TO, columns, rows, totals, ["Ghi chú A"]
    )


def _levels() -> Table:
    rows = [{"key": "4", "level": 4, "name": "Mức độ 4", "count": 3, "pct": percent(3, 7)},  # 42.86
            {"key": "3", "level": 3, "name": "Mức độ 3", "count": 4, "pct": percent(4, 7)}]  # fmt: skip
    columns = [
        Column("name", "Mức độ", "text"),
        Column("count", "Số hồ sơ"),
        Column("pct", "Tỷ lệ", "percent"),
    ]
    return Table(
        "service_levels",
        "Mức độ dịch vụ công trực tuyến",
        FROM,
        TO,
        columns,
        rows,
        {"count": 7, "pct": percent(7, 7)},
    )


def _satisfaction() -> Table:
    row = {"key": "VPDK", "name": "Văn phòng đăng ký đất đai", "ballots": 55, "very_satisfied": 40,
           "very_satisfied_pct": percent(40, 55), "satisfied": 12, "satisfied_pct": percent(12, 55),
           "unsatisfied": 3, "unsatisfied_pct": percent(3, 55), "feedback_received": 4,
           "feedback_answered_on_time": 4, "feedback_answered_late": 0}  # fmt: skip
    columns = [Column("name", "Cơ quan", "text"), Column("ballots", "Tổng số phiếu")]
    columns += [
        Column(f"{k}_pct", f"{k} (%)", "percent") for k in ("very_satisfied", "satisfied", "unsatisfied")
    ]
    columns += [Column("full_marks", "Đạt điểm tối đa (≥ 90%)", "text")]
    totals = {"name": "Tổng cộng", **{k: v for k, v in row.items() if k not in ("key", "name")}}
    rows = [row | {"full_marks": True}]
    return Table("satisfaction", "Kết quả đánh giá sự hài lòng", FROM, TO, columns, rows, totals)


TABLES = [_processing(), _levels(), _satisfaction()]


def _view(**changes: object) -> SixMonthView:
    view = SixMonthView(
        year=2025,
        half=1,
        period_from=FROM,
        period_to=TO,
        issued_at=datetime(2025, 7, 4, 17, 30, tzinfo=UTC),  # 00:30 on 5 July in Vietnam
        agency_name="Trung tâm Phục vụ hành chính công huyện Phú Vang",
        place="Phú Vang",
        recipient="Ủy ban nhân dân huyện Phú Vang",
        signer_name="Lê Thị Hường",
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(
    ("year", "half", "cutoff", "period"),
    [
        (2025, 1, "calendar", (date(2025, 1, 1), date(2025, 6, 30))),
        (2025, 2, "calendar", (date(2025, 7, 1), date(2025, 12, 31))),
        (2025, 1, "day15", (date(2024, 12, 15), date(2025, 6, 14))),
        (2025, 2, "day15", (date(2025, 6, 15), date(2025, 12, 14))),
    ],
)
def test_six_month_period(year: int, half: int, cutoff: str, period: tuple[date, date]) -> None:
    assert six_month_period(year, half, cutoff) == period  # type: ignore[arg-type]


def test_six_month_period_refuses_a_third_half() -> None:
    with pytest.raises(ValueError, match="half"):
        six_month_period(2025, 3)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (1234567, "1.234.567"),
        (89.1, "89,1"),
        (100.0, "100"),
        (72.75, "72,75"),
        (Decimal("72.70"), "72,70"),  # a percentage keeps its two decimals
        (Decimal("100.00"), "100,00"),
        (Decimal("1234.50"), "1.234,50"),
        (None, ""),
        (True, "Có"),
        (False, "Không"),
        ("Đất đai", "Đất đai"),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value: object, shown: str) -> None:
    assert number(value) == shown


def test_html_is_one_self_contained_printable_document() -> None:
    html = six_month_html(TABLES, _view())
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html
    assert not re.search(r"<link|<script|<img|\bsrc=|@import|url\(", html)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG HUYỆN PHÚ VANG" in html
    assert "Phú Vang, ngày 05 tháng 7 năm 2025" in html  # issued: already 5 July in Vietnam
    assert "Kết quả giải quyết thủ tục hành chính 6 tháng đầu năm 2025" in html
    assert "(Số liệu từ ngày 01/01/2025 đến ngày 30/06/2025)" in html
    assert "@page annex { size: A4 landscape;" in html
    assert html.count('class="page landscape annex"') == 3
    assert "GIÁM ĐỐC" in html
    assert "Lê Thị Hường" in html


def test_html_summary_says_the_totals_in_words() -> None:
    html = six_month_html(TABLES, _view())
    assert "Tổng số hồ sơ: 1.917, trong đó kỳ trước chuyển sang 1.020, tiếp nhận mới trong kỳ 897" in html
    assert "(trực tuyến 255; trực tiếp và qua dịch vụ bưu chính 642)" in html
    # (1427 + 322) / 1838 = 95.1578…%
    assert "Đã giải quyết: 1.838, trong đó trước hạn 1.427, đúng hạn 322, quá hạn 89" in html
    assert "tỷ lệ giải quyết đúng hạn (gồm trước hạn) 95,16%" in html
    assert "Đang giải quyết đến ngày cuối kỳ: 68, trong đó trong hạn 59, quá hạn 9." in html
    assert "chưa có phiếu xin lỗi: 54." in html
    assert (
        "Số phiếu đánh giá: 55; rất hài lòng 40 (72,73%), hài lòng 12 (21,82%), không hài lòng 3 (5,45%)."
        in html
    )
    assert "Phản ánh, kiến nghị tiếp nhận: 4; đã trả lời đúng hạn 4, quá hạn 0." in html
    for i, table in enumerate(TABLES, start=1):
        assert f"Biểu số {i}: {table.title}." in html


def test_html_summary_splits_the_late_with_a_letter_by_a_timely_and_a_late_letter() -> None:
    processing = _processing()
    assert processing.totals is not None
    split = {"late_with_timely_apology": 20, "late_with_late_apology": 15}
    totals = {**processing.totals, **split}
    columns = [*processing.columns, *(Column(k, f"Cột {k}") for k in split)]
    table = Table(processing.code, processing.title, FROM, TO, columns, processing.rows, totals)
    html = six_month_html([table], _view())
    assert (
        "Hồ sơ quá hạn có phiếu xin lỗi và hẹn lại ngày trả kết quả: 35 (gửi đúng thời hạn 20; gửi muộn 15); "
        "chưa có phiếu xin lỗi: 54." in html
    )


def test_html_prints_every_table_in_full_escaped() -> None:
    html = six_month_html(TABLES, _view())
    assert "Hộ tịch &lt;script&gt;" in html
    assert "<script>" not in html
    for table in TABLES:
        for column in table.columns:
            assert f'<th scope="col">{column.heading.replace("<", "&lt;")}</th>' in html
    assert '<td class="num">1.905</td>' in html
    assert '<td class="num">1.917</td>' in html  # the totals
    assert '<td class="num">42,86%</td>' in html  # "%" added: the heading does not say it
    assert '<td class="num">72,73</td>' in html  # the heading says (%)
    assert '<td class="num">100,00%</td>' in html  # both decimals, always
    assert '<td class="text">Có</td>' in html
    assert html.count('<tr class="totals"><td class="text">Tổng cộng</td>') == 3
    assert html.count(">Tổng cộng<") == 3  # once per totals row, not again in the name column
    assert "Ghi chú A" in html


def test_without_tables_the_document_still_prints() -> None:
    html = six_month_html([], _view(place=None, recipient=None, signer_name=None))
    assert "Ngày 05 tháng 7 năm 2025" in html
    assert "I. TÌNH HÌNH" not in html
    assert "…………" in html  # the signer's name to fill in by hand
    assert six_month_pdf([], _view()).startswith(b"%PDF-")


def test_the_second_half_is_named_so() -> None:
    view = _view(half=2, period_from=date(2025, 7, 1), period_to=date(2025, 12, 31))
    assert "6 tháng cuối năm 2025" in six_month_html(TABLES, view)


def test_pdf_says_what_the_html_says_portrait_cover_landscape_annexes() -> None:
    data = six_month_pdf(TABLES, _view())
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = reader.pages[0].mediabox
    assert float(first.width) < float(first.height)  # the covering page: portrait
    landscape = [p for p in reader.pages[1:] if float(p.mediabox.width) > float(p.mediabox.height)]
    assert len(landscape) == len(reader.pages) - 1 >= 3
    text = _pdf_text(data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "BÁO CÁO" in text
    assert "6 tháng đầu năm 2025" in text
    assert "95,16%" in text
    for i in range(1, 4):
        assert f"Biểu số {i}" in text
    for value in ("1.905", "1.917", "42,86%", "72,73", "Hộ tịch <script>", "Văn phòng đăng ký đất đai"):
        assert value in text, value
    assert "Tổng cộng" in text
    assert ">= 90%" in text  # "≥" is not in the embedded fonts: written as a typist would


def test_pdf_is_deterministic_and_survives_characters_the_fonts_lack() -> None:
    assert six_month_pdf(TABLES, _view()) == six_month_pdf(TABLES, _view())
    odd = replace(TABLES[0], rows=[{**TABLES[0].rows[0], "name": "Đất đai 土地 😀"}])
    text = _pdf_text(six_month_pdf([odd], _view()))
    assert "Đất đai ?? ?" in text


def test_a_long_table_repeats_its_headings_on_every_page() -> None:
    rows = [{"name": f"Cơ quan số {i}", "count": i, "pct": percent(1, 100)} for i in range(120)]
    long = replace(TABLES[1], rows=rows)
    reader = pypdf.PdfReader(io.BytesIO(six_month_pdf([long], _view())))
    assert len(reader.pages) >= 3
    for page in reader.pages[1:]:
        assert "Số hồ sơ" in page.extract_text()
