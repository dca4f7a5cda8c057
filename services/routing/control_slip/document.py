"""The control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05 of Circular 01/2018/TT-VPCP)
as printable HTML, in Vietnamese: everything printed is HTML-escaped, in Vietnam time, UTF-8.

The form's label, title and basis are the slip's: those of the dossier's rule set (the receipt day's,
`service.control_slip`). It prints who the dossier is for, the lead agency and the coordinating ones,
and one row per hand-off with the parties by name where routing knows it (the lead agency's; the others
by code, see `service`), the time handed over with a box for the giver's and one for the receiver's
signature, the time finished, the due and the receiving party's outcome (early / on time / late). The
items follow form 05 as the team read it (docs/rules.md, "Lifecycle": not confirmed against the
official text). The page is `shared.printing.html`'s A4 sheet, as forms 01 to 04 are.
"""

from datetime import datetime
from html import escape
from typing import Any

from shared.clock import VIETNAM
from shared.printing import html as page
from shared.printing import one_line

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
HEADINGS = (
    "Tên cơ quan",
    "Thời gian giao, nhận hồ sơ",
    "Thời gian hoàn thành",
    "Hạn giải quyết",
    "Kết quả giải quyết hồ sơ (trước hạn/đúng hạn/quá hạn)",
    "Ghi chú",
)
SIGNERS = ("Người giao", "Người nhận")

_CSS = """
table.slip { border-collapse: collapse; width: 100%; margin-top: 3mm; font-size: 11pt; }
table.slip th, table.slip td { border: 1px solid #000; padding: 1mm 1.5mm; vertical-align: top; }
table.slip td.party { white-space: pre-line; }
table.slip .late { font-weight: bold; }
.handoff .sign { display: flex; gap: 2mm; margin-top: 1mm; }
.handoff .sign > div { flex: 1 1 0; min-height: 20mm; border: 1px dashed #000; padding: 1mm;
  text-align: center; font-size: 10pt; }
.handoff .sign .hint { font-style: italic; font-size: 9pt; }
@media print { tr { break-inside: avoid; page-break-inside: avoid; } }
"""


def _when(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(VIETNAM).strftime("%H giờ %M, ngày %d/%m/%Y")


def _cell(text: str | None) -> str:
    return f"<td>{escape(text or '')}</td>"


def _handoff(time_in: datetime | None) -> str:
    """The time handed over, under it a box for the giver's and one for the receiver's signature."""
    boxes = "".join(
        f'<div><p>{escape(signer)}</p><p class="hint">(Ký, ghi rõ họ tên)</p></div>' for signer in SIGNERS
    )
    return f'<td class="handoff"><p>{escape(_when(time_in))}</p><div class="sign">{boxes}</div></td>'


def _row_html(row: dict[str, Any]) -> str:
    outcome = row["outcome_label"] or ("Đang quá hạn" if row["overdue_now"] else "")
    due = _when(row["due_at"])
    if row["extended_due_at"] is not None:
        due += f" (gia hạn đến {_when(row['extended_due_at'])})"
    css = f' class="{row["outcome"]}"' if row["outcome"] else ""
    giving = one_line(row.get("giving_name") or row["giving"])
    receiving = one_line(row.get("receiving_name") or row["receiving"])
    cells = [
        f'<td class="party">{escape(f"Giao: {giving}")}\n{escape(f"Nhận: {receiving}")}</td>',
        _handoff(row["time_in"]),
        _cell(_when(row["time_out"])),
        _cell(due),
        f"<td{css}>{escape(outcome)}</td>",
        _cell(" — ".join(filter(None, [_STATE_LABELS.get(row["state"], row["state"]), row["note"]]))),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _coordinating(slip: dict[str, Any]) -> str:
    agencies = slip.get("coordinating_agencies") or []
    return ", ".join(one_line(a["name"] or a["code"]) for a in agencies) or "Không"


def render_html(slip: dict[str, Any]) -> str:
    """Form 05, printable: Vietnamese headings, one table row per hand-off with its signature boxes."""
    lead = one_line(slip["lead_agency_name"] or slip["lead_agency_code"])
    headings = "".join(f"<th>{escape(h)}</th>" for h in HEADINGS)
    rows = "\n".join(_row_html(row) for row in slip["rows"])
    lines = [
        ("Mã hồ sơ: ", slip["code"]),
        ("Kèm theo hồ sơ của: ", one_line(slip.get("applicant_name") or "")),
        ("Thủ tục: ", f"{one_line(slip['procedure_name'])} ({slip['procedure_code']})"),
        ("Cơ quan chủ trì giải quyết: ", lead),
        ("Cơ quan phối hợp giải quyết: ", _coordinating(slip)),
        ("Thời gian nhận hồ sơ: ", _when(slip["received_at"])),
        ("Thời gian trả kết quả theo giấy tiếp nhận: ", _when(slip["due_at"])),
        ("Tình trạng: ", _PLAN_LABELS.get(slip["state"], slip["state"])),
    ]
    return page.document(
        title=f"{slip['form_title']} {slip['code']}",
        css=_CSS,
        body=[
            page.form_number(slip["form_label"]),
            page.form_number(slip["form_basis"]),
            page.title(slip["form_title"].upper()),
            *(page.labelled(label, value) for label, value in lines),
            f'<table class="slip"><thead><tr>{headings}</tr></thead>',
            f"<tbody>\n{rows}\n</tbody></table>",
        ],
    )
