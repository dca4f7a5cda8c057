"""Every report as JSON, CSV or XLSX: `respond(table, request, format)` is what a report route returns.

The format is the `format` query (`json`, `csv`, `xlsx`) when given, else the best of the `Accept`
header; JSON when neither says otherwise (browsers' `*/*` included). An unknown `format` is 422 and an
`Accept` naming none of the three is 406, both with code `unsupported_format`.

- JSON: `table.as_json()`, written by the standard library's C encoder in one pass (a 400-row report
  spent a third of its time in FastAPI's `jsonable_encoder`, which walks every cell in Python); a date
  is written in ISO form, a Decimal as a number, anything else unknown as its text.
- CSV: UTF-8 with a byte-order mark (so Excel opens Vietnamese letters correctly), comma-separated,
  the Vietnamese headings as the header row, then the rows, then the totals labelled "Tổng cộng".
  Numbers are written as they are (a dot before decimals); notes are left out so the file stays a table.
- XLSX: title row, period row, bold headings, the rows, a bold totals row, the notes; counts with a
  thousands separator, percent columns as numbers shown with two decimals ("0.00"); the file is
  `<code>_<from>_<to>.xlsx`.

A yes/no value is written "Có" or "Không" (JSON keeps true/false).
Percent columns (`Column.kind == "percent"`) carry percentage points, as the official forms print them,
two decimals rounded half up from the counts (`percent.percent`, a `Decimal`): 12.35 means 12.35 %.
JSON writes the number (12.35; 12.30 as 12.3, 100.00 as 100), CSV both decimals ("12.30"), XLSX the
number under the heading's "(%)". `csv_bytes` and `xlsx_bytes` are pure (no I/O, no clock).
"""

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from services.reporting.tables import Column, Table
from shared.errors import Problem

TOTAL_LABEL: Final = "Tổng cộng"
YES: Final = "Có"  # a yes/no value (e.g. full marks reached) as every format writes it
NO: Final = "Không"

JSON_TYPE: Final = "application/json"
CSV_TYPE: Final = "text/csv"
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: Final = ("json", "csv", "xlsx")
_TYPES: Final = {JSON_TYPE: "json", CSV_TYPE: "csv", XLSX_TYPE: "xlsx"}

# For report routes: `format: FormatQuery = None` and `responses=EXPORT_RESPONSES`.
FormatQuery = Annotated[
    str | None,
    Query(
        alias="format",
        description="`json` (default), `csv` or `xlsx`; without it the `Accept` header decides.",
    ),
]
EXPORT_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The report as JSON, CSV (UTF-8 with BOM) or XLSX.",
        "content": {JSON_TYPE: {}, CSV_TYPE: {}, XLSX_TYPE: {}},
    },
    406: {"description": "`unsupported_format`: the `Accept` header names no format this report has."},
    422: {"description": "`unsupported_format` (unknown `format`) or `validation_error`."},
}


# --- choosing the format ------------------------------------------------------------------------


def media_ranges(header: str) -> list[tuple[float, int, str]]:
    """(q, -position, media range) of each acceptable range in an Accept header, q > 0."""
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((q, -position, media))
    return ranges


def negotiate(format: str | None, accept: str | None) -> str:
    """`json`, `csv` or `xlsx`: the `format` query if given, else the preferred `Accept` type."""
    if format is not None and format.strip():
        chosen = format.strip().lower().lstrip(".")
        if chosen not in FORMATS:
            raise Problem(
                422,
                "unsupported_format",
                f"Unknown report format {format!r}; use one of: {', '.join(FORMATS)}.",
                extra={"formats": list(FORMATS)},
            )
        return chosen
    if not accept or not accept.strip():
        return "json"
    for _, _, media in sorted(media_ranges(accept), reverse=True):
        if media in _TYPES:
            return _TYPES[media]
        if media in ("*/*", "application/*"):
            return "json"
        if media == "text/*":
            return "csv"
    raise Problem(
        406,
        "unsupported_format",
        f"This report is available as {JSON_TYPE}, {CSV_TYPE} or {XLSX_TYPE} "
        "(or use the format query: json, csv, xlsx).",
        extra={"formats": list(FORMATS)},
    )


