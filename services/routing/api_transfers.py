"""Paper transfer batches: the list, the manifest (JSON and printable HTML) and the sign-off."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import transfers
from shared.auth import Principal, require_roles
from shared.clock import VIETNAM
from shared.deps import ClockDep, OffsetQuery, SessionDep
from shared.errors import Problem
from shared.inputs import ONE_LINE, Day, Text
from shared.text import nfc

router = APIRouter(prefix="/v1", tags=["transfers"])

# Reception sends the papers, admins and auditors oversee; officers and leaders see their agency's.
Reader = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor"))]
Receiver = Annotated[Principal, Depends(require_roles("officer", "leader"))]
Name = Annotated[
    str,
    AfterValidator(nfc),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    ONE_LINE,
]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_by_name: Name


class BatchOut(BaseModel):
    id: UUID
    agency_code: str
    kind: Literal["session", "immediate"]
    session: Literal["morning", "afternoon"]
    session_date: date
    transfer_at: datetime
    status: Literal["open", "signed"]
    signed_by_name: str | None
    signed_at: datetime | None
    item_count: int


class ItemOut(BaseModel):
    step_id: UUID
    dossier_id: UUID
    code: str
    procedure_code: str | None
    procedure_name: str | None
    from_agency_code: str | None
    handed_at: datetime
    days: Decimal
    same_day: bool
    reason: str


class ManifestOut(BatchOut):
    items: list[ItemOut]


class BatchPage(BaseModel):
    items: list[BatchOut]
    total: int
    limit: int
    offset: int


def _batch_out(row: Row[Any], item_count: int) -> dict[str, Any]:
    data = dict(row._mapping)
    data["item_count"] = item_count
    # Times leave in Vietnam time, as everywhere in the API; the database keeps UTC.
    for key in ("transfer_at", "signed_at"):
        if data[key] is not None:
            data[key] = data[key].astimezone(VIETNAM)
    return data


async def _manifest(session: AsyncSession, batch_id: UUID, who: Principal) -> dict[str, Any]:
    row = await transfers.batch(session, batch_id)
    if row is None:
        raise Problem(404, "transfer_not_found", f"No transfer batch {batch_id}.")
    transfers.check_agency(who, row.agency_code)
    items = await transfers.items(session, batch_id)
    out = _batch_out(row, len(items))
    out["items"] = [{**item._mapping, "handed_at": item.handed_at.astimezone(VIETNAM)} for item in items]
    return out


@router.get("/transfers", response_model=BatchPage)
async def list_transfers(
    session: SessionDep,
    who: Reader,
    agency: Annotated[
        Text | None, Query(max_length=40, description="receiving agency; officers default to their own")
    ] = None,
    on: Annotated[Day | None, Query(alias="date", description="the session's day, Vietnam time")] = None,
    status: Annotated[Literal["open", "signed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    """Paper transfer batches (đợt chuyển hồ sơ giấy), the next to leave first, paginated.

    Officers and leaders see their own agency's only (403 `not_your_agency` for another)."""
    if who.role in ("officer", "leader"):
        agency = agency or who.agency
    if agency is not None:
        transfers.check_agency(who, agency)
    rows, total = await transfers.list_batches(
        session, agency_code=agency, on=on, status=status, limit=limit, offset=offset
    )
    return {
        "items": [_batch_out(r, r.item_count) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/transfers/{batch_id}", response_model=ManifestOut)
async def manifest(batch_id: UUID, session: SessionDep, who: Reader) -> dict[str, Any]:
    """The transfer manifest (phiếu bàn giao hồ sơ): the batch and its dossiers."""
    return await _manifest(session, batch_id, who)


@router.get(
    "/transfers/{batch_id}/manifest.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
async def manifest_html(batch_id: UUID, session: SessionDep, who: Reader) -> Response:
    """The transfer manifest as a printable page, with boxes for both sides to sign."""
    return Response(
        manifest_page(await _manifest(session, batch_id, who)), media_type="text/html; charset=utf-8"
    )


@router.post("/transfers/{batch_id}/sign", response_model=BatchOut)
async def sign(
    batch_id: UUID, body: SignIn, session: SessionDep, clock: ClockDep, who: Receiver
) -> dict[str, Any]:
    """The receiving agency signs the batch off (ký nhận); it is closed and later papers go to the
    next batch. 403 `not_your_agency` for another agency, 409 `already_signed` the second time."""
    row = await transfers.sign(
        session, batch_id=batch_id, signed_by_name=body.signed_by_name, who=who, at=clock.now()
    )
    return _batch_out(row, len(await transfers.items(session, batch_id)))


# -- the printable page ------------------------------------------------------------------------

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


def manifest_page(manifest: dict[str, Any]) -> str:
    """The manifest as HTML: everything from the database is escaped, the page declares UTF-8."""
    e = escape
    rows = "".join(
        "<tr>"
        f"<td>{n}</td><td>{e(item['code'])}</td>"
        f"<td>{e(item['procedure_name'] or item['procedure_code'] or '')}</td>"
        f"<td>{e(item['from_agency_code'] or _CENTRE)}</td><td>{e(_vn(item['handed_at']))}</td>"
        "</tr>"
        for n, item in enumerate(manifest["items"], start=1)
    )
    when = f"{_SESSIONS[manifest['session']]} ngày {manifest['session_date']:%d/%m/%Y}"
    urgent = " (chuyển ngay)" if manifest["kind"] == "immediate" else ""
    if manifest["status"] == "signed":
        receipt = f"<p>Đã ký nhận: {e(manifest['signed_by_name'])}, lúc {e(_vn(manifest['signed_at']))}</p>"
    else:
        receipt = ""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Phiếu bàn giao hồ sơ {e(str(manifest['id']))}</title><style>{_STYLE}</style></head><body>"
        '<p class="motto"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>'
        "<h1>PHIẾU BÀN GIAO HỒ SƠ</h1>"
        f"<p>Cơ quan nhận: <b>{e(manifest['agency_code'])}</b></p>"
        f"<p>Đợt chuyển: {e(when)}{urgent}; thời điểm chuyển: {e(_vn(manifest['transfer_at']))}</p>"
        f"<p>Mã đợt: {e(str(manifest['id']))}</p>"
        "<table><thead><tr><th>STT</th><th>Mã hồ sơ</th><th>Thủ tục</th><th>Nơi chuyển</th>"
        f"<th>Thời điểm bàn giao</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>Tổng số: {len(manifest['items'])} hồ sơ.</p>{receipt}"
        '<div class="signs"><div><b>BÊN GIAO</b><br><i>(Ký và ghi rõ họ tên)</i></div>'
        "<div><b>BÊN NHẬN</b><br><i>(Ký và ghi rõ họ tên)</i></div></div>"
        "</body></html>"
    )
