"""Paper transfer batches: the list, the manifest (JSON and printable HTML) and the sign-off."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.transfers import document, repository, service
from services.routing.transfers.schemas import BatchOut, BatchPage, ManifestOut, SignIn
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.deps import AgencyStaff, ClockDep, OffsetQuery, SessionDep, Staff
from shared.inputs import Day, Text

# Reception sends the papers, admins and auditors oversee (`Staff`); the receiving agency's officers
# and leaders see their own and sign (`AgencyStaff`).
router = APIRouter(prefix="/v1", tags=["transfers"])


def _batch_out(row: Row[Any], item_count: int) -> dict[str, Any]:
    data = dict(row._mapping)
    data["item_count"] = item_count
    # Times leave in Vietnam time, as everywhere in the API; the database keeps UTC.
    for key in ("transfer_at", "signed_at"):
        if data[key] is not None:
            data[key] = data[key].astimezone(VIETNAM)
    return data


async def _manifest(session: AsyncSession, batch_id: UUID, who: Principal) -> dict[str, Any]:
    row, items = await service.visible_batch(session, batch_id, who)
    out = _batch_out(row, len(items))
    out["items"] = [{**item._mapping, "handed_at": item.handed_at.astimezone(VIETNAM)} for item in items]
    return out


@router.get("/transfers", response_model=BatchPage)
async def list_transfers(
    session: SessionDep,
    who: Staff,
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
        service.check_agency(who, agency)
    rows, total = await repository.list_batches(
        session, agency_code=agency, on=on, status=status, limit=limit, offset=offset
    )
    return {
        "items": [_batch_out(r, r.item_count) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/transfers/{batch_id}", response_model=ManifestOut)
async def manifest(batch_id: UUID, session: SessionDep, who: Staff) -> dict[str, Any]:
    """The transfer manifest (phiếu bàn giao hồ sơ): the batch and its dossiers."""
    return await _manifest(session, batch_id, who)


@router.get(
    "/transfers/{batch_id}/manifest.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
async def manifest_html(batch_id: UUID, session: SessionDep, who: Staff) -> Response:
    """The transfer manifest as a printable page, with boxes for both sides to sign."""
    return Response(
        document.manifest_page(await _manifest(session, batch_id, who)), media_type="text/html; charset=utf-8"
    )


@router.post("/transfers/{batch_id}/sign", response_model=BatchOut)
async def sign(
    batch_id: UUID, body: SignIn, session: SessionDep, clock: ClockDep, who: AgencyStaff
) -> dict[str, Any]:
    """The receiving agency signs the batch off (ký nhận); it is closed and later papers go to the
    next batch. 403 `not_your_agency` for another agency, 409 `already_signed` the second time."""
    row = await service.sign(
        session, batch_id=batch_id, signed_by_name=body.signed_by_name, who=who, at=clock.now()
    )
    return _batch_out(row, len(await repository.items(session, batch_id)))
