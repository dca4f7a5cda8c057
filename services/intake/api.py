"""Thin routes of the intake service: parse, authorize, call the use case, shape the response."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import catalogue, events, reception, repository, rules, supplement
from services.intake.schemas import (
    AcceptIn,
    AgencyIn,
    AgencyOut,
    DecisionOut,
    DocumentItem,
    DossierIn,
    DossierOut,
    Page,
    ProcedureIn,
    ProcedureOut,
    PublicStatus,
    ReturnIn,
    SupplementIn,
    TimelineEntry,
    WithdrawIn,
)
from services.intake.settings import IntakeSettings
from shared.auth import CurrentPrincipal, Principal, require_roles
from shared.deps import ClockDep, OffsetQuery, OutboxDep, SessionDep
from shared.errors import Problem
from shared.inputs import Day, Text
from shared.ratelimit import RateLimiter
from shared.text import search_key
from shared.visibility import ensure_may_see

router = APIRouter(prefix="/v1")

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Counter = Annotated[Principal, Depends(require_roles("reception"))]
CounterOrPortal = Annotated[Principal, Depends(require_roles("reception", "portal"))]
Staff = Annotated[
    Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor", "portal"))
]


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


async def _desk(
    request: Request, outbox: OutboxDep, clock: ClockDep, who: CurrentPrincipal
) -> reception.Desk:
    return reception.Desk(outbox=outbox, clock=clock, who=who, unit_code=_settings(request).centre_unit_code)


DeskDep = Annotated[reception.Desk, Depends(_desk)]
# Looked up in the database: no control character may reach it (PostgreSQL refuses U+0000).
DossierKey = Annotated[Text, Path(description="the dossier's code, portal id or id")]


@router.post("/agencies", status_code=201, response_model=AgencyOut, tags=["catalogue"])
async def register_agency(
    agency: AgencyIn, request: Request, session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: Admin
) -> dict[str, Any]:
    """Register an agency (cơ quan giải quyết). Its code becomes the NATS subject token of its events."""
    return await catalogue.create_agency(
        session,
        outbox=outbox,
        clock=clock,
        who=who,
        agency=agency,
        default_unit=_settings(request).centre_unit_code,
    )


@router.get("/agencies", response_model=list[AgencyOut], tags=["catalogue"])
async def list_agencies(session: SessionDep, who: CurrentPrincipal) -> list[Any]:
    """Every agency of the catalogue."""
    return await repository.list_agencies(session)


@router.post("/procedures", status_code=201, response_model=ProcedureOut, tags=["catalogue"])
async def publish_procedure(
    procedure: ProcedureIn, session: SessionDep, outbox: OutboxDep, clock: ClockDep, who: Admin
) -> dict[str, Any]:
    """Add a procedure (thủ tục hành chính), or a new version of an existing code from `effective_from`.
    Dossiers keep the version in force when they were received."""
    return await catalogue.publish_procedure(
        session, outbox=outbox, clock=clock, who=who, procedure=procedure
    )


@router.get("/procedures", response_model=Page[ProcedureOut], tags=["catalogue"])
async def list_procedures(
    session: SessionDep,
    clock: ClockDep,
    who: CurrentPrincipal,
    field: Annotated[Text | None, Query(max_length=40, description="field (lĩnh vực) code")] = None,
    agency: Annotated[Text | None, Query(max_length=40)] = None,
    q: Annotated[
        Text | None, Query(max_length=100, description="words of the name, with or without diacritics")
    ] = None,
    on: Annotated[Day | None, Query(description="the versions in force on this day (default today)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    """The catalogue as in force on a day, paginated; `q` ignores diacritics (`dang ky` finds `Đăng ký`)."""
    rows, total = await repository.list_procedures(
        session,
        on=on or catalogue.today(clock),
        field_code=field,
        agency_code=agency,
        query=search_key(q) if q else None,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [catalogue.procedure_snapshot(r) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.post("/dossiers", status_code=201, response_model=DossierOut, tags=["dossiers"])
async def submit_dossier(
    dossier_in: DossierIn,
    response: Response,
    session: SessionDep,
    desk: DeskDep,
    who: CounterOrPortal,
    idempotency_key: Annotated[Text | None, Header(max_length=200)] = None,
) -> DossierOut:
    """Hand in a dossier at the counter (`reception`, channel direct or post) or submit it online
    (`portal`, channel online: no code and no clock until reception accepts it).

    A complete, eligible dossier is received at once: code, appointment date and a look-up secret
    (shown only in this response). Otherwise the response carries form 02 (what is missing, all of it)
    or form 03 (the refusal's reason). `Idempotency-Key`: a retry returns the same dossier (200);
    the same key with another body is a 409."""
    outcome = await reception.submit(session, desk, dossier_in, idempotency_key)
    if outcome.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return await _dossier_out(session, outcome.dossier_id, outcome.lookup_secret)


@router.get("/dossiers/{key}", response_model=DossierOut, tags=["dossiers"])
async def get_dossier(key: DossierKey, session: SessionDep, who: Staff) -> DossierOut:
    """A dossier by its code, its portal id or its id."""
    row = await repository.dossier(session, key)
    if row is None:
        raise Problem(404, "dossier_not_found", f"No dossier {key}.")
    procedure = await repository.procedure_by_id(session, row.procedure_id)
    ensure_may_see(
        who, key, agencies=rules.route_agencies(procedure), submitted_by=events.portal_account_of(row)
    )
    return await _dossier_out(session, row.id)


@router.post("/dossiers/{key}/accept", response_model=DossierOut, tags=["dossiers"])
async def accept_online(
    key: DossierKey, check: AcceptIn, session: SessionDep, desk: DeskDep, who: Counter
) -> DossierOut:
    """Reception checks an online submission: received (clock starts now), form 02 or form 03."""
    outcome = await reception.accept(session, desk, key, check)
    return await _dossier_out(session, outcome.dossier_id, outcome.lookup_secret)


@router.post("/dossiers/{key}/withdraw", response_model=DossierOut, tags=["dossiers"])
async def withdraw(
    key: DossierKey, request_in: WithdrawIn, session: SessionDep, desk: DeskDep, who: Counter
) -> DossierOut:
    """The citizen withdraws the dossier (rút hồ sơ), with the reason they gave."""
    outcome = await reception.withdraw(session, desk, key, request_in)
    return await _dossier_out(session, outcome.dossier_id)


@router.post("/dossiers/{key}/return", response_model=DossierOut, tags=["dossiers"])
async def return_result(
    key: DossierKey, request_in: ReturnIn, session: SessionDep, desk: DeskDep, who: Counter
) -> DossierOut:
    """Hand the result over (trả kết quả) at the counter, by post or electronically."""
    outcome = await reception.return_result(session, desk, key, request_in)
    return await _dossier_out(session, outcome.dossier_id)


@router.post("/dossiers/{key}/supplement", response_model=DossierOut, tags=["dossiers"])
async def supplement_dossier(
    key: DossierKey, supplement_in: SupplementIn, session: SessionDep, desk: DeskDep, who: CounterOrPortal
) -> DossierOut:
    """The citizen hands in the papers an agency asked for (bổ sung hồ sơ), at the counter (`reception`)
    or through the portal for its own online dossier. Only a dossier in `supplement_requested`: it goes
    back to `in_processing` and routing resumes the paused step (`dossier.supplement_received`)."""
    outcome = await supplement.receive_supplement(session, desk, key, supplement_in)
    return await _dossier_out(session, outcome.dossier_id)


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
    session: SessionDep,
    code: Annotated[Text, Query(max_length=60)],
    secret: Annotated[Text, Query(min_length=4, max_length=20)],
) -> PublicStatus:
    """A citizen's status look-up with the code and the secret printed on the receipt; no login.
    Rate-limited per client; shows the public timeline only (no personal data, no internal notes)."""
    limiter: RateLimiter = request.app.state.lookup_limiter
    limiter.check(request.client.host if request.client else "unknown")
    row = await repository.dossier(session, code)
    if (
        row is None
        or row.code != code
        or not rules.lookup_secret_matches(code, secret, row.lookup_secret_hash)
    ):
        raise Problem(404, "dossier_not_found", "No dossier matches this code and secret; check the receipt.")
    entries = await repository.public_timeline(session, row.id)
    return PublicStatus(
        code=row.code,
        procedure_name=row.procedure_name,
        status=row.status,
        received_at=row.received_at,
        due_at=row.due_at,
        timeline=[TimelineEntry(at=e.at, status=e.status, note=e.public_note) for e in entries],
    )


async def _dossier_out(session: AsyncSession, dossier_id: Any, secret: str | None = None) -> DossierOut:
    row = await repository.dossier_by_id(session, dossier_id)
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
        applicant_name=row.applicant_name,
        submitted_at=row.submitted_at,
        received_at=row.received_at,
        due_at=row.due_at,
        returned_at=row.returned_at,
        withdrawn_at=row.withdrawn_at,
        documents=list(row.documents),
        decision=_decision(await repository.latest_decision(session, row.id)),
        lookup_secret=secret,
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
