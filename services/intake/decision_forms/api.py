"""Forms 02 (supplement guidance) and 03 (refusal) of a dossier not received, as PDF or HTML."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue import repository as catalogue
from services.intake.decision_forms.document import decision_form_html, decision_form_pdf
from services.intake.decision_forms.view import STORED_FORMS, decision_form_view
from services.intake.deps import DossierKey, IntakeSettingsDep
from services.intake.dossiers import access
from services.intake.dossiers import repository as dossiers
from services.intake.reception import repository as reception
from services.intake.settings import IntakeSettings
from services.intake.units import repository as units
from shared.auth import Principal
from shared.deps import CounterOrPortal, SessionDep
from shared.errors import Problem

router = APIRouter(prefix="/v1", tags=["dossiers"])

Format = Annotated[Literal["pdf", "html"], Query()]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/pdf": {}, "text/html": {}}},
    404: {"description": "No such dossier, or a portal account's request for one it did not submit."},
    403: {"description": "Reception of another unit (`not_your_unit`)."},
}


@router.get(
    "/dossiers/{key}/supplement-guidance",
    response_class=Response,
    responses={
        **_RESPONSES,
        409: {"description": "The dossier was not answered with form 02 (`no_supplement_guidance`)."},
    },
)
async def supplement_guidance(
    key: DossierKey,
    settings: IntakeSettingsDep,
    session: SessionDep,
    who: CounterOrPortal,
    format: Format = "pdf",
) -> Response:
    """Form 02 (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) of an incomplete dossier, as PDF or HTML.

    The supplement guidance reception gave: everything the dossier lacks at once, each item with its
    reason, on the form of the rule set of the day it was issued. For reception (of the dossier's units)
    and the portal account that submitted it online; the dossier by its portal id or id (one not
    received has no code)."""
    return await _print(session, settings, key, who, "supplement", "no_supplement_guidance", format)


@router.get(
    "/dossiers/{key}/refusal",
    response_class=Response,
    responses={
        **_RESPONSES,
        409: {"description": "The dossier was not refused with form 03 (`no_refusal`)."},
    },
)
async def refusal(
    key: DossierKey,
    settings: IntakeSettingsDep,
    session: SessionDep,
    who: CounterOrPortal,
    format: Format = "pdf",
) -> Response:
    """Form 03 (phiếu từ chối tiếp nhận giải quyết hồ sơ) of a refused dossier, as PDF or HTML.

    The refusal reception gave an ineligible dossier, with its reason, on the form of the rule set of
    the day it was issued. Same readers as form 02."""
    return await _print(session, settings, key, who, "refusal", "no_refusal", format)


async def _print(
    session: AsyncSession,
    settings: IntakeSettings,
    key: str,
    who: Principal,
    kind: Literal["supplement", "refusal"],
    problem: str,
    format: Literal["pdf", "html"],
) -> Response:
    row = await access.visible(session, key, who)
    decision = await reception.latest_decision(session, row.id)
    if decision is None or decision.form != STORED_FORMS[kind]:
        answered = f"form {decision.form}" if decision is not None else "no form 02 or 03"
        raise Problem(
            409,
            problem,
            f"Dossier {key} is {row.status} and reception answered it with {answered}, "
            f"not form {STORED_FORMS[kind]}.",
        )
    view = decision_form_view(
        kind,
        settings,
        row,
        decision,
        await catalogue.procedure_by_id(session, row.procedure_id),
        await dossiers.applicant(session, row.applicant_id),
        await units.unit(session, row.unit_code),
    )
    if format == "html":
        return Response(decision_form_html(view), media_type="text/html; charset=utf-8")
    pdf = await run_in_threadpool(decision_form_pdf, view)  # CPU-bound: keep the event loop free
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="mau-{STORED_FORMS[kind]}-{row.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
