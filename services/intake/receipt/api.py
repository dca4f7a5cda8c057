"""The receipt (form 01) as printable HTML or PDF."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from services.intake.catalogue import repository as catalogue
from services.intake.deps import DossierKey, IntakeSettingsDep
from services.intake.dossiers import access
from services.intake.dossiers import repository as dossiers
from services.intake.dossiers.rules import lookup_secret_matches
from services.intake.receipt.document import receipt_html, receipt_pdf
from services.intake.receipt.view import receipt_view
from services.intake.units import repository as units
from shared.deps import Reception, SessionDep
from shared.errors import Problem
from shared.inputs import Text

router = APIRouter(prefix="/v1", tags=["dossiers"])


@router.get(
    "/dossiers/{key}/receipt",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
async def receipt(
    key: DossierKey,
    settings: IntakeSettingsDep,
    session: SessionDep,
    who: Reception,
    secret: Annotated[
        Text, Query(min_length=4, max_length=20, description="the secret returned at reception")
    ],
    format: Annotated[Literal["pdf", "html"], Query()] = "pdf",
) -> Response:
    """The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01) with the dossier code, documents,
    receipt and appointment times and a QR code for the citizen's look-up, on the form of the rule set
    of its receipt day (a 2021 dossier on Circular 01/2018's), never today's. It also prints what form 01
    asks beyond the papers: the number of sets (one: the dossier does not record it), the regulated
    processing time, where the result is collected (the return unit's name and address), the tracking
    book entry (the dossier code) and the applicant's e-mail when given. The look-up secret is only
    stored hashed, so the counter passes the one it was shown at reception."""
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
    if format == "html":
        return Response(receipt_html(view), media_type="text/html; charset=utf-8")
    pdf = await run_in_threadpool(receipt_pdf, view)  # CPU-bound: keep the event loop free
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.code}.pdf"', "Cache-Control": "no-store"},
    )
