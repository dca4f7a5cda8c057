"""The control slip (form 05) of a dossier, as data and as a printable page."""

from typing import Any

from fastapi import APIRouter, Response

from services.routing.control_slip import document
from services.routing.control_slip.schemas import ControlSlipOut
from services.routing.control_slip.service import control_slip
from services.routing.deps import DossierCode
from shared.deps import ClockDep, SessionDep, Staff

router = APIRouter(prefix="/v1", tags=["dossiers"])


@router.get("/dossiers/{code}/control-slip", response_model=ControlSlipOut)
async def dossier_control_slip(
    code: DossierCode, session: SessionDep, clock: ClockDep, who: Staff
) -> dict[str, Any]:
    """The control slip (form 05): one row per hand-off, giving and receiving agency, times, due and
    the receiving agency's outcome by date (early / on time / late), so lateness is attributed; who the
    dossier is for, and the coordinating agencies. Parties are named where routing knows the name (the
    lead agency's), else by code. The form's number, title and basis are those of the rule set of the
    dossier's receipt day."""
    return await control_slip(session, code, now=clock.now(), who=who)


@router.get(
    "/dossiers/{code}/control-slip.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "form 05, printable"}},
)
async def dossier_control_slip_html(
    code: DossierCode, session: SessionDep, clock: ClockDep, who: Staff
) -> Response:
    """The control slip (form 05) as printable HTML, in Vietnamese, with a box for the giver's and one
    for the receiver's signature on every hand-off."""
    slip = await control_slip(session, code, now=clock.now(), who=who)
    return Response(document.render_html(slip), media_type="text/html; charset=utf-8")
