"""A dossier's plan by its code, for those who may see the dossier (`shared.visibility`)."""

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.plans import repository
from shared.auth import Principal
from shared.errors import Problem
from shared.visibility import ensure_may_see


async def visible_plan(session: AsyncSession, code: str, who: Principal) -> tuple[Row[Any], list[Row[Any]]]:
    """The plan of dossier ``code`` and its steps in route order: 404 if routing has none, 403 or 404
    for a caller who may not see it."""
    plan = await repository.plan_by_code(session, code)
    if plan is None:
        raise Problem(404, "dossier_not_found", f"Routing has no dossier {code}.")
    steps = await repository.steps_of(session, plan.dossier_id)
    ensure_may_see(
        who,
        code,
        agencies=[plan.lead_agency_code, *(s.agency_code for s in steps)],
        receiving_unit=plan.unit_code,
        return_unit=plan.return_unit_code,
    )
    return plan, steps
