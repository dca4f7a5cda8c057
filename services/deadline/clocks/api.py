"""Thin routes of the clocks: a dossier's, and its steps'."""

from typing import Annotated, Any

from fastapi import APIRouter, Path

from services.deadline.clocks import repository
from services.deadline.clocks.schemas import ClockOut, DossierClocksOut
from shared.deps import SessionDep, Staff
from shared.errors import Problem
from shared.inputs import Text
from shared.visibility import ensure_may_see

router = APIRouter(prefix="/v1", tags=["clocks"])


def _clock(row: Any) -> ClockOut:
    return ClockOut.model_validate(row._mapping)


@router.get(
    "/dossiers/{code}/clock",
    response_model=DossierClocksOut,
    responses={403: {"description": "not your agency's dossier"}, 404: {"description": "dossier_not_found"}},
)
async def dossier_clock(
    code: Annotated[Text, Path(description="the dossier code")], session: SessionDep, who: Staff
) -> DossierClocksOut:
    """The dossier's SLA clock and each route step's (đồng hồ thời hạn): the original due (never
    changed), the due after pauses (what lateness and warnings go by), the extended due, working
    minutes paused, state (`pending` until its start is heard, `running`, `paused`, `stopped`).

    Officers and leaders see a dossier their agency leads or holds a step of; reception a dossier
    received or to be returned at its unit."""
    dossier = await repository.dossier_by_code(session, code)
    if dossier is None:
        raise Problem(404, "dossier_not_found", f"The deadline service has heard of no dossier {code}.")
    rows = await repository.clocks_of(session, [dossier.dossier_id])
    ensure_may_see(
        who,
        code,
        agencies=[dossier.lead_agency_code, *(r.agency_code for r in rows)],
        receiving_unit=dossier.unit_code,
        return_unit=dossier.return_unit_code,
    )
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
