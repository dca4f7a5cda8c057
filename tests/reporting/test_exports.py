"""Exports without servers: the format chosen from `format` or `Accept`, CSV bytes (BOM, Vietnamese
headings, "Tổng cộng" last) and XLSX read back with openpyxl, and `respond` inside a tiny app."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from uuid import UUID

import httpx
import openpyxl
import pytest
from fastapi import FastAPI, Request, Response
from openpyxl.worksheet.worksheet import Worksheet

from services.reporting.exports import (
    CSV_TYPE,
    EXPORT_RESPONSES,
    PERCENT_FORMAT,
    TOTAL_LABEL,
    XLSX_TYPE,
    FormatQuery,
    csv_bytes,
    file_name,
    negotiate,
    respond,
    xlsx_bytes,
)
from services.reporting.percent import percent
from services.reporting.tables import Column, Table
from shared.errors import Problem, install_problem_handlers

COLUMNS = [
    Column("key", "Mã", "text"),
    Column("name", "Lĩnh vực", "text"),
    Column("total", "Tổng số hồ sơ"),
    Column("resolved_on_time", "Đã giải quyết đúng hạn"),
    Column("on_time_pct", "Tỷ lệ đúng hạn (%)", "percent"),
]


def _table(**changes: object) -> Table:
    table = Table(
        code="processing",
        title="BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH",
        period_from=date(2025, 1, 1),
        period_to=date(2025, 6, 30),
        columns=COLUMNS,
        rows=[
            {
                "key": "DAT_DAI",
                "name": "Đất đai",
                "total": 1234,
                "resolved_on_time": 1100,
                "on_time_pct": percent(1100, 1234),
            },
            {
                "key": "HO_TICH",
                "name": "Hộ tịch, chứng thực",
                "total": 56,
                "resolved_on_time": 56,
                "on_time_pct": percent(56, 56),
            },
            {
                "key": "XAY_DUNG",
                "name": '=HYPERLINK("x")',
                "total": 0,
                "resolved_on_time": 0,
                "on_time_pct": None,
            },
        ],
        totals={"total": 1290, "resolved_on_time": 1156, "on_time_pct": percent(1156, 1290)},
        notes=["Đúng hạn gồm trước hạn và đúng hạn."],
    )
    fields = {**table.__dict__, **changes}
    return Table(**fields)


# --- choosing the format ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format", "accept", "chosen"),
    [
        (None, None, "json"),
        (None, "", "json"),
        (None, "*/*", "json"),
        (None, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "json"),
        (None, "application/json", "json"),
        (None, "text/csv", "csv"),
        (None, "text/csv; charset=utf-8", "csv"),
        (None, XLSX_TYPE, "xlsx"),
        (None, f"text/csv;q=0.5, {XLSX_TYPE}", "xlsx"),
        (None, f"{XLSX_TYPE};q=0.2, text/csv;q=0.9", "csv"),
        (None, "application/pdf, */*;q=0.1", "json"),
        ("csv", "application/json", "csv"),  # the query wins
        ("XLSX", None, "xlsx"),
        (".csv", None, "csv"),
        ("json", XLSX_TYPE, "json"),
        ("", "text/csv", "csv"),
    ],
)
def test_negotiate(format: str | None, accept: str | None, chosen: str) -> None:
    assert negotiate(format, accept) == chosen


def test_an_unknown_format_is_422_with_a_stable_code() -> None:
    with pytest.raises(Problem) as caught:
        negotiate("pdf", None)
    assert (caught.value.status, caught.value.code) == (422, "unsupported_format")
    assert caught.value.extra["formats"] == ["json", "csv", "xlsx"]


@pytest.mark.parametrize(
    "accept", ["application/pdf", "image/png, text/html", "text/csv;q=0, application/xml"]
)
def test_an_accept_naming_no_format_is_406(accept: str) -> None:
    with pytest.raises(Problem) as caught:
        negotiate(None, accept)
    assert (caught.value.status, caught.value.code) == (406, "unsupported_format")


def test_file_name() -> None:
    assert file_name(_table(), "xlsx") == "processing_2025-01-01_2025-06-30.xlsx"


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_headings_rows_then_totals() -> None:
    data = csv_bytes(_table())
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Mã", "Lĩnh vực", "Tổng số hồ sơ", "Đã giải quyết đúng hạn", "Tỷ lệ đúng hạn (%)"]
    assert rows[1] == ["DAT_DAI", "Đất đai", "1234", "1100", "89.14"]
    assert rows[2] == ["HO_TICH", "Hộ tịch, chứng thực", "56", "56", "100.00"]  # the comma is quoted
    assert rows[3][1] == '\'=HYPERLINK("x")'  # never a formula in a spreadsheet
    assert rows[3][4] == ""
    assert rows[-1] == [TOTAL_LABEL, "", "1290", "1156", "89.61"]
    assert len(rows) == 5  # notes stay out of the CSV


def test_the_totals_say_tong_cong_once() -> None:
    table = _table(totals={"key": None, "name": TOTAL_LABEL, "total": 1290})
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    assert rows[-1] == [TOTAL_LABEL, "", "1290", "", ""]
    sheet = _sheet(xlsx_bytes(table))
    assert [c.value for c in sheet[8]] == [TOTAL_LABEL, None, 1290, None, None]


def test_csv_without_totals_has_no_totals_row() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes(_table(totals=None)).decode("utf-8-sig"))))
    assert len(rows) == 4
    assert TOTAL_LABEL not in {cell for row in rows for cell in row}


def test_csv_keeps_vietnamese_letters_nfc() -> None:
    assert "Hộ tịch".encode() in csv_bytes(_table())


# --- XLSX ---------------------------------------------------------------------------------------


def _sheet(data: bytes) -> Worksheet:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_xlsx_has_title_period_bold_headings_rows_totals_and_notes() -> None:
    sheet = _sheet(xlsx_bytes(_table()))
    assert sheet.title == "processing"
    assert sheet["A1"].value == "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "Từ ngày 01/01/2025 đến ngày 30/06/2025"
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}
    headings = [c.value for c in sheet[4]]
    assert headings == [c.heading for c in COLUMNS]
    assert all(c.font.bold for c in sheet[4])
    assert [c.value for c in sheet[5]] == ["DAT_DAI", "Đất đai", 1234, 1100, 89.14]
    assert [c.value for c in sheet[6]][:4] == ["HO_TICH", "Hộ tịch, chứng thực", 56, 56]
    assert sheet["B7"].value == '=HYPERLINK("x")'
    assert sheet["B7"].data_type == "s"  # a name, never a formula
    assert sheet["E7"].value is None
    totals = [c.value for c in sheet[8]]
    assert totals == [TOTAL_LABEL, None, 1290, 1156, 89.61]
    assert all(c.font.bold for c in sheet[8])
    assert sheet["A10"].value == "Đúng hạn gồm trước hạn và đúng hạn."
    assert sheet.freeze_panes == "A5"


def test_xlsx_formats_percentages_counts_and_widths() -> None:
    sheet = _sheet(xlsx_bytes(_table()))
    assert sheet["E5"].number_format == PERCENT_FORMAT == "0.00"  # percentage points: 89.14 under "(%)"
    assert sheet["E8"].number_format == PERCENT_FORMAT
    assert (sheet["E5"].value, sheet["E6"].value, sheet["E8"].value) == (89.14, 100.0, 89.61)
    assert sheet["C5"].number_format == "#,##0"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDE"}
    assert all(8 <= w <= 60 for w in widths.values()), widths
    assert widths["B"] >= len("Hộ tịch, chứng thực")
    assert sheet.page_setup.orientation == "landscape"


def test_xlsx_of_an_empty_table_still_opens() -> None:
    sheet = _sheet(xlsx_bytes(_table(rows=[], totals=None, notes=[])))
    assert [c.value for c in sheet[4]] == [c.heading for c in COLUMNS]
    assert sheet.max_row == 4


# --- respond, in an app -------------------------------------------------------------------------


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/report", responses=EXPORT_RESPONSES)
    async def report(request: Request, format: FormatQuery = None) -> Response:
        return respond(_table(), request, format)

    @app.get("/typed")
    async def typed(request: Request) -> Response:
        row = {
            "code": "BP-1",
            "name": "Đăng ký hộ kinh doanh",
            "total": Decimal("12"),
            "pct": Decimal("87.5"),
            "received": date(2025, 3, 1),
            "dossier": UUID(int=7),
        }
        return respond(_table(rows=[row], totals=None), request, "json")

    @app.get("/bare")
    async def bare(request: Request) -> Response:
        return respond(_table(), request, None)  # the route forgot the parameter: the query still counts

    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://reporting"
    ) as client:
        yield client


async def test_respond_json_by_default(http: httpx.AsyncClient) -> None:
    response = await http.get("/report")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["report"] == "processing"
    assert body["from"] == "2025-01-01"
    assert body["totals"]["total"] == 1290


async def test_json_writes_percentages_as_numbers_with_their_two_decimals(http: httpx.AsyncClient) -> None:
    response = await http.get("/report")
    assert [r["on_time_pct"] for r in response.json()["rows"]] == [89.14, 100.0, None]
    assert '"on_time_pct":89.14' in response.text
    assert '"on_time_pct":100.0' in response.text  # a percentage stays a decimal number
    assert response.json()["totals"]["on_time_pct"] == 89.61


async def test_respond_json_writes_dates_decimals_and_ids_like_fastapi_would(http: httpx.AsyncClient) -> None:
    response = await http.get("/typed")
    assert response.status_code == 200
    assert "Đăng ký hộ kinh doanh" in response.text  # UTF-8, not \u escapes
    assert response.json()["rows"] == [
        {
            "code": "BP-1",
            "name": "Đăng ký hộ kinh doanh",
            "total": 12,
            "pct": 87.5,
            "received": "2025-03-01",
            "dossier": "00000000-0000-0000-0000-000000000007",
        }
    ]


async def test_respond_csv_by_query_or_accept(http: httpx.AsyncClient) -> None:
    for response in (
        await http.get("/report", params={"format": "csv"}),
        await http.get("/report", headers={"Accept": CSV_TYPE}),
        await http.get("/bare", params={"format": "csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == (
            'attachment; filename="processing_2025-01-01_2025-06-30.csv"'
        )
        assert response.content == csv_bytes(_table())


async def test_respond_xlsx(http: httpx.AsyncClient) -> None:
    response = await http.get("/report", headers={"Accept": XLSX_TYPE})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_TYPE
    assert 'filename="processing_2025-01-01_2025-06-30.xlsx"' in response.headers["content-disposition"]
    assert _sheet(response.content)["A4"].value == "Mã"


async def test_respond_refuses_unknown_formats_as_problems(http: httpx.AsyncClient) -> None:
    response = await http.get("/report", params={"format": "ods"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unsupported_format"
    response = await http.get("/report", headers={"Accept": "application/pdf"})
    assert response.status_code == 406
    assert response.json()["code"] == "unsupported_format"


def test_openapi_documents_the_three_media_types() -> None:
    spec = _app().openapi()
    content = spec["paths"]["/report"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", CSV_TYPE, XLSX_TYPE}
    parameters = {p["name"] for p in spec["paths"]["/report"]["get"]["parameters"]}
    assert "format" in parameters