def _plain(value: Any) -> Any:
    """What `json.dumps` calls for a value JSON has no type for."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Written with its places: Decimal("12") is 12, a percentage Decimal("100.00") is 100.0.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    return str(value)


class ReportJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain
        ).encode()


def file_name(table: Table, extension: str) -> str:
    """`<code>_<from>_<to>.<extension>`, e.g. `processing_2025-01-01_2025-06-30.xlsx`."""
    return f"{table.code}_{table.period_from.isoformat()}_{table.period_to.isoformat()}.{extension}"


def respond(table: Table, request: Request, format: str | None = None) -> Response:
    """The table in the format the caller asked for (see the module's docstring)."""
    if format is None:
        format = request.query_params.get("format")
    chosen = negotiate(format, request.headers.get("accept"))
    vary = {"Vary": "Accept"}
    if chosen == "json":
        return ReportJSON(table.as_json(), headers=vary)
    if chosen == "csv":
        return Response(
            csv_bytes(table),
            media_type=f"{CSV_TYPE}; charset=utf-8",
            headers={**vary, "Content-Disposition": f'attachment; filename="{file_name(table, "csv")}"'},
        )
    return Response(
        xlsx_bytes(table),
        media_type=XLSX_TYPE,
        headers={**vary, "Content-Disposition": f'attachment; filename="{file_name(table, "xlsx")}"'},
    )


# --- shared by CSV and XLSX ---------------------------------------------------------------------


def period_line(table: Table) -> str:
    """`Từ ngày 01/01/2025 đến ngày 30/06/2025`."""
    return f"Từ ngày {table.period_from:%d/%m/%Y} đến ngày {table.period_to:%d/%m/%Y}"


def _totals_cells(table: Table) -> list[Any] | None:
    """The totals row: "Tổng cộng" in the first column (once: a text column of the totals saying it
    too is left blank), other text columns as the totals give them."""
    if table.totals is None:
        return None
    cells: list[Any] = []
    for i, column in enumerate(table.columns):
        value = table.totals.get(column.key)
        if i == 0:
            cells.append(TOTAL_LABEL)
        elif column.kind == "text" and (value is None or value == TOTAL_LABEL):
            cells.append(None)
        else:
            cells.append(value)
    return cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- CSV ----------------------------------------------------------------------------------------


_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell's text; text a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    text = _text(value)
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: UTF-8 with BOM, headings, rows, then "Tổng cộng"; CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.heading for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(c.key)) for c in table.columns])
    totals = _totals_cells(table)
    if totals is not None:
        writer.writerow([_csv_cell(v) for v in totals])
    return out.getvalue().encode("utf-8-sig")


# --- XLSX ---------------------------------------------------------------------------------------

COUNT_FORMAT: Final = "#,##0"
DECIMAL_FORMAT: Final = "#,##0.##"
PERCENT_FORMAT: Final = "0.00"  # percentage points, as the heading's "(%)" says
DAYS_FORMAT: Final = "#,##0.00"  # an average of days, two decimals (`Column.kind` "decimal")
_HEADING_FILL: Final = PatternFill("solid", fgColor="D9E1F2")
_THIN: Final = Side(style="thin", color="808080")
_BOX: Final = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FIRST_DATA_ROW: Final = 5  # title, period, blank, headings


def _cell_value(column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value)  # two decimals: the float nearest them, shown "0.00"
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float | str | date | datetime):
        return value
    return str(value)


def _number_format(column: Column, value: Any) -> str | None:
    if column.kind == "percent":
        return PERCENT_FORMAT
    if column.kind == "decimal":
        return DAYS_FORMAT
    if column.kind == "count" and isinstance(value, int | float) and not isinstance(value, bool):
        return COUNT_FORMAT if float(value).is_integer() else DECIMAL_FORMAT
    return None


def _width(column: Column, values: Sequence[Any]) -> float:
    """Characters: the longest value, at least a heading word's length, the heading wrapping."""
    longest_value = max((len(_text(v)) for v in values), default=0)
    longest_word = max((len(word) for word in column.heading.split()), default=0)
    wanted = max(longest_value + 2, longest_word + 2, 8 if column.kind != "text" else 12)
    return float(min(wanted, 60 if column.kind == "text" else 18))


def xlsx_bytes(table: Table) -> bytes:
    """The table as one XLSX sheet (see the module's docstring)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.code[:31] or "report"
    book.properties.creator = "motcua"
    book.properties.title = table.title
    width = max(len(table.columns), 1)
    last_letter = get_column_letter(width)

    sheet["A1"] = table.title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["A2"] = period_line(table)
    sheet["A2"].font = Font(italic=True)
    sheet["A2"].alignment = Alignment(horizontal="center")
    if width > 1:
        sheet.merge_cells(f"A1:{last_letter}1")
        sheet.merge_cells(f"A2:{last_letter}2")
    sheet.row_dimensions[1].height = 24

    heading_row = _FIRST_DATA_ROW - 1
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=heading_row, column=index, value=column.heading)
        cell.font = Font(bold=True)
        cell.fill = _HEADING_FILL
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(row_number: int, values: Sequence[Any], *, bold: bool) -> None:
        for index, (column, raw) in enumerate(zip(table.columns, values, strict=True), start=1):
            value = _cell_value(column, raw)
            cell = sheet.cell(row=row_number, column=index, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a name, never a formula
            cell.border = _BOX
            number_format = _number_format(column, raw)
            if number_format is not None:
                cell.number_format = number_format
            if column.kind == "text":
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            if bold:
                cell.font = Font(bold=True)

    row_number = _FIRST_DATA_ROW
    for row in table.rows:
        put(row_number, [row.get(c.key) for c in table.columns], bold=False)
        row_number += 1
    totals = _totals_cells(table)
    if totals is not None:
        put(row_number, totals, bold=True)
        row_number += 1
    for note in table.notes:
        row_number += 1
        cell = sheet.cell(row=row_number, column=1, value=note)
        cell.font = Font(italic=True)

    for index, column in enumerate(table.columns, start=1):
        values = [row.get(column.key) for row in table.rows]
        if totals is not None:
            values.append(totals[index - 1])
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, values)
    sheet.row_dimensions[heading_row].height = 15 * max(
        (
            1 + len(c.heading) // max(int(sheet.column_dimensions[get_column_letter(i)].width or 10), 1)
            for i, c in enumerate(table.columns, start=1)
        ),
        default=1,
    )
    sheet.freeze_panes = f"A{_FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{heading_row}:{heading_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.sheet_properties.pageSetUpPr is not None:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
