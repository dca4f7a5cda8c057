"""Thin routes of reception: hand in, check, withdraw, supplement and return a dossier, and the citizen's
look-up."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.catalogue.schemas import DocumentItem
from services.intake.deps import CounterDesk, DossierKey, LookupLimiterDep, ReceptionDesk
from services.intake.dossiers import access, rules
from services.intake.dossiers import repository as dossiers
from services.intake.reception import counter, decision, repository, submit, supplement
from services.intake.reception.schemas import (
    AcceptIn,
    DecisionOut,
    DossierIn,
    DossierOut,
    PublicStatus,
    ReturnIn,
    SupplementIn,
    TimelineEntry,
    WithdrawIn,
)
from shared.deps import SessionDep, SignedIn
from shared.errors import Problem
from shared.inputs import Text

router = APIRouter(prefix="/v1")


@router.post("/dossiers", status_code=201, response_model=DossierOut, tags=["dossiers"])
async def submit_dossier(
    dossier_in: DossierIn,
    response: Response,
    session: SessionDep,
    desk: CounterDesk,
    idempotency_key: Annotated[Text | None, Header(max_length=200)] = None,
) -> DossierOut:
    """Hand in a dossier at the counter (`reception`, channel direct or post) or submit it online
    (`portal`, channel online: no code and no clock until reception accepts it).

    A complete, eligible dossier is received at once: code, appointment date and a look-up secret
    (shown only in this response). Otherwise the response carries form 02 (what is missing, all of it)
    or form 03 (the refusal's reason). `Idempotency-Key`: a retry returns the same dossier (200);
    the same key with another body is a 409."""
    outcome = await submit.submit(session, desk, dossier_in, idempotency_key)
    if outcome.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return outcome.shown or await _dossier_out(session, outcome.dossier_id)


@router.get("/dossiers/{key}", response_model=DossierOut, tags=["dossiers"])
async def get_dossier(key: DossierKey, session: SessionDep, who: SignedIn) -> DossierOut:
    """A dossier by its code, its portal id or its id."""
    row = await access.visible(session, key, who)
    return await _dossier_out(session, row.id)


@router.post("/dossiers/{key}/accept", response_model=DossierOut, tags=["dossiers"])
async def accept_online(
    key: DossierKey, check: AcceptIn, session: SessionDep, desk: ReceptionDesk
) -> DossierOut:
    """Reception checks an online submission: received (clock starts now), form 02 or form 03."""
    outcome = await decision.accept(session, desk, key, check)
    return outcome.shown or await _dossier_out(session, outcome.dossier_id)


@router.post("/dossiers/{key}/withdraw", response_model=DossierOut, tags=["dossiers"])
async def withdraw(
    key: DossierKey, request_in: WithdrawIn, session: SessionDep, desk: ReceptionDesk
) -> DossierOut:
    """The citizen withdraws the dossier (rút hồ sơ), with the reason they gave."""
    return await _dossier_out(session, await counter.withdraw(session, desk, key, request_in))


@router.post("/dossiers/{key}/return", response_model=DossierOut, tags=["dossiers"])
async def return_result(
    key: DossierKey, request_in: ReturnIn, session: SessionDep, desk: ReceptionDesk
) -> DossierOut:
    """Hand the result over (trả kết quả) at the counter, by post or electronically."""
    return await _dossier_out(session, await counter.return_result(session, desk, key, request_in))


@router.post("/dossiers/{key}/supplement", response_model=DossierOut, tags=["dossiers"])
async def supplement_dossier(
    key: DossierKey, supplement_in: SupplementIn, session: SessionDep, desk: CounterDesk
) -> DossierOut:
    """The citizen hands in the papers an agency asked for (bổ sung hồ sơ), at the counter (`reception`)
    or through the portal for its own online dossier. Only a dossier in `supplement_requested`: it goes
    back to `in_processing` and routing resumes the paused step (`dossier.supplement_received`)."""
    dossier_id = await supplement.receive_supplement(session, desk, key, supplement_in)
    return await _dossier_out(session, dossier_id)


@router.get(
    "/lookup",
    response_model=PublicStatus,
    tags=["citizens"],
    responses={
        404: {
            "description": "No dossier by this code and secret (`not_found`); which was wrong is not said."
        },
        429: {"description": "Too many look-ups from this client (`rate_limited`, with `Retry-After`)."},
    },
)
async def lookup(
    request: Request,
    limiter: LookupLimiterDep,
    session: SessionDep,
    code: Annotated[Text, Query(max_length=60)],
    secret: Annotated[Text, Query(min_length=4, max_length=20)],
) -> PublicStatus:
    """A citizen's status look-up with the code and the secret printed on the receipt; no login.
    Rate-limited per client; shows the public timeline only (no personal data, no internal notes), and
    the appointment now (`appointment_at`) beside the receipt's (`due_at`) once a pause has moved it."""
    limiter.check(request.client.host if request.client else "unknown")
    row = await dossiers.dossier(session, code)
    if (
        row is None
        or row.code != code
        or not rules.lookup_secret_matches(code, secret, row.lookup_secret_hash)
    ):
        raise Problem(404, "dossier_not_found", "No dossier matches this code and secret; check the receipt.")
    entries = await dossiers.public_timeline(session, row.id)
    return PublicStatus(
        code=row.code,
        procedure_name=row.procedure_name,
        status=row.status,
        received_at=row.received_at,
        due_at=row.due_at,
        appointment_at=row.appointment_at or row.due_at,
        timeline=[TimelineEntry(at=e.at, status=e.status, note=e.public_note) for e in entries],
    )


async def _dossier_out(session: AsyncSession, dossier_id: UUID) -> DossierOut:
    row = await dossiers.dossier_by_id(session, dossier_id)
    return DossierOut(
        id=row.id,
        code=row.code,
        portal_id=row.portal_id,
        status=row.status,
        procedure_code=row.procedure_code,
        procedure_version=row.procedure_version,
        procedure_name=row.procedure_name,
        channel=row.channel,
        service_level=row.service_level,
        unit_code=row.unit_code,
        return_unit_code=row.return_unit_code or row.unit_code,
        received_across_boundary=row.received_across_boundary,
        applicant_name=row.applicant_name,
        submitted_at=row.submitted_at,
        received_at=row.received_at,
        rule_set=row.rule_set,
        due_at=row.due_at,
        appointment_at=row.appointment_at or row.due_at,
        returned_at=row.returned_at,
        withdrawn_at=row.withdrawn_at,
        documents=list(row.documents),
        decision=_decision(await repository.latest_decision(session, row.id)),
    )


def _decision(row: Row[Any] | None) -> DecisionOut | None:
    if row is None:
        return None
    return DecisionOut(
        form=row.form,
        missing_documents=[DocumentItem(**d) for d in row.missing_documents],
        reason=row.reason,
        issued_at=row.issued_at,
    )
