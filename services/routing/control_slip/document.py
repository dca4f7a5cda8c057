"""The control slip (form 05) as printable HTML, in Vietnamese: everything printed is HTML-escaped,
in Vietnam time, UTF-8. The form's label, title and basis are the slip's: those of the dossier's rule
set (the receipt day's, `service.control_slip`)."""

from datetime import datetime
from html import escape
from typing import Any

from shared.clock import VIETNAM

_STATE_LABELS = {
    "assigned": "Chờ tiếp nhận",
    "in_progress": "Đang xử lý",
    "paused": "Tạm dừng",
    "completed": "Đã hoàn thành",
    "rejected": "Từ chối giải quyết",
    "stopped": "Dừng xử lý",
    "cancelled": "Đã hủy (rút hồ sơ hoặc kết thúc)",
    "returned_to_centre": "Trả kết quả về Trung tâm",
}
_PLAN_LABELS = {
    "open": "Đang giải quyết",
    "resolved": "Đã có kết quả",
    "rejected": "Từ chối giải quyết",
    "stopped": "Dừng xử lý",
    "withdrawn": "Công dân rút hồ sơ",
}


def _when(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(VIETNAM).strftime("%H giờ %M, ngày %d/%m/%Y")


def _cell(text: str | None) -> str:
    return f"<td>{escape(text or '')}</td>"


def _row_html(row: dict[str, Any]) -> str:
    outcome = row["outcome_label"] or ("Đang quá hạn" if row["overdue_now"] else "")
    due = _when(row["due_at"])
    if row["extended_due_at"] is not None:
        due += f" (gia hạn đến {_when(row['extended_due_at'])})"
    css = f' class="{row["outcome"]}"' if row["outcome"] else ""
    cells = [
        _cell(f"Giao: {row['giving']}\nNhận: {row['receiving']}"),
        _cell(_when(row["time_in"])),
        _cell(_when(row["time_out"])),
        _cell(due),
        f"<td{css}>{escape(outcome)}</td>",
        _cell(" — ".join(filter(None, [_STATE_LABELS.get(row["state"], row["state"]), row["note"]]))),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def render_html(slip: dict[str, Any]) -> str:
    """Form 05, printable: Vietnamese headings, one table row per hand-off."""
    lead = slip["lead_agency_name"] or slip["lead_agency_code"]
    title = escape(slip["form_title"])
    rows = "\n".join(_row_html(row) for row in slip["rows"])
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{title} {escape(slip["code"])}</title>
<style>
body {{ font-family: "Times New Roman", serif; margin: 2cm; }}
h1 {{ text-align: center; font-size: 16pt; margin-bottom: 0.2em; }}
.form {{ text-align: right; font-style: italic; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1em; }}
th, td {{ border: 1px solid #000; padding: 4px 6px; vertical-align: top; white-space: pre-line; }}
.late {{ font-weight: bold; }}
</style>
</head>
<body>
<p class="form">{escape(slip["form_label"])}</p>
<p class="form">{escape(slip["form_basis"])}</p>
<h1>{escape(slip["form_title"].upper())}</h1>
<p>Mã hồ sơ: <strong>{escape(slip["code"])}</strong></p>
<p>Thủ tục: {escape(slip["procedure_name"])} ({escape(slip["procedure_code"])})</p>
<p>Cơ quan chủ trì giải quyết: {escape(lead)}</p>
<p>Thời gian nhận hồ sơ: {_when(slip["received_at"])}</p>
<p>Thời gian trả kết quả theo giấy tiếp nhận: {_when(slip["due_at"])}</p>
<p>Tình trạng: {escape(_PLAN_LABELS.get(slip["state"], slip["state"]))}</p>
<table>
<thead>
<tr><th>Tên cơ quan</th><th>Thời gian giao, nhận hồ sơ</th><th>Thời gian hoàn thành</th>
<th>Hạn giải quyết</th><th>Kết quả giải quyết hồ sơ (trước hạn/đúng hạn/quá hạn)</th><th>Ghi chú</th></tr>
</thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""
