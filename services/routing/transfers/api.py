"""Paper transfer batches: the list, the manifest (JSON and printable HTML) and the sign-off.

A batch goes to an agency (a step's papers, to process) or to a unit (paper results to hand over at
its counter, the return unit of dossiers decided elsewhere)."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.deps import Signers
from services.routing.transfers import document, repository, service
from services.routing.transfers.schemas import BatchOut, BatchPage, ManifestOut, SignIn
from shared.auth import Principal
from shared.clock import VIETNAM
from shared.deps import ClockDep, OffsetQuery, SessionDep, Staff
from shared.inputs import Day, Text

# Reception sends the papers to agencies, and receives a unit's results; admins and auditors oversee;
# the receiving agency's officers and leaders see their own (`Staff`). The receiving side signs
# (`Signers`).
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
    unit: Annotated[
        Text | None,
        Query(max_length=40, description="receiving unit: its batches of results to hand over"),
    ] = None,
    on: Annotated[Day | None, Query(alias="date", description="the session's day, Vietnam time")] = None,
    status: Annotated[Literal["open", "signed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    """Paper transfer batches (đợt chuyển hồ sơ giấy), the next to leave first, paginated.

    A batch goes to an agency (`agency_code`: the papers of dossiers it is to process) or to a unit
    (`unit_code`: a unit batch, the paper results its reception hands over at the counter, of
    dossiers received across the boundary or received at another unit and returned at this one).
    Filter by one of `agency` and `unit` (both: 422 `one_destination`). Officers and leaders see
    their own agency's only (403 `not_your_agency` for another, or for a unit); reception with a
    `unit` claim sees every agency's batches and its own unit's only (403 `not_your_unit` for
    another unit)."""
    where = service.list_filter(who, agency_code=agency, unit_code=unit)
    rows, total = await repository.list_batches(
        session,
        agency_code=where.agency_code,
        unit_code=where.unit_code,
        units_of=where.units_of,
        on=on,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [_batch_out(r, r.item_count) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/transfers/{batch_id}", response_model=ManifestOut)
async def manifest(batch_id: UUID, session: SessionDep, who: Staff) -> dict[str, Any]:
    """The transfer manifest (phiếu bàn giao hồ sơ): the batch and its items.

    Each item is a step's papers (`kind` step; `from_unit_code`: the unit they leave, for a dossier
    received across the boundary) or, in a unit batch, a dossier's result (`kind` result, from the
    agency that decided it). 403 `not_your_agency` / `not_your_unit` for who may not see the batch's
    destination."""
    return await _manifest(session, batch_id, who)


@router.get(
    "/transfers/{batch_id}/manifest.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
async def manifest_html(batch_id: UUID, session: SessionDep, who: Staff) -> Response:
    """The transfer manifest as a printable page, with boxes for both sides to sign.

    A unit batch prints as the handover of results (phiếu bàn giao kết quả) to that unit."""
    return Response(
        document.manifest_page(await _manifest(session, batch_id, who)), media_type="text/html; charset=utf-8"
    )


@router.post("/transfers/{batch_id}/sign", response_model=BatchOut)
async def sign(
    batch_id: UUID, body: SignIn, session: SessionDep, clock: ClockDep, who: Signers
) -> dict[str, Any]:
    """The receiving side signs the batch off (ký nhận): an agency's staff, or a unit's reception.

    It is closed and later items go to the next batch. An agency's batch is signed by its officers or
    leaders, a unit batch by the unit's reception; 403 `forbidden_role` for any other role,
    `not_your_agency` for another agency, `not_your_unit` for another unit's reception; 409
    `already_signed` the second time."""
    row = await service.sign(
        session, batch_id=batch_id, signed_by_name=body.signed_by_name, who=who, at=clock.now()
    )
    return _batch_out(row, len(await repository.items(session, batch_id)))
