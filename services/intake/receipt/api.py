"""The receipt (form 01) as printable HTML or PDF, and form 01 again for a new appointment."""

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.appointment.rules import has_new_appointment
from services.intake.catalogue import repository as catalogue
from services.intake.deps import DossierKey, IntakeSettingsDep
from services.intake.dossiers import access
from services.intake.dossiers import repository as dossiers
from services.intake.dossiers.rules import lookup_secret_matches
from services.intake.receipt.document import ReceiptView, Rescheduled, receipt_html, receipt_pdf
from services.intake.receipt.view import receipt_view
from services.intake.settings import IntakeSettings
from services.intake.units import repository as units
from shared.auth import Principal
from shared.deps import Reception, SessionDep
from shared.errors import Problem
from shared.inputs import Text

router = APIRouter(prefix="/v1", tags=["dossiers"])

Secret = Annotated[Text, Query(min_length=4, max_length=20, description="the secret returned at reception")]
Format = Annotated[Literal["pdf", "html"], Query()]
_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}, "text/html": {}}}}


@router.get("/dossiers/{key}/receipt", response_class=Response, responses=_RESPONSES)
async def receipt(
    key: DossierKey,
    settings: IntakeSettingsDep,
    session: SessionDep,
    who: Reception,
    secret: Secret,
    format: Format = "pdf",
) -> Response:
    """The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01) with the dossier code, documents,
    receipt and appointment times and a QR code for the citizen's look-up, on the form of the rule set
    of its receipt day (a 2021 dossier on Circular 01/2018's), never today's. It also prints what form 01
    asks beyond the papers: the number of sets (one: the dossier does not record it), the regulated
    processing time, where the result is collected (the return unit's name and address), the tracking
    book entry (the dossier code) and the applicant's e-mail when given. The look-up secret is only
    stored hashed, so the counter passes the one it was shown at reception. The appointment is the
    receipt's, also after a pause moved it (`/appointment` prints the new one)."""
    row, view = await _printable(session, settings, key, who, secret)
    return await _printed(view, row.code, format)


@router.get(
    "/dossiers/{key}/appointment",
    response_class=Response,
    responses={
        **_RESPONSES,
        409: {"description": "No pause has moved the appointment of the receipt (`no_new_appointment`)."},
    },
)
async def new_appointment(
    key: DossierKey,
    settings: IntakeSettingsDep,
    session: SessionDep,
    who: Reception,
    secret: Secret,
    format: Format = "pdf",
) -> Response:
    """The new appointment (giấy hẹn lại ngày trả kết quả) after a supplement or a financial obligation
    paused the clock and the procedure's policy moved the due (`dossier.appointment_changed`): form 01
    of the dossier's rule set again, titled as a new appointment, with the receipt's appointment, the
    pause that moved it last (from, to, why) and the new one. The official form lists have no form of
    their own for it, and form 04 is a late agency's apology, which never moves the appointment. For
    reception, with the look-up secret, as the receipt; 409 `no_new_appointment` while the receipt's
    appointment stands."""
    row, view = await _printable(session, settings, key, who, secret)
    if not has_new_appointment(row.due_at, row.appointment_at):
        raise Problem(
            409,
            "no_new_appointment",
            f"The appointment of dossier {row.code} has not moved; the receipt's stands (print the receipt).",
        )
    rescheduled = Rescheduled(
        appointment_at=row.appointment_at,
        reason=row.appointment_reason,
        paused_at=row.appointment_paused_at,
        resumed_at=row.appointment_resumed_at,
    )
    return await _printed(replace(view, rescheduled=rescheduled), f"{row.code}-hen-lai", format)


async def _printable(
    session: AsyncSession, settings: IntakeSettings, key: str, who: Principal, secret: str
) -> tuple[Any, ReceiptView]:
    """The received dossier `who` may see, its secret checked, and what its receipt prints."""
    row = await access.visible(session, key, who)
    if row.code is None:
        raise Problem(404, "dossier_not_found", f"No received dossier {key}.")
    if not lookup_secret_matches(row.code, secret, row.lookup_secret_hash):
        raise Problem(403, "wrong_secret", "That is not this dossier's look-up secret.")
    view = receipt_view(
        settings,
        row,
        await catalogue.procedure_by_id(session, row.procedure_id),
        await dossiers.applicant(session, row.applicant_id),
        await units.unit(session, row.unit_code),
        secret,
        who,
        # Where the citizen collects the result, when it is not the receiving unit.
        await units.unit(session, row.return_unit_code)
        if row.return_unit_code and row.return_unit_code != row.unit_code
        else None,
    )
    return row, view


async def _printed(view: ReceiptView, name: str, format: str) -> Response:
    if format == "html":
        return Response(receipt_html(view), media_type="text/html; charset=utf-8")
    pdf = await run_in_threadpool(receipt_pdf, view)  # CPU-bound: keep the event loop free
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "no-store"},
    )
