"""The receipt (form 01) as printable HTML or PDF."""

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from services.intake import repository, rules
from services.intake.api import DossierKey
from services.intake.receipt import ReceiptDocument, ReceiptView, receipt_html, receipt_pdf
from services.intake.settings import IntakeSettings
from shared.auth import Principal, require_roles
from shared.deps import SessionDep
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
    request: Request,
    session: SessionDep,
    who: Annotated[Principal, Depends(require_roles("reception"))],
    secret: Annotated[
        Text, Query(min_length=4, max_length=20, description="the secret returned at reception")
    ],
    format: Annotated[Literal["pdf", "html"], Query()] = "pdf",
) -> Response:
    """The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01) with the dossier code, documents,
    receipt and appointment times and a QR code for the citizen's look-up. The look-up secret is only
    stored hashed, so the counter passes the one it was shown at reception."""
    row = await repository.dossier(session, key)
    if row is None or row.code is None:
        raise Problem(404, "dossier_not_found", f"No received dossier {key}.")
    if not rules.lookup_secret_matches(row.code, secret, row.lookup_secret_hash):
        raise Problem(403, "wrong_secret", "That is not this dossier's look-up secret.")
    view = _view(
        request.app.state.settings,
        row,
        await repository.procedure_by_id(session, row.procedure_id),
        await repository.applicant(session, row.applicant_id),
        secret,
        who,
    )
    if format == "html":
        return Response(receipt_html(view), media_type="text/html; charset=utf-8")
    pdf = await run_in_threadpool(receipt_pdf, view)  # CPU-bound: keep the event loop free
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.code}.pdf"', "Cache-Control": "no-store"},
    )


def _view(
    settings: IntakeSettings, row: Any, procedure: Any, applicant: Any, secret: str, who: Principal
) -> ReceiptView:
    provided = set(row.documents)
    return ReceiptView(
        centre_name=settings.centre_name,
        dossier_code=row.code,
        procedure_name=procedure.name,
        procedure_code=procedure.national_code or procedure.code,
        applicant_name=applicant.name,
        applicant_address=applicant.address,
        applicant_phone_masked=rules.mask_phone(applicant.phone),
        received_at=row.received_at,
        appointment_at=row.due_at,
        documents=tuple(
            ReceiptDocument(name=d["name"], original=d.get("original", False), copies=d.get("copies", 1))
            for d in procedure.documents
            if d["code"] in provided
        ),
        received_by=who.sub,
        lookup_url=f"{settings.public_lookup_url}?{urlencode({'code': row.code, 'secret': secret})}",
        lookup_secret=secret,
    )
