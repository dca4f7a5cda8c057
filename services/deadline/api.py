"""Thin routes of the deadline service: a dossier's clocks, and the extensions decided."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from services.deadline import repository, rules
from services.deadline.schemas import ClockOut, DossierClocksOut, ExtensionOut, Page
from shared.auth import Principal, require_roles
from shared.deps import OffsetQuery, SessionDep
from shared.errors import Problem
from shared.inputs import Text
from shared.visibility import ensure_may_see

router = APIRouter(prefix="/v1")

Staff = Annotated[Principal, Depends(require_roles("reception", "officer", "leader", "admin", "auditor"))]
Overseers = Annotated[Principal, Depends(require_roles("leader", "admin", "auditor"))]

_AGENCY_ONLY = "Officers and leaders see their own agency's dossiers and steps only."


def _clock(row: Any) -> ClockOut:
    return ClockOut.model_validate(row._mapping)


@router.get(
    "/dossiers/{code}/clock",
    response_model=DossierClocksOut,
    tags=["clocks"],
    responses={403: {"description": "not your agency's dossier"}, 404: {"description": "dossier_not_found"}},
)
async def dossier_clock(
    code: Annotated[Text, Path(description="the dossier code")], session: SessionDep, who: Staff
) -> DossierClocksOut:
    """The dossier's SLA clock and each route step's (đồng hồ thời hạn): the original due (never
    changed), the due after pauses (what lateness and warnings go by), the extended due, working
    minutes paused, state (`pending` until its start is heard, `running`, `paused`, `stopped`).

    Officers and leaders see a dossier their agency leads or holds a step of."""
    dossier = await repository.dossier_by_code(session, code)
    if dossier is None:
        raise Problem(404, "dossier_not_found", f"The deadline service has heard of no dossier {code}.")
    rows = await repository.clocks_of(session, [dossier.dossier_id])
    ensure_may_see(who, code, agencies=[dossier.lead_agency_code, *(r.agency_code for r in rows)])
    own = next((r for r in rows if r.scope == "dossier"), None)
    return DossierClocksOut(
        dossier_id=dossier.dossier_id,
        code=dossier.code,
        lead_agency_code=dossier.lead_agency_code,
        procedure_code=dossier.procedure_code,
        received_at=dossier.received_at,
        ended_at=dossier.ended_at,
        end_reason=dossier.end_reason,
        clock=None if own is None else _clock(own),
        steps=[_clock(r) for r in rows if r.scope == "step"],
    )


@router.get(
    "/extensions",
    response_model=Page[ExtensionOut],
    tags=["extensions"],
    responses={403: {"description": "a leader asking for another agency"}},
)
async def list_extensions(
    session: SessionDep,
    who: Overseers,
    agency: Annotated[Text | None, Query(min_length=1, max_length=50)] = None,
    state: Literal["granted", "denied"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Page[ExtensionOut]:
    """Extension requests (xin gia hạn) and their decisions, newest request first: a leader's own
    agency (the default for leaders), any agency or all for admin and auditor."""
    if who.role == "leader":
        if agency is not None and agency != who.agency:
            raise Problem(403, "not_your_agency", _AGENCY_ONLY)
        agency = who.agency
    rows, total = await repository.list_extensions(
        session, agency=agency, state=state, limit=limit, offset=offset
    )
    items = [
        ExtensionOut.model_validate(
            {**r._mapping, "denial_text": rules.DENIALS.get(r.denial_code) if r.denial_code else None}
        )
        for r in rows
    ]
    return Page[ExtensionOut](items=items, total=total, limit=limit, offset=offset)
