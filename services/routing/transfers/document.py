"""The transfer manifest (phiếu bàn giao hồ sơ) as a printable page, in Vietnamese, with boxes for both
sides to sign."""

from datetime import datetime
from html import escape
from typing import Any

from shared.clock import VIETNAM

_SESSIONS = {"morning": "Buổi sáng", "afternoon": "Buổi chiều"}
_CENTRE = "Trung tâm Phục vụ hành chính công"
_STYLE = (
    "body{font-family:'Times New Roman',serif;margin:2cm;font-size:13pt}"
    "h1{text-align:center;font-size:16pt}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #000;padding:4px 6px;text-align:left;vertical-align:top}"
    ".motto{text-align:center}.signs{display:flex;justify-content:space-around;margin-top:1.5cm}"
    ".signs div{text-align:center;width:40%;min-height:3cm}"
    "@media print{body{margin:1cm}}"
)


def _vn(t: datetime) -> str:
    return t.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def _sender(item: dict[str, Any]) -> str:
    """Who hands the item over: the previous agency, the receiving unit of a dossier received across
    the boundary, or the one-stop centre."""
    if item["from_agency_code"]:
        return str(item["from_agency_code"])
    if item["from_unit_code"]:
        return f"Bộ phận tiếp nhận và trả kết quả {item['from_unit_code']}"
    return _CENTRE


def _receiver(manifest: dict[str, Any]) -> tuple[str, str]:
    """The page's title and its receiving side: an agency, or the unit a result is handed over at."""
    if manifest["agency_code"] is not None:
        return "PHIẾU BÀN GIAO HỒ SƠ", f"Cơ quan nhận: <b>{escape(manifest['agency_code'])}</b>"
    unit = escape(manifest["unit_code"])
    return "PHIẾU BÀN GIAO KẾT QUẢ", f"Đơn vị nhận (nơi trả kết quả): <b>{unit}</b>"


def manifest_page(manifest: dict[str, Any]) -> str:
    """The manifest as HTML: everything from the database is escaped, the page declares UTF-8."""
    e = escape
    rows = "".join(
        "<tr>"
        f"<td>{n}</td><td>{e(item['code'])}</td>"
        f"<td>{e(item['procedure_name'] or item['procedure_code'] or '')}</td>"
        f"<td>{e(_sender(item))}</td><td>{e(_vn(item['handed_at']))}</td>"
        "</tr>"
        for n, item in enumerate(manifest["items"], start=1)
    )
    title, receiver = _receiver(manifest)
    when = f"{_SESSIONS[manifest['session']]} ngày {manifest['session_date']:%d/%m/%Y}"
    urgent = " (chuyển ngay)" if manifest["kind"] == "immediate" else ""
    if manifest["status"] == "signed":
        receipt = f"<p>Đã ký nhận: {e(manifest['signed_by_name'])}, lúc {e(_vn(manifest['signed_at']))}</p>"
    else:
        receipt = ""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{title.capitalize()} {e(str(manifest['id']))}</title><style>{_STYLE}</style></head><body>"
        '<p class="motto"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>'
        f"<h1>{title}</h1><p>{receiver}</p>"
        f"<p>Đợt chuyển: {e(when)}{urgent}; thời điểm chuyển: {e(_vn(manifest['transfer_at']))}</p>"
        f"<p>Mã đợt: {e(str(manifest['id']))}</p>"
        "<table><thead><tr><th>STT</th><th>Mã hồ sơ</th><th>Thủ tục</th><th>Nơi chuyển</th>"
        f"<th>Thời điểm bàn giao</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>Tổng số: {len(manifest['items'])} hồ sơ.</p>{receipt}"
        '<div class="signs"><div><b>BÊN GIAO</b><br><i>(Ký và ghi rõ họ tên)</i></div>'
        "<div><b>BÊN NHẬN</b><br><i>(Ký và ghi rõ họ tên)</i></div></div>"
        "</body></html>"
    )
