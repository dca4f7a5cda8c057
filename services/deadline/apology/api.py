"""Apology letters (form 04): issue one, read it as JSON, printable HTML or PDF, list them, and list
the late dossiers and steps that still owe one."""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Row

from services.deadline.apology import repository, rules, service
from services.deadline.apology.document import ApologyView, apology_html, apology_pdf
from services.deadline.apology.schemas import (
    ApologyIn,
    ApologyList,
    ApologyOut,
    LateWithoutApology,
    LateWithoutApologyList,
)
from services.deadline.deps import AgencyCode, ContextDep
from shared.clock import vietnam_date
from shared.deps import AgencyStaff, ClockDep, OutboxDep, SessionDep, Staff
from shared.errors import Problem
from shared.inputs import Day

# The agency signs (AgencyStaff); the centre (reception, admin, auditor) reads and chases, never signs.
router = APIRouter(prefix="/v1", tags=["apologies"])

DossierCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,60}$", description="the dossier code")]

_ISSUE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the responsible agency (`not_your_agency`) or not an agency role."},
    404: {"description": "Deadline has no such dossier (`dossier_not_found`) or step (`step_not_found`)."},
    409: {
        "description": "`return_date_pending` (the dossier's new return date, `pending_return_date`, still "
        "stands: one at a time) or `clock_closed`. Nothing changed."
    },
    422: {"description": "A bad body, or `return_date_not_in_future` / `return_date_not_after_due`."},
}


def _out(letter: Mapping[str, Any]) -> ApologyOut:
    return ApologyOut.model_validate(
        {
            **letter,
            "issued_before_due": rules.issued_before_due(letter["issued_at"], letter["original_due_at"]),
            "html_url": f"/v1/apologies/{letter['id']}.html",
            "pdf_url": f"/v1/apologies/{letter['id']}.pdf",
        }
    )


def _view(row: Row[Any]) -> ApologyView:
    """The letter as recorded, on the form of its dossier's rule set (`rules.letter_form`)."""
    return ApologyView(
        agency_name=row.agency_name or row.agency_code,
        dossier_code=row.dossier_code,
        applicant_name=row.applicant_name,
        procedure_name=row.procedure_name,
        received_at=row.received_at,
        appointment_at=row.appointment_at,
        reason=row.reason,
        apology=row.apology,
        new_return_date=row.new_return_date,
        signed_by_name=row.signed_by_name,
        signed_by_title=row.signed_by_title,
        issued_at=row.issued_at,
        form=rules.letter_form(row.received_at, issued_at=row.issued_at),
    )


@router.post("/dossiers/{code}/apologies", status_code=201, responses=_ISSUE_ERRORS)
async def issue_apology(
    code: DossierCode,
    body: ApologyIn,
    response: Response,
    session: SessionDep,
    outbox: OutboxDep,
    clock: ClockDep,
    ctx: ContextDep,
    who: AgencyStaff,
) -> ApologyOut:
    """Issue the apology letter (phiếu xin lỗi và hẹn lại ngày trả kết quả, form 04) of the caller's
    agency (the token's `agency`) for the dossier, or for one of its steps (`step_id`): the step's
    agency apologises for a step, the lead agency for the dossier. The new return date must be after
    today (Vietnam) and after the current due; it is kept beside the dues, never replacing them.
    One new return date at a time per dossier (steps included): another letter only once the last
    letter's date has passed, else 409 `return_date_pending`. `timely`: issued no later than one
    working day before the due (`timely_until`); a late letter is still recorded, `timely: false`.
    Audited; emits `dossier.apology_issued`."""
    days = (await ctx.calendars.current(session)).calendar.days
    letter = await service.issue(session, outbox, code=code, body=body, who=who, now=clock.now(), days=days)
    response.headers["Location"] = f"/v1/apologies/{letter['id']}"
    return _out(letter)


@router.get("/apologies", response_model=ApologyList)
async def list_apologies(
    session: SessionDep,
    who: Staff,
    agency: AgencyCode = None,
    issued_from: Annotated[Day | None, Query(alias="from", description="issue date, Vietnam")] = None,
    issued_to: Annotated[Day | None, Query(alias="to", description="issue date, Vietnam, included")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Letters issued, newest first, by issuing agency and issue date. Officers and leaders see their
    own agency's (the default); the centre's roles see every agency's unless `agency` is given."""
    if who.role in ("officer", "leader"):
        agency = agency or who.agency
    service.check_agency(who, agency)
    if issued_from and issued_to and issued_from > issued_to:
        raise Problem(422, "bad_period", f"`from` ({issued_from}) is after `to` ({issued_to}).")
    rows = await repository.letters(
        session, agency=agency, issued_from=issued_from, issued_to=issued_to, limit=limit
    )
    return {"items": [_out(dict(row._mapping)) for row in rows]}


@router.get("/apologies/{letter_id:uuid}", responses={404: {"description": "`letter_not_found`"}})
async def get_apology(letter_id: UUID, session: SessionDep, who: Staff) -> ApologyOut:
    """One letter as recorded: its dates, reason, signer, and where to print it."""
    return _out(dict((await service.visible_letter(session, letter_id, who))._mapping))


@router.get(
    "/apologies/{letter_id:uuid}.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, 404: {"description": "`letter_not_found`"}},
)
async def apology_as_html(letter_id: UUID, session: SessionDep, who: Staff) -> Response:
    """The letter as a printable A4 page (form 04), self-contained."""
    row = await service.visible_letter(session, letter_id, who)
    return Response(
        apology_html(_view(row)), media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/apologies/{letter_id:uuid}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "`letter_not_found`"}},
)
async def apology_as_pdf(letter_id: UUID, session: SessionDep, who: Staff) -> Response:
    """The letter as an A4 PDF (form 04), Vietnamese fonts embedded."""
    row = await service.visible_letter(session, letter_id, who)
    pdf = await run_in_threadpool(apology_pdf, _view(row))  # CPU-bound: keep the event loop free
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="xin-loi-{row.dossier_code}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/late-without-apology", response_model=LateWithoutApologyList)
async def late_without_apology(
    session: SessionDep,
    clock: ClockDep,
    who: Staff,
    agency: AgencyCode = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    """The late dossiers and steps with no apology letter, which the centre chases (đôn đốc): running
    past their due date, or finished on a later date than it (Vietnam dates), most overdue first.
    Officers and leaders see their own agency's; the centre's roles any agency's, or all."""
    if who.role in ("officer", "leader"):
        agency = agency or who.agency
    service.check_agency(who, agency)
    now = clock.now()
    rows = await repository.late_without_letter(session, agency=agency, today=vietnam_date(now), limit=limit)
    return {"agency": agency, "as_of": now, "items": [_late(row, now) for row in rows]}


def _late(row: Row[Any], now: datetime) -> LateWithoutApology:
    until = row.stopped_at if row.state == "stopped" and row.stopped_at else now
    return LateWithoutApology(
        scope=row.scope,
        dossier_id=row.dossier_id,
        code=row.code or "",
        step_id=row.step_id,
        agency_code=row.agency_code,
        state=row.state,
        original_due_at=row.original_due_at or row.late_due_at,
        due_at=row.due_at,
        days_late=rules.days_late(row.late_due_at, until=until),
    )
