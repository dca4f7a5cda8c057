"""The control slip (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05), as data and printable HTML.

The rows come from `rules.control_slip_rows`; this module reads the plan and lays the slip out.
Everything printed is HTML-escaped, in Vietnam time, UTF-8.
"""

from dataclasses import asdict
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import repository, rules
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.errors import Problem
from shared.visibility import ensure_may_see

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


async def control_slip(session: AsyncSession, code: str, *, now: datetime, who: Principal) -> dict[str, Any]:
    """The slip of dossier ``code``: one row per hand-off, each with the receiving agency's outcome;
    for those who may see the dossier (`shared.visibility`)."""
    plan = await repository.plan_by_code(session, code)
    if plan is None:
        raise Problem(404, "dossier_not_found", f"Routing has no dossier {code}.")
    steps = await repository.steps_of(session, plan.dossier_id)
    ensure_may_see(who, code, agencies=[plan.lead_agency_code, *(s.agency_code for s in steps)])
    rows = rules.control_slip_rows(
        [
            rules.SlipStep(
                position=s.position,
                group=s.group_no,
                agency_code=s.agency_code,
                state=s.state,
                from_agency_code=s.from_agency_code,
                assigned_at=s.assigned_at,
                closed_at=s.closed_at,
                original_due_at=s.original_due_at,
                sla_due_at=s.sla_due_at,
                due_at=s.due_at,
                extension_granted=s.extension_decision == "granted",
                note=s.note,
            )
            for s in steps
        ],
        resolved_at=plan.closed_at if plan.state == "resolved" else None,
        now=now,
    )
    return {
        "form": "05",
        "code": plan.code,
        "procedure_code": plan.procedure_code,
        "procedure_name": plan.procedure_name,
        "lead_agency_code": plan.lead_agency_code,
        "lead_agency_name": plan.lead_agency_name,
        "received_at": plan.received_at,
        "due_at": plan.due_at,
        "state": plan.state,
        "rows": [
            {
                **asdict(row),
                "outcome_label": rules.OUTCOME_LABELS.get(row.outcome) if row.outcome else None,
            }
            for row in rows
        ],
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
    rows = "\n".join(_row_html(row) for row in slip["rows"])
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Phiếu kiểm soát quá trình giải quyết hồ sơ {escape(slip["code"])}</title>
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
<p class="form">Mẫu số 05</p>
<h1>PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ</h1>
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
