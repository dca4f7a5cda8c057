"""The route plan of a dossier, as the API shows it."""

from fastapi import APIRouter

from services.routing.deps import DossierCode
from services.routing.plans.lookup import visible_plan
from services.routing.plans.schemas import PlanOut, StepOut
from shared.deps import SessionDep, Staff

router = APIRouter(prefix="/v1", tags=["dossiers"])


@router.get("/dossiers/{code}/plan", response_model=PlanOut)
async def dossier_plan(code: DossierCode, session: SessionDep, who: Staff) -> PlanOut:
    """A dossier's route plan with every step and its dues."""
    plan, steps = await visible_plan(session, code, who)
    return PlanOut.model_validate({**plan._mapping, "steps": [StepOut.from_row(s) for s in steps]})
